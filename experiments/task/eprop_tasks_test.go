package task

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
)

// seqCircuit is a small recurrent rate circuit (leaky tanh population,
// leaky linear readout) with nIn inputs and nOut readout units.
func seqCircuit(tb testing.TB, nIn, nOut int) *circuits.Circuit {
	tb.Helper()
	src := fmt.Sprintf(`name = "s"
input = "in"
[[population]]
name = "in"
size = %d
[[population]]
name = "rec"
size = 5
activation = "tanh"
tau_ms = 10.0
[[population]]
name = "out"
size = %d
tau_ms = 20.0
[[projection]]
from = "in"
to = "rec"
init_gain = 2.0
[[projection]]
from = "rec"
to = "rec"
[[projection]]
from = "rec"
to = "out"
[readout]
population = "out"
`, nIn, nOut)
	s, err := circuits.Parse("s.toml", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(4, 5)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkGrad compares Grad with central finite differences of Loss on a
// few synapses of every link.
func checkSeqGrad(t *testing.T, c *circuits.Circuit, task Task) {
	t.Helper()
	c.ZeroGrad()
	l0 := task.Grad(c)
	if l1 := task.Loss(c); math.Abs(l0-l1) > 1e-12*math.Abs(l1) {
		t.Errorf("Grad's loss %g, Loss %g", l0, l1)
	}
	for _, l := range c.Links {
		for _, i := range []int{0, len(l.W) / 2, len(l.W) - 1} {
			const h = 1e-6
			w := l.W[i]
			l.W[i] = w + h
			up := task.Loss(c)
			l.W[i] = w - h
			down := task.Loss(c)
			l.W[i] = w
			fd := (up - down) / (2 * h)
			if math.Abs(fd-l.Grad[i]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("link %s synapse %d: gradient %g, finite differences %g", l.Name, i, l.Grad[i], fd)
			}
		}
	}
}

func TestSinesTask(t *testing.T) {
	p := SinesParams{}.Defaults()
	p.SequenceSteps, p.Inputs, p.DataSeed = 1000, 8, 3
	mk, err := prepareSines(p)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := mk()
	s := task.(*Sines)
	c := seqCircuit(t, 8, 2)
	if err := s.Check(c); err != nil {
		t.Fatal(err)
	}
	// The target starts at 0, its largest magnitude is 1, and the two
	// readout units have targets of their own.
	for k := range 2 {
		m := 0.0
		for st := range p.SequenceSteps {
			m = max(m, math.Abs(s.Target(st, k)))
		}
		if s.Target(0, k) != 0 || math.Abs(m-1) > 1e-12 {
			t.Errorf("unit %d: y*(0) = %g, max |y*| = %g; want 0 and 1", k, s.Target(0, k), m)
		}
	}
	if s.Target(500, 0) == s.Target(500, 1) {
		t.Error("both units have the same target")
	}
	// The input pattern fires at 50 Hz (dt = 1 ms): 0.05 per step.
	n := 0
	for st := range p.SequenceSteps {
		for _, x := range s.Input(0, st) {
			n += int(x)
		}
	}
	if rate := float64(n) / float64(p.SequenceSteps*p.Inputs); math.Abs(rate-0.05) > 0.01 {
		t.Errorf("input spikes per step %g, want 0.05", rate)
	}
	// The same seed makes the same pattern; another seed another.
	t2, _ := mk()
	_ = t2.Check(c)
	if t2.(*Sines).Target(100, 0) != s.Target(100, 0) {
		t.Error("the same data seed made another target")
	}
	p.DataSeed = 4
	mk3, _ := prepareSines(p)
	t3, _ := mk3()
	_ = t3.Check(c)
	if t3.(*Sines).Target(100, 0) == s.Target(100, 0) {
		t.Error("another data seed made the same target")
	}
	p.SequenceSteps = 50
	mk4, _ := prepareSines(p)
	t4, _ := mk4()
	if err := t4.Check(c); err != nil {
		t.Fatal(err)
	}
	checkSeqGrad(t, c, t4)
	if err := t4.Check(seqCircuit(t, 9, 1)); err == nil || !strings.Contains(err.Error(), "input_size = 8") {
		t.Errorf("a circuit of 9 inputs: %v", err)
	}
}

func TestEvidenceTask(t *testing.T) {
	p := EvidenceParams{}.Defaults()
	p.BatchSize, p.TestTrials, p.Inputs = 16, 64, 8
	p.CueSteps, p.SpacingSteps, p.DelaySteps, p.RecallSteps = 10, 5, 20, 10
	p.RateHz = 400
	mk, err := prepareEvidence(p)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := mk()
	e := task.(*Evidence)
	c := seqCircuit(t, 8, 2)
	if err := e.Check(c); err != nil {
		t.Fatal(err)
	}
	if e.Steps() != 7*15+20+10 {
		t.Fatalf("steps %d", e.Steps())
	}
	e.Next(rand.New(rand.NewPCG(1, 1)))
	// The label is the side with more cue spikes (rates this high make
	// the spike counts follow the cues); the recall group fires only in
	// the recall window, and so on.
	right := 0
	for b := range p.BatchSize {
		var cnt [4]int
		for s := range e.Steps() {
			for i, x := range e.Input(b, s) {
				if x == 1 {
					cnt[i/2]++
					if i/2 == 2 && s < e.Steps()-p.RecallSteps {
						t.Fatalf("recall spike at step %d", s)
					}
					if i/2 < 2 && (s%15 < 5 || s >= 105) {
						t.Fatalf("cue spike at step %d", s)
					}
				}
			}
		}
		lab := e.batch.label[b]
		right += lab
		if (cnt[1] > cnt[0]) != (lab == 1) {
			t.Errorf("sequence %d: cue spikes left %d right %d, label %d", b, cnt[0], cnt[1], lab)
		}
		if cnt[2] == 0 || cnt[3] == 0 {
			t.Errorf("sequence %d: no recall or background spikes %v", b, cnt)
		}
	}
	if right == 0 || right == p.BatchSize {
		t.Errorf("every label the same (%d right of %d)", right, p.BatchSize)
	}
	// StepLoss: the cross-entropy, 0 before the window.
	g := make([]float64, 2)
	if l := e.StepLoss(0, 0, []float64{3, -1}, g); l != 0 || g[0] != 0 || g[1] != 0 {
		t.Errorf("before the window: loss %g, grad %v", l, g)
	}
	y := []float64{0.3, -0.2}
	last := e.Steps() - 1
	l := e.StepLoss(0, last, y, g)
	lab := e.batch.label[0]
	w := 1 / float64(p.RecallSteps*p.BatchSize)
	pLab := math.Exp(y[lab]) / (math.Exp(y[0]) + math.Exp(y[1]))
	if math.Abs(l+math.Log(pLab)*w) > 1e-15 {
		t.Errorf("loss %g, want %g", l, -math.Log(pLab)*w)
	}
	for k := range y {
		const h = 1e-6
		yy := []float64{y[0], y[1]}
		yy[k] += h
		up := e.StepLoss(0, last, yy, make([]float64, 2))
		yy[k] -= 2 * h
		down := e.StepLoss(0, last, yy, make([]float64, 2))
		if fd := (up - down) / (2 * h); math.Abs(fd-g[k]) > 1e-8*w+1e-12 {
			t.Errorf("∂/∂y_%d = %g, finite differences %g", k, g[k], fd)
		}
	}
	checkSeqGrad(t, c, e)
	if te := e.TestError(c); !(te >= 0 && te <= 1) {
		t.Errorf("test error %g", te)
	}
	// The test set is the data seed's: two tasks agree.
	t2, _ := mk()
	_ = t2.Check(c)
	if t2.(*Evidence).TestError(c) != e.TestError(c) {
		t.Error("two tasks of one data seed disagree on the test error")
	}
}
