package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// ExactWork bounds the work of an exact p-value: it is computed when
// (n+m)·n·(2·sum of ranks) ≤ ExactWork for samples of n and m values,
// that is up to about 50 against 50; above it, the p-value comes from
// Permutations random relabellings.
const ExactWork = 60_000_000

// Permutations is the number of random relabellings behind a p-value that is
// not exact.
const Permutations = 20_000

// MannWhitney compares two samples in which lower is better.
//
// Wins is the fraction of pairs (a[i], b[j]) with a[i] < b[j], ties
// counting ½: the Mann-Whitney U of a divided by len(a)·len(b) (the
// probability that a run of a beats a run of b). P is the two-sided p-value
// of U under the null hypothesis that the labels are exchangeable: the
// share of relabellings of the pooled values whose U is at least as far
// from len(a)·len(b)/2 as the observed one. Ties (+Inf included: an
// unsolved or diverged run) get mid-ranks, and P accounts for them. Exact
// reports whether P counts every relabelling (by dynamic programming over
// rank sums); otherwise P = (1+k)/(1+Permutations) from a fixed random
// stream, so the same data always give the same P. NaN values must be
// mapped to +Inf by the caller; with an empty sample, Wins and P are NaN.
func MannWhitney(a, b []float64) (wins, p float64, exact bool) {
	return mannWhitney(a, b, ExactWork)
}

// mannWhitney is MannWhitney with a bound on the exact computation's work.
func mannWhitney(a, b []float64, work int) (wins, p float64, exact bool) {
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return math.NaN(), math.NaN(), false
	}
	n := n1 + n2
	// Twice the mid-ranks are integers: rank sums are counted exactly.
	r2 := midRanks2(slices.Concat(a, b))
	total := 0
	for _, v := range r2 {
		total += v
	}
	own := 0
	for _, v := range r2[:n1] {
		own += v
	}
	// 2U of a counting pairs where a is higher: 2·(rank sum − n1(n1+1)/2).
	base2, half2 := n1*(n1+1), n1*n2
	uHigh2 := own - base2
	wins = 1 - float64(uHigh2)/float64(2*n1*n2)
	obs := abs(uHigh2 - half2)
	extreme := func(sum2 int) bool { return abs(sum2-base2-half2) >= obs }

	if n*n1*(total+1) <= work {
		ways := rankSumCounts(r2, n1, total)
		hit, all := 0.0, 0.0
		for s, w := range ways {
			all += w
			if extreme(s) {
				hit += w
			}
		}
		return wins, hit / all, true
	}
	rng := rand.New(rand.NewPCG(0x6d616e6e, 0x77686974)) // fixed: same data, same p
	k := 0
	for range Permutations {
		// Partial Fisher-Yates: the first n1 places get a random subset.
		s := 0
		for i := range n1 {
			j := i + rng.IntN(n-i)
			r2[i], r2[j] = r2[j], r2[i]
			s += r2[i]
		}
		if extreme(s) {
			k++
		}
	}
	return wins, float64(1+k) / float64(1+Permutations), false
}

// rankSumCounts returns, for every sum s in [0, total], the number of
// subsets of k of the values v whose values sum to s (as float64: exact up
// to 2⁵³, relative precision beyond).
func rankSumCounts(v []int, k, total int) []float64 {
	ways := make([][]float64, k+1)
	for i := range ways {
		ways[i] = make([]float64, total+1)
	}
	ways[0][0] = 1
	for i, x := range v {
		for c := min(i+1, k); c >= 1; c-- {
			prev, cur := ways[c-1], ways[c]
			for s := total; s >= x; s-- {
				cur[s] += prev[s-x]
			}
		}
	}
	return ways[k]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// midRanks2 returns twice the 1-based ranks of x, ties sharing their mean
// rank (twice a mean rank is an integer).
func midRanks2(x []float64) []int {
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
	r := make([]int, len(x))
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && x[order[j+1]] == x[order[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[order[k]] = i + j + 2 // 2 × ((i+1 + j+1)/2)
		}
		i = j + 1
	}
	return r
}
