package train

import (
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// BenchmarkEpropEvidenceSequence: one e-prop pass (forward, eligibility
// traces, gradient) over one evidence-accumulation sequence of the
// built-in circuit eprop_evidence (2250 steps, 40-100-2, 14 200
// synapses); one op is one sequence (an iteration is batch_size of them).
func BenchmarkEpropEvidenceSequence(b *testing.B) {
	s, err := circuits.Load("eprop_evidence")
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	p := task.EvidenceParams{}.Defaults()
	p.BatchSize = 1
	d, _ := task.Lookup("evidence")
	mk, err := d.Prepare(p)
	if err != nil {
		b.Fatal(err)
	}
	tk, _ := mk()
	if err := tk.Check(c); err != nil {
		b.Fatal(err)
	}
	spec, _ := Defaults("eprop")
	ep := spec.Params.(EpropParams)
	ep.CReg = 2
	spec.Params = ep
	r, err := New(spec, c, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	src := tk.(task.Sequential)
	b.ReportAllocs()
	for b.Loop() {
		r.(*Eprop).Pass(src)
	}
}
