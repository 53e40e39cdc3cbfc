package modulator

import (
	"math"
	"testing"
)

func TestWPBroadcastsRawRPEAtFixedRate(t *testing.T) {
	m := New(Params{}.Defaults(), 0.5)
	for i, o := range [][2]float64{{-0.30, -0.25}, {-0.20, -0.22}, {-0.50, -0.10}} {
		if m.Consolidate(o[1]) {
			t.Fatalf("update %d: wp reverted", i)
		}
		m.Observe(o[0], 1)
		if d := m.Level(); d != o[0]-o[1] {
			t.Errorf("update %d: D = %g, want δ = %g", i, d, o[0]-o[1])
		}
		if m.LearningRate() != 0.5 {
			t.Errorf("update %d: η = %g, want 0.5", i, m.LearningRate())
		}
	}
}

func TestAdaptiveGainAndLearningRate(t *testing.T) {
	p := adaptive(0.3)
	m := New(p, 0.1)
	m.Consolidate(-1.0)
	m.Observe(-0.9, 1) // δ = 0.1, v = 0.01: D = 1
	if d := m.Level(); math.Abs(d-1) > 1e-12 {
		t.Errorf("first D = %g, want 1", d)
	}
	// Progress: the outcome improved from −1 to −0.8: η grows by 1+A.
	if m.Consolidate(-0.8) {
		t.Error("reverted after an improvement")
	}
	if want := 0.1 * (1 + p.LRUp); math.Abs(m.LearningRate()-want) > 1e-15 {
		t.Errorf("η = %g, want %g", m.LearningRate(), want)
	}
	m.Observe(-0.6, 1) // δ = 0.2; v = 0.7·0.01 + 0.3·0.04 = 0.019
	if want := 0.2 / math.Sqrt(0.019); math.Abs(m.Level()-want) > 1e-12 {
		t.Errorf("D = %g, want %g", m.Level(), want)
	}
	// Worsening: η shrinks by 1−B, the change is reverted, and the
	// expectation stays at the outcome before it (−0.8).
	if !m.Consolidate(-0.9) {
		t.Error("no revert after a worsening")
	}
	if want := 0.1 * (1 + p.LRUp) * (1 - p.LRDown); math.Abs(m.LearningRate()-want) > 1e-15 {
		t.Errorf("η = %g, want %g", m.LearningRate(), want)
	}
	m.Observe(-0.7, 1)
	if tr := m.Trace(); tr.Expectation != -0.8 || math.Abs(tr.RPE-0.1) > 1e-12 || !tr.Reverted {
		t.Errorf("after revert: %+v, want expectation −0.8, δ 0.1, reverted", tr)
	}
}

func TestLearningRateStaysInRange(t *testing.T) {
	p := adaptive(1)
	m := New(p, 1)
	for i := range 500 {
		m.Consolidate(-float64(i)) // always worse
		m.Observe(0, 1)
	}
	if got := m.LearningRate(); math.Abs(got-1/p.LRRange) > 1e-12 {
		t.Errorf("η after 500 worsenings = %g, want the floor %g", got, 1/p.LRRange)
	}
	for i := range 500 {
		m.Consolidate(float64(i)) // always better
		m.Observe(0, 1)
	}
	if got := m.LearningRate(); math.Abs(got-p.LRRange) > 1e-9 {
		t.Errorf("η after 500 improvements = %g, want the ceiling %g", got, p.LRRange)
	}
}

func TestDopamine2IsSignOfRPE(t *testing.T) {
	m := New(adaptive(1), 1)
	for _, d := range []float64{0.3, -0.001, 5, -2} {
		m.Consolidate(0)
		m.Observe(d, 1)
		if m.Level() != math.Copysign(1, d) {
			t.Errorf("δ = %g: D = %g, want %g", d, m.Level(), math.Copysign(1, d))
		}
	}
}

func TestPhasicDecayAndTonic(t *testing.T) {
	p := Params{}.Defaults()
	p.TauDMs, p.Tonic = 10, 0.5
	m := New(p, 1)
	m.Consolidate(0)
	m.Observe(1, 5) // P = 1
	m.Consolidate(0)
	m.Observe(0, 5) // P = e^{−5/10}·1
	if want := 0.5 + math.Exp(-0.5); math.Abs(m.Level()-want) > 1e-15 {
		t.Errorf("D = %g, want %g", m.Level(), want)
	}
}

func TestCriticExpectation(t *testing.T) {
	p := Params{}.Defaults()
	p.RPE, p.CriticRate = Critic, 0.5
	m := New(p, 1)
	m.Observe(-1, 1) // V starts at the first outcome: δ = 0
	if m.Trace().RPE != 0 {
		t.Errorf("first critic RPE %g, want 0", m.Trace().RPE)
	}
	m.Observe(0, 1) // V = −1 → δ = 1, V ← −0.5
	m.Observe(0, 1) // δ = 0.5
	if got := m.Trace().RPE; got != 0.5 {
		t.Errorf("critic RPE %g, want 0.5", got)
	}
}

func TestValidate(t *testing.T) {
	for key, mut := range map[string]func(*Params){
		"rpe":              func(p *Params) { p.RPE = "oracle" },
		"critic_rate":      func(p *Params) { p.CriticRate = 0 },
		"tau_d_ms":         func(p *Params) { p.TauDMs = -1 },
		"gain_rate":        func(p *Params) { p.GainRate = 2 },
		"lr_down":          func(p *Params) { p.LRDown = 1 },
		"lr_range":         func(p *Params) { p.LRRange = 0.5 },
		"lambda":           func(p *Params) { p.Lambda = 1 },
		"revert_tolerance": func(p *Params) { p.RevertTolerance = -0.1 },
		"tonic":            func(p *Params) { p.Tonic = math.NaN() },
	} {
		p := adaptive(0.3)
		mut(&p)
		err := p.Validate()
		pe, ok := err.(*ParamError)
		if !ok || pe.Key() != key {
			t.Errorf("%s: got %v, want a ParamError for %s", key, err, key)
		}
	}
	if err := (adaptive(0.3)).Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

// TestExpectOverridesCritic: the first trial of an opposite pair is the
// expectation of the second, for a critic system too; the critic resumes
// afterwards.
func TestExpectOverridesCritic(t *testing.T) {
	p := Params{}.Defaults()
	p.RPE = Critic
	m := New(p, 1)
	m.Observe(-1, 1)
	m.Expect(-0.5)
	m.Observe(-0.2, 1)
	if tr := m.Trace(); tr.Expectation != -0.5 || math.Abs(tr.RPE-0.3) > 1e-15 {
		t.Errorf("after Expect: expectation %g, RPE %g, want -0.5 and 0.3", tr.Expectation, tr.RPE)
	}
	m.Observe(-1, 1) // back to the critic's V = -1 (it did not move during the pair)
	if tr := m.Trace(); tr.Expectation != -1 {
		t.Errorf("critic expectation %g after the pair, want -1", tr.Expectation)
	}
}

// TestCriticDoesNotAdaptAcrossContexts: a critic's progress π = V_{t+1} − V_t
// adapts η on the same data, but not on the first outcome of new data,
// where the change of V says which data are harder rather than whether the
// circuit improved.
func TestCriticDoesNotAdaptAcrossContexts(t *testing.T) {
	p := adaptive(0.3)
	p.RPE = Critic
	m := New(p, 1)
	m.Observe(-1, 1)
	m.Observe(-0.5, 1) // better than V: π > 0, η ← η·(1+A)
	if got, want := m.LearningRate(), 1+p.LRUp; math.Abs(got-want) > 1e-15 {
		t.Fatalf("η after progress on the same data: %g, want %g", got, want)
	}
	for _, r := range []float64{0, -2, 0.5, -3} { // every outcome on new data
		m.NewContext()
		m.Observe(r, 1)
		if got := m.LearningRate(); math.Abs(got-(1+p.LRUp)) > 1e-15 {
			t.Errorf("η changed to %g on new data", got)
		}
		if !math.IsNaN(m.Trace().Progress) {
			t.Errorf("progress %g on new data, want NaN", m.Trace().Progress)
		}
	}
	m.Observe(10, 1) // same data again: adapts
	if m.LearningRate() == 1+p.LRUp {
		t.Error("η did not adapt on the same data after the context settled")
	}
}

// TestRevertTolerance: a worsening smaller than ε·|b_{t−1}| is kept, a
// larger one reverted; with ε = 0 every worsening is reverted.
func TestRevertTolerance(t *testing.T) {
	p := adaptive(0.3)
	p.RevertTolerance = 0.001
	m := New(p, 1)
	m.Consolidate(-1)
	if m.Consolidate(-1.0005) {
		t.Error("a worsening of 0.0005 on an outcome of 1 was reverted with ε = 0.001")
	}
	if !m.Consolidate(-1.002) { // π = −0.0015 < −0.001·1.0005
		t.Error("a worsening of 0.0015 was kept with ε = 0.001")
	}
	p.RevertTolerance = 0
	m = New(p, 1)
	m.Consolidate(-1)
	if !m.Consolidate(-1.0000001) {
		t.Error("with ε = 0 a worsening was kept")
	}
}

// adaptive returns a system that adapts η and codes its response by the
// RPE's running scale at rate gain: the dopamine rule's parameters (gain
// 0.3) or, with gain 1, dopamine2's (experiments/train sets them).
func adaptive(gain float64) Params {
	p := Params{}.Defaults()
	p.GainRate, p.LRUp, p.LRDown, p.LRRange, p.Revert, p.Lambda, p.Central = gain, 0.2, 0.1, 100, true, 0.85, true
	p.RevertTolerance = 0.001
	return p
}
