package train

import (
	"math"
	"testing"
)

// seqPiece is steps [from, from+T) of sequence 0 of a testSeq, as a
// sequence of its own.
type seqPiece struct {
	s       *testSeq
	from, T int
}

func (p seqPiece) Trials() int              { return 1 }
func (p seqPiece) Steps() int               { return p.T }
func (p seqPiece) Input(_, t int) []float64 { return p.s.Input(0, p.from+t) }
func (p seqPiece) StepLoss(_, t int, y, g []float64) float64 {
	return p.s.StepLoss(0, p.from+t, y, g)
}

// TestEpropContinueIsOnePass: a sequence run in pieces (Begin, then
// Continue per piece, as an agent runs its episode step by step) leaves
// the loss and the gradient of one Pass over the whole sequence, for
// adaptive neurons with recurrence and without autapses; with a Begin
// between the pieces (the state put at rest) the gradient differs.
func TestEpropContinueIsOnePass(t *testing.T) {
	const T = 120
	seq := newTestSeq(1, T, 4, 2, 40, 0.3, 5)
	mk := func() *Eprop {
		c := epropCircuit(t, 4, 8, 2, "model = \"alif\"\nalif.beta = 0.3\nalif.tau_a_ms = 200.0", true, false, 3, 4)
		return epropRule(t, c, func(p *EpropParams) { p.Autapses = false })
	}
	grads := func(r *Eprop) []float64 {
		var g []float64
		for _, l := range r.c.Links {
			g = append(g, l.Grad...)
		}
		return g
	}
	whole := mk()
	whole.c.ZeroGrad()
	lw := whole.Pass(seq)
	gw := grads(whole)

	pieces := mk()
	pieces.c.ZeroGrad()
	pieces.Begin()
	lp := 0.0
	for _, cut := range [][2]int{{0, 30}, {30, 1}, {31, 50}, {81, 39}} {
		lp += pieces.Continue(seqPiece{seq, cut[0], cut[1]})
	}
	gp := grads(pieces)
	if math.Abs(lp-lw) > 1e-12*math.Abs(lw) { // summed in another order
		t.Errorf("loss in pieces %v, in one pass %v", lp, lw)
	}
	if e := relErr(gp, gw); e > 1e-12 {
		t.Errorf("gradient in pieces differs from one pass's by %g (relative)", e)
	}
	norm := 0.0
	for _, g := range gw {
		norm += g * g
	}
	if norm == 0 {
		t.Fatal("the pass left no gradient: the test checks nothing")
	}

	reset := mk()
	reset.c.ZeroGrad()
	reset.Begin()
	reset.Continue(seqPiece{seq, 0, 60})
	reset.Begin()
	reset.Continue(seqPiece{seq, 60, 60})
	if e := relErr(grads(reset), gw); e < 1e-6 {
		t.Errorf("a Begin between the pieces changed the gradient by only %g: Continue does not keep the state", e)
	}
	first := &seqPiece{seq, 0, 10} // an interface of a pointer: the test's own conversion allocates nothing
	if a := testing.AllocsPerRun(10, func() { pieces.Continue(first) }); a != 0 {
		t.Errorf("Continue allocates %v times", a)
	}
}
