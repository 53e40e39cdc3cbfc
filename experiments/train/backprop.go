package train

import (
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// The backpropagation baselines: exact gradients through the circuit's
// tape (BPTT for recurrent circuits). They are not part of the biological
// model; they exist to be compared against. η tuned on the built-in XOR
// circuit.
var (
	sgdDef = Def{Name: "sgd", Stream: "rule/sgd", Doc: "gradient descent with exact gradients (backprop, BPTT)", Trains: RateCircuits | RecurrentCircuits,
		Defaults: func() Spec { return Spec{Name: "sgd", LearningRate: 0.5, Params: SGDParams{}} },
		New:      func(s Spec, c *circuits.Circuit, _ *rand.Rand) (Rule, error) { return newBackprop(s, c, false), nil }}
	adamDef = Def{Name: "adam", Stream: "rule/adam", Doc: "Adam (Kingma & Ba 2015) with exact gradients (backprop, BPTT)", Trains: RateCircuits | RecurrentCircuits,
		Defaults: func() Spec {
			return Spec{Name: "adam", LearningRate: 0.05, Params: AdamParams{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}}
		},
		New: func(s Spec, c *circuits.Circuit, _ *rand.Rand) (Rule, error) { return newBackprop(s, c, true), nil }}
)

// Decay is the weight_decay key of the rules that step by a gradient or
// an error sent down (sgd, adam and the credit rules).
type Decay struct {
	// WeightDecay is λ, in [0, 1): every update first shrinks each forward
	// weight and bias by the factor 1 − λ, w ← (1 − λ)·w − η·step
	// (decoupled from η, per update, as Podlaski & Machens' MNIST script
	// writes it; for adam this is AdamW's form with λ in place of ηλ).
	// 0 (the default) is no decay. Feedback synapses do not decay.
	WeightDecay float64 `toml:"weight_decay" check:"[0,1)"`
}

// Validate checks λ.
func (p Decay) Validate() error {
	return param.Check(p)
}

// decayer is a rule's Params that embed Decay.
type decayer interface{ weightDecay() float64 }

func (p Decay) weightDecay() float64 { return p.WeightDecay }

// SGDParams are sgd's keys.
type SGDParams struct {
	Decay
}

// AdamParams are Adam's keys.
type AdamParams struct {
	Decay
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates, in [0, 1).
	Beta1 float64 `toml:"beta1" check:"[0,1)"`
	Beta2 float64 `toml:"beta2" check:"[0,1)"`
	// Epsilon guards the denominator, > 0.
	Epsilon float64 `toml:"epsilon" check:">0"`
}

// Validate checks the decay rates and ε.
func (p AdamParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return p.Decay.Validate()
}

// Backprop is gradient descent with exact gradients (sgd) or Adam (adam).
type Backprop struct {
	name             string // the rule's name (Retune refuses another's spec)
	c                *circuits.Circuit
	adam             bool
	eta, decay       float64
	beta1, beta2, ep float64
	m, v             [][]float64 // Adam's moments, per link
	step             []float64   // scratch step, longest link
	t                int
	dense            *denseBatch // batched backprop, nil where the circuit does not allow it
}

func newBackprop(spec Spec, c *circuits.Circuit, adam bool) *Backprop {
	b := &Backprop{name: spec.Name, c: c, adam: adam, eta: spec.LearningRate}
	if p, ok := spec.Params.(AdamParams); ok {
		b.beta1, b.beta2, b.ep = p.Beta1, p.Beta2, p.Epsilon
	}
	if p, ok := spec.Params.(decayer); ok {
		b.decay = p.weightDecay()
	}
	n := 0
	for _, l := range c.Links {
		b.m = append(b.m, make([]float64, len(l.W)))
		b.v = append(b.v, make([]float64, len(l.W)))
		n = max(n, len(l.W))
	}
	b.step = make([]float64, n)
	b.dense = newDenseBatch(c)
	return b
}

// Measure runs the forward pass with the tape on and backpropagates; a
// minibatch task on a plain feedforward circuit a batch at a time
// (denseBatch), with the same bits as a sample at a time.
func (b *Backprop) Measure(t task.Task) (float64, int) {
	b.c.ZeroGrad()
	if bt, ok := t.(task.Batch); ok && b.dense != nil && b.dense.usable() {
		return b.dense.grad(bt), 1
	}
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
			l.StepDecay(b.eta, b.decay, l.Grad)
			continue
		}
		m, v, s := b.m[k], b.v[k], b.step[:len(l.W)]
		for i, g := range l.Grad {
			m[i] = b.beta1*m[i] + (1-b.beta1)*g
			v[i] = b.beta2*v[i] + (1-b.beta2)*g*g
			s[i] = (m[i] / c1) / (math.Sqrt(v[i]/c2) + b.ep)
		}
		l.StepDecay(b.eta, b.decay, s)
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
