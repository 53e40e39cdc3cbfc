package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// epropEvidence builds the built-in circuit eprop_evidence, the task
// evidence with p and the rule eprop with the circuit's settings (c_reg
// = 2, Adam η = 5e-3, random feedback scale 10).
func epropEvidence(tb testing.TB, p task.EvidenceParams) (*Eprop, *circuits.Circuit, task.Task) {
	tb.Helper()
	s, err := circuits.Load("eprop_evidence")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		tb.Fatal(err)
	}
	d, _ := task.Lookup("evidence")
	mk, err := d.Prepare(p)
	if err != nil {
		tb.Fatal(err)
	}
	tk, _ := mk()
	if err := tk.Check(c); err != nil {
		tb.Fatal(err)
	}
	spec, _ := Defaults("eprop")
	spec.LearningRate = 5e-3
	ep := spec.Params.(EpropParams)
	ep.CReg, ep.FeedbackScale = 2, 10
	spec.Params = ep
	r, err := New(spec, c, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		tb.Fatal(err)
	}
	return r.(*Eprop), c, tk
}

// BenchmarkEpropEvidenceSequence: one e-prop pass (forward, eligibility
// traces, gradient) over one evidence-accumulation sequence of the
// built-in circuit eprop_evidence (2250 steps, 40-100-2, 14 200
// synapses); one op is one sequence (an iteration is batch_size of them).
func BenchmarkEpropEvidenceSequence(b *testing.B) {
	p := task.EvidenceParams{}.Defaults()
	p.BatchSize = 1
	r, _, tk := epropEvidence(b, p)
	src := tk.(task.Sequential)
	b.ReportAllocs()
	for b.Loop() {
		r.Pass(src)
	}
}

// BenchmarkEpropEvidenceIteration: one training iteration of
// experiments/eprop_evidence.toml — a batch of 8 sequences run forward
// with their eligibility traces and gradient (Measure), then one Adam
// step (Learn) — on a fixed batch, for sequences of 2250 steps (the
// example's 1050-step delay), 4500 and 9000 (longer delays). It reports
// the bytes the rule and the circuit keep (state-B: eligibility state,
// Adam's moments, scratch, neurons, weights), which do not depend on the
// length, beside B/op (0: nothing is allocated per iteration). The same
// iteration by BPTT in PyTorch: docs/reference/eprop_evidence_torch.py.
func BenchmarkEpropEvidenceIteration(b *testing.B) {
	for _, delay := range []int{1050, 3300, 7800} {
		p := task.EvidenceParams{}.Defaults()
		p.BatchSize, p.TestTrials, p.DelaySteps = 8, 1, delay
		b.Run(fmt.Sprintf("steps=%d", p.Steps()), func(b *testing.B) {
			r, c, tk := epropEvidence(b, p)
			b.ReportAllocs()
			for b.Loop() {
				r.Measure(tk)
				r.Learn(tk)
			}
			b.ReportMetric(float64(r.StateBytes()+c.StateBytes()), "state-B")
		})
	}
}

// TestEpropEvidenceIterationIsFlat: on the built-in evidence circuit, a
// training iteration (Measure and Learn on a batch) allocates nothing
// and leaves the rule and the circuit holding the same bytes whatever
// the sequence's length (delays of 10, 100 and 1000 steps), as
// BenchmarkEpropEvidenceIteration measures at full size.
func TestEpropEvidenceIterationIsFlat(t *testing.T) {
	var sizes []int
	for _, delay := range []int{10, 100, 1000} {
		p := task.EvidenceParams{}.Defaults()
		p.BatchSize, p.TestTrials, p.Cues, p.CueSteps, p.SpacingSteps, p.RecallSteps = 2, 1, 1, 20, 5, 20
		p.DelaySteps = delay
		r, c, tk := epropEvidence(t, p)
		r.Measure(tk)
		r.Learn(tk)
		before := r.StateBytes() + c.StateBytes()
		if a := testing.AllocsPerRun(2, func() { r.Measure(tk); r.Learn(tk) }); a != 0 {
			t.Errorf("%d steps: an iteration allocates %v times", p.Steps(), a)
		}
		if after := r.StateBytes() + c.StateBytes(); after != before {
			t.Errorf("%d steps: state grew from %d to %d bytes over iterations", p.Steps(), before, after)
		}
		sizes = append(sizes, before)
		t.Logf("%d steps: %d bytes", p.Steps(), before)
	}
	for _, s := range sizes[1:] {
		if s != sizes[0] {
			t.Errorf("e-prop's state depends on the sequence's length: %v bytes", sizes)
		}
	}
}
