package neuron

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// Activation is the transfer function f of a rate unit, r = f(v).
type Activation int

// The transfer functions of rate units.
const (
	Linear  Activation = iota // f(v) = v
	Tanh                      // f(v) = tanh(v)
	Sigmoid                   // f(v) = 1/(1+exp(−v))
	ReLU                      // f(v) = max(0, v)
)

var activationNames = [...]string{Linear: "linear", Tanh: "tanh", Sigmoid: "sigmoid", ReLU: "relu"}

// String returns the lower-case name used in circuit files.
func (a Activation) String() string {
	if a < 0 || int(a) >= len(activationNames) {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return activationNames[a]
}

// MarshalText implements encoding.TextMarshaler.
func (a Activation) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// linear, tanh, sigmoid and relu.
func (a *Activation) UnmarshalText(b []byte) error {
	for i, n := range activationNames {
		if string(b) == n {
			*a = Activation(i)
			return nil
		}
	}
	return fmt.Errorf("unknown activation %q (want linear, tanh, sigmoid or relu)", b)
}

// F returns f(v).
func (a Activation) F(v float64) float64 {
	switch a {
	case Tanh:
		return math.Tanh(v)
	case Sigmoid:
		return 1 / (1 + math.Exp(-v))
	case ReLU:
		return math.Max(0, v)
	}
	return v
}

// Deriv returns f'(v), given v and r = f(v).
func (a Activation) Deriv(v, r float64) float64 {
	switch a {
	case Tanh:
		return 1 - r*r
	case Sigmoid:
		return r * (1 - r)
	case ReLU:
		if v > 0 {
			return 1
		}
		return 0
	}
	return 1
}

// RateParams are the parameters of a population of rate units.
type RateParams struct {
	// Activation is the transfer function f, r = f(v).
	Activation Activation `toml:"activation"`
	// TauMs is the leak time constant τ (ms). 0 means no leak: v follows
	// the input within the step.
	TauMs float64 `toml:"tau_ms" check:"finite,>=0"`
}

// Defaults returns linear units without leak.
func (RateParams) Defaults() RateParams { return RateParams{Activation: Linear} }

// Validate reports a parameter out of range, naming its key.
func (p RateParams) Validate() error {
	if p.Activation < Linear || p.Activation > ReLU {
		return param.New(fmt.Sprintf("unknown activation %d", int(p.Activation)), "activation")
	}
	return param.Check(p)
}

// ParamError is a parameter out of its valid range: the one parameter-error
// type of dopa (internal/param), carrying the key path.
type ParamError = param.Error

// Rate is a population of rate units (see the package documentation for
// the equations).
type Rate struct {
	RateParams
	V []float64 // state v, the filtered input
	R []float64 // output rate r = f(v)
	I []float64 // drive I accumulated for the next step
}

// NewRate returns n rate units at rest (v = 0, r = f(0)).
func NewRate(n int, p RateParams) (*Rate, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	r := &Rate{RateParams: p, V: make([]float64, n), R: make([]float64, n), I: make([]float64, n)}
	r.Reset()
	return r, nil
}

// Len returns the number of units.
func (p *Rate) Len() int { return len(p.V) }

// Input returns the drive buffer I.
func (p *Rate) Input() []float64 { return p.I }

// Output returns the rates r.
func (p *Rate) Output() []float64 { return p.R }

// State returns the state v.
func (p *Rate) State() []float64 { return p.V }

// Decay returns a = exp(−dt/τ) of v' = a·v + (1−a)·I (0 without leak).
func (p *Rate) Decay(dt float64) float64 {
	if p.TauMs == 0 {
		return 0
	}
	return math.Exp(-dt / p.TauMs)
}

// Gain returns 1 − Decay(dt), the weight of the drive in v'.
func (p *Rate) Gain(dt float64) float64 { return 1 - p.Decay(dt) }

// Deriv returns f'(v).
func (p *Rate) Deriv(v, r float64) float64 { return p.Activation.Deriv(v, r) }

// Reset sets v = 0, r = f(0) and clears the input.
func (p *Rate) Reset() {
	r0 := p.Activation.F(0)
	for i := range p.V {
		p.V[i], p.R[i], p.I[i] = 0, r0, 0
	}
}

// Step advances the units by dt ms and zeroes the input.
func (p *Rate) Step(dt float64) {
	a := 0.0
	if p.TauMs > 0 {
		a = math.Exp(-dt / p.TauMs)
	}
	f := p.Activation
	v, r, in := p.V, p.R[:len(p.V)], p.I[:len(p.V)]
	for i := range v {
		v[i] = in[i] + (v[i]-in[i])*a
		r[i] = f.F(v[i])
		in[i] = 0
	}
}
