//go:build !amd64

package neuron

// useAVX2 is false: the scalar loops step every neuron.
var useAVX2, useAVX512 = false, false

func lifAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int {
	panic("neuron: no AVX2 kernel on this architecture")
}

func cobaAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int {
	panic("neuron: no AVX2 kernel on this architecture")
}

func izhAVX2(v, u, in *float64, n int, k *[10]float64, spikes *int32) int {
	panic("neuron: no AVX2 kernel on this architecture")
}

func izhAVX512(v, u, in *float64, n int, k *[10]float64, spikes *int32) int {
	panic("neuron: no AVX-512 kernel on this architecture")
}

func lifAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int {
	panic("neuron: no AVX-512 kernel on this architecture")
}

func cobaAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int {
	panic("neuron: no AVX-512 kernel on this architecture")
}
