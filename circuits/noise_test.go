package circuits

import (
	"math"
	"math/rand/v2"
	"testing"
)

const noiseCircuit = `
name = "noisy"
dt_ms = 1.0
[[population]]
name = "exc"
size = 801
model = "izhikevich"
noise_uniform = 13.0
[[population]]
name = "quiet"
size = 3
model = "izhikevich"
`

// noise_uniform adds amplitude·(U − 0.5) to every neuron's input every
// step: within ±6.5, mean 0 and variance 13²/12, the same for the same
// seed, another for another seed, and nothing on a population without it.
func TestNoiseUniform(t *testing.T) {
	s, err := Parse("n.toml", []byte(noiseCircuit))
	if err != nil {
		t.Fatal(err)
	}
	build := func(seed byte) *Circuit {
		c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{seed})))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, other := build(1), build(1), build(2)
	if a.noise[0].amp != 13 || a.noise[1].amp != 0 {
		t.Fatalf("noise amplitudes %g, %g, want 13, 0", a.noise[0].amp, a.noise[1].amp)
	}
	const steps = 200
	var sum, sq float64
	n := 0
	same, differ := true, false
	for range steps {
		xa, xb, xo := make([]float64, 801), make([]float64, 801), make([]float64, 801)
		a.noise[0].add(xa)
		b.noise[0].add(xb)
		other.noise[0].add(xo)
		for i, x := range xa {
			if !(x >= -6.5 && x < 6.5) {
				t.Fatalf("noise %g outside [-6.5, 6.5)", x)
			}
			sum += x
			sq += x * x
			n++
			same = same && x == xb[i]
			differ = differ || x != xo[i]
		}
	}
	mean, v := sum/float64(n), sq/float64(n)-(sum/float64(n))*(sum/float64(n))
	if math.Abs(mean) > 4*math.Sqrt(169.0/12/float64(n)) || math.Abs(v-169.0/12) > 0.02*169.0/12 {
		t.Errorf("noise mean %g, variance %g; want 0 and %g", mean, v, 169.0/12)
	}
	if !same || !differ {
		t.Errorf("same seed gives the same noise: %v; another seed another: %v", same, differ)
	}
	// In a step: the noisy population fires now and then, the quiet one
	// (no input at all) never, and the step allocates nothing.
	c := build(3)
	quiet := 0
	for range 1000 {
		c.Step(nil)
		quiet += len(c.SpikesOf(1))
	}
	if c.SpikeCount == 0 || quiet != 0 {
		t.Errorf("in 1 s the noisy population fired %d spikes (want some), the quiet one %d (want none)", c.SpikeCount-int64(quiet), quiet)
	}
	if allocs := testing.AllocsPerRun(100, func() { c.Step(nil) }); allocs != 0 {
		t.Errorf("Step allocates %g times", allocs)
	}
}
