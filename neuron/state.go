package neuron

import "fmt"

// IzhikevichState is the whole state of an Izhikevich population between
// two steps; Restore continues a population of the same size and
// parameters exactly where Snapshot left it (checkpoints of long runs).
type IzhikevichState struct {
	V, U, In, Out []float64
	Spikes        []int32
}

// Snapshot returns copies of the population's variables.
func (z *Izhikevich) Snapshot() IzhikevichState {
	c := func(x []float64) []float64 { return append([]float64(nil), x...) }
	return IzhikevichState{V: c(z.V), U: c(z.U), In: c(z.in), Out: c(z.out), Spikes: append([]int32(nil), z.spikes...)}
}

// Restore puts the population in a state Snapshot returned.
func (z *Izhikevich) Restore(s IzhikevichState) error {
	n := len(z.V)
	if len(s.V) != n || len(s.U) != n || len(s.In) != n || len(s.Out) != n || len(s.Spikes) > n {
		return fmt.Errorf("neuron: state of %d neurons for a population of %d", len(s.V), n)
	}
	copy(z.V, s.V)
	copy(z.U, s.U)
	copy(z.in, s.In)
	copy(z.out, s.Out)
	z.spikes = append(z.spikes[:0], s.Spikes...)
	return nil
}
