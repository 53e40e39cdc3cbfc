// Package neuron holds populations of model neurons stepped in discrete time.
//
// A population stores its state as flat slices, one value per neuron (struct
// of arrays), and steps in place: Step allocates nothing. Every population
// model satisfies Population: projections add their drive into Input, Step
// consumes that drive and advances the state by one step of dt milliseconds,
// and Output is what downstream projections read (a firing rate r for rate
// models, a spike indicator for spiking models).
//
// Rate units follow
//
//	v ← I + (v − I)·exp(−dt/τ)   (τ = TauMs > 0: a leaky integrator, exact for input constant over the step)
//	v ← I                        (τ = 0: no leak, the unit follows its input at once)
//	r = f(v)                     (f: linear, tanh, sigmoid or relu)
//
// where I is the summed synaptic drive of the step. A rate network with no
// leak in which each population is stepped once, in order, is exactly a
// feedforward multilayer perceptron; that is how the perceptrons of the
// Dopamine paper live in dopa.
//
// Spiking models satisfy Spiking as well: Output is the spike indicator of
// the last step and Spikes lists the neurons that spiked, so that sparse
// projections touch only their synapses.
//
//   - LIF: leaky integrate-and-fire with excitatory (Input) and inhibitory
//     (InputInh) exponential current channels, integrated exactly over dt,
//     with threshold, reset and refractory period (LIFParams).
//   - Izhikevich: the two-variable model of Izhikevich (2003), with the
//     RegularSpiking and FastSpiking presets (IzhikevichParams).
//   - Poisson: spike sources that rate-code their drive, spiking in a step
//     of dt ms with probability min(1, RateHzPerUnit·max(0, I)·dt/1000),
//     from their own seeded ChaCha8 stream, optionally frozen (rewound at
//     every Reset) (PoissonParams).
package neuron
