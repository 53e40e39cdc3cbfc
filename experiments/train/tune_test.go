package train

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
)

// TestRetune: every Tunable rule (the perturbation and backprop rules)
// takes new values between two updates and keeps training; another rule's
// spec, a bad value or a new expectation source changes nothing. (Other
// rules, such as the credit rules, are not Tunable: the live view starts a
// new run for them.)
func TestRetune(t *testing.T) {
	tunable := 0
	for _, name := range Names() {
		c := xorCircuit(t, 1)
		r := bind(t, name, c, 1)
		tu, ok := r.(Tunable)
		if !ok {
			continue
		}
		tunable++
		Loop(context.Background(), r, c, &task.XOR{}, rand.New(rand.NewPCG(0, 0)), Budget{MaxTrials: 50}, Hooks{})
		s, _ := Defaults(name)
		s.LearningRate /= 4
		if p, ok := s.Params.(PerturbationParams); ok {
			p.Sigma = 0.02
			p.Modulator.LRUp, p.Modulator.LRDown = 0, 0 // η is η₀ at once
			s.Params = p
		}
		if err := tu.Retune(s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := r.Trace().LearningRate; got != s.LearningRate {
			t.Errorf("%s: η = %g after retuning to %g", name, got, s.LearningRate)
		}
		if p, ok := r.(*Perturbation); ok && p.sigma != 0.02 {
			t.Errorf("%s: σ = %g, want 0.02", name, p.sigma)
		}
		bad := s
		bad.LearningRate = -1
		other, _ := Defaults(Names()[0])
		if other.Name == name {
			other, _ = Defaults(Names()[1])
		}
		for _, s2 := range []Spec{bad, other} {
			if err := tu.Retune(s2); err == nil {
				t.Errorf("%s: Retune(%s, η %g) accepted", name, s2.Name, s2.LearningRate)
			}
		}
		if got := r.Trace().LearningRate; got != s.LearningRate {
			t.Errorf("%s: a refused retune moved η to %g", name, got)
		}
		Loop(context.Background(), r, c, &task.XOR{}, rand.New(rand.NewPCG(0, 0)), Budget{MaxTrials: 50}, Hooks{})
	}
	if tunable == 0 {
		t.Error("no registered rule is Tunable")
	}
}
