#include "textflag.h"

// ZHALF2 is IZHHALF2 on zmm registers: a half step of v for two groups
// of eight neurons (Z0–Z3 and Z4–Z7), their operations interleaved, each
// group's in the scalar loop's order (Z8 h, Z9 0.04, Z10 5, Z11 140).
#define ZHALF2 \
	VMULPD Z9, Z0, Z3; VMULPD Z9, Z4, Z7; VADDPD Z10, Z3, Z3; VADDPD Z10, Z7, Z7; \
	VMULPD Z0, Z3, Z3; VMULPD Z4, Z7, Z7; VADDPD Z11, Z3, Z3; VADDPD Z11, Z7, Z7; \
	VSUBPD Z1, Z3, Z3; VSUBPD Z5, Z7, Z7; VADDPD Z2, Z3, Z3; VADDPD Z6, Z7, Z7; \
	VMULPD Z3, Z8, Z3; VMULPD Z7, Z8, Z7; VADDPD Z3, Z0, Z0; VADDPD Z7, Z4, Z4

// func izhAVX512(v, u, in *float64, n int, k *[10]float64, spikes *int32) int
//
// izhAVX2's loop of eight on zmm registers (AVX512F): sixteen neurons per
// loop, two groups of eight, n a multiple of 16. The spike rule is done
// with masks: x ← c and y ← y + d where x ≥ peak (K1, K2).
// Registers: Z8 h, Z9 0.04, Z10 5, Z11 140, Z16 k_syn, Z17 b, Z18 dt·a,
// Z19 the peak, Z20 c, Z21 d; group A Z0 x, Z1 y, Z2 I, Z3 scratch;
// group B Z4–Z7. Y15/Z15 and R14 are not touched.
TEXT ·izhAVX512(SB), NOSPLIT, $0-56
	MOVQ v+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ in+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), AX
	MOVQ spikes+40(FP), R9
	VBROADCASTSD 0(AX), Z8   // h
	VBROADCASTSD 8(AX), Z9   // 0.04
	VBROADCASTSD 16(AX), Z10 // 5
	VBROADCASTSD 24(AX), Z11 // 140
	VBROADCASTSD 32(AX), Z16 // k_syn
	VBROADCASTSD 40(AX), Z17 // b
	VBROADCASTSD 48(AX), Z18 // dt·a
	VBROADCASTSD 72(AX), Z19 // peak
	VBROADCASTSD 56(AX), Z20 // c
	VBROADCASTSD 64(AX), Z21 // d
	XORQ BX, BX
	XORQ R10, R10

z16loop:
	CMPQ BX, CX
	JGE  z16done
	VMOVUPD (DX)(BX*8), Z2    // I
	VMOVUPD 64(DX)(BX*8), Z6
	VMULPD  Z16, Z2, Z3       // I·k_syn
	VMULPD  Z16, Z6, Z7
	VMOVUPD Z3, (DX)(BX*8)
	VMOVUPD Z7, 64(DX)(BX*8)
	VMOVUPD (DI)(BX*8), Z0    // x
	VMOVUPD 64(DI)(BX*8), Z4
	VMOVUPD (SI)(BX*8), Z1    // y
	VMOVUPD 64(SI)(BX*8), Z5
	// x += h·((0.04·x + 5)·x + 140 − y + I), twice
	ZHALF2
	ZHALF2
	// y += dt·a·(b·x − y)
	VMULPD  Z17, Z0, Z3
	VMULPD  Z17, Z4, Z7
	VSUBPD  Z1, Z3, Z3
	VSUBPD  Z5, Z7, Z7
	VMULPD  Z18, Z3, Z3
	VMULPD  Z18, Z7, Z7
	VADDPD  Z3, Z1, Z1
	VADDPD  Z7, Z5, Z5
	// spike: x ≥ peak → x = c, y += d
	VCMPPD  $0x1d, Z19, Z0, K1
	VCMPPD  $0x1d, Z19, Z4, K2
	VMOVAPD Z20, K1, Z0
	VMOVAPD Z20, K2, Z4
	VADDPD  Z21, Z1, K1, Z1
	VADDPD  Z21, Z5, K2, Z5
	VMOVUPD Z0, (DI)(BX*8)
	VMOVUPD Z4, 64(DI)(BX*8)
	VMOVUPD Z1, (SI)(BX*8)
	VMOVUPD Z5, 64(SI)(BX*8)
	KMOVW   K1, R11
	KMOVW   K2, R8
	SHLQ    $8, R8
	ORQ     R8, R11
	JNZ     z16spikes

z16next:
	ADDQ $16, BX
	JMP  z16loop

z16spikes:
	BSFQ R11, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R10*4)
	INCQ R10
	LEAQ -1(R11), R8
	ANDQ R8, R11
	JNZ  z16spikes
	JMP  z16next

z16done:
	VZEROUPPER
	MOVQ R10, ret+48(FP)
	RET

// ZREF8 finishes a group of eight LIF or COBA neurons (lifAVX512,
// cobaAVX512) as lifAVX2's loop finishes four: Z3 the old v, Z4 the new
// x; it counts the refractory ones down, keeps their v (K2), stores v,
// and jumps to SPIKES if any neuron reached threshold and was not
// refractory (K3, its bits in R11).
#define ZREF8(SPIKES) \
	VMOVDQU (R8)(BX*4), Y6; VPXOR Y5, Y5, Y5; VPCMPGTD Y5, Y6, Y7; \
	VPADDD Y7, Y6, Y6; VMOVDQU Y6, (R8)(BX*4); \
	VPMOVSXDQ Y7, Z7; VPTESTMQ Z7, Z7, K2; \
	VCMPPD $0x1d, Z14, Z4, K3; KANDNW K3, K2, K3; \
	VMOVAPD Z3, K2, Z4; VMOVUPD Z4, (DI)(BX*8); \
	KMOVW K3, R11; TESTQ R11, R11; JNZ SPIKES

// ZDECAY8 loads the two currents of eight neurons (Z0, Z1) and stores
// them decayed by de and di (Z12, Z13).
#define ZDECAY8 \
	VMOVUPD (SI)(BX*8), Z0; VMOVUPD (DX)(BX*8), Z1; \
	VMULPD Z12, Z0, Z2; VMOVUPD Z2, (SI)(BX*8); \
	VMULPD Z13, Z1, Z2; VMOVUPD Z2, (DX)(BX*8)

// ZCONST7 broadcasts the seven constants k[0…6] to Z8–Z14.
#define ZCONST7 \
	VBROADCASTSD 0(AX), Z8; VBROADCASTSD 8(AX), Z9; VBROADCASTSD 16(AX), Z10; \
	VBROADCASTSD 24(AX), Z11; VBROADCASTSD 32(AX), Z12; VBROADCASTSD 40(AX), Z13; \
	VBROADCASTSD 48(AX), Z14

// ZSPIKES8 writes the indices BX + bit of the bits of R11 to the spikes
// (R9, count R10), ascending, and jumps to NEXT.
#define ZSPIKES8(NEXT) \
	BSFQ R11, R12; ADDQ BX, R12; MOVL R12, (R9)(R10*4); INCQ R10; \
	LEAQ -1(R11), R13; ANDQ R13, R11; JNZ -6(PC); JMP NEXT

// func lifAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int
//
// lifAVX2 on eight neurons per loop (AVX512F), n a multiple of 8: the
// same operations in the same order. Registers as lifAVX2's, on zmm;
// K2 refractory, K3 the spikes.
TEXT ·lifAVX512(SB), NOSPLIT, $0-64
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	MOVQ spikes+48(FP), R9
	ZCONST7 // pm, v0, pe, pi, de, di, vth
	XORQ BX, BX
	XORQ R10, R10

zlifloop:
	CMPQ BX, CX
	JGE  zlifdone
	ZDECAY8
	VMOVUPD (DI)(BX*8), Z3   // v
	VMULPD  Z8, Z3, Z4       // v·pm
	VADDPD  Z9, Z4, Z4       // + v0
	VMULPD  Z10, Z0, Z5      // ie·pe
	VADDPD  Z5, Z4, Z4
	VMULPD  Z11, Z1, Z5      // ii·pi
	VADDPD  Z5, Z4, Z4       // x
	ZREF8(zlifspikes)

zlifnext:
	ADDQ $8, BX
	JMP  zlifloop

zlifspikes:
	ZSPIKES8(zlifnext)

zlifdone:
	VZEROUPPER
	MOVQ R10, ret+56(FP)
	RET

// func cobaAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int
//
// cobaAVX2 on eight neurons per loop (AVX512F), n a multiple of 8, as
// lifAVX512.
TEXT ·cobaAVX512(SB), NOSPLIT, $0-64
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	MOVQ spikes+48(FP), R9
	ZCONST7 // dt/τ_m, E_L + I_b, E_e, E_i, de, di, vth
	XORQ BX, BX
	XORQ R10, R10

zcobaloop:
	CMPQ BX, CX
	JGE  zcobadone
	ZDECAY8
	VMOVUPD (DI)(BX*8), Z3   // x = v
	VSUBPD  Z3, Z9, Z4       // vl − x
	VSUBPD  Z3, Z10, Z5      // E_e − x
	VMULPD  Z5, Z0, Z5       // e·(E_e − x)
	VADDPD  Z5, Z4, Z4
	VSUBPD  Z3, Z11, Z5      // E_i − x
	VMULPD  Z5, Z1, Z5       // h·(E_i − x)
	VADDPD  Z5, Z4, Z4
	VMULPD  Z4, Z8, Z4       // k·(…)
	VADDPD  Z4, Z3, Z4       // x + k·(…)
	ZREF8(zcobaspikes)

zcobanext:
	ADDQ $8, BX
	JMP  zcobaloop

zcobaspikes:
	ZSPIKES8(zcobanext)

zcobadone:
	VZEROUPPER
	MOVQ R10, ret+56(FP)
	RET
