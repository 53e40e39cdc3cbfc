package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// ASEParams are the keys of the ase agent.
type ASEParams struct {
	// LearningRate is α of Δw = α·δ·e, in (0, 10⁶] (Barto et al.: 1000).
	LearningRate float64 `toml:"learning_rate" check:"(0,1e6]"`
	// TraceDecay is the per-step decay of the eligibility e, in [0, 1)
	// (Barto et al.'s δ: 0.9).
	TraceDecay float64 `toml:"trace_decay" check:"[0,1)"`
	// NoiseSD is the standard deviation σ of the Gaussian noise added to
	// the unit's drive before its threshold, in (0, 10⁶] (Barto et al.:
	// 0.01).
	NoiseSD float64 `toml:"noise_sd" check:"(0,1e6]"`
}

// Validate reports a key out of range.
func (p ASEParams) Validate() error { return param.Check(p) }

func (p ASEParams) check(_, actions, _, _ int) error {
	if actions != 2 {
		return param.New(fmt.Sprintf("the ase agent is one threshold unit: it needs an environment with 2 actions, got %d", actions), "name")
	}
	return nil
}

// The associative search element (ASE) of Barto, Sutton & Anderson
// (1983), the actor of their ASE/ACE: one stochastic threshold unit whose
// output y = +1 (action 1) if Σ_i w_i·x_i + σ·ξ ≥ 0, else −1 (action 0),
// ξ ~ N(0, 1). Each weight keeps an eligibility
//
//	e_i ← d·e_i + (1 − d)·y·x_i
//
// (d = trace_decay, the current step included before the update) and the
// critic's δ (their ACE's internal reinforcement r̂) changes it,
// Δw_i = α·δ·e_i. With α large against σ the unit is all but
// deterministic after its first update in a state: a box's push is
// reversed when a failure follows it, not drawn from a softmax.
var aseDef = AgentDef{
	Name: "ase",
	Doc:  "Barto, Sutton & Anderson's (1983) ASE: a threshold unit with Gaussian noise for two actions, eligibility e ← d·e + (1−d)·y·x, Δw = α·δ·e",
	Acts: true,
	Defaults: func() AgentParams {
		return ASEParams{LearningRate: 1000, TraceDecay: 0.9, NoiseSD: 0.01}
	},
	New: func(p AgentParams, s Setup) (Agent, error) {
		if s.Actions != 2 {
			return nil, fmt.Errorf("ase: needs 2 actions, got %d", s.Actions)
		}
		return &ase{ASEParams: p.(ASEParams), w: make([]float64, s.Features), e: make([]float64, s.Features)}, nil
	},
}

type ase struct {
	ASEParams
	w, e []float64
}

func (a *ase) Begin() { clear(a.e) }

func (a *ase) drive(x []float64) float64 {
	h := 0.0
	for i, xi := range x[:len(a.w)] {
		h += a.w[i] * xi
	}
	return h
}

func (a *ase) Act(x []float64, rng *rand.Rand) int {
	if a.drive(x)+a.NoiseSD*rng.NormFloat64() >= 0 {
		return 1
	}
	return 0
}

// Policy writes the probability of each push in the state x (Chooser):
// P(y = +1) = Φ(h/σ).
func (a *ase) Policy(x, pi []float64) {
	pi[1] = 0.5 * math.Erfc(-a.drive(x)/(a.NoiseSD*math.Sqrt2))
	pi[0] = 1 - pi[1]
}

func (a *ase) Learn(x []float64, act int, _ float64, _ []float64, _ bool, delta float64) {
	y := -1.0
	if act == 1 {
		y = 1
	}
	k, in := a.TraceDecay, (1-a.TraceDecay)*y
	ad := a.LearningRate * delta
	for i, xi := range x[:len(a.w)] {
		e := k*a.e[i] + in*xi
		a.e[i] = e
		a.w[i] += ad * e
	}
}
