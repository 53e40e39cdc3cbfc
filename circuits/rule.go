package circuits

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// RuleSpec is a learning rule with its parameters.
//
// The perturbation rules wp, dopamine and dopamine2 are three-factor rules:
// every plastic synapse is perturbed by ξ ~ N(0, σ²) (np perturbs the
// neurons' drive instead, and ξ is the noise's signature), the modulator turns
// the outcome into a dopamine signal D and a learning rate η, and each
// synapse changes by Δw = η·D·e (docs/dopamine.md). sgd and adam are
// backpropagation baselines with exact gradients; they are not part of the
// biological model.
type RuleSpec struct {
	// Name is one of wp, np, dopamine, dopamine2, sgd, adam.
	Name string `toml:"name"`
	// LearningRate is η (the initial η₀ for rules that adapt it).
	LearningRate float64 `toml:"learning_rate"`
	// Sigma is σ, the standard deviation of the weight perturbation ξ
	// (perturbation rules only).
	Sigma float64 `toml:"sigma"`
	// Modulator holds the dopamine system's parameters (perturbation rules).
	Modulator modulator.Params `toml:"modulator"`
	// Beta1, Beta2 and Epsilon are Adam's moment decay rates and
	// denominator guard (adam only).
	Beta1   float64 `toml:"beta1"`
	Beta2   float64 `toml:"beta2"`
	Epsilon float64 `toml:"epsilon"`
}

// Rules lists the rule names, in the order outputs list them.
var Rules = []string{"wp", "np", "dopamine", "dopamine2", "sgd", "adam"}

// RuleDefaults returns the defaults of the named rule, tuned for the
// built-in XOR circuit; ok is false for an unknown name.
func RuleDefaults(name string) (s RuleSpec, ok bool) {
	s = RuleSpec{Name: name, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	switch name {
	case "wp", "np", "dopamine", "dopamine2":
		s.Modulator = modulator.Params{}.Defaults(modulator.Variant(name))
		s.LearningRate, s.Sigma = modulator.DefaultLearningRate(modulator.Variant(name)), modulator.DefaultSigma(modulator.Variant(name))
	case "sgd":
		s.LearningRate = 0.5
	case "adam":
		s.LearningRate = 0.05
	default:
		return RuleSpec{Name: name}, false
	}
	return s, true
}

// Perturbative reports whether the rule learns by weight perturbation.
func (s RuleSpec) Perturbative() bool {
	return s.Name == "wp" || s.Name == "np" || s.Name == "dopamine" || s.Name == "dopamine2"
}

// Validate checks the rule's parameters; errors are *param.Error.
func (s RuleSpec) Validate() error {
	if _, ok := RuleDefaults(s.Name); !ok {
		return fieldErr(fmt.Sprintf("unknown rule %q (want wp, np, dopamine, dopamine2, sgd or adam)", s.Name), "name")
	}
	if !(s.LearningRate > 0) || math.IsInf(s.LearningRate, 0) {
		return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", s.LearningRate), "learning_rate")
	}
	if s.Perturbative() {
		if !(s.Sigma > 0) || math.IsInf(s.Sigma, 0) {
			return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", s.Sigma), "sigma")
		}
		if err := s.Modulator.Validate(); err != nil {
			return param.Under(err, "modulator")
		}
		if s.Modulator.Variant != modulator.Variant(s.Name) {
			return fieldErr(fmt.Sprintf("variant %q does not match rule %q", s.Modulator.Variant, s.Name), "modulator", "variant")
		}
	}
	if s.Name == "adam" {
		for _, b := range []struct {
			key string
			v   float64
		}{{"beta1", s.Beta1}, {"beta2", s.Beta2}} {
			if !(b.v >= 0 && b.v < 1) {
				return fieldErr(fmt.Sprintf("must be in [0, 1), got %g", b.v), b.key)
			}
		}
		if !(s.Epsilon > 0) {
			return fieldErr(fmt.Sprintf("must be > 0, got %g", s.Epsilon), "epsilon")
		}
	}
	return nil
}
