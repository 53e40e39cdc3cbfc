package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// The perturbation rules (docs/dopamine.md): wp, np, dopamine and
// dopamine2 are one mechanism, Perturbation, under differently
// parameterised dopamine systems. Their η₀ and σ are tuned on the built-in
// XOR circuit (experiments/xor_tuning.toml).
var (
	wpDef = Def{Name: "wp", Doc: "standard weight perturbation: ξ ~ N(0, σ²) per synapse, Δw = η·δ·ξ/σ²",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults(modulator.VariantWP, 1), New: newPerturbation}
	npDef = Def{Name: "np", Doc: "node perturbation (Fiete & Seung 2006): noise on each neuron's drive, its signature as eligibility",
		Trains: RateCircuits | RecurrentCircuits, Defaults: perturbationDefaults(modulator.VariantNP, 0.562), New: newPerturbation}
	dopamineDef = Def{Name: "dopamine", Doc: "weight perturbation whose learning rate the RPE adapts, with revert and a plasticity trace",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults(modulator.VariantDopamine, 0.316), New: newPerturbation}
	dopamine2Def = Def{Name: "dopamine2", Doc: "dopamine with a sign-coded (burst or dip) dopamine response",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults(modulator.VariantDopamine2, 0.1), New: newPerturbation}
)

// PerturbationParams are the keys of the perturbation rules.
type PerturbationParams struct {
	// Sigma is σ, the standard deviation of the perturbation ξ (of the
	// weights; of the neurons' drive for np), > 0.
	Sigma float64 `toml:"sigma"`
	// Modulator holds the dopamine system's parameters; its variant is the
	// rule's.
	Modulator modulator.Params `toml:"modulator"`
}

// Validate checks σ and the dopamine system.
func (p PerturbationParams) Validate() error {
	if !(p.Sigma > 0) || math.IsInf(p.Sigma, 0) {
		return param.New(fmt.Sprintf("must be a finite number > 0, got %g", p.Sigma), "sigma")
	}
	return param.Under(p.Modulator.Validate(), "modulator")
}

// perturbationDefaults returns the defaults of a variant: its tuned η₀,
// σ = 0.01 and the variant's dopamine system.
func perturbationDefaults(v modulator.Variant, eta float64) func() Spec {
	return func() Spec {
		return Spec{Name: string(v), LearningRate: eta, Params: PerturbationParams{Sigma: 0.01, Modulator: modulator.Params{}.Defaults(v)}}
	}
}

func newPerturbation(s Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) {
	p := s.Params.(PerturbationParams)
	if p.Modulator.Variant != modulator.Variant(s.Name) {
		return nil, param.New(fmt.Sprintf("variant %q does not match rule %q", p.Modulator.Variant, s.Name), "modulator", "variant")
	}
	return &Perturbation{c: c, rng: rng, sigma: p.Sigma, m: modulator.New(p.Modulator, s.LearningRate), l0: math.NaN(), node: s.Name == "np"}, nil
}

// Perturbation is perturbation learning under the dopamine system: wp,
// dopamine and dopamine2 perturb the weights, np the neurons' drive
// (docs/dopamine.md).
//
// Per update: the unperturbed loss L(w) is measured (paired systems only)
// and the modulator decides whether the last change is consolidated or
// reverted; every plastic synapse draws ξ ~ N(0, σ²); the perturbed loss
// L(w+ξ) is measured; the modulator forms the RPE δ = L(w) − L(w+ξ) and the
// level D; each synapse's eligibility becomes e = ξ/σ² (raw RPE) or ξ/σ
// (normalised RPE), decaying with τ_e; and m ← λ·m + D·e, Δw = η·m. For np,
// ξ is the signature Σ_t ζ_i(t)·r_j(t) of the node noise ζ ~ N(0, σ²)
// (circuits.Circuit.PerturbNodes).
type Perturbation struct {
	c     *circuits.Circuit
	m     *modulator.Dopamine
	rng   *rand.Rand
	sigma float64
	l0    float64
	ctx   int    // the task's context at the last update
	node  bool   // node perturbation (np)
	seed  uint64 // seed of the last node noise, replayed negated by a pair's second trial
}

// contexter is a task whose trials come in blocks (contexts); outcomes of
// different contexts are not compared for progress.
type contexter interface{ Context() int }

// Modulator returns the rule's dopamine system.
func (r *Perturbation) Modulator() *modulator.Dopamine { return r.m }

// Measure measures L(w) for a paired system (not before an antithetic
// pair, which needs no unperturbed pass).
func (r *Perturbation) Measure(t task.Task) (float64, int) {
	if !r.m.Paired() || r.central(t) {
		r.l0 = math.NaN()
		return math.NaN(), 0
	}
	r.l0 = t.Loss(r.c)
	return r.l0, 1
}

// central reports whether this update is an antithetic pair: the rule
// asks for pairs (Params.Central) and the task's data just changed.
func (r *Perturbation) central(t task.Task) bool {
	ct, ok := t.(contexter)
	return r.m.Central && ok && ct.Context() != r.ctx
}

// Learn consolidates or reverts the last change, perturbs, measures
// L(w+ξ) and applies the three-factor change; on new data with
// Params.Central, it measures L(w+ξ) and L(w−ξ) instead, and the second
// trial's RPE against the first drives the change.
func (r *Perturbation) Learn(t task.Task) int {
	c := r.c
	if r.central(t) {
		r.ctx = t.(contexter).Context()
		r.m.NewContext()
		r.perturb(1)
		lp := t.Loss(c)
		r.perturb(-1)
		lm := t.Loss(c)
		r.unperturb()
		r.m.Expect(-lp)
		r.m.Observe(-lm, c.TrialMs())
		r.apply()
		return 2
	}
	if ct, ok := t.(contexter); ok && ct.Context() != r.ctx {
		r.ctx = ct.Context()
		r.m.NewContext()
	}
	if r.m.Paired() && r.m.Consolidate(-r.l0) {
		c.Revert()
	}
	r.perturb(1)
	l1 := t.Loss(c)
	r.unperturb()
	r.m.Observe(-l1, c.TrialMs())
	r.apply()
	return 1
}

// perturb makes the following passes perturbed: with sign 1 by a fresh
// draw, with sign −1 by the opposite of the last one.
func (r *Perturbation) perturb(sign float64) {
	if r.node {
		if sign > 0 {
			r.seed = r.rng.Uint64()
		}
		r.c.PerturbNodes(r.seed, r.sigma, sign)
		return
	}
	if sign > 0 {
		r.c.Perturb(r.rng, r.sigma)
	} else {
		r.c.Negate()
	}
	r.c.SetPerturbed(true)
}

// unperturb makes the following passes run the circuit as it is.
func (r *Perturbation) unperturb() {
	if r.node {
		r.c.StopNodeNoise()
		return
	}
	r.c.SetPerturbed(false)
}

// apply makes every synapse eligible by its current perturbation and
// applies the three-factor change.
func (r *Perturbation) apply() {
	scale := 1 / (r.sigma * r.sigma) // raw RPE: η·D·e is the WP gradient estimate
	if r.m.Normalized() {
		scale = 1 / r.sigma // dimensionless D: the step is η·m in units of σ
	}
	r.c.Eligibility(r.c.TrialMs(), scale)
	r.c.Apply(r.m.LearningRate(), r.m.Level(), r.m.Lambda)
}

// Trace returns the modulator's trace of the last update.
func (r *Perturbation) Trace() modulator.Trace { return r.m.Trace() }

// StateBytes is 0: the rule's per-synapse state lives in the synapses, and
// the modulator holds a few scalars.
func (r *Perturbation) StateBytes() int { return 0 }
