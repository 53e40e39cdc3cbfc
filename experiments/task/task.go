package task

import (
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
)

// Task is something a circuit learns.
type Task interface {
	// Name is the task's name in outputs.
	Name() string
	// Check reports whether the circuit fits the task (input and readout sizes).
	Check(c *circuits.Circuit) error
	// Next chooses the batch of trials for the next learning update.
	Next(rng *rand.Rand)
	// Loss runs the circuit over the current batch (one forward pass) and
	// returns the loss.
	Loss(c *circuits.Circuit) float64
	// Grad does what Loss does with the tape on and adds ∂L/∂w to the
	// circuit's gradients; it returns the loss.
	Grad(c *circuits.Circuit) float64
	// Evaluate measures the circuit after training. Metrics not defined for
	// the task are NaN.
	Evaluate(c *circuits.Circuit) Eval
}

// Eval is what a task reports of a trained circuit.
type Eval struct {
	Loss      float64 // loss on the training set
	Correct   int     // trials classified correctly (classification tasks)
	Of        int     // trials classified (0 when not a classification task)
	TestNRMSE float64 // RMSE / std(target) on held-out data, NaN when none
	Extra     map[string]float64
}
