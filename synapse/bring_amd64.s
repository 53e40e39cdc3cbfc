#include "textflag.h"

#include "bringk.h"

// Registers: DI ac (a_i and c_i side by side), SI w, DX 2i, CX n, AX k,
// R9 slow, BX i, R8 slow count,
// R10–R12 the tables e^(−g/τ_d), expm1(−g/τ_cd), e^(−g/τ_c), R13 a mask;
// Y0 a_i, Y1 c_i, Y2 the lanes whose phasic term is dead (a_i >= TDead),
// then w_i, Y3 active (t > a_i), Y4 to work on (active, c_i ≠ 0), Y9 the
// fast lanes, Y12 dw, Y14 zero; X6 the lapse n and X7 the gap g as 32-bit
// indices. Y15 and R14 are not touched.
//
// A dead lane's phasic term is skipped (its f is left at 0, so that
// dw = 0 − (±0) = +0 before the tonic term, as deadAfter allows), and the
// lane stays fast only if that tonic term passes deadB.

// func bringAVX2(ac, w *float64, n int, k *bringK, slow *int32) int
TEXT ·bringAVX2(SB), NOSPLIT, $0-48
	MOVQ ac+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ k+24(FP), AX
	MOVQ slow+32(FP), R9
	MOVQ ED(AX), R10
	MOVQ EM(AX), R11
	MOVQ GC(AX), R12
	XORQ BX, BX
	XORQ DX, DX
	XORQ R8, R8
	VXORPD Y14, Y14, Y14

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPD (DI)(DX*8), Y0      // a0 c0 a1 c1
	VMOVUPD 32(DI)(DX*8), Y1    // a2 c2 a3 c3
	VUNPCKHPD Y1, Y0, Y5        // c0 c2 c1 c3
	VUNPCKLPD Y1, Y0, Y0        // a0 a2 a1 a3
	VPERMPD $0xd8, Y0, Y0       // a0 a1 a2 a3
	VPERMPD $0xd8, Y5, Y1       // c0 c1 c2 c3
	VMOVUPD T(AX), Y8
	VCMPPD  $0x1e, Y0, Y8, Y3   // t > a_i (ordered)
	VCMPPD  $0x04, Y14, Y1, Y4  // c_i ≠ 0 (NaN included)
	VANDPD  Y3, Y4, Y4
	VSUBPD  Y0, Y8, Y5          // lapse = t − a_i
	VCVTTPD2DQY Y5, X6          // n
	VCVTDQ2PD X6, Y9
	VCMPPD  $0x00, Y5, Y9, Y9   // float64(n) = lapse
	VMOVUPD TABLEN(AX), Y10
	VCMPPD  $0x11, Y10, Y5, Y10 // lapse < table length
	VANDPD  Y10, Y9, Y9
	VMOVUPD T0(AX), Y10
	VCMPPD  $0x1d, Y10, Y0, Y11 // a_i >= t0
	VANDPD  Y11, Y9, Y9
	VANDPD  Y4, Y9, Y9          // fast, so far
	VXORPD  Y12, Y12, Y12       // dw = 0
	VXORPD  Y2, Y2, Y2          // no dead lanes
	CMPQ    HASD(AX), $0
	JEQ     tonic

	VSUBPD  Y10, Y0, Y11        // g = a_i − t0
	VCVTTPD2DQY Y11, X7
	VCVTDQ2PD X7, Y13
	VCMPPD  $0x00, Y11, Y13, Y13 // float64(g) whole
	VMOVUPD TABLEN(AX), Y10
	VCMPPD  $0x11, Y10, Y11, Y10 // g < table length
	VANDPD  Y10, Y13, Y13       // the table holds g
	VMOVUPD TDEAD(AX), Y10
	VCMPPD  $0x1d, Y10, Y0, Y2  // dead: a_i >= TDead
	VANDNPD Y13, Y2, Y13        // tabled and not dead
	VORPD   Y2, Y13, Y10        // tabled or dead
	VANDPD  Y10, Y9, Y9
	VANDPD  Y9, Y13, Y13        // the lanes whose f is gathered
	VXORPD  Y10, Y10, Y10
	VGATHERDPD Y13, (R10)(X7*8), Y10 // f = e^(−g/τ_d), 0 where dead
	VMOVUPD D0(AX), Y11
	VMULPD  Y10, Y11, Y10       // d = d0·f
	VMULPD  Y10, Y1, Y10        // c_i·d
	VMULPD  TAUCD(AX), Y10, Y10 // ·τ_cd
	VMOVAPD Y9, Y13
	VXORPD  Y11, Y11, Y11
	VGATHERDPD Y13, (R11)(X6*8), Y11 // expm1(−n/τ_cd)
	VMULPD  Y11, Y10, Y10
	VSUBPD  Y10, Y14, Y12       // dw = 0 − c_i·d·τ_cd·expm1

tonic:
	VMOVAPD Y9, Y13
	VXORPD  Y11, Y11, Y11
	VGATHERDPD Y13, (R12)(X6*8), Y11 // kc = e^(−n/τ_c)
	CMPQ    HASTONIC(AX), $0
	JEQ     clip
	VMULPD  TONIC(AX), Y1, Y10  // c_i·tonic
	VMULPD  TAUC(AX), Y10, Y10  // ·τ_c
	VMOVUPD ONE(AX), Y13
	VSUBPD  Y11, Y13, Y13       // 1 − kc
	VMULPD  Y13, Y10, Y10       // b = c_i·tonic·τ_c·(1 − kc)
	VANDPD  ABSMASK(AX), Y10, Y13 // |b|
	VCMPPD  $0x1d, BMIN(AX), Y13, Y5 // |b| >= 2^−900
	VCMPPD  $0x12, BMAX(AX), Y13, Y6 // |b| <= 2^900
	VANDPD  Y6, Y5, Y5
	VANDNPD Y2, Y5, Y5          // dead, b out of deadB's range
	VANDNPD Y9, Y5, Y9          // fast without those
	VADDPD  Y10, Y12, Y12       // dw + b

clip:
	VMULPD  Y11, Y1, Y13        // the new c = c_i·kc
	VMOVUPD (SI)(BX*8), Y2
	VCMPPD  $0x04, Y14, Y12, Y10 // dw ≠ 0 (NaN included)
	VADDPD  Y12, Y2, Y11        // v = w + dw
	VCMPPD  $0x03, Y11, Y11, Y8 // v is NaN: left to the Go loop
	VANDPD  Y10, Y8, Y8
	VANDNPD Y9, Y8, Y9          // fast without those
	VMOVUPD HI(AX), Y5
	VCMPPD  $0x11, Y5, Y11, Y6  // v < hi
	VBLENDVPD Y6, Y11, Y5, Y6   // v < hi ? v : hi
	VMOVUPD LO(AX), Y5
	VCMPPD  $0x11, Y5, Y11, Y7  // v < lo
	VMOVUPD LOHI(AX), Y5
	VBLENDVPD Y7, Y5, Y6, Y6    // v < lo ? min(lo, hi) : that
	VBLENDVPD Y10, Y6, Y2, Y6   // dw ≠ 0 ? clipped : w
	VBLENDVPD Y9, Y6, Y2, Y2
	VMOVUPD Y2, (SI)(BX*8)
	VBLENDVPD Y9, Y13, Y1, Y1
	VANDNPD Y4, Y9, Y5          // slow: to work on, not fast
	VANDNPD Y3, Y5, Y6          // a moves where active and not slow
	VMOVUPD T(AX), Y8
	VBLENDVPD Y6, Y8, Y0, Y0
	VPERMPD $0xd8, Y0, Y0       // a0 a2 a1 a3
	VPERMPD $0xd8, Y1, Y1       // c0 c2 c1 c3
	VUNPCKLPD Y1, Y0, Y6        // a0 c0 a1 c1
	VUNPCKHPD Y1, Y0, Y7        // a2 c2 a3 c3
	VMOVUPD Y6, (DI)(DX*8)
	VMOVUPD Y7, 32(DI)(DX*8)
	VMOVMSKPD Y5, R13
	TESTQ   R13, R13
	JNE     slowlanes

next:
	ADDQ $4, BX
	ADDQ $8, DX
	JMP  loop

slowlanes:
	BTQ  $0, R13
	JCC  lane1
	MOVL BX, (R9)(R8*4)
	INCQ R8
lane1:
	BTQ  $1, R13
	JCC  lane2
	MOVL BX, (R9)(R8*4)
	ADDL $1, (R9)(R8*4)
	INCQ R8
lane2:
	BTQ  $2, R13
	JCC  lane3
	MOVL BX, (R9)(R8*4)
	ADDL $2, (R9)(R8*4)
	INCQ R8
lane3:
	BTQ  $3, R13
	JCC  next
	MOVL BX, (R9)(R8*4)
	ADDL $3, (R9)(R8*4)
	INCQ R8
	JMP  next

done:
	VZEROUPPER
	MOVQ R8, ret+40(FP)
	RET
