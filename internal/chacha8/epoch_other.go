//go:build !amd64

package chacha8

// useAVX2 is false: epochGeneric computes every block.
var useAVX2, useAVX512 = false, false

func epochAVX2(seed *[4]uint64, buf *[epochBuf]uint64) {
	panic("chacha8: no AVX2 kernel on this architecture")
}

func addAVX2(in *float64, w *uint64, n int, k *[2]float64) {
	panic("chacha8: no AVX2 kernel on this architecture")
}

func epochAVX512(seed *[4]uint64, buf *[epochBuf]uint64) {
	panic("chacha8: no AVX-512 kernel on this architecture")
}

func addAVX512(in *float64, w *uint64, n int, k *[2]float64) {
	panic("chacha8: no AVX-512 kernel on this architecture")
}
