package synapse

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// tiny stores four hetero-associations of 3 pre and 2 post units:
//
//	μ1: u = {0,1} → v = {0};  μ2: {0} → {0,1};  μ3: {1,2} → {1};  μ4: {2} → {}
//
// so M₁·= (2,2,2), M·₁ = (2,2) and M₁₁ = [[2 1] [1 1] [0 1]].
func tiny(t *testing.T) *Counts {
	t.Helper()
	c, err := NewCounts(3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2][]int32{{{0, 1}, {0}}, {{0}, {0, 1}}, {{1, 2}, {1}}, {{2}, {}}} {
		if err := c.Store(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func near(a, b float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func TestCountsByHand(t *testing.T) {
	c := tiny(t)
	if q := c.Quad(0, 0); q != (Quad{2, 0, 0, 2}) {
		t.Errorf("Quad(0,0) = %+v", q)
	}
	if q := c.Quad(2, 0); q != (Quad{0, 2, 2, 0}) {
		t.Errorf("Quad(2,0) = %+v", q)
	}
	if q := c.Quad(0, 1); q != (Quad{1, 1, 1, 1}) {
		t.Errorf("Quad(0,1) = %+v", q)
	}
	noisy := Noise{P01: 0.5, P10: 0.25}
	deletion := Noise{P01: 0.5}
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"willshaw(0,0)", c.Quad(0, 0).Willshaw(), 1},
		{"willshaw(2,0)", c.Quad(2, 0).Willshaw(), 0},
		// Σ(u−½)(v−½) over the four pairs: four times +¼, four times −¼
		{"covariance(0,0)", c.Quad(0, 0).Covariance(0.5, 0.5), 1},
		{"covariance(2,0)", c.Quad(2, 0).Covariance(0.5, 0.5), -1},
		// p_ij = 1/4, p_i = p_j = 1/2
		{"bcpnn(0,1)", c.Quad(0, 1).BCPNN(Noise{}, 1e-6), 0},
		{"bcpnn(0,0)", c.Quad(0, 0).BCPNN(Noise{}, 1e-6), math.Log(2)},
		{"bcpnn(2,0) floored", c.Quad(2, 0).BCPNN(Noise{}, 1e-6), math.Log(1e-12 / 0.25)},
		{"bcpnn bias", BCPNNBias(2, 4, 1e-6), math.Log(0.5)},
		// a = 1, b = ½, c = 1, d = 3/2
		{"bayes(0,0)", c.Quad(0, 0).Bayes(noisy), math.Log(3)},
		// a = ½, b = 1, c = 3/2, d = 1
		{"bayes(2,0)", c.Quad(2, 0).Bayes(noisy), -math.Log(3)},
		{"bayes(0,1)", c.Quad(0, 1).Bayes(noisy), 0},
		// p₁₀ = 0: a = 0 (u_2 never with v_0) vetoes, b = 0 certifies
		{"bayes(2,0) veto", c.Quad(2, 0).Bayes(deletion), math.Inf(-1)},
		{"bayes(0,0) certain", c.Quad(0, 0).Bayes(deletion), math.Inf(1)},
		// log-odds of v_1 given query {2}: prior 0, every bit's evidence 0
		{"logodds(1|{2})", c.BayesLogOdds(1, []bool{false, false, true}, deletion), 0},
		// of v_0 given {0}: bit 0 of unit 0 certifies (+Inf)
		{"logodds(0|{0})", c.BayesLogOdds(0, []bool{true, false, false}, deletion), math.Inf(1)},
		// {2} vetoes v_0
		{"logodds(0|{2})", c.BayesLogOdds(0, []bool{false, false, true}, deletion), math.Inf(-1)},
		// {0,2}: certainty and veto contradict; inhibition wins
		{"logodds(0|{0,2})", c.BayesLogOdds(0, []bool{true, false, true}, deletion), math.Inf(-1)},
	} {
		if !near(tc.got, tc.want) {
			t.Errorf("%s = %g, want %g", tc.name, tc.got, tc.want)
		}
	}
	// log-odds of v_0 given {1} under the noisy model, by hand:
	// bit 1 of unit 1 (Quad 1,1,1,1): a/on = (½+¼)/2, b/off = (½+¼)/2 → 0
	// bit 0 of unit 0 (2,0,0,2): c/on = 1/2, d/off = 3/4 → log(2/3)
	// bit 0 of unit 2 (0,2,2,0): c/on = 3/4, d/off = 1/2 → log(3/2); prior log(2/2) = 0
	if got := c.BayesLogOdds(0, []bool{false, true, false}, noisy); !near(got, 0) {
		t.Errorf("logodds(0|{1}) = %g, want 0", got)
	}
}

func TestReadoutByHand(t *testing.T) {
	c := tiny(t)
	x := make([]float64, 2)
	r, err := c.NewReadout(ReadoutParams{Rule: Bayes, Noise: Noise{P01: 0.5}, Floor: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    []int32
		want [2]float64
	}{
		{[]int32{0}, [2]float64{math.Inf(1), c.BayesLogOdds(1, []bool{true, false, false}, Noise{P01: 0.5})}},
		{[]int32{2}, [2]float64{math.Inf(-1), 0}},
		{[]int32{0, 2}, [2]float64{math.Inf(-1), c.BayesLogOdds(1, []bool{true, false, true}, Noise{P01: 0.5})}},
	} {
		r.Potentials(tc.q, x)
		for j := range x {
			if math.IsNaN(x[j]) || !near(x[j], tc.want[j]) {
				t.Errorf("query %v: x = %v, want %v", tc.q, x, tc.want)
			}
		}
	}
}

// randomCounts stores m random patterns of k active units among n
// (auto-association), with unit 0 active in every pattern and unit n−1 in
// none, so that every degenerate count occurs.
func randomCounts(t testing.TB, r *rand.Rand, n, k, m int) *Counts {
	c, err := NewCounts(n, n)
	if err != nil {
		t.Fatal(err)
	}
	for range m {
		set := map[int32]bool{0: true}
		for len(set) < k {
			set[int32(1+r.IntN(n-2))] = true
		}
		p := make([]int32, 0, k)
		for i := range int32(n) {
			if set[i] {
				p = append(p, i)
			}
		}
		if err := c.Store(p, p); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestReadoutMatchesWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 24
	for trial := range 40 {
		c := randomCounts(t, r, n, 2+r.IntN(5), 1+r.IntN(30))
		query := []int32{}
		xb := make([]bool, n)
		for i := range n {
			if r.IntN(4) == 0 {
				query = append(query, int32(i))
				xb[i] = true
			}
		}
		for _, noise := range []Noise{{}, {P01: 0.3}, {P10: 0.05}, {P01: 0.2, P10: 0.1}} {
			for ri, rule := range append(MemoryRules, Willshaw, BCPNN, Covariance) {
				noSelf := ri >= len(MemoryRules)
				ro, err := c.NewReadout(ReadoutParams{Rule: rule, Noise: noise, Floor: 1e-6, PreActivity: 0.2, PostActivity: 0.2, NoSelf: noSelf})
				if err != nil {
					t.Fatal(err)
				}
				x := make([]float64, n)
				ro.Potentials(query, x)
				for j := range n {
					var want float64
					switch rule {
					case Bayes:
						want = c.BayesLogOdds(j, xb, noise)
					case BCPNN:
						want = BCPNNBias(int(c.Post[j]), c.M, 1e-6)
					}
					if rule != Bayes {
						for _, i := range query {
							if noSelf && int(i) == j {
								continue
							}
							q := c.Quad(int(i), j)
							switch rule {
							case Willshaw:
								want += q.Willshaw()
							case BCPNN:
								want += q.BCPNN(noise, 1e-6)
							case Covariance:
								want += q.Covariance(0.2, 0.2)
							}
						}
					}
					if math.IsNaN(x[j]) || !near(x[j], want) {
						t.Fatalf("trial %d %v %+v unit %d: readout %g, direct %g", trial, rule, noise, j, x[j], want)
					}
				}
			}
		}
	}
}

func TestReadoutAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c := randomCounts(t, r, 200, 8, 100)
	query := []int32{3, 17, 40, 99, 150, 151}
	x := make([]float64, 200)
	for _, rule := range MemoryRules {
		ro, _ := c.NewReadout(ReadoutParams{Rule: rule, Noise: Noise{P01: 0.1, P10: 0.01}, Floor: 1e-6})
		if a := testing.AllocsPerRun(20, func() {
			ro.SetNoise(Noise{P01: 0.2, P10: 0.02})
			ro.Potentials(query, x)
		}); a != 0 {
			t.Errorf("%v: %g allocations per SetNoise+Potentials", rule, a)
		}
	}
}

func TestCountsErrors(t *testing.T) {
	c, _ := NewCounts(4, 4)
	if err := c.Store([]int32{1, 1}, []int32{0}); err == nil {
		t.Error("duplicate index accepted")
	}
	if err := c.Store([]int32{1}, []int32{4}); err == nil {
		t.Error("index out of range accepted")
	}
	if c.M != 0 {
		t.Error("a rejected pattern changed the counts")
	}
	for _, tc := range []struct {
		p   ReadoutParams
		key string
	}{
		{ReadoutParams{Rule: 9, Floor: 1e-6}, "rule"},
		{ReadoutParams{Floor: 0}, "floor"},
		{ReadoutParams{Floor: 1e-6, Noise: Noise{P01: 1}}, "noise.p01"},
		{ReadoutParams{Floor: 1e-6, Noise: Noise{P01: 0.6, P10: 0.5}}, "noise.p10"},
		{ReadoutParams{Floor: 1e-6, PreActivity: -1}, "pre_activity"},
		{ReadoutParams{Rule: Bayes, Floor: 1e-6, NoSelf: true}, "no_self"},
	} {
		_, err := c.NewReadout(tc.p)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Key() != tc.key {
			t.Errorf("%+v: got %v, want a ParamError at %s", tc.p, err, tc.key)
		}
	}
	var rule MemoryRule
	if err := rule.UnmarshalText([]byte("bcpnn")); err != nil || rule != BCPNN {
		t.Errorf("bcpnn: %v %v", rule, err)
	}
}

func ExampleCounts() {
	c, _ := NewCounts(4, 4)
	c.Store([]int32{0, 1}, []int32{0, 1}) // auto-association
	c.Store([]int32{2, 3}, []int32{2, 3})
	r, _ := c.NewReadout(ReadoutParams{Rule: Willshaw, Floor: 1e-6})
	x := make([]float64, 4)
	r.Potentials([]int32{0}, x) // half of the first pattern
	fmt.Println(x)
	b, _ := c.NewReadout(ReadoutParams{Rule: Bayes, Noise: Noise{P01: 0.5}, Floor: 1e-6})
	b.Potentials([]int32{0}, x)
	fmt.Println(x)
	// Output:
	// [1 1 0 0]
	// [+Inf +Inf -Inf -Inf]
}

// BenchmarkReadout: n = 1000 auto-association of M = 3000 patterns of
// k = 10 units; one op is the potentials of all units for a half-pattern
// query (Potentials), or a new noise model (SetNoise: the Bayes tables
// and biases, what ANE pays per step).
func BenchmarkReadout(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	c, _ := NewCounts(1000, 1000)
	for range 3000 {
		p := make([]int32, 0, 10)
		for _, i := range r.Perm(1000)[:10] {
			p = append(p, int32(i))
		}
		slices.Sort(p)
		c.Store(p, p)
	}
	query := []int32{5, 100, 333, 640, 901}
	x := make([]float64, 1000)
	for _, rule := range MemoryRules {
		ro, _ := c.NewReadout(ReadoutParams{Rule: rule, Noise: Noise{P01: 0.5}, Floor: 1e-6})
		b.Run(rule.String()+"/potentials", func(b *testing.B) {
			for b.Loop() {
				ro.Potentials(query, x)
			}
		})
	}
	ro, _ := c.NewReadout(ReadoutParams{Rule: Bayes, Noise: Noise{P01: 0.5}, Floor: 1e-6})
	b.Run("bayes/setnoise", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ro.SetNoise(Noise{P01: 0.1 + 0.001*float64(i&255), P10: 0.001})
			i++
		}
	})
}
