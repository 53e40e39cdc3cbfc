//go:build amd64 && !noasm && !gccgo && !safe

package train

import "golang.org/x/sys/cpu"

// denseExact says that batched backprop (dense.go) can reproduce, bit for
// bit, the per-sample products of gonum's BLAS on this architecture: here
// gonum's assembly GemvN, whose order of additions dotPairs and
// gemvCombine follow.
const denseExact = true

// useDenseAVX2 selects the AVX2 kernels of batched backprop. Tests switch
// it off to compare them with the scalar loops.
var useDenseAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// dotPairsAVX2 is dotPairsGo for two rows of w and groups·8 samples.
//
//go:noescape
func dotPairsAVX2(w *float64, ldw int, xt *float64, ldx, n2, groups int, e, o *float64, lde int)

// gerRowsAVX2 is gerRowsGo for two rows of grad and blocks·16 columns.
//
//go:noescape
func gerRowsAVX2(grad *float64, ldg int, d *float64, ldd int, r *float64, ldr, b, blocks int)
