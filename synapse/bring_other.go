//go:build !amd64

package synapse

// useAVX2 is false: bring's Go loop brings every synapse.
var useAVX2, useAVX512 = false, false

func bringAVX2(ac, w *float64, n int, k *bringK, slow *int32) int {
	panic("synapse: no AVX2 kernel on this architecture")
}

func bringAVX512(ac, w *float64, n int, k *bringK, slow *int32) int {
	panic("synapse: no AVX-512 kernel on this architecture")
}
