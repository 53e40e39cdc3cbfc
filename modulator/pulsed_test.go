package modulator_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dopa-sim/dopa/modulator"
)

// recorder is a Subscriber that keeps what it is sent.
type recorder struct{ got [][4]float64 }

func (r *recorder) Dopamine(t, d, tau, tonic float64) {
	r.got = append(r.got, [4]float64{t, d, tau, tonic})
}

func TestPulsedPerStep(t *testing.T) {
	m, err := modulator.NewPulsed(modulator.PulsedParams{TauDMs: 200, Tonic: 0.01, Gain: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Level() != 0.01 || m.Phasic() != 0 {
		t.Fatalf("initial level %g, phasic %g", m.Level(), m.Phasic())
	}
	const dt = 0.1
	for n := 0; n < 1000; n++ {
		m.Step(dt)
	}
	m.Reward(0.25) // a pulse of Gain·r = 0.5 at T = 100 ms
	if m.T != 100 || m.Phasic() != 0.5 || m.Level() != 0.51 {
		t.Fatalf("after the reward: T = %v, d = %v, D = %v", m.T, m.Phasic(), m.Level())
	}
	for n := 0; n < 2000; n++ {
		m.Step(dt)
	}
	if want := 0.5 * math.Exp(-200.0/200); math.Abs(m.Phasic()-want) > 1e-12 || m.T != 300 {
		t.Fatalf("T = %v: d = %.15g, want %.15g", m.T, m.Phasic(), want)
	}
	if got := m.Level() - m.Phasic(); math.Abs(got-0.01) > 1e-15 {
		t.Fatalf("tonic part %g", got)
	}
	m.Reset()
	if m.T != 0 || m.Phasic() != 0 {
		t.Fatal("Reset left state")
	}
}

// The event-driven form and the per-step form describe the same signal.
func TestPulsedEventDrivenMatchesPerStep(t *testing.T) {
	p := modulator.PulsedParams{TauDMs: 50, Tonic: -0.1, Gain: 1}
	ms, _ := modulator.NewPulsed(p)
	me, _ := modulator.NewPulsed(p)
	rec := &recorder{}
	me.Subscribe(rec)
	rewards := map[int]float64{30: 1, 450: -0.5, 451: 0.25, 2000: 2}
	for n := 0; n < 3000; n++ {
		if r, ok := rewards[n]; ok {
			ms.Reward(r)
			me.RewardAt(float64(n)*0.25, r)
		}
		if n%7 == 0 {
			if a, b := ms.Level(), me.LevelAt(float64(n)*0.25); math.Abs(a-b) > 1e-12 {
				t.Fatalf("step %d: per step %g, event-driven %g", n, a, b)
			}
		}
		ms.Step(0.25)
	}
	if len(rec.got) != 1+len(rewards) {
		t.Fatalf("subscriber got %d breakpoints, want %d", len(rec.got), 1+len(rewards))
	}
	if rec.got[0] != [4]float64{0, 0, 50, -0.1} {
		t.Fatalf("first breakpoint %v", rec.got[0])
	}
	last := rec.got[len(rec.got)-1]
	want := 0.0 // the phasic level at 500 ms: a sum of decayed pulses
	for n, r := range rewards {
		want += r * math.Exp(-(500-float64(n)*0.25)/50)
	}
	if last[0] != 500 || math.Abs(last[1]-want) > 1e-12 || last[1] != me.Phasic() {
		t.Fatalf("last breakpoint %v, phasic %g, want d = %g", last, me.Phasic(), want)
	}
	// LevelAt does not move the clock; AdvanceTo does, exactly.
	d0 := me.Phasic()
	if me.LevelAt(600); me.T != 500 {
		t.Fatal("LevelAt moved the clock")
	}
	me.AdvanceTo(600)
	if want := d0 * math.Exp(-100.0/50); math.Abs(me.Phasic()-want) > 1e-15 {
		t.Fatalf("AdvanceTo: d = %g, want %g", me.Phasic(), want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic when time goes back")
		}
	}()
	me.AdvanceTo(599)
}

// A per-step clock lands on the grid: T = n·dt exactly, not a running sum.
func TestPulsedClock(t *testing.T) {
	m, _ := modulator.NewPulsed(modulator.PulsedParams{}.Defaults())
	for n := 0; n < 10000; n++ {
		m.Step(0.1)
	}
	if m.T != float64(10000)*0.1 {
		t.Fatalf("T = %.17g, want %.17g", m.T, float64(10000)*0.1)
	}
	m.AdvanceTo(1500)
	m.Step(1)
	if m.T != 1501 {
		t.Fatalf("T = %v after AdvanceTo(1500) and a step of 1", m.T)
	}
}

func TestPulsedValidate(t *testing.T) {
	if err := (modulator.PulsedParams{}).Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key string
		p   modulator.PulsedParams
	}{
		{"tau_d_ms", modulator.PulsedParams{TauDMs: 0, Gain: 1}},
		{"tau_d_ms", modulator.PulsedParams{TauDMs: math.Inf(1), Gain: 1}},
		{"tonic", modulator.PulsedParams{TauDMs: 1, Tonic: math.NaN(), Gain: 1}},
		{"gain", modulator.PulsedParams{TauDMs: 1, Gain: math.Inf(-1)}},
	}
	for _, c := range cases {
		var pe *modulator.ParamError
		if err := c.p.Validate(); !errors.As(err, &pe) || pe.Key() != c.key {
			t.Errorf("want error on %s, got %v", c.key, err)
		}
		if _, err := modulator.NewPulsed(c.p); err == nil {
			t.Errorf("NewPulsed accepted bad %s", c.key)
		}
	}
}
