package modulator

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// Source is where the expectation of the RPE comes from.
type Source string

// The expectation sources.
const (
	// Paired compares the perturbed circuit with the unperturbed circuit on
	// the same trial: the RPE is the regret of the Dopamine paper.
	Paired Source = "paired"
	// Critic compares with a running average of past outcomes: one pass per
	// trial, fully online.
	Critic Source = "critic"
)

// UnmarshalText accepts "paired" and "critic".
func (s *Source) UnmarshalText(b []byte) error {
	switch Source(b) {
	case Paired, Critic:
		*s = Source(b)
		return nil
	}
	return fmt.Errorf("unknown rpe source %q (want paired or critic)", b)
}

// ParamError is a parameter out of its valid range: the one parameter-error
// type of dopa (internal/param), carrying the key path.
type ParamError = param.Error

// Params are the parameters of the dopamine system. Symbols are those of
// docs/dopamine.md. The system does not know which learning rule it
// serves: a rule (experiments/train) chooses these values, and the
// dynamics follow from them alone (for instance, GainRate = 1 gives the
// sign-coded response, LRUp = LRDown = 0 a fixed η).
type Params struct {
	// RPE is the expectation source: "paired" or "critic".
	RPE Source `toml:"rpe"`
	// CriticRate is α_V, the rate at which the critic's expectation V
	// follows the outcome (critic only), in (0, 1].
	CriticRate float64 `toml:"critic_rate" check:"(0,1]"`
	// Tonic is the tonic dopamine baseline D₀ added to what is broadcast.
	Tonic float64 `toml:"tonic" check:"finite"`
	// TauDMs is the decay time constant τ_d of the phasic dopamine response
	// (ms); 0 means the response lasts one trial.
	TauDMs float64 `toml:"tau_d_ms" check:"finite,>=0"`
	// GainRate is β, the rate of the running mean square v of the RPE by
	// which the phasic response is divided (adaptive coding), in [0, 1]. 0
	// turns the gain off (the raw RPE is broadcast); 1 makes the response
	// a pure burst or dip, sign(δ).
	GainRate float64 `toml:"gain_rate" check:"[0,1]"`
	// LRUp and LRDown are the multiplicative steps of the learning rate after
	// an improvement (π > 0) or a worsening (π < 0) of the unperturbed outcome (π = 0 leaves η):
	// η ← η·(1+LRUp) or η ← η·(1−LRDown). Both 0 keep η = η₀.
	LRUp   float64 `toml:"lr_up" check:"finite,>=0"`
	LRDown float64 `toml:"lr_down" check:"[0,1)"`
	// LRRange bounds the adapted learning rate to [η₀/LRRange, η₀·LRRange].
	LRRange float64 `toml:"lr_range"`
	// Revert undoes a weight change that the next outcome did not confirm
	// (π < 0): only confirmed changes are consolidated.
	Revert bool `toml:"revert"`
	// RevertTolerance is ε, the just-noticeable worsening: a change is
	// reverted only when π < −ε·|b_{t−1}|, so that changes whose cost is
	// below that fraction of the expected outcome are kept. In [0, 1); 0
	// reverts every worsening.
	RevertTolerance float64 `toml:"revert_tolerance" check:"[0,1)"`
	// Lambda is λ, the persistence per update of the plasticity trace
	// (synaptic tag) m ← λ·m + D·e, in [0, 1); 0 gives Δw = η·D·e.
	Lambda float64 `toml:"lambda" check:"[0,1)"`
	// Central: when the data change with every update (a new context), an
	// update is a pair of trials on the same data with opposite noise, ξ
	// and −ξ; the first trial's outcome is the expectation of the second,
	// and no unperturbed pass is made (docs/dopamine.md).
	Central bool `toml:"central"`
}

// Defaults returns the plain system: a paired expectation (the regret),
// the raw RPE broadcast for one trial, no tonic level, a fixed learning
// rate, no revert and no plasticity trace: standard weight perturbation.
// CriticRate is 0.1, for a rule that switches rpe to "critic".
func (Params) Defaults() Params {
	return Params{RPE: Paired, CriticRate: 0.1}
}

// Validate reports a parameter out of range, naming its key.
func (p Params) Validate() error {
	if p.RPE != Paired && p.RPE != Critic {
		return param.New(fmt.Sprintf("unknown rpe source %q (want paired or critic)", p.RPE), "rpe")
	}
	if err := param.Check(p); err != nil {
		return err
	}
	// The range of η is read only when η adapts.
	if (p.LRUp > 0 || p.LRDown > 0) && !(p.LRRange >= 1) || math.IsInf(p.LRRange, 0) {
		return param.New(fmt.Sprintf("must be a finite number >= 1, got %g", p.LRRange), "lr_range")
	}
	return nil
}

// Trace is every quantity the modulator computed for one trial.
type Trace struct {
	Reward       float64 // r, outcome of the perturbed circuit
	Expectation  float64 // b, the expectation r is compared with
	RPE          float64 // δ = r − b
	Dopamine     float64 // D, the level broadcast to the synapses
	LearningRate float64 // η
	Progress     float64 // π = b_t − b_{t−1}, change of the unperturbed outcome (NaN when not measured)
	Reverted     bool    // the last weight change was undone
}
