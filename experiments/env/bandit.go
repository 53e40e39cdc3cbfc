package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/dopa-sim/dopa/internal/param"
)

// BanditParams are the keys of the n-armed bandit.
//
// Every episode is one trial: one observation (a single constant feature,
// 1), one choice among Arms arms, and a reward of Reward with the chosen
// arm's probability, else 0. The probabilities are Probabilities if given,
// else evenly spaced from Low to High; with Shuffle they are assigned to the
// arms in a random order drawn once per run, so that the best arm differs
// between seeds. From trial ReversalAfter on (0: never) the assignment is
// reversed by rank: the arm with the k-th highest probability gets the k-th
// lowest, so the best arm becomes the worst and the worst the best.
type BanditParams struct {
	// Arms is the number of arms n, in [2, 1000].
	Arms int `toml:"arms" check:"[2,1000]"`
	// Probabilities are the arms' reward probabilities (empty: evenly
	// spaced from low to high), each in [0, 1].
	Probabilities []float64 `toml:"probabilities" check:"[0,1]"`
	// Low and High bound the evenly spaced probabilities, 0 ≤ low < high ≤ 1.
	Low  float64 `toml:"low"`
	High float64 `toml:"high"`
	// Shuffle assigns the probabilities to the arms in a random order.
	Shuffle bool `toml:"shuffle"`
	// Reward is the size of a reward.
	Reward float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
	// ReversalAfter: from this trial on, the assignment is reversed (0: never).
	ReversalAfter int `toml:"reversal_after" check:">=0"`
}

// Validate reports a key out of range.
func (p BanditParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case len(p.Probabilities) != 0 && len(p.Probabilities) != p.Arms:
		return bad(fmt.Sprintf("must list one probability per arm (%d), got %%d", p.Arms), len(p.Probabilities), "probabilities")
	case !(p.Low >= 0 && p.Low < p.High && p.High <= 1):
		return bad("low must be in [0, high) and high in (low, 1], got low = %g", p.Low, "low")
	}
	return nil
}

var banditDef = Def{
	Name: "bandit",
	Doc:  "n-armed bandit: one choice per trial, Bernoulli rewards, arms shuffled per run, optional reversal",
	Defaults: func() Params {
		return BanditParams{Arms: 10, Low: 0.1, High: 0.9, Shuffle: true, Reward: 1}
	},
	New: func(p Params) (Env, error) {
		bp := p.(BanditParams)
		b := &bandit{BanditParams: bp, base: make([]float64, bp.Arms), p: make([]float64, bp.Arms)}
		if len(bp.Probabilities) > 0 {
			copy(b.base, bp.Probabilities)
		} else {
			for i := range b.base {
				b.base[i] = bp.Low + (bp.High-bp.Low)*float64(i)/float64(bp.Arms-1)
			}
		}
		return b, nil
	},
}

type bandit struct {
	BanditParams
	base     []float64 // the probabilities in declared order
	p        []float64 // the probability of each arm now
	best     float64
	shuffled bool
	reversed bool
}

// RegretBound returns the asymptotic lower bound of Lai & Robbins (1985)
// on the expected regret of any consistent policy after n trials of a
// stationary Bernoulli bandit:
//
//	R(n) ≥ ln n · Σ_{a: p_a < p*} (p* − p_a) / KL(p_a ‖ p*)
//
// in units of reward (Reward·), with KL the Bernoulli relative entropy. It is
// NaN with a reversal (the bandit is not stationary) or when p* = 1 (the
// bound is then 0 for every arm of p_a > 0 … or infinite for p_a = 0).
func (b BanditParams) RegretBound(n int) float64 {
	if b.ReversalAfter > 0 || n < 1 {
		return math.NaN()
	}
	p := b.Probabilities
	if len(p) == 0 {
		p = make([]float64, b.Arms)
		for i := range p {
			p[i] = b.Low + (b.High-b.Low)*float64(i)/float64(b.Arms-1)
		}
	}
	best := 0.0
	for _, q := range p {
		best = max(best, q)
	}
	if best >= 1 {
		return math.NaN()
	}
	sum := 0.0
	for _, q := range p {
		if q < best {
			sum += (best - q) / bernoulliKL(q, best)
		}
	}
	return math.Abs(b.Reward) * sum * math.Log(float64(n))
}

// bernoulliKL is KL(Bernoulli(p) ‖ Bernoulli(q)) in nats, 0 < q < 1.
func bernoulliKL(p, q float64) float64 {
	kl := 0.0
	if p > 0 {
		kl += p * math.Log(p/q)
	}
	if p < 1 {
		kl += (1 - p) * math.Log((1-p)/(1-q))
	}
	return kl
}

func (b *bandit) Features() int { return 1 }
func (b *bandit) Actions() int  { return b.Arms }
func (b *bandit) MaxSteps() int { return 1 }

// Probabilities returns the reward probability of every arm in the trial
// under way.
func (b *bandit) Probabilities() []float64 { return b.p }

func (b *bandit) Reset(episode int, rng *rand.Rand, x []float64) {
	if !b.shuffled {
		// The arms' order is drawn once, at the run's first trial.
		b.shuffled = true
		copy(b.p, b.base)
		if b.Shuffle {
			rng.Shuffle(len(b.p), func(i, j int) { b.p[i], b.p[j] = b.p[j], b.p[i] })
		}
		b.setBest()
	}
	if b.ReversalAfter > 0 && episode >= b.ReversalAfter && !b.reversed {
		b.reversed = true
		b.reverse()
	}
	x[0] = 1
}

// reverse gives the arm of rank k (by probability, ties by index) the
// probability of rank n−1−k. It runs once per run.
func (b *bandit) reverse() {
	rank := make([]int, len(b.p))
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(i, j int) bool { return b.p[rank[i]] > b.p[rank[j]] })
	old := append([]float64(nil), b.p...)
	for k, arm := range rank {
		b.p[arm] = old[rank[len(rank)-1-k]]
	}
	b.setBest()
}

func (b *bandit) setBest() {
	b.best = b.p[0]
	for _, q := range b.p {
		b.best = max(b.best, q)
	}
}

func (b *bandit) Step(a int, rng *rand.Rand, x []float64) Outcome {
	q := b.p[a]
	o := Outcome{End: true, Regret: b.best - q}
	if q == b.best {
		o.Optimal = 1
	}
	if rng.Float64() < q {
		o.Reward = b.Reward
	}
	x[0] = 0
	return o
}
