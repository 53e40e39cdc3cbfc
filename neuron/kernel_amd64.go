package neuron

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernels of the LIF and COBA steps (four neurons
// per instruction). They do the same IEEE operations in the same order as
// the scalar loops (no fused multiply-add), so both give the same bits;
// TestKernelsMatchScalar checks it. Tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// useAVX512 (with useAVX2) selects the AVX-512 kernels of the LIF, COBA
// and Izhikevich steps (eight neurons per instruction), the same
// operations again.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// lifAVX2 steps neurons [0, n), n a multiple of 4, of a LIF population with
// the constants k = {pm, v0, pe, pi, de, di, vth} (see LIF.Step): it
// decays the currents, integrates v where ref is 0, counts ref down where
// it is not, and writes the indices of the neurons that reached threshold
// (not refractory), ascending, to spikes. It returns their number.
//
//go:noescape
func lifAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int

// cobaAVX2 is lifAVX2 for a COBA population, with the constants
// k = {dt/τ_m, E_L + I_b, E_e, E_i, de, di, vth} (see COBA.Step).
//
//go:noescape
func cobaAVX2(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int

// izhAVX2 steps neurons [0, n), n a multiple of 4, of an Izhikevich
// population with the constants k = {dt/2, 0.04, 5, 140, k_syn, b, dt·a,
// c, d, v_peak} (see Izhikevich.Step), and writes the indices of the
// neurons that spiked, ascending, to spikes. It returns their number.
//
//go:noescape
func izhAVX2(v, u, in *float64, n int, k *[10]float64, spikes *int32) int

// izhAVX512 is izhAVX2 for n a multiple of 16, eight neurons per
// instruction (AVX512F).
//
//go:noescape
func izhAVX512(v, u, in *float64, n int, k *[10]float64, spikes *int32) int

// lifAVX512 is lifAVX2 for n a multiple of 8, eight neurons per
// instruction (AVX512F).
//
//go:noescape
func lifAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int

// cobaAVX512 is cobaAVX2 for n a multiple of 8, eight neurons per
// instruction (AVX512F).
//
//go:noescape
func cobaAVX512(v, ge, gi *float64, ref *int32, n int, k *[7]float64, spikes *int32) int
