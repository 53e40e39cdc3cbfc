package train

import (
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
	wpDef = Def{Name: "wp", Stream: "rule/wp", Doc: "standard weight perturbation: ξ ~ N(0, σ²) per synapse, Δw = η·δ·ξ/σ²",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults("wp", 1, plainModulator), New: newPerturbation(weightNoise{})}
	npDef = Def{Name: "np", Stream: "rule/np", Doc: "node perturbation (Fiete & Seung 2006): noise on each neuron's drive, its signature as eligibility",
		Trains: RateCircuits | RecurrentCircuits, Defaults: perturbationDefaults("np", 0.562, plainModulator), New: newPerturbation(nodeNoise{})}
	dopamineDef = Def{Name: "dopamine", Stream: "rule/dopamine", Doc: "weight perturbation whose learning rate the RPE adapts, with revert and a plasticity trace",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults("dopamine", 0.316, adaptiveModulator(0.3)), New: newPerturbation(weightNoise{})}
	dopamine2Def = Def{Name: "dopamine2", Stream: "rule/dopamine2", Doc: "dopamine with a sign-coded (burst or dip) dopamine response",
		Trains: RateCircuits | SpikingCircuits | RecurrentCircuits, Defaults: perturbationDefaults("dopamine2", 0.1, adaptiveModulator(1)), New: newPerturbation(weightNoise{})}
)

// PerturbationParams are the keys of the perturbation rules.
type PerturbationParams struct {
	// Sigma is σ, the standard deviation of the perturbation ξ (of the
	// weights; of the neurons' drive for np), > 0.
	Sigma float64 `toml:"sigma" check:"finite,>0"`
	// Modulator holds the dopamine system's parameters; the rule's
	// defaults set them (docs/dopamine.md), and [rule.modulator] changes
	// them.
	Modulator modulator.Params `toml:"modulator"`
}

// Validate checks σ and the dopamine system.
func (p PerturbationParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return param.Under(p.Modulator.Validate(), "modulator")
}

// plainModulator is the dopamine system of wp and np: the raw regret,
// broadcast for one trial, at a fixed learning rate.
func plainModulator() modulator.Params { return modulator.Params{}.Defaults() }

// adaptiveModulator is the dopamine system of dopamine (gain 0.3) and
// dopamine2 (gain 1, a sign-coded response): the RPE divided by its
// running scale, η adapted by the progress (A = 0.2, B = 0.1, R = 100),
// unconfirmed changes reverted (ε = 0.001), a plasticity trace λ = 0.85 and
// antithetic pairs on new data; tuned on XOR (docs/results.md).
func adaptiveModulator(gain float64) func() modulator.Params {
	return func() modulator.Params {
		p := modulator.Params{}.Defaults()
		p.GainRate, p.LRUp, p.LRDown, p.LRRange, p.Revert, p.Lambda, p.Central = gain, 0.2, 0.1, 100, true, 0.85, true
		p.RevertTolerance = 0.001
		return p
	}
}

// perturbationDefaults returns the defaults of a perturbation rule: its
// tuned η₀, σ = 0.01 and its dopamine system.
func perturbationDefaults(name string, eta float64, mod func() modulator.Params) func() Spec {
	return func() Spec {
		return Spec{Name: name, LearningRate: eta, Params: PerturbationParams{Sigma: 0.01, Modulator: mod()}}
	}
}

// newPerturbation returns the constructor of a perturbation rule whose
// noise is n (on the weights or on the neurons' drive).
func newPerturbation(n noise) func(s Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) {
	return func(s Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) {
		p := s.Params.(PerturbationParams)
		return &Perturbation{name: s.Name, c: c, rng: rng, sigma: p.Sigma, m: modulator.New(p.Modulator, s.LearningRate), l0: math.NaN(), noise: n}, nil
	}
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
	name  string // the rule's name (Retune refuses another's spec)
	c     *circuits.Circuit
	m     *modulator.Dopamine
	rng   *rand.Rand
	sigma float64
	l0    float64
	ctx   int    // the task's context at the last update
	noise noise  // where the perturbation goes: the weights or the neurons' drive
	seed  uint64 // seed of the last node noise, replayed negated by a pair's second trial
}

// noise is where a perturbation rule's noise goes.
type noise interface {
	// perturb makes the following passes perturbed: with sign 1 by a fresh
	// draw, with sign −1 by the opposite of the last one.
	perturb(r *Perturbation, sign float64)
	// unperturb makes the following passes run the circuit as it is.
	unperturb(r *Perturbation)
}

// weightNoise perturbs every plastic synapse's weight by ξ ~ N(0, σ²)
// (wp, dopamine, dopamine2).
type weightNoise struct{}

func (weightNoise) perturb(r *Perturbation, sign float64) {
	if sign > 0 {
		r.c.Perturb(r.rng, r.sigma)
	} else {
		r.c.Negate()
	}
	r.c.SetPerturbed(true)
}

func (weightNoise) unperturb(r *Perturbation) { r.c.SetPerturbed(false) }

// nodeNoise adds ζ ~ N(0, σ²) to every neuron's drive, drawn from a seed
// so that a pair's second trial can replay it negated (np).
type nodeNoise struct{}

func (nodeNoise) perturb(r *Perturbation, sign float64) {
	if sign > 0 {
		r.seed = r.rng.Uint64()
	}
	r.c.PerturbNodes(r.seed, r.sigma, sign)
}

func (nodeNoise) unperturb(r *Perturbation) { r.c.StopNodeNoise() }

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

func (r *Perturbation) perturb(sign float64) { r.noise.perturb(r, sign) }

func (r *Perturbation) unperturb() { r.noise.unperturb(r) }

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
