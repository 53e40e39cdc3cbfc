package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// xorCircuit builds the built-in XOR circuit from its file.
func xorCircuit(tb testing.TB, seed byte) *circuits.Circuit {
	tb.Helper()
	s, err := circuits.Load("xor")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{seed})))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func bind(tb testing.TB, name string, c *circuits.Circuit, seed byte) Rule {
	tb.Helper()
	spec, ok := Defaults(name)
	if !ok {
		tb.Fatalf("no rule %q", name)
	}
	r, err := New(spec, c, rand.New(rand.NewChaCha8([32]byte{seed, 1})))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// train runs a rule through the training loop to L < 0.01 or maxTrials;
// it returns the trials spent.
func train(r Rule, c *circuits.Circuit, maxTrials int) (int, bool) {
	o := Loop(context.Background(), r, c, &task.XOR{}, rand.New(rand.NewPCG(0, 0)), Budget{MaxTrials: maxTrials, LossBelow: 0.01}, Hooks{})
	return o.Trials, o.Solved
}

// TestEveryRuleSolvesXOR: with its defaults, each rule solves XOR from
// most of a handful of starts, well inside the budget.
func TestEveryRuleSolvesXOR(t *testing.T) {
	for _, name := range Names() {
		solved := 0
		for seed := byte(1); seed <= 6; seed++ {
			c := xorCircuit(t, seed)
			if _, ok := train(bind(t, name, c, seed), c, 20000); ok {
				solved++
			}
		}
		if solved < 5 {
			t.Errorf("%s solved XOR from %d of 6 starts, want >= 5", name, solved)
		}
	}
}

// TestWPStepIsGradientEstimate: with the raw RPE, one WP update is
// Δw = η·δ·ξ/σ² with δ = L(w) − L(w+ξ), checked on every synapse.
func TestWPStepIsGradientEstimate(t *testing.T) {
	c := xorCircuit(t, 3)
	r := bind(t, "wp", c, 3).(*Perturbation)
	task := &task.XOR{}
	before := snapshot(c)
	l0, _ := r.Measure(task)
	r.Learn(task)
	// Recompute L(w+ξ) from the kept perturbation.
	after := snapshot(c)
	restore(c, before)
	c.SetPerturbed(true)
	// Perturbed weights were prepared from the old weights: same pass again.
	l1 := task.Loss(c)
	c.SetPerturbed(false)
	restore(c, after)
	eta, sigma := 1.0, 0.01
	k := 0
	for _, l := range c.Links {
		for i := range l.W {
			want := before[k] + eta*(l0-l1)*l.Xi[i]/(sigma*sigma)
			if math.Abs(l.W[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s[%d]: w = %g, want %g", l.Name, i, l.W[i], want)
			}
			k++
		}
	}
}

func snapshot(c *circuits.Circuit) []float64 {
	var w []float64
	for _, l := range c.Links {
		w = append(w, l.W...)
	}
	return w
}

func restore(c *circuits.Circuit, w []float64) {
	k := 0
	for _, l := range c.Links {
		k += copy(l.W, w[k:])
	}
}

// TestDopamineRevertsUnconfirmedChange: when the unperturbed loss rose
// after a change by more than the just-noticeable worsening, that change is
// undone before the next perturbation.
func TestDopamineRevertsUnconfirmedChange(t *testing.T) {
	c := xorCircuit(t, 5)
	r := bind(t, "dopamine", c, 5).(*Perturbation)
	tk := &task.XOR{}
	reverted := 0
	var beforeLast []float64 // weights before the last change
	for i := range 200 {
		cur := snapshot(c)
		r.Measure(tk)
		r.Learn(tk)
		tr := r.Trace()
		prev := tr.Expectation // b_{t−1}: kept after a revert, b_t − π otherwise
		if !tr.Reverted {
			prev -= tr.Progress
		}
		if eps := r.m.RevertTolerance; i > 0 && tr.Reverted != (tr.Progress < -eps*math.Abs(prev)) {
			t.Fatalf("update %d: reverted %v with progress %g (threshold %g)", i, tr.Reverted, tr.Progress, -eps*math.Abs(prev))
		}
		if tr.Reverted {
			reverted++
			// The change was made from the restored weights: w − η·m = beforeLast.
			got := snapshot(c)
			k := 0
			for _, l := range c.Links {
				for j := range l.W {
					base := got[k] - r.m.LearningRate()*l.M[j]
					if math.Abs(base-beforeLast[k]) > 1e-9 {
						t.Fatalf("update %d: change not made from the restored weights (%g vs %g)", i, base, beforeLast[k])
					}
					k++
				}
			}
		} else {
			beforeLast = cur
		}
	}
	if reverted == 0 {
		t.Error("no change was ever reverted in 200 updates")
	}
}

// TestUpdatesAllocateNothing: one learning update of every rule on the
// XOR circuit allocates nothing once warmed up.
func TestUpdatesAllocateNothing(t *testing.T) {
	for _, name := range Names() {
		c := xorCircuit(t, 1)
		r := bind(t, name, c, 1)
		tk := &task.XOR{}
		r.Measure(tk)
		r.Learn(tk)
		if a := testing.AllocsPerRun(100, func() { r.Measure(tk); r.Learn(tk) }); a != 0 {
			t.Errorf("%s: %g allocations per update, want 0", name, a)
		}
	}
}

// BenchmarkUpdate is one learning update of each rule on the XOR circuit:
// for the paired rules the unperturbed and perturbed passes over the four
// patterns plus the weight change; for sgd/adam the forward and backward
// passes plus the step.
func BenchmarkUpdate(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			c := xorCircuit(b, 1)
			r := bind(b, name, c, 1)
			tk := &task.XOR{}
			b.ReportAllocs()
			for b.Loop() {
				r.Measure(tk)
				r.Learn(tk)
			}
		})
	}
}

// TestCentralPairOnNewData: with Params.Central, an update on new data is
// an antithetic pair: no unperturbed pass, trials with w+ξ and w−ξ, the
// first one's outcome the expectation of the second, D = sign(δ) for
// dopamine2, and Δw = η·m with m = λ·m + D·(−ξ)/σ.
func TestCentralPairOnNewData(t *testing.T) {
	f := forecastTask(t, 100)
	c := forecastCircuit(t)
	r := bind(t, "dopamine2", c, 3).(*Perturbation)
	rng := rand.New(rand.NewChaCha8([32]byte{5}))
	for range 3 { // a few updates, so that the trace m is not zero
		f.Next(rng)
		r.Measure(f)
		r.Learn(f)
	}
	f.Next(rng)
	if l, p := r.Measure(f); p != 0 || !math.IsNaN(l) {
		t.Fatalf("Measure before a pair: (%g, %d), want (NaN, 0)", l, p)
	}
	w0, m0 := snapshot(c), traceOf(c)
	if p := r.Learn(f); p != 2 {
		t.Fatalf("a pair spent %d trials, want 2", p)
	}
	// Recompute both trials from the kept perturbation (now −ξ).
	after := snapshot(c)
	restore(c, w0)
	c.SetPerturbed(true)
	lm := f.Loss(c) // w + (−ξ)
	c.Negate()
	lp := f.Loss(c) // w + ξ
	c.Negate()
	c.SetPerturbed(false)
	restore(c, after)
	tr := r.Trace()
	if tr.Expectation != -lp || tr.Reward != -lm {
		t.Fatalf("trace expectation %g reward %g, want %g and %g", tr.Expectation, tr.Reward, -lp, -lm)
	}
	d := math.Copysign(1, lp-lm)
	eta, lambda, sigma := r.m.LearningRate(), r.m.Lambda, 0.01
	k := 0
	for _, l := range c.Links {
		for i := range l.W {
			m := lambda*m0[k] + d*l.Xi[i]/sigma // l.Xi holds −ξ
			if want := w0[k] + eta*m; math.Abs(l.W[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s[%d]: w = %g, want %g", l.Name, i, l.W[i], want)
			}
			k++
		}
	}
}

func traceOf(c *circuits.Circuit) []float64 {
	var m []float64
	for _, l := range c.Links {
		m = append(m, l.M...)
	}
	return m
}
