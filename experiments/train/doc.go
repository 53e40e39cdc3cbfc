// Package train holds the training protocols: how each learning rule
// turns trials of a task into weight changes of a circuit.
//
// A Rule works in two steps per learning update. Measure evaluates the
// unperturbed circuit when the rule needs that outcome to learn (the paired
// perturbation rules, and the gradient baselines, whose forward pass it is),
// and Learn makes the weight change. Both return the number of forward
// passes of the circuit over the task's batch they used, so that rules are
// compared by the trials they really spend.
package train
