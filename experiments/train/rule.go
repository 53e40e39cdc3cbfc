package train

import (
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/modulator"
)

// Rule is a learning rule bound to one circuit.
type Rule interface {
	// Measure returns the loss of the unperturbed circuit on the current
	// batch and the passes spent, or (NaN, 0) if the rule does not need it.
	Measure(t task.Task) (loss float64, passes int)
	// Learn makes one weight change and returns the passes it spent.
	Learn(t task.Task) (passes int)
	// Trace returns the modulator's quantities of the last update (for
	// the gradient baselines, only the learning rate is set).
	Trace() modulator.Trace
	// StateBytes is the memory the rule holds beyond the circuit's.
	StateBytes() int
}
