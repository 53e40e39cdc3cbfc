// Package task holds the tasks a circuit learns: each supplies the inputs,
// the targets and the loss, and evaluates a circuit on its training set.
//
// A task evaluates the circuit on its current batch (for XOR, always all
// four patterns). Loss is one forward pass of the circuit over that batch;
// Grad is the same pass with the backpropagation tape on, leaving ∂L/∂w in
// the circuit, for the gradient baselines.
package task
