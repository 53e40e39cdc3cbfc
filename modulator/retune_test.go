package modulator

import "testing"

func TestRetuneScalesLearningRate(t *testing.T) {
	p := adaptive(0.3)
	m := New(p, 0.1)
	m.Consolidate(-1)
	m.Observe(-0.9, 1)
	m.Consolidate(-0.5) // progress: η grows
	grown := m.LearningRate()
	if grown <= 0.1 {
		t.Fatalf("η = %g, want > 0.1 after progress", grown)
	}
	m.Retune(p, 0.2)
	if got, want := m.LearningRate(), grown*2; got != want {
		t.Errorf("after η₀ 0.1 → 0.2: η = %g, want %g", got, want)
	}
	if got := m.Trace().LearningRate; got != m.LearningRate() {
		t.Errorf("trace η = %g, want %g", got, m.LearningRate())
	}
	wp := New(Params{}.Defaults(), 1)
	q := Params{}.Defaults()
	q.Tonic = 0.5
	wp.Retune(q, 0.25)
	if wp.LearningRate() != 0.25 || wp.Tonic != 0.5 {
		t.Errorf("wp retuned: η %g tonic %g", wp.LearningRate(), wp.Tonic)
	}
}
