package neuron

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// spikingKernel is a population with an AVX2 kernel: LIF or COBA.
type spikingKernel interface {
	Spiking
	InputInh() []float64
}

// stepBoth steps two copies of a population, one with the AVX2 kernel and
// one with the scalar loop only, under the same random input, and fails at
// the first bit that differs in v, the channels, ref or the spikes.
func stepBoth(t *testing.T, name string, a, b spikingKernel, vars func(p spikingKernel) ([]float64, []int32), scale float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	for step := range 3000 {
		// The same drive into both, in bursts, to make neurons spike.
		for i := range a.Input() {
			if rng.Float64() < 0.05 {
				w := scale * rng.Float64()
				a.Input()[i] += w
				b.Input()[i] += w
			}
			if rng.Float64() < 0.02 {
				w := scale * rng.Float64()
				a.InputInh()[i] += w
				b.InputInh()[i] += w
			}
		}
		useAVX2 = true
		a.Step(0.1)
		useAVX2 = false
		b.Step(0.1)
		va, ra := vars(a)
		vb, rb := vars(b)
		for i := range va {
			if math.Float64bits(va[i]) != math.Float64bits(vb[i]) {
				t.Fatalf("%s, step %d, neuron %d: v %v (AVX2) != %v (scalar)", name, step, i, va[i], vb[i])
			}
			if math.Float64bits(a.Input()[i]) != math.Float64bits(b.Input()[i]) ||
				math.Float64bits(a.InputInh()[i]) != math.Float64bits(b.InputInh()[i]) {
				t.Fatalf("%s, step %d, neuron %d: channels differ", name, step, i)
			}
			if ra[i] != rb[i] {
				t.Fatalf("%s, step %d, neuron %d: ref %d (AVX2) != %d (scalar)", name, step, i, ra[i], rb[i])
			}
		}
		if !slices.Equal(a.Spikes(), b.Spikes()) {
			t.Fatalf("%s, step %d: spikes %v (AVX2) != %v (scalar)", name, step, a.Spikes(), b.Spikes())
		}
		total += len(a.Spikes())
	}
	if total < 1000 {
		t.Fatalf("%s: only %d spikes: the comparison saw too little", name, total)
	}
	t.Logf("%s: %d spikes, identical", name, total)
}

// The AVX2 kernels give the scalar loops' bits, spikes and refractory
// counts, on a size that is not a multiple of 4 (the scalar loop finishes).
func TestKernelsMatchScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine: the scalar loops step every neuron")
	}
	defer func(u bool) { useAVX2 = u }(useAVX2)
	const n = 1003
	init := func(v []float64) {
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range v {
			v[i] = -60 + 10*rng.Float64()
		}
	}
	lp := LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10}
	la, _ := NewLIF(n, lp)
	lb, _ := NewLIF(n, lp)
	init(la.V)
	init(lb.V)
	stepBoth(t, "lif", la, lb, func(p spikingKernel) ([]float64, []int32) { z := p.(*LIF); return z.V, z.Ref }, 2)

	cp := COBAParams{}.Defaults()
	cp.IBiasMV = 20
	ca, _ := NewCOBA(n, cp)
	cb, _ := NewCOBA(n, cp)
	init(ca.V)
	init(cb.V)
	stepBoth(t, "coba", ca, cb, func(p spikingKernel) ([]float64, []int32) { z := p.(*COBA); return z.V, z.Ref }, 0.5)
}
