//go:build !amd64 || noasm || gccgo || safe

package train

// denseExact is false: gonum's products take another order of additions
// here, which batched backprop does not reproduce, so sgd and adam run
// the per-sample path.
const denseExact = false

var useDenseAVX2 = false

func dotPairsAVX2(w *float64, ldw int, xt *float64, ldx, n2, groups int, e, o *float64, lde int) {
	panic("train: no AVX2 kernel on this architecture")
}

func gerRowsAVX2(grad *float64, ldg int, d *float64, ldd int, r *float64, ldr, b, blocks int) {
	panic("train: no AVX2 kernel on this architecture")
}
