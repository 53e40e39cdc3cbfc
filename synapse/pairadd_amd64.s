#include "textflag.h"

// The offsets of pairK's fields (pairadd.go).
#define PT 0
#define PAMP 32
#define PTABLEN 64
#define PTR 96
#define PTT 104
#define PTAB 112

// Registers: DI idx, SI c, CX n, AX k, R9 slow, BX i, R8 slow count,
// R10–R12 the trace, its times and the table, R13 a mask; X0 the four
// indices, X4 the gaps as 32-bit indices, Y1 tr, Y3 the gap g, Y5 the
// lanes whose gap the table holds, Y7 tr ≠ 0, Y8 the lanes computed, Y14
// zero. Y15 and R14 are not touched.

// func pairAVX2(idx *int32, c *float64, n int, k *pairK, slow *int32) int
TEXT ·pairAVX2(SB), NOSPLIT, $0-48
	MOVQ idx+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ k+24(FP), AX
	MOVQ slow+32(FP), R9
	MOVQ PTR(AX), R10
	MOVQ PTT(AX), R11
	MOVQ PTAB(AX), R12
	XORQ BX, BX
	XORQ R8, R8
	VXORPD Y14, Y14, Y14

ploop:
	CMPQ BX, CX
	JGE  pdone
	VMOVDQU (DI)(BX*4), X0
	VPCMPEQQ Y13, Y13, Y13
	VXORPD  Y1, Y1, Y1
	VGATHERDPD Y13, (R10)(X0*8), Y1 // tr
	VPCMPEQQ Y13, Y13, Y13
	VXORPD  Y2, Y2, Y2
	VGATHERDPD Y13, (R11)(X0*8), Y2 // tt
	VMOVUPD PT(AX), Y3
	VSUBPD  Y2, Y3, Y3          // g = t − tt
	VCVTTPD2DQY Y3, X4          // n
	VCVTDQ2PD X4, Y5
	VCMPPD  $0x00, Y3, Y5, Y5   // float64(n) = g
	VMOVUPD PTABLEN(AX), Y6
	VCMPPD  $0x11, Y6, Y3, Y6   // g < table length
	VANDPD  Y6, Y5, Y5
	VCMPPD  $0x1d, Y14, Y3, Y6  // g >= 0
	VANDPD  Y6, Y5, Y5          // the table holds g
	VCMPPD  $0x04, Y14, Y1, Y7  // tr ≠ 0 (NaN included)
	VANDPD  Y7, Y5, Y8          // to compute here
	VMOVAPD Y8, Y13
	VXORPD  Y9, Y9, Y9
	VGATHERDPD Y13, (R12)(X4*8), Y9 // e
	VMULPD  PAMP(AX), Y1, Y10   // amp·tr
	VMULPD  Y9, Y10, Y10        // ·e
	VCMPPD  $0x03, Y10, Y10, Y6 // the term is NaN: left to the Go loop
	VANDNPD Y8, Y6, Y8          // computed here without those
	VMOVUPD (SI)(BX*8), Y11
	VADDPD  Y10, Y11, Y12       // c + amp·tr·e
	VBLENDVPD Y8, Y12, Y11, Y11
	VMOVUPD Y11, (SI)(BX*8)
	VANDNPD Y7, Y8, Y6          // slow: tr ≠ 0, not computed here
	VMOVMSKPD Y6, R13
	TESTQ   R13, R13
	JNE     pslow

pnext:
	ADDQ $4, BX
	JMP  ploop

pslow:
	BTQ  $0, R13
	JCC  plane1
	MOVL BX, (R9)(R8*4)
	INCQ R8
plane1:
	BTQ  $1, R13
	JCC  plane2
	MOVL BX, (R9)(R8*4)
	ADDL $1, (R9)(R8*4)
	INCQ R8
plane2:
	BTQ  $2, R13
	JCC  plane3
	MOVL BX, (R9)(R8*4)
	ADDL $2, (R9)(R8*4)
	INCQ R8
plane3:
	BTQ  $3, R13
	JCC  pnext
	MOVL BX, (R9)(R8*4)
	ADDL $3, (R9)(R8*4)
	INCQ R8
	JMP  pnext

pdone:
	VZEROUPPER
	MOVQ R8, ret+40(FP)
	RET
