package circuits

import (
	"errors"
	"fmt"

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
