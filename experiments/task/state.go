package task

import "math"

// Stateful is a task whose position (the batch it chose last) can be saved
// between two updates and restored (checkpoints of long runs).
type Stateful interface {
	TaskState() []int
	SetTaskState([]int)
}

// TaskState is XOR's: none (every update uses the four patterns).
func (*XOR) TaskState() []int { return nil }

// SetTaskState restores nothing.
func (*XOR) SetTaskState([]int) {}

// TaskState is the current window's offset and index.
func (f *Forecast) TaskState() []int { return []int{f.off, f.context} }

// SetTaskState restores what TaskState saved.
func (f *Forecast) SetTaskState(s []int) {
	if len(s) == 2 {
		f.off, f.context = s[0], s[1]
	}
}

// TaskState is the pass's order of the training images, the position in
// it and the count of batches drawn.
func (t *MNIST) TaskState() []int { return t.state() }

// SetTaskState restores what TaskState saved.
func (t *MNIST) SetTaskState(s []int) { t.setState(s, 0) }

// TaskState is the pass's order of the samples, the position in it, the
// count of batches drawn and the error before learning (the NSE's
// denominator, its float64 bits; 0 with the bits of NaN before it is
// measured).
func (t *Regression) TaskState() []int {
	return t.state(int(math.Float64bits(t.e0)))
}

// SetTaskState restores what TaskState saved.
func (t *Regression) SetTaskState(s []int) {
	if extra, ok := t.setState(s, 1); ok {
		t.e0 = math.Float64frombits(uint64(extra[0]))
	}
}
