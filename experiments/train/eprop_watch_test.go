package train

import (
	"math"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
)

// TestEpropWatchedIsWhatTheRuleUses: the eligibility trace and learning
// signal recorded for watched synapses (Watch, Watched) are those the
// rule multiplies: over a batch of one sequence without regularisation,
// Σ_n ē(n)·L(n) of each watched synapse equals the gradient the pass
// left in its link's Grad, for synapses onto the recurrent neurons (from
// the input and recurrent) and onto the readout. Watching changes no
// gradient.
func TestEpropWatchedIsWhatTheRuleUses(t *testing.T) {
	p := task.EvidenceParams{}.Defaults()
	p.BatchSize, p.TestTrials, p.DelaySteps = 1, 1, 200
	r, c, tk := epropEvidence(t, p)
	r.p.CReg = 0
	link := map[string]int{}
	for k, l := range c.Links {
		link[l.Name] = k
	}
	var ws []Watch
	for _, w := range []struct {
		name      string
		pre, post int
	}{{"in_rec", 0, 3}, {"in_rec", 25, 60}, {"in_rec", 39, 99}, {"rec_rec", 7, 2}, {"rec_rec", 80, 51}, {"rec_out", 4, 0}, {"rec_out", 90, 1}} {
		k, ok := link[w.name]
		if !ok {
			t.Fatalf("no projection %q in %v", w.name, link)
		}
		ws = append(ws, Watch{Link: k, Pre: w.pre, Post: w.post})
	}
	r.Measure(tk)
	plain := append([]float64(nil), c.Links[link["in_rec"]].Grad...)
	if err := r.Watch(ws); err != nil {
		t.Fatal(err)
	}
	r.Measure(tk)
	for i, g := range c.Links[link["in_rec"]].Grad {
		if g != plain[i] {
			t.Fatalf("watching changed the gradient of in_rec[%d]: %g → %g", i, plain[i], g)
		}
	}
	elig, sig := r.Watched()
	if len(elig) != len(ws) || len(sig) != len(ws) {
		t.Fatalf("%d watched synapses, %d and %d records", len(ws), len(elig), len(sig))
	}
	nonzero := 0
	for i, w := range ws {
		if len(elig[i]) != p.Steps() || len(sig[i]) != p.Steps() {
			t.Fatalf("synapse %v: %d and %d samples, want %d", w, len(elig[i]), len(sig[i]), p.Steps())
		}
		sum := 0.0
		for n := range elig[i] {
			sum += elig[i][n] * sig[i][n]
		}
		l := &c.Links[w.Link]
		g := l.Grad[w.Post*l.NPre+w.Pre]
		if g != 0 {
			nonzero++
		}
		if d := math.Abs(sum - g); d > 1e-12*math.Abs(g)+1e-300 {
			t.Errorf("%s %d→%d: Σ ē·L = %.17g, gradient %.17g", l.Name, w.Pre, w.Post, sum, g)
		}
	}
	if nonzero < len(ws)-1 {
		t.Errorf("only %d of %d watched synapses have a gradient: the check is vacuous", nonzero, len(ws))
	}
	if err := r.Watch([]Watch{{Link: link["in_rec"], Pre: 40, Post: 0}}); err == nil {
		t.Error("a synapse from input neuron 40 of 40 was accepted")
	}
}

// BenchmarkEpropEvidenceSequenceWatched is BenchmarkEpropEvidenceSequence
// with 8 synapses watched (4 input, 2 recurrent, 2 readout): the cost of
// recording them, beside the pass that records nothing.
func BenchmarkEpropEvidenceSequenceWatched(b *testing.B) {
	p := task.EvidenceParams{}.Defaults()
	p.BatchSize = 1
	r, c, tk := epropEvidence(b, p)
	var ws []Watch
	for k, l := range c.Links {
		for i := range 4 {
			if l.Name == "in_rec" || i < 2 {
				ws = append(ws, Watch{Link: k, Pre: (7 * i) % l.NPre, Post: (3 * i) % l.NPost})
			}
		}
	}
	if err := r.Watch(ws); err != nil {
		b.Fatal(err)
	}
	src := tk.(task.Sequential)
	r.Pass(src)
	b.ReportAllocs()
	for b.Loop() {
		r.Pass(src)
	}
}
