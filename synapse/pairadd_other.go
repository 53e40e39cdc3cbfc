//go:build !amd64

package synapse

func pairAVX2(idx *int32, c *float64, n int, k *pairK, slow *int32) int {
	panic("synapse: no AVX2 kernel on this architecture")
}
