package modulator

import (
	"fmt"

	"github.com/dopa-sim/dopa/internal/param"
)

// TDParams are the parameters of a temporal-difference critic (see TD).
type TDParams struct {
	// Gamma is the discount factor γ per step, in [0, 1].
	Gamma float64 `toml:"gamma" check:"[0,1]"`
	// Lambda is the decay λ of the critic's eligibility trace, in [0, 1]:
	// 0 is TD(0), 1 a Monte-Carlo-like update.
	Lambda float64 `toml:"lambda" check:"[0,1]"`
	// Alpha is the learning rate α of the value weights, in (0, 10].
	Alpha float64 `toml:"alpha" check:"(0,10]"`
	// Init is the initial value weight of every feature.
	Init float64 `toml:"init" check:"finite,[-1e6,1e6]"`
	// DeltaFloor bounds the prediction error below, ≥ 0: with
	// DeltaFloor > 0 the critic learns from and broadcasts
	// δ_DA = max(δ, −DeltaFloor); 0 (the default) leaves δ symmetric.
	// Dopamine neurons fire at a low baseline rate, so a worse-than-
	// predicted outcome can only pause them: their signal is bounded
	// below (Potjans, Diesmann & Morrison 2011). DeltaFloor is that
	// baseline in units of δ.
	DeltaFloor float64 `toml:"delta_floor" check:"[0,1e6]"`
}

// Defaults returns γ = 1 (episodes are finite), λ = 0 (TD(0)), α = 0.1,
// weights starting at 0 and a symmetric δ.
func (TDParams) Defaults() TDParams { return TDParams{Gamma: 1, Lambda: 0, Alpha: 0.1} }

// Validate reports a parameter out of range, naming its key.
func (p TDParams) Validate() error {
	return param.Check(p)
}

// TD is a linear temporal-difference critic, TD(λ) with accumulating
// traces (Sutton 1988; Schultz, Dayan & Montague 1997). The value of a
// state with features x is V(x) = w·x. At every step the critic receives
// the reward r and the features x′ of the state reached, and forms the
// prediction error against the state it left, x:
//
//	δ = r + γ·V(x′) − V(x)        (V(x′) = 0 if the episode ended)
//	z ← γλ·z + x                  eligibility of the value weights
//	w ← w + α·δ·z
//
// With DeltaFloor = f > 0, δ is replaced by max(δ, −f) before the update
// and in what Step returns (a dopamine signal bounded below).
// δ is the dopamine signal of the TD account of dopamine: it is positive
// when things turn out better than predicted, negative when worse, and
// zero when fully predicted. The trace z is cleared at the start of every
// episode. Step allocates nothing.
type TD struct {
	TDParams
	// W are the value weights, one per feature.
	W []float64
	// Z is the eligibility trace of the weights.
	Z []float64

	prev  []float64 // features of the state the critic is in
	begun bool
}

// NewTD returns a critic over n features (1 ≤ n ≤ 1<<24), weights at Init.
func NewTD(p TDParams, n int) (*TD, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || n > 1<<24 {
		return nil, fmt.Errorf("modulator: a TD critic needs 1 to %d features, got %d", 1<<24, n)
	}
	c := &TD{TDParams: p, W: make([]float64, n), Z: make([]float64, n), prev: make([]float64, n)}
	c.Reset()
	return c, nil
}

// Reset sets every weight to Init and clears the trace: an untrained
// critic.
func (c *TD) Reset() {
	for i := range c.W {
		c.W[i] = c.Init
	}
	clear(c.Z)
	clear(c.prev)
	c.begun = false
}

// Value returns V(x) = w·x. x must have one entry per feature.
func (c *TD) Value(x []float64) float64 {
	x = x[:len(c.W)]
	v := 0.0
	for i, w := range c.W {
		v += w * x[i]
	}
	return v
}

// Begin starts an episode in the state with features x: the trace is
// cleared. It returns V(x).
func (c *TD) Begin(x []float64) float64 {
	clear(c.Z)
	copy(c.prev, x[:len(c.prev)])
	c.begun = true
	return c.Value(x)
}

// Step moves the critic to the state with features x after reward r (end:
// the episode ended there, so V(x) counts as 0) and returns δ. The weights
// are updated before it returns. Step panics before Begin.
func (c *TD) Step(r float64, x []float64, end bool) (delta float64) {
	if !c.begun {
		panic("modulator: TD.Step before Begin")
	}
	next := 0.0
	if !end {
		next = c.Value(x)
	}
	delta = c.Bound(r + c.Gamma*next - c.Value(c.prev))
	decay := c.Gamma * c.Lambda
	ad := c.Alpha * delta
	for i, p := range c.prev {
		z := decay*c.Z[i] + p
		c.Z[i] = z
		c.W[i] += ad * z
	}
	copy(c.prev, x[:len(c.prev)])
	c.begun = !end
	return delta
}

// Bound returns δ as the dopamine neurons signal it: max(δ, −DeltaFloor)
// with a floor, δ itself without.
func (p TDParams) Bound(delta float64) float64 {
	if p.DeltaFloor > 0 {
		return max(delta, -p.DeltaFloor)
	}
	return delta
}

// TDState is the state of a critic, for checkpoints.
type TDState struct {
	W, Z, Prev []float64
	Begun      bool
}

// State returns a copy of the critic's state.
func (c *TD) State() TDState {
	return TDState{W: append([]float64(nil), c.W...), Z: append([]float64(nil), c.Z...),
		Prev: append([]float64(nil), c.prev...), Begun: c.begun}
}

// SetState restores a state from State of a critic of the same size.
func (c *TD) SetState(s TDState) error {
	if len(s.W) != len(c.W) || len(s.Z) != len(c.Z) || len(s.Prev) != len(c.prev) {
		return fmt.Errorf("modulator: TD state of %d features for a critic of %d", len(s.W), len(c.W))
	}
	copy(c.W, s.W)
	copy(c.Z, s.Z)
	copy(c.prev, s.Prev)
	c.begun = s.Begun
	return nil
}
