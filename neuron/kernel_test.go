package neuron

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// spikingKernel is a population with an AVX2 kernel: LIF, COBA or
// Izhikevich (given an inhibitory channel by izh).
type spikingKernel interface {
	Spiking
	InputInh() []float64
}

// izh gives an Izhikevich population a second input to draw into: its
// one input, with the opposite sign.
type izh struct {
	*Izhikevich
	inh []float64
}

func (z izh) InputInh() []float64 { return z.inh }

func (z izh) Step(dt float64) {
	for i, x := range z.inh {
		z.Input()[i] -= x
	}
	clear(z.inh)
	z.Izhikevich.Step(dt)
}

// kernelSets are the kernel sets this machine has beyond the scalar loops:
// AVX2, and AVX2 with AVX-512.
func kernelSets() []struct {
	name      string
	avx2, zmm bool
} {
	sets := []struct {
		name      string
		avx2, zmm bool
	}{}
	if useAVX2 {
		sets = append(sets, struct {
			name      string
			avx2, zmm bool
		}{"avx2", true, false})
	}
	if useAVX512 {
		sets = append(sets, struct {
			name      string
			avx2, zmm bool
		}{"avx512", true, true})
	}
	return sets
}

// stepBoth steps two copies of a population, one with the kernels in
// use (useAVX2, useAVX512 as the caller set them) and one with the scalar
// loop only, under the same random input, and fails at
// the first bit that differs in the state (vars: its float variables and
// refractory counts), the inputs, the outputs or the spikes.
func stepBoth(t *testing.T, name string, a, b spikingKernel, vars func(p spikingKernel) ([][]float64, []int32), scale float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	same := func(x, y []float64) int {
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return i
			}
		}
		return -1
	}
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
		avx2, zmm := useAVX2, useAVX512
		a.Step(0.1)
		useAVX2, useAVX512 = false, false
		b.Step(0.1)
		useAVX2, useAVX512 = avx2, zmm
		fa, ra := vars(a)
		fb, rb := vars(b)
		fa = append(fa, a.Input(), a.InputInh(), a.Output())
		fb = append(fb, b.Input(), b.InputInh(), b.Output())
		for k := range fa {
			if i := same(fa[k], fb[k]); i >= 0 {
				t.Fatalf("%s, step %d, variable %d, neuron %d: %v (kernel) != %v (scalar)", name, step, k, i, fa[k][i], fb[k][i])
			}
		}
		if !slices.Equal(ra, rb) {
			t.Fatalf("%s, step %d: refractory counts differ", name, step)
		}
		if !slices.Equal(a.Spikes(), b.Spikes()) {
			t.Fatalf("%s, step %d: spikes %v (kernel) != %v (scalar)", name, step, a.Spikes(), b.Spikes())
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
	defer func(a, z bool) { useAVX2, useAVX512 = a, z }(useAVX2, useAVX512)
	for _, k := range kernelSets() {
		t.Run(k.name, func(t *testing.T) {
			useAVX2, useAVX512 = k.avx2, k.zmm
			kernelsMatchScalar(t)
		})
	}
}

func kernelsMatchScalar(t *testing.T) {
	const n = 1003
	init := func(v []float64) {
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range v {
			v[i] = -60 + 10*rng.Float64()
		}
	}
	// The AVX-512 kernels step eight neurons per loop: 1003 leaves 3 to
	// the scalar loop, 1007 a group of four to the AVX2 kernel first.
	for _, n := range []int{n, n + 4} {
		lp := LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10}
		la, _ := NewLIF(n, lp)
		lb, _ := NewLIF(n, lp)
		init(la.V)
		init(lb.V)
		stepBoth(t, fmt.Sprintf("lif, %d neurons", n), la, lb, func(p spikingKernel) ([][]float64, []int32) { z := p.(*LIF); return [][]float64{z.V}, z.Ref }, 2)

		// Delta synapses on both channels (Brunel 2000): the same kernel with
		// P_x = e^(−dt/τ_m) and the currents cleared.
		dp := LIFParams{TauMMs: 20, VRestMV: 0, VResetMV: 10, VThreshMV: 20, TRefMs: 2}
		da, _ := NewLIF(n, dp)
		db, _ := NewLIF(n, dp)
		for i := range da.V {
			da.V[i] = 20 * float64(i) / float64(n)
			db.V[i] = da.V[i]
		}
		stepBoth(t, fmt.Sprintf("lif delta, %d neurons", n), da, db, func(p spikingKernel) ([][]float64, []int32) { z := p.(*LIF); return [][]float64{z.V}, z.Ref }, 25)

		cp := COBAParams{}.Defaults()
		cp.IBiasMV = 20
		ca, _ := NewCOBA(n, cp)
		cb, _ := NewCOBA(n, cp)
		init(ca.V)
		init(cb.V)
		stepBoth(t, fmt.Sprintf("coba, %d neurons", n), ca, cb, func(p spikingKernel) ([][]float64, []int32) { z := p.(*COBA); return [][]float64{z.V}, z.Ref }, 0.5)
	}

	// Regular spiking with a synaptic time constant (the input decays, not
	// zeroed), and fast spiking without one.
	for _, c := range []struct {
		name string
		p    IzhikevichParams
		tau  float64
	}{{"izhikevich rs", RegularSpiking(), 5}, {"izhikevich fs", FastSpiking(), 0}} {
		// The AVX2 kernel steps eight neurons per loop, then four: 1003
		// ends after the loop of eight, 1007 after one group of four. The
		// AVX-512 kernel steps sixteen per loop and leaves 8 or 12 to the
		// AVX2 kernel there, none at 1008, one group of four at 1012.
		for _, n := range []int{n, n + 4, n + 5, n + 9} {
			p := c.p
			p.TauSynMs = c.tau
			za, _ := NewIzhikevich(n, p)
			zb, _ := NewIzhikevich(n, p)
			init(za.V)
			init(zb.V)
			ia, ib := izh{za, make([]float64, n)}, izh{zb, make([]float64, n)}
			stepBoth(t, fmt.Sprintf("%s, %d neurons", c.name, n), ia, ib, func(p spikingKernel) ([][]float64, []int32) {
				z := p.(izh)
				return [][]float64{z.V, z.U}, nil
			}, 60)
		}
	}
}

// BenchmarkKernels steps, with each kernel set this machine has and
// with the scalar loop: the distal-reward network's 1000 Izhikevich
// neurons (regular spiking, dt = 1 ms, a noisy drive), and the 4000 LIF
// (CUBA's) and COBA neurons of BenchmarkLIFStep and BenchmarkCOBAStep
// (dt = 0.1 ms).
func BenchmarkKernels(b *testing.B) {
	defer func(a, z bool) { useAVX2, useAVX512 = a, z }(useAVX2, useAVX512)
	sets := append([]struct {
		name      string
		avx2, zmm bool
	}{{"scalar", false, false}}, kernelSets()...)
	for _, k := range sets {
		b.Run("izhikevich/"+k.name, func(b *testing.B) {
			useAVX2, useAVX512 = k.avx2, k.zmm
			z, err := NewIzhikevich(1000, RegularSpiking())
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			drive := make([]float64, 4096)
			for i := range drive {
				drive[i] = 13 * (rng.Float64() - 0.5)
			}
			in := z.Input()
			b.ReportAllocs()
			s := 0
			for b.Loop() {
				copy(in, drive[s:])
				s = (s + 97) % 3000
				z.Step(1)
			}
		})
		b.Run("lif/"+k.name, func(b *testing.B) {
			useAVX2, useAVX512 = k.avx2, k.zmm
			benchLIF(b)
		})
		b.Run("coba/"+k.name, func(b *testing.B) {
			useAVX2, useAVX512 = k.avx2, k.zmm
			benchCOBA(b)
		})
	}
}

// BenchmarkLIFStep steps 4000 LIF neurons with the CUBA parameters (tonic
// drive, no synaptic input), with the kernels this machine has: one op is
// one step of dt = 0.1 ms.
func BenchmarkLIFStep(b *testing.B) { benchLIF(b) }

// BenchmarkCOBAStep steps 4000 COBA neurons with the benchmark's
// parameters (bias 20 mV, no synaptic input): one op is one step of
// dt = 0.1 ms.
func BenchmarkCOBAStep(b *testing.B) { benchCOBA(b) }

func benchLIF(b *testing.B) {
	l, err := NewLIF(4000, LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10})
	if err != nil {
		b.Fatal(err)
	}
	for i := range l.V {
		l.V[i] = -60 + 10*float64(i)/4000
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Step(0.1)
	}
}

func benchCOBA(b *testing.B) {
	p := COBAParams{}.Defaults()
	p.IBiasMV = 20
	c, err := NewCOBA(4000, p)
	if err != nil {
		b.Fatal(err)
	}
	for i := range c.V {
		c.V[i] = -60 + 10*float64(i)/4000
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Step(0.1)
	}
}
