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
package neuron
