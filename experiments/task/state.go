package task

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
