#include "textflag.h"

// Registers of both kernels:
//   DI v, SI ge, DX gi, R8 ref, CX n, R9 spikes, BX i, R10 spike count
//   Y8–Y14 the seven constants, broadcast
//   Y0 g_e, Y1 g_i, Y3 v, Y4 the new v, Y6 ref (4 × int32), Y7 refractory mask
// Y15 and R14 (the Go ABI's zero and g registers) are not touched.

// func lifAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int
TEXT ·lifAVX2(SB), NOSPLIT, $0-64
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	MOVQ spikes+48(FP), R9
	VBROADCASTSD 0(AX), Y8   // pm
	VBROADCASTSD 8(AX), Y9   // v0
	VBROADCASTSD 16(AX), Y10 // pe
	VBROADCASTSD 24(AX), Y11 // pi
	VBROADCASTSD 32(AX), Y12 // de
	VBROADCASTSD 40(AX), Y13 // di
	VBROADCASTSD 48(AX), Y14 // vth
	XORQ BX, BX
	XORQ R10, R10

lifloop:
	CMPQ BX, CX
	JGE  lifdone
	VMOVUPD (SI)(BX*8), Y0   // ie
	VMOVUPD (DX)(BX*8), Y1   // ii
	VMULPD  Y12, Y0, Y2      // ie·de
	VMOVUPD Y2, (SI)(BX*8)
	VMULPD  Y13, Y1, Y2      // ii·di
	VMOVUPD Y2, (DX)(BX*8)
	VMOVUPD (DI)(BX*8), Y3   // v
	VMULPD  Y8, Y3, Y4       // v·pm
	VADDPD  Y9, Y4, Y4       // + v0
	VMULPD  Y10, Y0, Y5      // ie·pe
	VADDPD  Y5, Y4, Y4
	VMULPD  Y11, Y1, Y5      // ii·pi
	VADDPD  Y5, Y4, Y4       // x
	VMOVDQU (R8)(BX*4), X6   // ref
	VPXOR   X5, X5, X5
	VPCMPGTD X5, X6, X7      // ref > 0: −1
	VPADDD  X7, X6, X6       // ref − 1 where refractory
	VMOVDQU X6, (R8)(BX*4)
	VPMOVSXDQ X7, Y7         // the mask on 64 bits
	VBLENDVPD Y7, Y3, Y4, Y2 // refractory: v unchanged; else x
	VMOVUPD Y2, (DI)(BX*8)
	VCMPPD  $0x1d, Y14, Y4, Y5 // x >= vth (ordered)
	VANDNPD Y5, Y7, Y5       // and not refractory
	VMOVMSKPD Y5, R11
	TESTQ   R11, R11
	JNZ     lifspikes

lifnext:
	ADDQ $4, BX
	JMP  lifloop

lifspikes:
	BSFQ R11, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R10*4)
	INCQ R10
	LEAQ -1(R11), R13
	ANDQ R13, R11
	JNZ  lifspikes
	JMP  lifnext

lifdone:
	VZEROUPPER
	MOVQ R10, ret+56(FP)
	RET

// func cobaAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int
TEXT ·cobaAVX2(SB), NOSPLIT, $0-64
	MOVQ v+0(FP), DI
	MOVQ ge+8(FP), SI
	MOVQ gi+16(FP), DX
	MOVQ ref+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	MOVQ spikes+48(FP), R9
	VBROADCASTSD 0(AX), Y8   // k = dt/τ_m
	VBROADCASTSD 8(AX), Y9   // vl = E_L + I_b
	VBROADCASTSD 16(AX), Y10 // E_e
	VBROADCASTSD 24(AX), Y11 // E_i
	VBROADCASTSD 32(AX), Y12 // de
	VBROADCASTSD 40(AX), Y13 // di
	VBROADCASTSD 48(AX), Y14 // vth
	XORQ BX, BX
	XORQ R10, R10

cobaloop:
	CMPQ BX, CX
	JGE  cobadone
	VMOVUPD (SI)(BX*8), Y0   // e
	VMOVUPD (DX)(BX*8), Y1   // h
	VMULPD  Y12, Y0, Y2      // e·de
	VMOVUPD Y2, (SI)(BX*8)
	VMULPD  Y13, Y1, Y2      // h·di
	VMOVUPD Y2, (DX)(BX*8)
	VMOVUPD (DI)(BX*8), Y3   // x = v
	VSUBPD  Y3, Y9, Y4       // vl − x
	VSUBPD  Y3, Y10, Y5      // E_e − x
	VMULPD  Y5, Y0, Y5       // e·(E_e − x)
	VADDPD  Y5, Y4, Y4
	VSUBPD  Y3, Y11, Y5      // E_i − x
	VMULPD  Y5, Y1, Y5       // h·(E_i − x)
	VADDPD  Y5, Y4, Y4
	VMULPD  Y4, Y8, Y4       // k·(…)
	VADDPD  Y4, Y3, Y4       // x + k·(…)
	VMOVDQU (R8)(BX*4), X6   // ref
	VPXOR   X5, X5, X5
	VPCMPGTD X5, X6, X7      // ref > 0: −1
	VPADDD  X7, X6, X6       // ref − 1 where refractory
	VMOVDQU X6, (R8)(BX*4)
	VPMOVSXDQ X7, Y7
	VBLENDVPD Y7, Y3, Y4, Y2 // refractory: v unchanged; else the new x
	VMOVUPD Y2, (DI)(BX*8)
	VCMPPD  $0x1d, Y14, Y4, Y5 // x >= vth (ordered)
	VANDNPD Y5, Y7, Y5
	VMOVMSKPD Y5, R11
	TESTQ   R11, R11
	JNZ     cobaspikes

cobanext:
	ADDQ $4, BX
	JMP  cobaloop

cobaspikes:
	BSFQ R11, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R10*4)
	INCQ R10
	LEAQ -1(R11), R13
	ANDQ R13, R11
	JNZ  cobaspikes
	JMP  cobanext

cobadone:
	VZEROUPPER
	MOVQ R10, ret+56(FP)
	RET

// IZHHALF is a half step of v for one group of four neurons, in the
// scalar loop's order: X += h·((0.04·X + 5)·X + 140 − Y + I), T scratch
// (Y8 h, Y9 0.04, Y10 5, Y11 140).
#define IZHHALF(X, Y, I, T) \
	VMULPD Y9, X, T; VADDPD Y10, T, T; VMULPD X, T, T; VADDPD Y11, T, T; \
	VSUBPD Y, T, T; VADDPD I, T, T; VMULPD T, Y8, T; VADDPD T, X, X

// IZHHALF2 is IZHHALF for the two groups of the loop of eight (Y0–Y3 and
// Y4–Y7), their operations interleaved one by one.
#define IZHHALF2 \
	VMULPD Y9, Y0, Y3; VMULPD Y9, Y4, Y7; VADDPD Y10, Y3, Y3; VADDPD Y10, Y7, Y7; \
	VMULPD Y0, Y3, Y3; VMULPD Y4, Y7, Y7; VADDPD Y11, Y3, Y3; VADDPD Y11, Y7, Y7; \
	VSUBPD Y1, Y3, Y3; VSUBPD Y5, Y7, Y7; VADDPD Y2, Y3, Y3; VADDPD Y6, Y7, Y7; \
	VMULPD Y3, Y8, Y3; VMULPD Y7, Y8, Y7; VADDPD Y3, Y0, Y0; VADDPD Y7, Y4, Y4

// func izhAVX2(v, u, in *float64, n int, k *[10]float64, spikes *int32) int
//
// Eight neurons per loop, two groups of four whose dependent chains are
// interleaved (each group's operations in the scalar loop's order), so
// that the processor always has two independent chains to schedule; a
// last group of four, if n is not a multiple of 8, in the loop after.
// Registers of the loop of eight: Y8 h, Y9 0.04, Y10 5, Y11 140; group A
// Y0 x, Y1 y, Y2 I, Y3 scratch, Y12 its spike mask; group B Y4–Y7, Y13;
// k_syn, b, dt·a, the peak, c and d broadcast on the stack (0, 32, …,
// 160(SP)). R13 the end of the loop of eight, R11 and R8 the masks.
TEXT ·izhAVX2(SB), NOSPLIT, $192-56
	MOVQ v+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ in+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), AX
	MOVQ spikes+40(FP), R9
	VBROADCASTSD 0(AX), Y8   // h
	VBROADCASTSD 8(AX), Y9   // 0.04
	VBROADCASTSD 16(AX), Y10 // 5
	VBROADCASTSD 24(AX), Y11 // 140
	VBROADCASTSD 32(AX), Y3
	VMOVUPD Y3, 0(SP)        // k_syn
	VBROADCASTSD 40(AX), Y3
	VMOVUPD Y3, 32(SP)       // b
	VBROADCASTSD 48(AX), Y3
	VMOVUPD Y3, 64(SP)       // dt·a
	VBROADCASTSD 72(AX), Y3
	VMOVUPD Y3, 96(SP)       // peak
	VBROADCASTSD 56(AX), Y3
	VMOVUPD Y3, 128(SP)      // c
	VBROADCASTSD 64(AX), Y3
	VMOVUPD Y3, 160(SP)      // d
	XORQ BX, BX
	XORQ R10, R10
	MOVQ CX, R13
	ANDQ $-8, R13

izh8loop:
	CMPQ BX, R13
	JGE  izh4
	VMOVUPD (DX)(BX*8), Y2    // I
	VMOVUPD 32(DX)(BX*8), Y6
	VMULPD  0(SP), Y2, Y3     // I·k_syn
	VMULPD  0(SP), Y6, Y7
	VMOVUPD Y3, (DX)(BX*8)
	VMOVUPD Y7, 32(DX)(BX*8)
	VMOVUPD (DI)(BX*8), Y0    // x
	VMOVUPD 32(DI)(BX*8), Y4
	VMOVUPD (SI)(BX*8), Y1    // y
	VMOVUPD 32(SI)(BX*8), Y5
	// x += h·((0.04·x + 5)·x + 140 − y + I), twice
	IZHHALF2
	IZHHALF2
	// y += dt·a·(b·x − y)
	VMULPD  32(SP), Y0, Y3
	VMULPD  32(SP), Y4, Y7
	VSUBPD  Y1, Y3, Y3
	VSUBPD  Y5, Y7, Y7
	VMULPD  64(SP), Y3, Y3
	VMULPD  64(SP), Y7, Y7
	VADDPD  Y3, Y1, Y1
	VADDPD  Y7, Y5, Y5
	// spike: x ≥ peak → x = c, y += d
	VCMPPD  $0x1d, 96(SP), Y0, Y12
	VCMPPD  $0x1d, 96(SP), Y4, Y13
	VBLENDVPD Y12, 128(SP), Y0, Y0
	VBLENDVPD Y13, 128(SP), Y4, Y4
	VADDPD  160(SP), Y1, Y3
	VADDPD  160(SP), Y5, Y7
	VBLENDVPD Y12, Y3, Y1, Y1
	VBLENDVPD Y13, Y7, Y5, Y5
	VMOVUPD Y0, (DI)(BX*8)
	VMOVUPD Y4, 32(DI)(BX*8)
	VMOVUPD Y1, (SI)(BX*8)
	VMOVUPD Y5, 32(SI)(BX*8)
	VMOVMSKPD Y12, R11
	VMOVMSKPD Y13, R8
	SHLQ    $4, R8
	ORQ     R8, R11
	JNZ     izh8spikes

izh8next:
	ADDQ $8, BX
	JMP  izh8loop

izh8spikes:
	BSFQ R11, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R10*4)
	INCQ R10
	LEAQ -1(R11), R8
	ANDQ R8, R11
	JNZ  izh8spikes
	JMP  izh8next

	// A last group of four: the loop of four with the constants in Y12–
	// Y14 again.
izh4:
	VBROADCASTSD 32(AX), Y12 // k_syn
	VBROADCASTSD 40(AX), Y13 // b
	VBROADCASTSD 48(AX), Y14 // dt·a

izhloop:
	CMPQ BX, CX
	JGE  izhdone
	VMOVUPD (DX)(BX*8), Y2   // I
	VMULPD  Y12, Y2, Y5      // I·k_syn
	VMOVUPD Y5, (DX)(BX*8)
	VMOVUPD (DI)(BX*8), Y0   // x
	VMOVUPD (SI)(BX*8), Y1   // y
	// x += h·((0.04·x + 5)·x + 140 − y + I), twice
	IZHHALF(Y0, Y1, Y2, Y3)
	IZHHALF(Y0, Y1, Y2, Y3)
	// y += dt·a·(b·x − y)
	VMULPD  Y13, Y0, Y3
	VSUBPD  Y1, Y3, Y3
	VMULPD  Y3, Y14, Y3
	VADDPD  Y3, Y1, Y1
	// spike: x ≥ peak → x = c, y += d
	VBROADCASTSD 72(AX), Y6  // peak
	VCMPPD  $0x1d, Y6, Y0, Y4
	VBROADCASTSD 56(AX), Y6  // c
	VBLENDVPD Y4, Y6, Y0, Y0
	VBROADCASTSD 64(AX), Y7  // d
	VADDPD  Y7, Y1, Y5
	VBLENDVPD Y4, Y5, Y1, Y1
	VMOVUPD Y0, (DI)(BX*8)
	VMOVUPD Y1, (SI)(BX*8)
	VMOVMSKPD Y4, R11
	TESTQ   R11, R11
	JNZ     izhspikes

izhnext:
	ADDQ $4, BX
	JMP  izhloop

izhspikes:
	BSFQ R11, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R10*4)
	INCQ R10
	LEAQ -1(R11), R13
	ANDQ R13, R11
	JNZ  izhspikes
	JMP  izhnext

izhdone:
	VZEROUPPER
	MOVQ R10, ret+48(FP)
	RET
