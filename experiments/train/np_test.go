package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/neuron"
)

// npEstimate averages n antithetic node-perturbation estimates of ∇L,
// (L(+ζ) − L(−ζ))/(2σ²)·(−ξ₋), ξ₋ the signature of the −ζ pass, and returns
// them with the exact gradient from backpropagation, both flattened over
// the plastic links.
func npEstimate(c *circuits.Circuit, t task.Task, sigma float64, n int) (est, exact []float64) {
	c.ZeroGrad()
	t.Grad(c)
	for _, l := range c.Links {
		if l.Plastic {
			exact = append(exact, l.Grad...)
		}
	}
	est = make([]float64, len(exact))
	rng := rand.New(rand.NewPCG(7, 11))
	for range n {
		seed := rng.Uint64()
		c.PerturbNodes(seed, sigma, 1)
		lp := t.Loss(c)
		c.PerturbNodes(seed, sigma, -1)
		lm := t.Loss(c)
		c.StopNodeNoise()
		k := 0
		for _, l := range c.Links {
			if !l.Plastic {
				continue
			}
			for _, x := range l.Xi {
				est[k] -= (lp - lm) / (2 * sigma * sigma) * x / float64(n)
				k++
			}
		}
	}
	return est, exact
}

func cosineAndNormRatio(a, b []float64) (cos, ratio float64) {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb), math.Sqrt(aa / bb)
}

// TestNodePerturbationEstimatesTheGradient is node perturbation's reference
// test: averaged over many draws, its estimate is the gradient (Fiete &
// Seung 2006), here against backpropagation on the feedforward XOR circuit
// (four patterns per trial) and on a recurrent circuit run over a
// forecasting window (the signature must pair each step's noise with the
// presynaptic rates of that step, the previous step's for the recurrent
// link).
func TestNodePerturbationEstimatesTheGradient(t *testing.T) {
	rec := forecastCircuitSized(t, 4)
	fp := task.ForecastParams{}.Defaults()
	fp.Window, fp.Washout, fp.TrainSteps, fp.TestSteps = 12, 2, 100, 100
	mg, err := series.MackeyGlass(series.MackeyGlassParams{}.Defaults(), fp.TrainSteps+fp.TestSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := task.NewForecast("mackey_glass", fp, mg.X, 1, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Next(rand.New(rand.NewPCG(1, 2)))
	for _, c := range []struct {
		name string
		c    *circuits.Circuit
		t    task.Task
		n    int
	}{
		{"xor", xorCircuit(t, 3), &task.XOR{}, 20000},
		{"recurrent", rec, f, 40000},
	} {
		est, exact := npEstimate(c.c, c.t, 1e-3, c.n)
		cos, ratio := cosineAndNormRatio(est, exact)
		if cos < 0.99 || math.Abs(ratio-1) > 0.05 {
			t.Errorf("%s: node-perturbation estimate vs gradient: cosine %.4f, norm ratio %.4f (want ≥ 0.99 and within 5 %%)", c.name, cos, ratio)
		}
	}
}

// forecastCircuitSized is the Mackey-Glass circuit with n hidden units.
func forecastCircuitSized(tb testing.TB, n int) *circuits.Circuit {
	tb.Helper()
	s, err := circuits.Load("mackey_glass")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range s.Populations {
		if s.Populations[i].Name == "hidden" {
			s.Populations[i].Size = n
		}
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{5})))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// regression is an online linear teacher task: every update draws P fresh
// input patterns x ~ N(0, I_N), the targets are w*·x, the loss is the MSE
// over the patterns. Its expected loss is |w − w*|².
type regression struct {
	teacher []float64
	x       [][]float64
	target  []float64
}

func newRegression(n, p int, seed uint64) *regression {
	rng := rand.New(rand.NewPCG(seed, 3))
	r := &regression{teacher: make([]float64, n), x: make([][]float64, p), target: make([]float64, p)}
	for i := range r.teacher {
		r.teacher[i] = rng.NormFloat64() / math.Sqrt(float64(n))
	}
	for k := range r.x {
		r.x[k] = make([]float64, n)
	}
	return r
}

func (r *regression) Name() string                         { return "regression" }
func (r *regression) Check(*circuits.Circuit) error        { return nil }
func (r *regression) Evaluate(*circuits.Circuit) task.Eval { return task.Eval{} }
func (r *regression) Grad(*circuits.Circuit) float64       { panic("not needed") }
func (r *regression) Next(rng *rand.Rand) {
	for k, x := range r.x {
		y := 0.0
		for i := range x {
			x[i] = rng.NormFloat64()
			y += r.teacher[i] * x[i]
		}
		r.target[k] = y
	}
}
func (r *regression) Loss(c *circuits.Circuit) float64 {
	c.Reset()
	l := 0.0
	for k, x := range r.x {
		c.Step(x)
		d := c.Output()[0] - r.target[k]
		l += d * d
	}
	return l / float64(len(r.x))
}

// distance is |w − w*|², the expected loss of the circuit's only link.
func (r *regression) distance(c *circuits.Circuit) float64 {
	d := 0.0
	for i, w := range c.Links[0].W {
		d += (w - r.teacher[i]) * (w - r.teacher[i])
	}
	return d
}

// TestNodePerturbationBeatsWPOnAWideLayer checks the known result of
// Werfel, Xie & Seung (2005, "Learning curves for stochastic gradient
// descent in linear feedforward networks"): learning a linear layer online,
// weight perturbation's learning time grows with the number of weights and
// node perturbation's with the number of output-noise dimensions. With
// N = 64 inputs, one output and P = 4 fresh patterns per update (64
// weights against 4 noise values), node perturbation, each rule at its best
// rate, brings the expected loss |w − w*|² to a hundredth in several times
// fewer updates (measured: about 11×; the ratio of dimensions is 16).
func TestNodePerturbationBeatsWPOnAWideLayer(t *testing.T) {
	const n, p = 64, 4
	task := newRegression(n, p, 1)
	spec := circuits.Spec{}.Defaults()
	spec.Name, spec.Input, spec.Readout.Population = "wide", "in", "out"
	in, out := circuits.PopulationSpec{}.Defaults(), circuits.PopulationSpec{}.Defaults()
	in.Name, in.Size, in.Activation = "in", n, neuron.Linear
	out.Name, out.Size, out.Activation = "out", 1, neuron.Linear
	proj := circuits.ProjectionSpec{}.Defaults()
	proj.From, proj.To, proj.Bias, proj.InitGain = "in", "out", false, 0
	spec.Populations, spec.Projections = []circuits.PopulationSpec{in, out}, []circuits.ProjectionSpec{proj}

	updatesTo := func(name string, eta float64, seed uint64) int {
		c, err := spec.Build(rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := Defaults(name)
		rs.LearningRate = eta
		pp := rs.Params.(PerturbationParams)
		pp.Sigma = 1e-3
		rs.Params = pp
		r, err := New(rs, c, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		e0 := task.distance(c)
		rng := rand.New(rand.NewPCG(seed, 4))
		for u := range 50000 {
			e := task.distance(c)
			if !(e < 10*e0) {
				return math.MaxInt // diverged
			}
			if e < e0/100 {
				return u
			}
			task.Next(rng)
			r.Measure(task)
			r.Learn(task)
		}
		return math.MaxInt
	}
	best := func(name string) (int, float64) {
		b, at := math.MaxInt, 0.0
		for _, eta := range []float64{0.0001, 0.000178, 0.000316, 0.000562, 0.001, 0.00178, 0.00316, 0.00562, 0.01, 0.0178, 0.0316, 0.0562, 0.1} {
			total := 0
			for seed := range uint64(3) {
				u := updatesTo(name, eta, seed)
				if u == math.MaxInt {
					total = math.MaxInt
					break
				}
				total += u
			}
			if total < b {
				b, at = total, eta
			}
		}
		return b, at
	}
	wp, wpEta := best("wp")
	np, npEta := best("np")
	msg := fmt.Sprintf("updates to L0/100 over 3 seeds: wp %d (η = %g), np %d (η = %g)", wp, wpEta, np, npEta)
	t.Log(msg)
	if np == math.MaxInt || wp == math.MaxInt || float64(wp) < 4*float64(np) {
		t.Errorf("%s: want np at least 4× faster", msg)
	}
}
