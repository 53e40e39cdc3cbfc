package memory

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// TestWillshawFalsePositives is the issue's one-step check: Willshaw,
// n = 1000, k = 10, half-pattern queries (5 correct units), threshold 5.
// The measured false-positive probability of a silent unit agrees with the
// exact expectation within sampling error at several loads; the classical
// approximation p₁^|q| is logged beside it (it is not exact: it treats the
// |q| synapses into a unit as independent and ignores that the queried
// pattern's own synapses are known to be set).
func TestWillshawFalsePositives(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.Rule = synapse.Willshaw
	cfg.Activation = neuron.ThresholdActivation
	cfg.Queries = 2000
	loads := []int{2000, 5000, 8000}
	if raceEnabled {
		loads = loads[1:2]
	}
	for _, M := range loads {
		cfg.M = M
		r, err := Run(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		exact, approx := WillshawFalsePositive(1000, 10, M, 5)
		t.Logf("M=%d: measured %.3g ± %.2g, exact %.3g, approximation p1^5 = %.3g (p1 = %.3f)", M, r.FalseRate, r.FalseRateSE, exact, approx, r.SetFraction)
		if r.Missed != 0 {
			t.Errorf("M=%d: %g missed units per query; Willshaw with threshold |q| misses none", M, r.Missed)
		}
		// the per-query rates share one matrix, so allow a generous 4 standard errors
		if d := math.Abs(r.FalseRate - exact); d > 4*r.FalseRateSE {
			t.Errorf("M=%d: measured %g ± %g, exact %g (%.1f SE)", M, r.FalseRate, r.FalseRateSE, exact, d/r.FalseRateSE)
		}
	}
}

func TestWillshawFalsePositiveFormula(t *testing.T) {
	// one stored pattern besides the queried one, z = 1: the false unit
	// must be in that pattern together with the query unit:
	// P = (k/n)·(k−1)/(n−1)
	n, k := 50, 5
	exact, _ := WillshawFalsePositive(n, k, 2, 1)
	if want := float64(k) / float64(n) * float64(k-1) / float64(n-1); math.Abs(exact-want) > 1e-15 {
		t.Errorf("exact = %g, want %g", exact, want)
	}
	// z = 2 with one other pattern: it must hold j and both query units
	exact, _ = WillshawFalsePositive(n, k, 2, 2)
	if want := float64(k) / float64(n) * float64(k-1) / float64(n-1) * float64(k-2) / float64(n-2); math.Abs(exact-want) > 1e-15 {
		t.Errorf("exact z=2 = %g, want %g", exact, want)
	}
}

// TestBayesOptimalOneStep: for one-step retrieval with the true noise
// parameters, the Bayesian rule's output noise is at most every other
// rule's, at every load, within sampling error (paired over 1000 queries).
func TestBayesOptimalOneStep(t *testing.T) {
	type setting struct {
		name string
		ens  Ensemble
		q    QueryNoise
		// activations of the other rules; Bayes uses threshold (MAP) under
		// independent noise and k winners under fixed k
		acts  []neuron.BinaryActivation
		bayes neuron.BinaryActivation
	}
	for _, s := range []setting{
		{"fixed k=10, half patterns", Ensemble{Kind: FixedK, N: 1000, K: 10}, QueryNoise{P01: 0.5, Exact: true},
			[]neuron.BinaryActivation{neuron.KWinners}, neuron.KWinners},
		{"bernoulli p=0.02, independent noise", Ensemble{Kind: Bernoulli, N: 1000, P: 0.02}, QueryNoise{P01: 0.3, P10: 0.003},
			[]neuron.BinaryActivation{neuron.KWinners, neuron.ThresholdActivation}, neuron.ThresholdActivation},
	} {
		loads := []int{500, 1500, 3000}
		if raceEnabled {
			loads = loads[2:]
		}
		for _, M := range loads {
			cfg := Config{}.Defaults()
			cfg.Patterns, cfg.Query, cfg.M = s.ens, s.q, M
			if raceEnabled {
				cfg.Queries = 200 // the race detector checks the code, not the statistics
			}
			run := func(rule synapse.MemoryRule, act neuron.BinaryActivation) Result {
				c := cfg
				c.Rule, c.Activation = rule, act
				r, err := Run(c, 2)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			bayes := run(synapse.Bayes, s.bayes)
			for _, rule := range []synapse.MemoryRule{synapse.Willshaw, synapse.BCPNN, synapse.Covariance} {
				for _, act := range s.acts {
					if rule == synapse.Covariance && act == neuron.ThresholdActivation {
						continue // its threshold is a free parameter, not a rule of its own
					}
					other := run(rule, act)
					mean, se := pairedDiff(bayes.Epsilon, other.Epsilon)
					t.Logf("%s M=%d: bayes %.4f, %v/%v %.4f (diff %.4f ± %.4f)", s.name, M, bayes.OutputNoise, rule, act, other.OutputNoise, mean, se)
					if mean > 3*se+1e-12 {
						t.Errorf("%s M=%d: bayes ε %.4f > %v/%v ε %.4f by %.1f SE", s.name, M, bayes.OutputNoise, rule, act, other.OutputNoise, mean/se)
					}
				}
			}
		}
	}
}

// pairedDiff returns the mean of a−b and its standard error.
func pairedDiff(a, b []float64) (mean, se float64) {
	var s, s2 float64
	for i := range a {
		d := a[i] - b[i]
		s += d
		s2 += d * d
	}
	n := float64(len(a))
	mean = s / n
	return mean, sem(s2/n-mean*mean, len(a))
}

func TestEnsembles(t *testing.T) {
	r := rng.Stream(1, "test")
	for _, e := range []Ensemble{
		{Kind: FixedK, N: 100, K: 7},
		{Kind: FixedK, N: 10, K: 9},
		{Kind: Modular, N: 60, Modules: 6},
	} {
		for range 200 {
			p := e.Draw(r, nil)
			if len(p) != e.Active() || !slices.IsSorted(p) || len(slices.Compact(slices.Clone(p))) != len(p) {
				t.Fatalf("%+v: pattern %v", e, p)
			}
			if e.Kind == Modular {
				for m, i := range p {
					if int(i)/(e.N/e.Modules) != m {
						t.Fatalf("modular pattern %v: unit %d not in module %d", p, i, m)
					}
				}
			}
		}
	}
	b := Ensemble{Kind: Bernoulli, N: 1000, P: 0.05}
	total := 0
	for range 200 {
		total += len(b.Draw(r, nil))
	}
	// mean 50 per pattern, sd of the total sqrt(200·1000·0.05·0.95) ≈ 97
	if total < 10000-500 || total > 10000+500 {
		t.Errorf("bernoulli: %d active units in 200 patterns, want about 10000", total)
	}
}

func TestQueryNoise(t *testing.T) {
	r := rng.Stream(2, "test")
	u := []int32{3, 10, 11, 40, 41, 42, 70, 80}
	exact := QueryNoise{P01: 0.5, P10: 0.1, Exact: true}
	var scratch []int32
	for range 100 {
		var q []int32
		q, scratch = exact.Apply(r, nil, u, 100, scratch)
		kept := overlap(q, u)
		if kept != 4 || len(q)-kept != 9 || !slices.IsSorted(q) {
			t.Fatalf("exact noise: query %v keeps %d, adds %d (want 4, 9)", q, kept, len(q)-kept)
		}
	}
	flips := QueryNoise{P01: 0.25, P10: 0.02}
	kept, added := 0, 0
	for range 2000 {
		var q []int32
		q, _ = flips.Apply(r, nil, u, 100, nil)
		kept += overlap(q, u)
		added += len(q) - overlap(q, u)
	}
	// expected kept 2000·8·0.75 = 12000 (sd ≈ 55), added 2000·92·0.02 = 3680 (sd ≈ 60)
	if math.Abs(float64(kept)-12000) > 300 || math.Abs(float64(added)-3680) > 300 {
		t.Errorf("independent noise: kept %d (want ≈12000), added %d (want ≈3680)", kept, added)
	}
}

func TestEstimate(t *testing.T) {
	// 10 units; pattern size 3; query of 4 units of which 2 are correct:
	// the three pattern units have sums >= 2, the rest less
	w := []float64{2, 3, 2, 1, 0, 1, 1, 0, 0, 1}
	est := Estimate(w, 4, 3, make([]int, 5))
	// ĉ = 2: p01 = 1/3, p10 = 2/7
	if math.Abs(est.P01-1.0/3) > 1e-12 || math.Abs(est.P10-2.0/7) > 1e-12 {
		t.Errorf("estimate %+v, want p01 = 1/3, p10 = 2/7", est)
	}
	// a perfect query is estimated at half a unit of noise, not zero
	est = Estimate([]float64{3, 3, 3, 0, 1, 0, 0, 0, 0, 0}, 3, 3, make([]int, 4))
	if est.P01 != 0.5/3 || est.P10 != 0.5/7 {
		t.Errorf("perfect query: %+v, want the floors 1/6, 1/14", est)
	}
}

// TestANERecoversTheNoise: at the first step of a half-pattern query the
// estimate is the true noise (p01 = ½, p10 at its floor) for nearly every query.
func TestANERecoversTheNoise(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.M, cfg.ANE = 2000, true
	m, err := Store(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.NewRetriever()
	right := 0
	for q := range 200 {
		query, _ := cfg.Query.Apply(rng.Stream(3, fmt.Sprint("q", q)), nil, m.U[q], 1000, nil)
		r.Retrieve(query)
		if e := r.Estimates[0]; e.P01 == 0.5 && e.P10 == 0.5/990 {
			right++
		}
	}
	if right < 190 {
		t.Errorf("the first-step estimate is right for %d of 200 queries", right)
	}
}

func TestIterativeRetrievalHelpsWillshaw(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.Rule, cfg.M, cfg.Queries = synapse.Willshaw, 3000, 300
	one, err := Run(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Steps, cfg.UntilStable = 5, true
	it, err := Run(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	if mean, se := pairedDiff(it.Epsilon, one.Epsilon); mean >= -3*se {
		t.Errorf("iterative ε %.4f not below one-step ε %.4f", it.OutputNoise, one.OutputNoise)
	}
	if it.MeanSteps <= 1 || it.MeanSteps > 5 {
		t.Errorf("mean steps %g", it.MeanSteps)
	}
}

func TestRunIndependentOfWorkers(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.M, cfg.Queries, cfg.Steps, cfg.ANE, cfg.UntilStable = 2500, 97, 3, true, true
	if raceEnabled {
		cfg.Queries = 33
	}
	cfg.Query = QueryNoise{P01: 0.3, P10: 0.002}
	var ref Result
	for i, w := range []int{1, 2, 5} {
		cfg.Workers = w
		r, err := Run(cfg, 9)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			ref = r
			continue
		}
		if !slices.Equal(r.Epsilon, ref.Epsilon) || r.BitsPerSynapse != ref.BitsPerSynapse {
			t.Errorf("%d workers: results differ from 1 worker", w)
		}
	}
}

func TestRetrieveAllocatesNothing(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.M, cfg.Steps, cfg.ANE = 1500, 4, true
	for _, rule := range synapse.MemoryRules {
		cfg.Rule = rule
		m, _ := Store(cfg, 5)
		r, _ := m.NewRetriever()
		q := m.U[0][:5]
		r.Retrieve(q) // grow the estimates
		if a := testing.AllocsPerRun(20, func() { r.Retrieve(q) }); a != 0 {
			t.Errorf("%v: %g allocations per retrieval", rule, a)
		}
	}
}

func TestCapacity(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.Rule, cfg.Queries = synapse.Willshaw, 200
	cfg.Activation = neuron.ThresholdActivation
	eps := 0.05
	M, r, err := Capacity(cfg, 6, eps, 20000)
	if err != nil {
		t.Fatal(err)
	}
	if M < 64 || r.M != M || r.OutputNoise > eps {
		t.Fatalf("M_ε = %d, result at %d with ε %g", M, r.M, r.OutputNoise)
	}
	cfg.M = M + 1
	above, _ := Run(cfg, 6)
	if above.OutputNoise <= eps {
		t.Errorf("ε(M_ε+1) = %g <= %g: not the largest", above.OutputNoise, eps)
	}
	// the classical estimate for threshold |q| = 5 and ε = 0.05: the
	// expected false units (n−k)·p₁^5 reach 0.05·k = 0.5 at
	// p₁ = (0.5/990)^(1/5), M = ln(1−p₁)/ln(1−k²/n²) ≈ 2360
	if M < 1800 || M > 3000 {
		t.Errorf("M_ε = %d, far from the classical estimate ≈ 2360", M)
	}
	t.Logf("M_0.05 = %d, %.3f bits/synapse", M, r.BitsPerSynapse)
}

func TestTransinformation(t *testing.T) {
	for _, tc := range []struct{ p, q01, q10, want float64 }{
		{0.5, 0, 0, 1},
		{0.5, 0.5, 0.5, 0},
		{0.1, 0, 0, entropy(0.1)},
		// P(y=1) = ½ + ½·½ = ¾: T = h(¾) − ½·h(0) − ½·h(½) = 0.811… − ½
		{0.5, 0, 0.5, -0.75*math.Log2(0.75) - 0.25*math.Log2(0.25) - 0.5},
	} {
		if got := Transinformation(tc.p, tc.q01, tc.q10); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("T(%g, %g, %g) = %g, want %g", tc.p, tc.q01, tc.q10, got, tc.want)
		}
	}
	// M = 1000 perfect patterns of activity ½ in 100×100 synapses: 1000·100·1 bits / 10⁴
	if got := BitsPerSynapse(1000, 100, 100, 0.5, 0, 0); got != 10 {
		t.Errorf("bits per synapse %g, want 10", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		key  string
	}{
		{func(c *Config) { c.Patterns.K = 0 }, "patterns.k"},
		{func(c *Config) { c.Patterns.Kind = Bernoulli; c.Patterns.P = 1 }, "patterns.p"},
		{func(c *Config) { c.Patterns.Kind = Modular; c.Patterns.Modules = 7 }, "patterns.modules"},
		{func(c *Config) { c.Hetero = true; c.Content.N = 1 }, "content.n"},
		{func(c *Config) { c.M = 0 }, "m"},
		{func(c *Config) { c.Steps = 0 }, "steps"},
		{func(c *Config) { c.Hetero = true; c.Steps = 2 }, "steps"},
		{func(c *Config) { c.Hetero = true; c.ANE = true }, "ane"},
		{func(c *Config) { c.Activation = neuron.ModuleWinners }, "activation"},
		{func(c *Config) { c.Query.P01 = 1.5 }, "query.p01"},
		{func(c *Config) { c.Queries = 0 }, "queries"},
		{func(c *Config) { c.Floor = 0 }, "floor"},
	} {
		c := Config{}.Defaults()
		tc.edit(&c)
		_, err := Run(c, 1)
		var pe *param.Error
		if !errors.As(err, &pe) || pe.Key() != tc.key {
			t.Errorf("want an error at %s, got %v", tc.key, err)
		}
	}
}

func TestHeteroAndModular(t *testing.T) {
	cfg := Config{}.Defaults()
	cfg.Patterns = Ensemble{Kind: Modular, N: 400, Modules: 8}
	cfg.Hetero = true
	cfg.Content = Ensemble{Kind: Modular, N: 300, Modules: 6}
	cfg.Activation = neuron.ModuleWinners
	cfg.M, cfg.Queries = 200, 200
	cfg.Query = QueryNoise{P01: 0.25, Exact: true}
	for _, rule := range synapse.MemoryRules {
		cfg.Rule = rule
		r, err := Run(cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		// each output has one unit per module: false = missed
		if r.False != r.Missed {
			t.Errorf("%v: false %g != missed %g under module winners", rule, r.False, r.Missed)
		}
		if r.OutputNoise > 0.2 {
			t.Errorf("%v: ε = %g at a light load", rule, r.OutputNoise)
		}
	}
}

func Example() {
	cfg := Config{}.Defaults() // n = 1000, k = 10, half-pattern queries, k winners
	cfg.M, cfg.Queries = 2000, 200
	for _, rule := range synapse.MemoryRules {
		cfg.Rule = rule
		r, _ := Run(cfg, 1)
		fmt.Printf("%-10s ε = %.3f, perfect %.2f\n", rule, r.OutputNoise, r.PerfectRecallFraction)
	}
	// Output:
	// willshaw   ε = 0.029, perfect 0.86
	// bcpnn      ε = 0.018, perfect 0.91
	// covariance ε = 0.180, perfect 0.34
	// bayes      ε = 0.019, perfect 0.91
}
