#include "textflag.h"

#include "bringk.h"

// Where the eight a_i and c_i of two zmm registers of (a, c) pairs go,
// and back.
DATA evens<>+0(SB)/8, $0
DATA evens<>+8(SB)/8, $2
DATA evens<>+16(SB)/8, $4
DATA evens<>+24(SB)/8, $6
DATA evens<>+32(SB)/8, $8
DATA evens<>+40(SB)/8, $10
DATA evens<>+48(SB)/8, $12
DATA evens<>+56(SB)/8, $14
GLOBL evens<>(SB), RODATA|NOPTR, $64
DATA odds<>+0(SB)/8, $1
DATA odds<>+8(SB)/8, $3
DATA odds<>+16(SB)/8, $5
DATA odds<>+24(SB)/8, $7
DATA odds<>+32(SB)/8, $9
DATA odds<>+40(SB)/8, $11
DATA odds<>+48(SB)/8, $13
DATA odds<>+56(SB)/8, $15
GLOBL odds<>(SB), RODATA|NOPTR, $64
DATA zipLo<>+0(SB)/8, $0
DATA zipLo<>+8(SB)/8, $8
DATA zipLo<>+16(SB)/8, $1
DATA zipLo<>+24(SB)/8, $9
DATA zipLo<>+32(SB)/8, $2
DATA zipLo<>+40(SB)/8, $10
DATA zipLo<>+48(SB)/8, $3
DATA zipLo<>+56(SB)/8, $11
GLOBL zipLo<>(SB), RODATA|NOPTR, $64
DATA zipHi<>+0(SB)/8, $4
DATA zipHi<>+8(SB)/8, $12
DATA zipHi<>+16(SB)/8, $5
DATA zipHi<>+24(SB)/8, $13
DATA zipHi<>+32(SB)/8, $6
DATA zipHi<>+40(SB)/8, $14
DATA zipHi<>+48(SB)/8, $7
DATA zipHi<>+56(SB)/8, $15
GLOBL zipHi<>(SB), RODATA|NOPTR, $64

// func bringAVX512(ac, w *float64, n int, k *bringK, slow *int32) int
//
// bringAVX2 on eight synapses per loop (AVX512F), n a multiple of 8: the
// same operations on the same lanes in the same order, its vector masks
// kept in mask registers. Registers: DI ac, SI w, DX 2i, CX n, AX k, R9
// slow, BX i, R8 slow count, R10–R12 the tables e^(−g/τ_d),
// expm1(−g/τ_cd), e^(−g/τ_c), R13 a mask;
// Z0 a_i, Z1 c_i, Z2 w_i, Z3 Z4 Z8 Z31 the permutations evens, odds,
// zipLo, zipHi, Y6 the lapse n and Y7 the gap g as 32-bit indices, Z12
// dw, Z14 zero, Z16–Z30 the operands broadcast (t, t0, d0, tonic, τ_cd,
// τ_c, lo, hi, min(lo, hi), the tables' length, 1, TDead, the abs mask,
// deadB's range); K2 dead (a_i >= TDead), K3 active (t > a_i), K4 to
// work on (active, c_i ≠ 0), K5 fast, K1 K6 K7 scratch. Y15/Z15 and R14
// are not touched.
TEXT ·bringAVX512(SB), NOSPLIT, $0-48
	MOVQ ac+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ k+24(FP), AX
	MOVQ slow+32(FP), R9
	MOVQ ED(AX), R10
	MOVQ EM(AX), R11
	MOVQ GC(AX), R12
	VBROADCASTSD T(AX), Z16
	VBROADCASTSD T0(AX), Z17
	VBROADCASTSD D0(AX), Z18
	VBROADCASTSD TONIC(AX), Z19
	VBROADCASTSD TAUCD(AX), Z20
	VBROADCASTSD TAUC(AX), Z21
	VBROADCASTSD LO(AX), Z22
	VBROADCASTSD HI(AX), Z23
	VBROADCASTSD LOHI(AX), Z24
	VBROADCASTSD TABLEN(AX), Z25
	VBROADCASTSD ONE(AX), Z26
	VBROADCASTSD TDEAD(AX), Z27
	VBROADCASTSD ABSMASK(AX), Z28
	VBROADCASTSD BMIN(AX), Z29
	VBROADCASTSD BMAX(AX), Z30
	VMOVDQU64 evens<>(SB), Z3
	VMOVDQU64 odds<>(SB), Z4
	VMOVDQU64 zipLo<>(SB), Z8
	VMOVDQU64 zipHi<>(SB), Z31
	XORQ BX, BX
	XORQ DX, DX
	XORQ R8, R8
	VPXORQ Z14, Z14, Z14

z8loop:
	CMPQ BX, CX
	JGE  z8done
	VMOVUPD (DI)(DX*8), Z0      // a0 c0 … a3 c3
	VMOVUPD 64(DI)(DX*8), Z9    // a4 c4 … a7 c7
	VMOVAPD Z0, Z1
	VPERMT2PD Z9, Z3, Z0        // a0 … a7
	VPERMT2PD Z9, Z4, Z1        // c0 … c7
	VCMPPD  $0x1e, Z0, Z16, K3  // t > a_i (ordered)
	VCMPPD  $0x04, Z14, Z1, K3, K4 // and c_i ≠ 0 (NaN included)
	VSUBPD  Z0, Z16, Z5         // lapse = t − a_i
	VCVTTPD2DQ Z5, Y6           // n
	VCVTDQ2PD Y6, Z9
	VCMPPD  $0x00, Z5, Z9, K5   // float64(n) = lapse
	VCMPPD  $0x11, Z25, Z5, K5, K5 // lapse < table length
	VCMPPD  $0x1d, Z17, Z0, K5, K5 // a_i >= t0
	KANDW   K4, K5, K5          // fast, so far
	VPXORQ  Z12, Z12, Z12       // dw = 0
	KXORW   K2, K2, K2          // no dead lanes
	CMPQ    HASD(AX), $0
	JEQ     z8tonic

	VSUBPD  Z17, Z0, Z11        // g = a_i − t0
	VCVTTPD2DQ Z11, Y7
	VCVTDQ2PD Y7, Z13
	VCMPPD  $0x00, Z11, Z13, K6 // float64(g) whole
	VCMPPD  $0x11, Z25, Z11, K6, K6 // g < table length: the table holds g
	VCMPPD  $0x1d, Z27, Z0, K2  // dead: a_i >= TDead
	KANDNW  K6, K2, K6          // tabled and not dead
	KORW    K2, K6, K7          // tabled or dead
	KANDW   K7, K5, K5
	KANDW   K5, K6, K1          // the lanes whose f is gathered
	VPXORQ  Z10, Z10, Z10
	VGATHERDPD (R10)(Y7*8), K1, Z10 // f = e^(−g/τ_d), 0 where dead
	VMULPD  Z10, Z18, Z10       // d = d0·f
	VMULPD  Z10, Z1, Z10        // c_i·d
	VMULPD  Z20, Z10, Z10       // ·τ_cd
	KMOVW   K5, K1
	VPXORQ  Z11, Z11, Z11
	VGATHERDPD (R11)(Y6*8), K1, Z11 // expm1(−n/τ_cd)
	VMULPD  Z11, Z10, Z10
	VSUBPD  Z10, Z14, Z12       // dw = 0 − c_i·d·τ_cd·expm1

z8tonic:
	KMOVW   K5, K1
	VPXORQ  Z11, Z11, Z11
	VGATHERDPD (R12)(Y6*8), K1, Z11 // kc = e^(−n/τ_c)
	CMPQ    HASTONIC(AX), $0
	JEQ     z8clip
	VMULPD  Z19, Z1, Z10        // c_i·tonic
	VMULPD  Z21, Z10, Z10       // ·τ_c
	VSUBPD  Z11, Z26, Z13       // 1 − kc
	VMULPD  Z13, Z10, Z10       // b = c_i·tonic·τ_c·(1 − kc)
	VPANDQ  Z28, Z10, Z13       // |b|
	VCMPPD  $0x1d, Z29, Z13, K6 // |b| >= 2^−900
	VCMPPD  $0x12, Z30, Z13, K6, K6 // and |b| <= 2^900
	KANDNW  K2, K6, K7          // dead, b out of deadB's range
	KANDNW  K5, K7, K5          // fast without those
	VADDPD  Z10, Z12, Z12       // dw + b

z8clip:
	VMULPD  Z11, Z1, Z13        // the new c = c_i·kc
	VMOVUPD (SI)(BX*8), Z2
	VCMPPD  $0x04, Z14, Z12, K6 // dw ≠ 0 (NaN included)
	VADDPD  Z12, Z2, Z11        // v = w + dw
	VCMPPD  $0x03, Z11, Z11, K6, K7 // v is NaN (and dw ≠ 0): left to the Go loop
	KANDNW  K5, K7, K5          // fast without those
	VMOVAPD Z23, Z6
	VCMPPD  $0x11, Z23, Z11, K1 // v < hi
	VMOVAPD Z11, K1, Z6         // v < hi ? v : hi
	VCMPPD  $0x11, Z22, Z11, K1 // v < lo
	VMOVAPD Z24, K1, Z6         // v < lo ? min(lo, hi) : that
	KANDW   K6, K5, K1          // fast, dw ≠ 0: clipped; else w
	VMOVAPD Z6, K1, Z2
	VMOVUPD Z2, (SI)(BX*8)
	VMOVAPD Z13, K5, Z1
	KANDNW  K4, K5, K6          // slow: to work on, not fast
	KANDNW  K3, K6, K1          // a moves where active and not slow
	VMOVAPD Z16, K1, Z0
	VMOVAPD Z0, Z9
	VPERMT2PD Z1, Z8, Z9        // a0 c0 … a3 c3
	VPERMT2PD Z1, Z31, Z0       // a4 c4 … a7 c7
	VMOVUPD Z9, (DI)(DX*8)
	VMOVUPD Z0, 64(DI)(DX*8)
	KMOVW   K6, R13
	TESTQ   R13, R13
	JNE     z8slow

z8next:
	ADDQ $8, BX
	ADDQ $16, DX
	JMP  z8loop

z8slow:
	BSFQ R13, R12
	ADDQ BX, R12
	MOVL R12, (R9)(R8*4)
	INCQ R8
	LEAQ -1(R13), R12
	ANDQ R12, R13
	JNZ  z8slow
	MOVQ GC(AX), R12
	JMP  z8next

z8done:
	VZEROUPPER
	MOVQ R8, ret+40(FP)
	RET
