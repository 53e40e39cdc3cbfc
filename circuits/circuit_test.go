package circuits

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// testSpec returns a small circuit: input → hidden (recurrent when rec) → output.
func testSpec(hiddenTau float64, rec bool, steps int) *Spec {
	s := Spec{}.Defaults()
	s.Name, s.Input, s.StepsPerTrial = "t", "in", steps
	s.Readout.Population = "out"
	pop := func(name string, n int, a neuron.Activation, tau float64) PopulationSpec {
		p := PopulationSpec{}.Defaults()
		p.Name, p.Size, p.Activation, p.TauMs = name, n, a, tau
		return p
	}
	proj := func(from, to string) ProjectionSpec {
		p := ProjectionSpec{}.Defaults()
		p.From, p.To = from, to
		return p
	}
	s.Populations = []PopulationSpec{pop("in", 3, neuron.Linear, 0), pop("hid", 5, neuron.Tanh, hiddenTau), pop("out", 2, neuron.Sigmoid, 0)}
	s.Projections = []ProjectionSpec{proj("in", "hid"), proj("hid", "out")}
	if rec {
		s.Projections = append(s.Projections, proj("hid", "hid"), proj("out", "hid"))
	}
	return &s
}

// loss runs the circuit over a fixed input sequence: L = ½ Σ_t Σ_i (y_ti − target_ti)².
func seqLoss(c *Circuit, xs, ys [][]float64, g []float64) float64 {
	c.Reset()
	l := 0.0
	for t, x := range xs {
		c.Step(x)
		for i, y := range c.Output() {
			d := y - ys[t][i]
			l += d * d / 2
			if g != nil {
				g[t*len(ys[t])+i] = d
			}
		}
	}
	return l
}

func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tau   float64
		rec   bool
		steps int
	}{
		{"feedforward", 0, false, 1},
		{"feedforward-3-steps", 0, false, 3},
		{"recurrent", 0, true, 6},
		{"recurrent-leaky", 5, true, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewChaCha8([32]byte{1}))
			c, err := testSpec(tc.tau, tc.rec, tc.steps).Build(rng)
			if err != nil {
				t.Fatal(err)
			}
			xs, ys := make([][]float64, tc.steps), make([][]float64, tc.steps)
			for s := range xs {
				xs[s] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
				ys[s] = []float64{rng.Float64(), rng.Float64()}
			}
			g := make([]float64, 2*tc.steps)
			c.ZeroGrad()
			c.Record(true)
			seqLoss(c, xs, ys, g)
			c.Backward(g)
			c.Record(false)
			const h = 1e-6
			checked := 0
			for _, l := range c.Links {
				for i := range l.W {
					w := l.W[i]
					l.W[i] = w + h
					lp := seqLoss(c, xs, ys, nil)
					l.W[i] = w - h
					lm := seqLoss(c, xs, ys, nil)
					l.W[i] = w
					fd := (lp - lm) / (2 * h)
					if d := math.Abs(fd - l.Grad[i]); d > 1e-6*math.Max(1, math.Abs(fd)) {
						t.Errorf("%s[%d]: backprop %.9g, finite difference %.9g", l.Name, i, l.Grad[i], fd)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no synapse checked")
			}
		})
	}
}

func TestFeedforwardIsPerceptron(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{2}))
	c, err := testSpec(0, false, 1).Build(rng)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, -1.2, 0.7}
	got := append([]float64(nil), c.Trial(x)...)
	// The same perceptron by hand: y = σ(W2·tanh(W1·x + b1) + b2).
	l1, l2 := c.Links[0], c.Links[1]
	h := make([]float64, 5)
	for i := range h {
		s := l1.Biases()[i]
		for j, xj := range x {
			s += l1.Weights()[i*3+j] * xj
		}
		h[i] = math.Tanh(s)
	}
	for i := range 2 {
		s := l2.Biases()[i]
		for j, hj := range h {
			s += l2.Weights()[i*5+j] * hj
		}
		if want := 1 / (1 + math.Exp(-s)); math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("output %d: circuit %g, perceptron %g", i, got[i], want)
		}
	}
}
