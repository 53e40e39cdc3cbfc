#include "textflag.h"

// The kernels of batched backprop (dense.go). Both do, lane by lane, the
// same IEEE operations in the same order as the scalar loops they replace
// (dotPairsGo, gerRowsGo: multiply, then add to the accumulator; no fused
// multiply-add), so they give the same bits; TestDenseKernelsMatchScalar
// checks it. Y15 and R14 (the Go ABI's zero and g registers) are not
// touched.

// func dotPairsAVX2(w *float64, ldw int, xt *float64, ldx, n2, groups int, e, o *float64, lde int)
//
// Two rows of w (w and w+ldw), groups of 8 samples (columns of xt):
//   Y0 Y1 even sums of row 0, Y2 Y3 its odd sums, Y4–Y7 the same for row 1
//   Y8–Y11 xt[j][g:g+8], xt[j+1][g:g+8]; Y12 a broadcast weight; Y13 a product
//   SI xt row pointer, DI row-0 weights, R8 row-1 weights, CX pair counter
TEXT ·dotPairsAVX2(SB), NOSPLIT, $0-72
	MOVQ w+0(FP), AX
	MOVQ ldw+8(FP), R9
	SHLQ $3, R9
	MOVQ xt+16(FP), BX
	MOVQ ldx+24(FP), R10
	SHLQ $3, R10
	MOVQ n2+32(FP), R11
	SHRQ $1, R11              // pairs of columns
	MOVQ groups+40(FP), R12
	MOVQ e+48(FP), R13
	MOVQ o+56(FP), DX
	MOVQ lde+64(FP), R15
	SHLQ $3, R15

dpgroup:
	TESTQ R12, R12
	JZ    dpdone
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ BX, SI
	MOVQ AX, DI
	LEAQ (AX)(R9*1), R8
	MOVQ R11, CX

dppair:
	TESTQ CX, CX
	JZ    dpstore
	VMOVUPD (SI), Y8
	VMOVUPD 32(SI), Y9
	VMOVUPD (SI)(R10*1), Y10
	VMOVUPD 32(SI)(R10*1), Y11
	VBROADCASTSD (DI), Y12    // w0[j]
	VMULPD  Y8, Y12, Y13
	VADDPD  Y13, Y0, Y0
	VMULPD  Y9, Y12, Y13
	VADDPD  Y13, Y1, Y1
	VBROADCASTSD 8(DI), Y12   // w0[j+1]
	VMULPD  Y10, Y12, Y13
	VADDPD  Y13, Y2, Y2
	VMULPD  Y11, Y12, Y13
	VADDPD  Y13, Y3, Y3
	VBROADCASTSD (R8), Y12    // w1[j]
	VMULPD  Y8, Y12, Y13
	VADDPD  Y13, Y4, Y4
	VMULPD  Y9, Y12, Y13
	VADDPD  Y13, Y5, Y5
	VBROADCASTSD 8(R8), Y12   // w1[j+1]
	VMULPD  Y10, Y12, Y13
	VADDPD  Y13, Y6, Y6
	VMULPD  Y11, Y12, Y13
	VADDPD  Y13, Y7, Y7
	LEAQ (SI)(R10*2), SI
	ADDQ $16, DI
	ADDQ $16, R8
	DECQ CX
	JMP  dppair

dpstore:
	VMOVUPD Y0, (R13)
	VMOVUPD Y1, 32(R13)
	VMOVUPD Y2, (DX)
	VMOVUPD Y3, 32(DX)
	VMOVUPD Y4, (R13)(R15*1)
	VMOVUPD Y5, 32(R13)(R15*1)
	VMOVUPD Y6, (DX)(R15*1)
	VMOVUPD Y7, 32(DX)(R15*1)
	ADDQ $64, BX
	ADDQ $64, R13
	ADDQ $64, DX
	DECQ R12
	JMP  dpgroup

dpdone:
	VZEROUPPER
	RET

// func gerRowsAVX2(grad *float64, ldg int, d *float64, ldd int, r *float64, ldr, b, blocks int)
//
// Two rows of grad (grad and grad+ldg), blocks of 16 columns:
//   Y0–Y3 row 0's 16 sums, Y4–Y7 row 1's; Y8 Y9 d[s][0], d[s][1] broadcast;
//   Y10 r[s][j:j+4]; Y12 Y13 products
//   SI r row pointer, DI d row pointer, CX sample counter
TEXT ·gerRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ grad+0(FP), AX
	MOVQ ldg+8(FP), R9
	SHLQ $3, R9
	MOVQ d+16(FP), R13
	MOVQ ldd+24(FP), R11
	SHLQ $3, R11
	MOVQ r+32(FP), BX
	MOVQ ldr+40(FP), R10
	SHLQ $3, R10
	MOVQ b+48(FP), R15
	MOVQ blocks+56(FP), R12

grblock:
	TESTQ R12, R12
	JZ    grdone
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), Y1
	VMOVUPD 64(AX), Y2
	VMOVUPD 96(AX), Y3
	VMOVUPD (AX)(R9*1), Y4
	VMOVUPD 32(AX)(R9*1), Y5
	VMOVUPD 64(AX)(R9*1), Y6
	VMOVUPD 96(AX)(R9*1), Y7
	MOVQ BX, SI
	MOVQ R13, DI
	MOVQ R15, CX

grsample:
	TESTQ CX, CX
	JZ    grstore
	VBROADCASTSD (DI), Y8
	VBROADCASTSD 8(DI), Y9
	VMOVUPD (SI), Y10
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y0, Y0
	VMULPD  Y10, Y9, Y13
	VADDPD  Y13, Y4, Y4
	VMOVUPD 32(SI), Y10
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y1, Y1
	VMULPD  Y10, Y9, Y13
	VADDPD  Y13, Y5, Y5
	VMOVUPD 64(SI), Y10
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y2, Y2
	VMULPD  Y10, Y9, Y13
	VADDPD  Y13, Y6, Y6
	VMOVUPD 96(SI), Y10
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y3, Y3
	VMULPD  Y10, Y9, Y13
	VADDPD  Y13, Y7, Y7
	ADDQ R10, SI
	ADDQ R11, DI
	DECQ CX
	JMP  grsample

grstore:
	VMOVUPD Y0, (AX)
	VMOVUPD Y1, 32(AX)
	VMOVUPD Y2, 64(AX)
	VMOVUPD Y3, 96(AX)
	VMOVUPD Y4, (AX)(R9*1)
	VMOVUPD Y5, 32(AX)(R9*1)
	VMOVUPD Y6, 64(AX)(R9*1)
	VMOVUPD Y7, 96(AX)(R9*1)
	ADDQ $128, AX
	ADDQ $128, BX
	DECQ R12
	JMP  grblock

grdone:
	VZEROUPPER
	RET
