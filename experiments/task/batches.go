package task

import (
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
)

// batches draws the minibatches of a data set of n samples: a fresh random
// order per pass over the set, the next BatchLen samples of it per batch.
// The minibatch tasks (regression, mnist) embed it.
type batches struct {
	order []int // this pass's order of the samples
	next  int   // next position in order
	batch []int // the current batch's samples
	drawn int   // batches drawn (Context)
}

func newBatches(n, size int) batches {
	return batches{order: make([]int, n), next: n, batch: make([]int, size)}
}

// Next takes the next batch, drawing a new order from r at the start of
// every pass over the data set.
func (b *batches) Next(r *rand.Rand) {
	for i := range b.batch {
		if b.next == len(b.order) {
			for j := range b.order {
				b.order[j] = j
			}
			r.Shuffle(len(b.order), func(x, y int) { b.order[x], b.order[y] = b.order[y], b.order[x] })
			b.next = 0
		}
		b.batch[i] = b.order[b.next]
		b.next++
	}
	b.drawn++
}

// Context identifies the current batch: it changes with every Next unless
// the batch is the whole data set. Losses are comparable only within one
// context, so the perturbation rules do not compare the outcomes of two
// batches (docs/dopamine.md, "Tasks with changing data").
func (b *batches) Context() int {
	if len(b.batch) == len(b.order) {
		return 0
	}
	return b.drawn
}

// BatchLen returns the batch size.
func (b *batches) BatchLen() int { return len(b.batch) }

// state is the position in the pass, the count of batches drawn and the
// pass's order, followed by extra.
func (b *batches) state(extra ...int) []int {
	return append(append([]int{b.next, b.drawn}, extra...), b.order...)
}

// setState restores what state saved with nExtra extra values and returns
// them; ok is false (nothing restored) for a state of another shape.
func (b *batches) setState(s []int, nExtra int) (extra []int, ok bool) {
	if len(s) != 2+nExtra+len(b.order) {
		return nil, false
	}
	b.next, b.drawn = s[0], s[1]
	copy(b.order, s[2+nExtra:])
	return s[2 : 2+nExtra], true
}

// pairs is a batch of samples: the minibatch tasks.
type pairs interface {
	BatchLen() int
	Pair(i int) (x, y []float64)
}

// Batch is a minibatch task whose loss is the mean over the batch of a
// loss of each sample's readout after its own trial: what its Grad
// computes, a sample at a time, a caller may compute a batch at a time
// (batched backprop, experiments/train) with the same bits.
type Batch interface {
	BatchLen() int
	Pair(i int) (x, y []float64)
	// SampleGrad adds the loss of readout o against target y to l and
	// returns it, and writes its gradient ∂/∂o times k into row (len(o)):
	// what Grad does per sample, with k = 1/BatchLen.
	SampleGrad(o, y, row []float64, k, l float64) float64
}

// halfSquared returns the batch's mean of ½‖ŷ − y‖².
func halfSquared(c *circuits.Circuit, p pairs) float64 {
	l := 0.0
	for i := range p.BatchLen() {
		x, y := p.Pair(i)
		for j, o := range c.Trial(x) {
			d := o - y[j]
			l += d * d / 2
		}
	}
	return l / float64(p.BatchLen())
}

// halfSquaredGrad returns what halfSquared does and adds its gradient to
// the circuit's; g holds ∂L/∂y per step of a trial, the readout's row last.
func halfSquaredGrad(c *circuits.Circuit, p pairs, g []float64) float64 {
	return batchGrad(c, p, g, halfSquaredSample)
}

// halfSquaredSample adds ½‖o − y‖² to l and returns it, and writes its
// gradient times k, (o − y)·k, into row.
func halfSquaredSample(o, y, row []float64, k, l float64) float64 {
	for j, v := range o {
		d := v - y[j]
		l += d * d / 2
		row[j] = d * k
	}
	return l
}

// batchGrad runs every sample of the batch with the tape on and
// backpropagates it; sample returns l plus the sample's loss and writes its
// ∂L/∂ŷ, times k = 1/batch, into row. It returns the batch's mean loss.
func batchGrad(c *circuits.Circuit, p pairs, g []float64, sample func(o, y, row []float64, k, l float64) float64) float64 {
	l := 0.0
	row := g[len(g)-c.Pops[c.Out].Len():]
	k := 1 / float64(p.BatchLen())
	for i := range p.BatchLen() {
		x, y := p.Pair(i)
		c.Record(true)
		l = sample(c.Trial(x), y, row, k, l)
		c.Backward(g)
	}
	c.Record(false)
	return l * k
}

// softmaxCE is the cross-entropy of the softmax of o against the
// distribution y, Σⱼ yⱼ (lse − oⱼ), and lse = log Σₖ e^oₖ (computed with
// the largest oₖ taken out of the exponentials).
func softmaxCE(o, y []float64) (l, lse float64) {
	m := math.Inf(-1)
	for _, v := range o {
		m = max(m, v)
	}
	z := 0.0
	for _, v := range o {
		z += math.Exp(v - m)
	}
	lse = m + math.Log(z)
	for j, v := range o {
		l += y[j] * (lse - v)
	}
	return l, lse
}

// crossEntropy returns the batch's mean softmaxCE.
func crossEntropy(c *circuits.Circuit, p pairs) float64 {
	l := 0.0
	for i := range p.BatchLen() {
		x, y := p.Pair(i)
		li, _ := softmaxCE(c.Trial(x), y)
		l += li
	}
	return l / float64(p.BatchLen())
}

// crossEntropyGrad returns what crossEntropy does and adds its gradient,
// (softmax(ŷ) − y) / batch, to the circuit's; g as halfSquaredGrad's.
func crossEntropyGrad(c *circuits.Circuit, p pairs, g []float64) float64 {
	return batchGrad(c, p, g, crossEntropySample)
}

// crossEntropySample adds softmaxCE(o, y) to l and returns it, and writes
// its gradient times k, (softmax(o) − y)·k, into row.
func crossEntropySample(o, y, row []float64, k, l float64) float64 {
	li, lse := softmaxCE(o, y)
	for j, v := range o {
		row[j] = (math.Exp(v-lse) - y[j]) * k
	}
	return l + li
}
