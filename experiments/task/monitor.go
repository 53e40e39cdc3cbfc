package task

import "github.com/dopa-sim/dopa/circuits"

// Value is one named number a task or a rule reports during training.
type Value struct {
	Name  string
	Value float64
}

// Monitor is a task that measures its held-out performance during
// training (diagnostics.csv, record.diagnostics_every): MNIST its test
// error, the teacher regressions their normalised squared error.
type Monitor interface {
	Monitor(c *circuits.Circuit) []Value
}

// Monitor reports the test error (a fraction) on the test images and,
// with validation_images, the validation error.
func (t *MNIST) Monitor(c *circuits.Circuit) []Value {
	if t.p.ValidationImages > 0 {
		return []Value{{"test_error", t.TestError(c)}, {"validation_error", t.ValidationError(c)}}
	}
	return []Value{{"test_error", t.TestError(c)}}
}

// Monitor reports the normalised squared error over the evaluation set.
func (t *Regression) Monitor(c *circuits.Circuit) []Value {
	return []Value{{"nse", t.NSE(c)}}
}

// Monitor reports the test error (a fraction) on the test sequences.
func (t *Evidence) Monitor(c *circuits.Circuit) []Value {
	return []Value{{"test_error", t.TestError(c)}}
}
