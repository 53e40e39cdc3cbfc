package neuron

// Population is a group of neurons of one model, stepped in discrete time.
//
// The contract, for every model:
//   - Input returns the drive buffer of length Len. Projections add into it
//     between steps; Step consumes it and leaves it zeroed. (Current-based
//     spiking models return their synaptic current itself: a drive makes it
//     jump, and it decays instead of being zeroed.)
//   - Step advances the state by dt milliseconds. It allocates nothing.
//   - Output returns the activity of the last step as seen by projections:
//     the firing rate for rate models, 1 for a neuron that spiked and 0
//     otherwise for spiking models. The slice is owned by the population and
//     is overwritten by the next Step.
//   - Reset returns every neuron to its resting state and clears the input.
type Population interface {
	Len() int
	Input() []float64
	Step(dt float64)
	Output() []float64
	Reset()
}

// Differentiable is a population whose step can be differentiated, as the
// backpropagation baselines need. For the step v' = a·v + b·I, r = f(v'):
// Decay returns a and Gain b for the given dt, and Deriv the slope f'(v) at
// state v with output r.
type Differentiable interface {
	Population
	// State returns the state variable v, one value per neuron.
	State() []float64
	Decay(dt float64) float64
	Gain(dt float64) float64
	Deriv(v, r float64) float64
}
