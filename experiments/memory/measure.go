package memory

import (
	"context"
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/pool"
	"github.com/dopa-sim/dopa/internal/rng"
)

// Result measures the retrieval of a memory.
type Result struct {
	Rule    string `json:"rule"`
	M       int    `json:"patterns"`
	Queries int    `json:"queries"`
	// OutputNoise is the mean over queries of ε = (false + missed)/k, k the
	// active units of the stored content pattern (1 if it has none).
	OutputNoise float64 `json:"output_noise"`
	// OutputNoiseSE is the standard error of that mean.
	OutputNoiseSE float64 `json:"output_noise_se"`
	// PerfectRecallFraction is the fraction of queries retrieved without error.
	PerfectRecallFraction float64 `json:"perfect_recall_fraction"`
	// False and Missed are the mean numbers of false and missed output units.
	False  float64 `json:"false_units"`
	Missed float64 `json:"missed_units"`
	// FalseRate is the mean over queries of false/(n − k), the
	// false-positive probability of a silent unit.
	FalseRate   float64 `json:"false_rate"`
	FalseRateSE float64 `json:"false_rate_se"`
	// MeanSteps is the mean number of retrieval steps taken.
	MeanSteps float64 `json:"mean_steps"`
	// SetFraction is p₁, the fraction of synapses with M₁₁ > 0.
	SetFraction float64 `json:"set_fraction"`
	// BitsPerSynapse is the stored information M·n·T(p, q₀₁, q₁₀)/(m·n)
	// (see BitsPerSynapse).
	BitsPerSynapse float64 `json:"bits_per_synapse"`
	// Epsilon holds ε of every query, in query order (for paired comparisons).
	Epsilon []float64 `json:"-"`
}

// Run stores cfg.M patterns for the seed and retrieves cfg.Queries of
// them from noisy queries. Query q draws its pattern and its noise from
// the stream "memory/query/q" of the seed, so results are bit-identical
// for any number of workers, and runs of different rules with the same
// seed see the very same patterns and queries.
func Run(cfg Config, seed uint64) (Result, error) {
	m, err := Store(cfg, seed)
	if err != nil {
		return Result{}, err
	}
	return m.Measure(seed)
}

// Measure retrieves m.Queries stored patterns from noisy queries (see Run).
func (m *Memory) Measure(seed uint64) (Result, error) {
	nq := m.Queries
	type one struct{ false, missed, k, steps int }
	res := make([]one, nq)
	chunks := min(nq, 32)
	errs := make([]error, chunks)
	n := m.Counts.NPost
	pool.Run(context.Background(), chunks, m.Workers, func(c int) {
		r, err := m.NewRetriever()
		if err != nil {
			errs[c] = err
			return
		}
		var query, scratch []int32
		for q := c * nq / chunks; q < (c+1)*nq/chunks; q++ {
			s := rng.Stream(seed, fmt.Sprint("memory/query/", q))
			mu := s.IntN(m.M)
			query, scratch = m.Query.Apply(s, query[:0], m.U[mu], m.Counts.NPre, scratch)
			y, steps := r.Retrieve(query)
			v := m.V[mu]
			ov := overlap(y, v)
			res[q] = one{false: len(y) - ov, missed: len(v) - ov, k: len(v), steps: steps}
		}
	})
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	out := Result{Rule: m.Rule.String(), M: m.M, Queries: nq, Epsilon: make([]float64, nq), SetFraction: m.Counts.SetFraction()}
	var sf, sm, sk, sfr, sfr2, se2 float64
	for q, o := range res {
		e := float64(o.false+o.missed) / float64(max(o.k, 1))
		out.Epsilon[q] = e
		out.OutputNoise += e
		se2 += e * e
		fr := float64(o.false) / float64(n-o.k)
		sfr += fr
		sfr2 += fr * fr
		if o.false+o.missed == 0 {
			out.PerfectRecallFraction++
		}
		sf += float64(o.false)
		sm += float64(o.missed)
		sk += float64(o.k)
		out.MeanSteps += float64(o.steps)
	}
	fq := float64(nq)
	out.OutputNoise /= fq
	out.OutputNoiseSE = sem(se2/fq-out.OutputNoise*out.OutputNoise, nq)
	out.FalseRate = sfr / fq
	out.FalseRateSE = sem(sfr2/fq-out.FalseRate*out.FalseRate, nq)
	out.PerfectRecallFraction /= fq
	out.False, out.Missed, out.MeanSteps = sf/fq, sm/fq, out.MeanSteps/fq
	// channel error probabilities of one content bit
	kMean := sk / fq
	q01, q10 := 0.0, 0.0
	if kMean > 0 {
		q01 = out.Missed / kMean
	}
	if float64(n) > kMean {
		q10 = out.False / (float64(n) - kMean)
	}
	out.BitsPerSynapse = BitsPerSynapse(m.M, m.Counts.NPre, n, m.content().Activity(), q01, q10)
	return out, nil
}

// sem returns the standard error of a mean of n samples of variance v.
func sem(v float64, n int) float64 {
	if n < 2 || v <= 0 {
		return 0
	}
	return math.Sqrt(v * float64(n) / float64(n-1) / float64(n))
}

// entropy returns the binary entropy h(p) in bits.
func entropy(p float64) float64 {
	if p <= 0 || p >= 1 {
		return 0
	}
	return -p*math.Log2(p) - (1-p)*math.Log2(1-p)
}

// Transinformation returns T(p, q₀₁, q₁₀), the mutual information in bits
// between a content bit v (active with probability p) and its retrieved
// value y, for error probabilities q₀₁ = P(y=0 | v=1) and q₁₀ = P(y=1 | v=0):
//
//	T = h(p(1−q₀₁) + (1−p)q₁₀) − p·h(q₀₁) − (1−p)·h(q₁₀),
//
// h the binary entropy (Knoblauch, Palm & Sommer 2010, Neural Computation
// 22(2), eq. for the transinformation of a binary memoryless channel).
func Transinformation(p, q01, q10 float64) float64 {
	return math.Max(0, entropy(p*(1-q01)+(1-p)*q10)-p*entropy(q01)-(1-p)*entropy(q10))
}

// BitsPerSynapse returns the stored information of M retrieved patterns
// of n content units through m·n synapses, C = M·n·T(p, q₀₁, q₁₀)/(m·n)
// bits per synapse (Knoblauch, Palm & Sommer 2010; for auto-association
// m = n and no information of the query is subtracted).
func BitsPerSynapse(M, m, n int, p, q01, q10 float64) float64 {
	return float64(M) * Transinformation(p, q01, q10) / float64(m)
}

// WillshawFalsePositive returns the false-positive probability of a silent
// unit after one Willshaw step (threshold z) for a query of z correct units
// of a stored pattern, in an auto-associative memory of M fixed-k patterns
// of n units drawn independently and uniformly: exact, and the classical
// approximation p₁^z, p₁ = 1 − (1 − k²/n²)^M.
//
// Exact: unit j fires iff each of the z synapses from the query units to j
// was set by one of the other M−1 patterns. By inclusion–exclusion over
// the set A of synapses left unset,
//
//	P = Σ_{a=0..z} (−1)^a C(z,a) q_a^(M−1),
//	q_a = 1 − (k/n)(1 − Π_{t<a} (n−k−t)/(n−1−t)),
//
// q_a being the probability that one pattern sets none of a given a
// synapses into j (it does so unless it holds j and one of their a
// pre units).
func WillshawFalsePositive(n, k, M, z int) (exact, approx float64) {
	binom := 1.0
	prod := 1.0
	for a := 0; a <= z; a++ {
		if a > 0 {
			binom *= float64(z-a+1) / float64(a)
			prod *= float64(n-k-a+1) / float64(n-a)
		}
		qa := 1 - float64(k)/float64(n)*(1-prod)
		term := binom * math.Pow(qa, float64(M-1))
		if a%2 == 1 {
			term = -term
		}
		exact += term
	}
	p1 := 1 - math.Pow(1-float64(k*k)/float64(n*n), float64(M))
	return max(exact, 0), math.Pow(p1, float64(z))
}

// Capacity returns M_ε, the most patterns the memory stores with mean
// output noise ε ≤ eps, found by bisection over M (doubling from 64 until
// the noise exceeds eps, at most maxM), with the result at M_ε. Every
// load uses the same seed, so the memories are nested (common random
// numbers) and the noise is nearly monotone in M. M_ε = 0 if even one
// pattern is retrieved with more noise.
func Capacity(cfg Config, seed uint64, eps float64, maxM int) (int, Result, error) {
	eval := func(M int) (Result, error) {
		c := cfg
		c.M = M
		return Run(c, seed)
	}
	maxM = min(maxM, 65535)
	lo, hi := 0, 0
	var best Result
	for M := 64; ; M *= 2 {
		M = min(M, maxM)
		r, err := eval(M)
		if err != nil {
			return 0, Result{}, err
		}
		if r.OutputNoise > eps {
			hi = M
			break
		}
		lo, best = M, r
		if M == maxM {
			return lo, best, nil
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		r, err := eval(mid)
		if err != nil {
			return 0, Result{}, err
		}
		if r.OutputNoise <= eps {
			lo, best = mid, r
		} else {
			hi = mid
		}
	}
	return lo, best, nil
}
