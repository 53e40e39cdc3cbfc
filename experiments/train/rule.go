package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/modulator"
)

// Rule is a learning rule bound to one circuit.
type Rule interface {
	// Measure returns the loss of the unperturbed circuit on the current
	// batch and the passes spent, or (NaN, 0) if the rule does not need it.
	Measure(t task.Task) (loss float64, passes int)
	// Learn makes one weight change and returns the passes it spent.
	Learn(t task.Task) (passes int)
	// Trace returns the modulator's quantities of the last update (for
	// the gradient baselines, only the learning rate is set).
	Trace() modulator.Trace
	// StateBytes is the memory the rule holds beyond the circuit's.
	StateBytes() int
}

// New binds the rule of spec to circuit c; rng drives its perturbations.
func New(spec circuits.RuleSpec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	switch spec.Name {
	case "sgd", "adam":
		return newBackprop(spec, c), nil
	case "wp", "np", "dopamine", "dopamine2":
		return &Perturbation{c: c, rng: rng, sigma: spec.Sigma, m: modulator.New(spec.Modulator, spec.LearningRate), l0: math.NaN(), node: spec.Name == "np"}, nil
	}
	return nil, fmt.Errorf("train: unknown rule %q", spec.Name)
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

// Backprop is gradient descent with exact gradients (sgd) or Adam (adam).
type Backprop struct {
	c                *circuits.Circuit
	adam             bool
	eta              float64
	beta1, beta2, ep float64
	m, v             [][]float64 // Adam's moments, per link
	step             []float64   // scratch step, longest link
	t                int
}

func newBackprop(spec circuits.RuleSpec, c *circuits.Circuit) *Backprop {
	b := &Backprop{c: c, adam: spec.Name == "adam", eta: spec.LearningRate, beta1: spec.Beta1, beta2: spec.Beta2, ep: spec.Epsilon}
	n := 0
	for _, l := range c.Links {
		b.m = append(b.m, make([]float64, len(l.W)))
		b.v = append(b.v, make([]float64, len(l.W)))
		n = max(n, len(l.W))
	}
	b.step = make([]float64, n)
	return b
}

// Measure runs the forward pass with the tape on and backpropagates.
func (b *Backprop) Measure(t task.Task) (float64, int) {
	b.c.ZeroGrad()
	return t.Grad(b.c), 1
}

// Learn applies the gradient step.
func (b *Backprop) Learn(task.Task) int {
	b.t++
	c1 := 1 - math.Pow(b.beta1, float64(b.t))
	c2 := 1 - math.Pow(b.beta2, float64(b.t))
	for k, l := range b.c.Links {
		if !l.Plastic {
			continue
		}
		if !b.adam {
			l.Step(b.eta, l.Grad)
			continue
		}
		m, v, s := b.m[k], b.v[k], b.step[:len(l.W)]
		for i, g := range l.Grad {
			m[i] = b.beta1*m[i] + (1-b.beta1)*g
			v[i] = b.beta2*v[i] + (1-b.beta2)*g*g
			s[i] = (m[i] / c1) / (math.Sqrt(v[i]/c2) + b.ep)
		}
		l.Step(b.eta, s)
	}
	return 0
}

// StateBytes counts Adam's moments and the scratch step.
func (b *Backprop) StateBytes() int {
	n := len(b.step)
	for k := range b.m {
		n += len(b.m[k]) + len(b.v[k])
	}
	return 8 * n
}

// Trace reports the learning rate.
func (b *Backprop) Trace() modulator.Trace {
	return modulator.Trace{RPE: math.NaN(), Reward: math.NaN(), Expectation: math.NaN(), Dopamine: math.NaN(), LearningRate: b.eta}
}
