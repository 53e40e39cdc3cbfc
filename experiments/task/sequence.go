package task

import (
	"github.com/dopa-sim/dopa/circuits"
)

// Sequential is a task whose trials are sequences with a loss term at
// every step: an input per step and, given the readout of the step, the
// loss term and its derivative. Online rules (eprop) run such a task step
// by step themselves, forming their learning signal from each step's
// derivative as the sequence unfolds; the other rules use Loss and Grad.
// The task's loss is the sum of the step terms over the batch.
type Sequential interface {
	Task
	// Trials is the number of sequences in the current batch.
	Trials() int
	// Steps is the length of every sequence, in steps.
	Steps() int
	// Input returns the input of sequence b at step t (owned by the task).
	Input(b, t int) []float64
	// StepLoss returns the loss term of sequence b at step t for the
	// readout y of that step and writes its derivative ∂term/∂y into g
	// (len(y) values). It allocates nothing.
	StepLoss(b, t int, y, g []float64) float64
}

// SequenceLoss runs every sequence of the batch from rest and returns the
// task's loss, the sum of the step terms; g is scratch of the readout's
// size.
func SequenceLoss(c *circuits.Circuit, s Sequential, g []float64) float64 {
	l := 0.0
	for b := range s.Trials() {
		c.Reset()
		for t := range s.Steps() {
			c.Step(s.Input(b, t))
			l += s.StepLoss(b, t, c.Output(), g)
		}
	}
	return l
}

// sequenceGrad is Grad for a sequential task on a differentiable circuit:
// every sequence recorded and backpropagated through time, its readout
// error at every step the step terms' derivative. gOut is scratch, grown
// as needed; it returns the loss and the scratch.
func sequenceGrad(c *circuits.Circuit, s Sequential, gOut []float64) (float64, []float64) {
	n := c.Pops[c.Out].Len()
	if len(gOut) != n*s.Steps() {
		gOut = make([]float64, n*s.Steps())
	}
	l := 0.0
	for b := range s.Trials() {
		c.Record(true)
		c.Reset()
		for t := range s.Steps() {
			c.Step(s.Input(b, t))
			l += s.StepLoss(b, t, c.Output(), gOut[t*n:(t+1)*n])
		}
		c.Backward(gOut)
	}
	c.Record(false)
	return l, gOut
}
