package synapse

import "fmt"

// DenseState is the state of a dense projection that learning changes:
// with the same parameters and sizes, SetState continues it exactly where
// State left it (checkpoints of long runs).
type DenseState struct {
	W, Xi, E, M, WP, Prev []float64
	Perturbed             bool
}

// State returns copies of the projection's weights and traces.
func (d *Dense) State() DenseState {
	c := func(x []float64) []float64 { return append([]float64(nil), x...) }
	return DenseState{W: c(d.W), Xi: c(d.Xi), E: c(d.E), M: c(d.M), WP: c(d.wp), Prev: c(d.prev), Perturbed: d.perturbed}
}

// SetState puts the projection in a state State returned.
func (d *Dense) SetState(s DenseState) error {
	for _, x := range [][]float64{s.W, s.Xi, s.E, s.M, s.WP, s.Prev} {
		if len(x) != len(d.W) {
			return fmt.Errorf("synapse: state of %d synapses for a projection of %d", len(x), len(d.W))
		}
	}
	copy(d.W, s.W)
	copy(d.Xi, s.Xi)
	copy(d.E, s.E)
	copy(d.M, s.M)
	copy(d.wp, s.WP)
	copy(d.prev, s.Prev)
	d.perturbed = s.Perturbed
	return nil
}
