package stats

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/combin"
)

func TestMannWhitneyExactSmall(t *testing.T) {
	for _, c := range []struct {
		a, b    []float64
		wins, p float64
	}{
		// Complete separation, 3 vs 3: 2 of the C(6,3) = 20 labellings are as extreme.
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, 1, 2.0 / 20},
		// 8 of 9 pairs won; rank sums 6, 7, 14, 15 are as extreme: 4 of 20.
		{[]float64{1, 2, 4}, []float64{3, 5, 6}, 8.0 / 9, 4.0 / 20},
		// Identical samples: no evidence at all.
		{[]float64{1, 2}, []float64{1, 2}, 0.5, 1},
		// A tie counts half: wins (1<2, 1<3, 3=3 half) = 2.5 of 4.
		{[]float64{1, 3}, []float64{2, 3}, 2.5 / 4, 1},
		// Unsolved runs (+Inf) tie with each other and lose to every finite value.
		{[]float64{1, 2, math.Inf(1)}, []float64{math.Inf(1), math.Inf(1), math.Inf(1)}, (3 + 3 + 1.5) / 9, 0.4},
	} {
		w, p, exact := MannWhitney(c.a, c.b)
		if !exact || math.Abs(w-c.wins) > 1e-12 || math.Abs(p-c.p) > 1e-12 {
			t.Errorf("MannWhitney(%v, %v) = wins %v, p %v, exact %v; want %v, %v, true", c.a, c.b, w, p, exact, c.wins, c.p)
		}
		// Swapping the samples swaps the winner, not the evidence.
		w2, p2, _ := MannWhitney(c.b, c.a)
		if math.Abs(w2-(1-c.wins)) > 1e-12 || math.Abs(p2-p) > 1e-12 {
			t.Errorf("swapped: wins %v, p %v; want %v, %v", w2, p2, 1-c.wins, p)
		}
	}
}

func TestMannWhitneySeparatedTens(t *testing.T) {
	a, b := make([]float64, 10), make([]float64, 10)
	for i := range a {
		a[i], b[i] = float64(i), float64(100+i)
	}
	w, p, exact := MannWhitney(a, b)
	if w != 1 || !exact || math.Abs(p-2.0/184756) > 1e-15 {
		t.Errorf("got wins %v, p %v, exact %v; want 1, 2/184756, true", w, p, exact)
	}
}

// TestMannWhitneySampledAgreesWithExact forces the random relabellings on a
// case small enough to enumerate, and checks the two p-values agree within
// four standard errors of the sampled one.
func TestMannWhitneySampledAgreesWithExact(t *testing.T) {
	a := []float64{0.21, 0.35, 0.12, 0.44, 0.29, 0.51, 0.18, 0.40, 0.33, 0.26}
	b := []float64{0.38, 0.47, 0.30, 0.55, 0.42, 0.61, 0.24, 0.49, 0.36, 0.58}
	w, pe, exact := MannWhitney(a, b)
	ws, ps, exactS := mannWhitney(a, b, 0)
	if !exact || exactS || w != ws {
		t.Fatalf("exact %v sampled %v wins %v %v", exact, exactS, w, ws)
	}
	se := math.Sqrt(pe * (1 - pe) / Permutations)
	if math.Abs(ps-pe) > 4*se {
		t.Errorf("sampled p %v, exact %v (se %v)", ps, pe, se)
	}
	if pe <= 0.001 || pe >= 0.2 {
		t.Errorf("exact p %v: the case should be moderately significant", pe)
	}
	// Same data, same p: the random stream is fixed.
	if _, ps2, _ := mannWhitney(a, b, 0); ps2 != ps {
		t.Errorf("sampled p changed between calls: %v, %v", ps, ps2)
	}
}

func TestMannWhitneyLargeSamplesAreSampled(t *testing.T) {
	a, b := make([]float64, 60), make([]float64, 60)
	for i := range a {
		a[i], b[i] = float64(i), float64(i)+0.5
	}
	w, p, exact := MannWhitney(a, b)
	if exact {
		t.Fatal("60 against 60 was computed exactly; the work bound should send it to sampling")
	}
	if math.Abs(w-(1830.0/3600)) > 1e-12 || p < 0.5 {
		t.Errorf("wins %v (want 1830/3600), p %v (want large)", w, p)
	}
	if _, p, _ := MannWhitney([]float64{1}, nil); !math.IsNaN(p) {
		t.Errorf("empty sample: p %v, want NaN", p)
	}
}

// TestMannWhitneyCountsMatchEnumeration: the rank-sum counts give the same
// p as enumerating every relabelling, ties included.
func TestMannWhitneyCountsMatchEnumeration(t *testing.T) {
	inf := math.Inf(1)
	a := []float64{3, 1, 4, 1, 5, 9, 2, 6, inf}
	b := []float64{5, 3, 5, 8, 9, 7, 9, inf, inf, 3}
	_, p, exact := MannWhitney(a, b)
	if !exact {
		t.Fatal("not exact")
	}
	r := midRanks2(append(append([]float64{}, a...), b...))
	u := func(idx []int) int {
		s := 0
		for _, i := range idx {
			s += r[i]
		}
		return s - len(a)*(len(a)+1) - len(a)*len(b)
	}
	own := make([]int, len(a))
	for i := range own {
		own[i] = i
	}
	obs := abs(u(own))
	hit, all := 0, 0
	g := combin.NewCombinationGenerator(len(r), len(a))
	idx := make([]int, len(a))
	for g.Next() {
		g.Combination(idx)
		all++
		if abs(u(idx)) >= obs {
			hit++
		}
	}
	if want := float64(hit) / float64(all); math.Abs(p-want) > 1e-12 {
		t.Errorf("p = %v, enumeration gives %v (%d of %d)", p, want, hit, all)
	}
}

func ExampleMannWhitney() {
	// Test errors of two rules over five seeds each: lower is better.
	dopamine2 := []float64{0.013, 0.011, 0.016, 0.014, 0.012}
	wp := []float64{0.045, 0.040, 0.049, 0.038, 0.044}
	wins, p, exact := MannWhitney(dopamine2, wp)
	fmt.Printf("wins %.0f%%, p = %.4f (exact %v)\n", 100*wins, p, exact)
	// Output: wins 100%, p = 0.0079 (exact true)
}
