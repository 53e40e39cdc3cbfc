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
