package train

import (
	"fmt"

	"github.com/dopa-sim/dopa/internal/param"
)

// Tunable is a rule whose parameters can change while it trains, between
// two updates (the live view's sliders, IVISIT's sync mode): Retune takes
// the rule's spec with new values. The rule keeps its state (weights,
// modulator history, optimiser moments); s must be valid and name the
// same rule, or nothing changes and the error says why.
type Tunable interface {
	Retune(s Spec) error
}

var (
	_ Tunable = (*Perturbation)(nil)
	_ Tunable = (*Backprop)(nil)
)

// Retune sets σ, η₀ and the dopamine system's parameters (docs:
// modulator.Dopamine.Retune). The expectation source (rpe) is fixed for a
// run: changing it needs a new run.
func (r *Perturbation) Retune(s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	p, ok := s.Params.(PerturbationParams)
	if !ok || s.Name != r.name {
		return param.New(fmt.Sprintf("rule %q cannot retune a running %q", s.Name, r.name), "name")
	}
	if p.Modulator.RPE != r.m.RPE {
		return param.New("the expectation source of a running rule cannot change (start a new run)", "modulator", "rpe")
	}
	r.sigma = p.Sigma
	r.m.Retune(p.Modulator, s.LearningRate)
	return nil
}

// Retune sets η and, for adam, its decay rates and ε (the moments are
// kept).
func (b *Backprop) Retune(s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.Name != b.name {
		return param.New(fmt.Sprintf("rule %q cannot retune a running %q", s.Name, b.name), "name")
	}
	b.eta = s.LearningRate
	if p, ok := s.Params.(AdamParams); ok {
		b.beta1, b.beta2, b.ep = p.Beta1, p.Beta2, p.Epsilon
	}
	return nil
}
