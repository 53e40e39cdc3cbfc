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
	// Loss is the loss on the training set ("final_loss").
	Loss float64
	// Metrics holds the values of the task's declared metrics (Def.Metrics)
	// by name; NaN where the run has none (it diverged). Other keys may be
	// present and are not summarised.
	Metrics map[string]float64
}

// Predictor is a task that can lay its circuit's forecasts beside the
// truth (predictions.csv).
type Predictor interface {
	Predict(c *circuits.Circuit, n int) Prediction
}
