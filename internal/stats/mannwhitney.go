package stats

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/combin"
)

// ExactLimit is the largest number of relabellings that MannWhitney
// enumerates; above it, the p-value comes from Permutations random ones.
const ExactLimit = 2_000_000

// Permutations is the number of random relabellings behind a p-value that is
// not exact.
const Permutations = 100_000

// MannWhitney compares two samples in which lower is better.
//
// Wins is the fraction of pairs (a[i], b[j]) with a[i] < b[j], ties
// counting ½: the Mann-Whitney U of a divided by len(a)·len(b) (the
// probability that a run of a beats a run of b). P is the two-sided p-value
// of U under the null hypothesis that the labels are exchangeable: the
// share of relabellings of the pooled values whose U is at least as far
// from len(a)·len(b)/2 as the observed one. Ties (+Inf included: an
// unsolved or diverged run) get mid-ranks. Exact reports whether every
// relabelling was enumerated; otherwise P = (1+k)/(1+Permutations) from a
// fixed random stream, so the same data always give the same P. NaN values
// must be mapped to +Inf by the caller; with an empty sample, Wins and P
// are NaN.
func MannWhitney(a, b []float64) (wins, p float64, exact bool) {
	return mannWhitney(a, b, ExactLimit)
}

// mannWhitney is MannWhitney enumerating up to limit relabellings.
func mannWhitney(a, b []float64, limit int) (wins, p float64, exact bool) {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return math.NaN(), math.NaN(), false
	}
	ranks := midRanks(slices.Concat(a, b))
	// U of a counting pairs where a is higher: Σ ranks of a − n1(n1+1)/2.
	base := float64(n1*(n1+1)) / 2
	half := float64(n1*n2) / 2
	uHigh := sum(ranks[:n1]) - base
	wins = 1 - uHigh/float64(n1*n2)
	obs := math.Abs(uHigh - half)
	extreme := func(rankSum float64) bool { return math.Abs(rankSum-base-half) >= obs-1e-9 }

	n := n1 + n2
	if total := binomial(n, n1, limit); total <= limit {
		g := combin.NewCombinationGenerator(n, n1)
		idx := make([]int, n1)
		k := 0
		for g.Next() {
			g.Combination(idx)
			s := 0.0
			for _, i := range idx {
				s += ranks[i]
			}
			if extreme(s) {
				k++
			}
		}
		return wins, float64(k) / float64(total), true
	}
	rng := rand.New(rand.NewPCG(0x6d616e6e, 0x77686974)) // fixed: same data, same p
	k := 0
	for range Permutations {
		// Partial Fisher-Yates: the first n1 places get a random subset.
		for i := range n1 {
			j := i + rng.IntN(n-i)
			ranks[i], ranks[j] = ranks[j], ranks[i]
		}
		if extreme(sum(ranks[:n1])) {
			k++
		}
	}
	return wins, float64(1+k) / float64(1+Permutations), false
}

// binomial is C(n, k), saturating above limit (combin.Binomial panics on
// overflow).
func binomial(n, k, limit int) int {
	c := 1
	for i := 1; i <= k; i++ {
		c = c * (n - k + i) / i
		if c > limit {
			return limit + 1
		}
	}
	return c
}

// midRanks returns the 1-based ranks of x, ties sharing their mean rank.
func midRanks(x []float64) []float64 {
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case x[i] < x[j]:
			return -1
		case x[i] > x[j]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && x[order[j+1]] == x[order[i]] {
			j++
		}
		mid := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[order[k]] = mid
		}
		i = j + 1
	}
	return r
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}
