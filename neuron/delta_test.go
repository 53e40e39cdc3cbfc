package neuron_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// brunelParams are the neurons of Brunel (2000): rest 0 mV, reset 10 mV,
// threshold 20 mV, τ = 20 ms, 2 ms refractory, delta synapses.
func brunelParams() neuron.LIFParams {
	return neuron.LIFParams{TauMMs: 20, VRestMV: 0, VResetMV: 10, VThreshMV: 20, TRefMs: 2}
}

// A drive into a delta channel makes v jump by it at the start of the
// step, and the jump relaxes with the membrane: v ← v_rest + (v + w −
// v_rest)·e^(−dt/τ_m); the channel is cleared. Inhibition likewise.
func TestDeltaSynapseJump(t *testing.T) {
	p := brunelParams()
	p.VRestMV = 3
	l, err := neuron.NewLIF(2, p)
	if err != nil {
		t.Fatal(err)
	}
	l.V[0], l.V[1] = 5, 12
	l.Input()[0] = 0.7
	l.InputInh()[1] = -2.5
	l.Step(0.1)
	pm := math.Exp(-0.1 / 20)
	for i, want := range []float64{3 + (5+0.7-3)*pm, 3 + (12-2.5-3)*pm} {
		if math.Abs(l.V[i]-want) > 1e-12 {
			t.Errorf("v[%d] = %.15g, want %.15g", i, l.V[i], want)
		}
	}
	if l.Input()[0] != 0 || l.InputInh()[1] != 0 {
		t.Errorf("delta channels not cleared: %v %v", l.Input(), l.InputInh())
	}
	// Without input, the next step only relaxes v.
	v := l.V[0]
	l.Step(0.1)
	if want := 3 + (v-3)*pm; math.Abs(l.V[0]-want) > 1e-12 {
		t.Errorf("v[0] = %.15g, want %.15g", l.V[0], want)
	}
}

// A jump over threshold spikes in that step; the neuron is reset to
// v_reset (not rest) and loses the drive of the refractory steps.
func TestDeltaSynapseSpikeResetRefractory(t *testing.T) {
	p := brunelParams()
	l, err := neuron.NewLIF(1, p)
	if err != nil {
		t.Fatal(err)
	}
	l.V[0] = 19.9
	l.Input()[0] = 0.5
	l.Step(0.1)
	if len(l.Spikes()) != 1 || l.V[0] != p.VResetMV {
		t.Fatalf("spikes %v, v %g: want one spike and v = v_reset = %g", l.Spikes(), l.V[0], p.VResetMV)
	}
	nref := l.RefractorySteps(0.1)
	for s := range nref {
		l.Input()[0] = 30 // would fire at once if felt
		l.Step(0.1)
		if len(l.Spikes()) != 0 || l.V[0] != p.VResetMV {
			t.Fatalf("refractory step %d: spikes %v, v %g: want none and v held at %g", s, l.Spikes(), l.V[0], p.VResetMV)
		}
	}
	l.Input()[0] = 30
	l.Step(0.1)
	if len(l.Spikes()) != 1 {
		t.Fatalf("after %d refractory steps the drive is felt again: want a spike, got %v (v %g)", nref, l.Spikes(), l.V[0])
	}
}

func TestDeltaValidate(t *testing.T) {
	p := brunelParams()
	if err := p.Validate(); err != nil {
		t.Fatalf("delta synapses refused: %v", err)
	}
	p.TauSynIMs = -1
	if err := p.Validate(); err == nil {
		t.Fatal("tau_syn_i_ms = -1 accepted")
	}
}

// The counts of a Poisson drive have mean and variance λ = n·ν·dt/1000,
// and counts above one per step occur as often as the Poisson law says.
func TestPoissonInputCounts(t *testing.T) {
	for _, c := range []struct {
		n    int
		rate float64
	}{{800, 25}, {800, 2.5}, {20, 1000}} {
		p := neuron.PoissonInputParams{N: c.n, RateHz: c.rate, Weight: 1}
		z, err := neuron.NewPoissonInput(p, 10000, 0.1, [32]byte{1})
		if err != nil {
			t.Fatal(err)
		}
		lambda := p.Mean(0.1)
		in := make([]float64, 10000)
		var s, s2, over1 float64
		const steps = 20
		for range steps {
			clear(in)
			z.Add(in)
			for _, k := range in {
				s += k
				s2 += k * k
				if k > 1 {
					over1++
				}
			}
		}
		m := float64(len(in) * steps)
		mean, vr := s/m, s2/m-(s/m)*(s/m)
		se := math.Sqrt(lambda / m)
		if math.Abs(mean-lambda) > 5*se {
			t.Errorf("λ = %g: mean count %g (±%g)", lambda, mean, se)
		}
		if math.Abs(vr/lambda-1) > 0.03 {
			t.Errorf("λ = %g: variance %g, want λ", lambda, vr)
		}
		pOver1 := 1 - math.Exp(-lambda)*(1+lambda)
		if se := math.Sqrt(pOver1 * (1 - pOver1) / m); math.Abs(over1/m-pOver1) > 5*se {
			t.Errorf("λ = %g: fraction of counts > 1 %g, want %g", lambda, over1/m, pOver1)
		}
		if cdf := z.Counts(); cdf[len(cdf)-1] != 1 {
			t.Errorf("λ = %g: table does not end at 1: %v", lambda, cdf[len(cdf)-1])
		}
	}
}

func TestPoissonInputSeedAndValidate(t *testing.T) {
	p := neuron.PoissonInputParams{N: 800, RateHz: 25, Weight: 0.1}
	a, _ := neuron.NewPoissonInput(p, 100, 0.1, [32]byte{7})
	b, _ := neuron.NewPoissonInput(p, 100, 0.1, [32]byte{7})
	c, _ := neuron.NewPoissonInput(p, 100, 0.1, [32]byte{8})
	x, y, w := make([]float64, 100), make([]float64, 100), make([]float64, 100)
	a.Add(x)
	b.Add(y)
	c.Add(w)
	same := func(u, v []float64) bool {
		for i := range u {
			if u[i] != v[i] {
				return false
			}
		}
		return true
	}
	if !same(x, y) || same(x, w) {
		t.Error("the drive is not a function of its seed")
	}
	for _, bad := range []neuron.PoissonInputParams{{N: -1}, {N: 1, RateHz: math.NaN()}, {N: 1, RateHz: 1, Weight: math.Inf(1)}, {N: 1e9, RateHz: 1e6}} {
		if _, err := neuron.NewPoissonInput(bad, 10, 0.1, [32]byte{}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// A step of 10 000 delta-synapse neurons under their Poisson drive
// allocates nothing.
func TestDeltaStepAllocatesNothing(t *testing.T) {
	l, _ := neuron.NewLIF(10000, brunelParams())
	z, _ := neuron.NewPoissonInput(neuron.PoissonInputParams{N: 800, RateHz: 25, Weight: 0.1}, 10000, 0.1, [32]byte{3})
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range l.V {
		l.V[i] = 20 * rng.Float64()
	}
	step := func() {
		z.Add(l.Input())
		l.Step(0.1)
	}
	if a := testing.AllocsPerRun(500, step); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}

// BenchmarkDeltaLIFStep steps 10 000 Brunel neurons with their external
// Poisson drive (800 inputs at 25 Hz, λ = 2 per step): one op is one step
// of dt = 0.1 ms.
func BenchmarkDeltaLIFStep(b *testing.B) {
	l, _ := neuron.NewLIF(10000, brunelParams())
	z, _ := neuron.NewPoissonInput(neuron.PoissonInputParams{N: 800, RateHz: 25, Weight: 0.1}, 10000, 0.1, [32]byte{3})
	b.ReportAllocs()
	for b.Loop() {
		z.Add(l.Input())
		l.Step(0.1)
	}
}

// A drive drawn in parts of whole blocks, in any order, adds what Add
// adds, bit for bit; a part that cuts a block is refused.
func TestPoissonInputPartsEqualAdd(t *testing.T) {
	p := neuron.PoissonInputParams{N: 800, RateHz: 25, Weight: 0.1}
	const n = 5*neuron.PoissonBlock + 77
	a, _ := neuron.NewPoissonInput(p, n, 0.1, [32]byte{9})
	b, _ := neuron.NewPoissonInput(p, n, 0.1, [32]byte{9})
	x, y := make([]float64, n), make([]float64, n)
	cuts := []int{0, neuron.PoissonBlock, 3 * neuron.PoissonBlock, n}
	for step := range 5 {
		a.Add(x)
		for k := len(cuts) - 2; k >= 0; k-- { // the last part first
			b.AddPart(y, cuts[k], cuts[k+1])
		}
		for i := range x {
			if x[i] != y[i] {
				t.Fatalf("step %d, neuron %d: Add %g, parts %g", step, i, x[i], y[i])
			}
		}
	}
	sum := 0.0
	for _, v := range x {
		sum += v
	}
	if want := 5 * n * p.Mean(0.1) * p.Weight; math.Abs(sum-want) > 0.1*want {
		t.Errorf("total drive %g, want about %g", sum, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a part that cuts a block was accepted")
		}
	}()
	b.AddPart(y, 1, neuron.PoissonBlock)
}
