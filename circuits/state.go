package circuits

import (
	"errors"
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/synapse"
)

// State is what learning changes in a rate circuit between two trials: the
// weights and traces of every dense projection. A rate circuit starts
// every trial from rest, so with the same spec and seed, SetState
// continues a circuit exactly where State left it (checkpoints of long
// runs).
type State struct {
	Links []synapse.DenseState
}

// ErrNoState is a circuit whose state between trials is more than its
// projections' (spiking populations, with their own streams): it cannot be
// checkpointed.
var ErrNoState = errors.New("circuits: a spiking circuit cannot be checkpointed")

// State returns copies of the weights and traces of every projection.
func (c *Circuit) State() (State, error) {
	if c.Spiking() || len(c.Sparse) > 0 {
		return State{}, ErrNoState
	}
	s := State{Links: make([]synapse.DenseState, len(c.Links))}
	for i, l := range c.Links {
		s.Links[i] = l.Dense.State()
	}
	return s, nil
}

// SetState puts the circuit in a state State returned.
func (c *Circuit) SetState(s State) error {
	if len(s.Links) != len(c.Links) {
		return fmt.Errorf("circuits: state of %d projections for a circuit of %d", len(s.Links), len(c.Links))
	}
	for i, l := range c.Links {
		if err := l.Dense.SetState(s.Links[i]); err != nil {
			return fmt.Errorf("projection %s: %w", l.Name, err)
		}
	}
	return nil
}

// PlasticRMS returns the root mean square over every plastic projection
// of the eligibility traces (elig) or of the weights; 0 without plastic
// projections. The traces of a run record it.
func (c *Circuit) PlasticRMS(elig bool) float64 {
	s, n := 0.0, 0
	for _, l := range c.Links {
		if !l.Plastic {
			continue
		}
		v := l.W
		if elig {
			v = l.E
		}
		for _, x := range v {
			s += x * x
		}
		n += len(v)
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(s / float64(n))
}
