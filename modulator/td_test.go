package modulator_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/modulator"
)

func onehot(n, i int) []float64 {
	x := make([]float64, n)
	if i >= 0 {
		x[i] = 1
	}
	return x
}

// A deterministic chain 0 → 1 → … → n−1 → end, reward r_k on leaving state
// k, tabular features: every TD(λ) converges to the closed form
// V(k) = Σ_j γ^j r_{k+j}.
func TestTDChainFixedPoint(t *testing.T) {
	rewards := []float64{0, 0.5, 0, -0.25, 1}
	n := len(rewards)
	for _, gamma := range []float64{1, 0.9} {
		want := make([]float64, n)
		acc := 0.0
		for k := n - 1; k >= 0; k-- {
			acc = rewards[k] + gamma*acc
			want[k] = acc
		}
		for _, lambda := range []float64{0, 0.5, 1} {
			c, err := modulator.NewTD(modulator.TDParams{Gamma: gamma, Lambda: lambda, Alpha: 0.3}, n)
			if err != nil {
				t.Fatal(err)
			}
			for ep := 0; ep < 400; ep++ {
				c.Begin(onehot(n, 0))
				for k := 0; k < n; k++ {
					end := k == n-1
					c.Step(rewards[k], onehot(n, min(k+1, n-1)), end)
				}
			}
			for k := range n {
				if got := c.Value(onehot(n, k)); math.Abs(got-want[k]) > 1e-9 {
					t.Errorf("γ=%g λ=%g: V(%d) = %.12g, want %.12g", gamma, lambda, k, got, want[k])
				}
			}
		}
	}
}

// Sutton's (1988) random walk: five states A–E, start at C, step left or
// right with probability ½, reward 1 on leaving E to the right. The true
// values are 1/6 … 5/6; TD(λ) with a small step size, averaged over the
// last episodes, finds them.
func TestTDRandomWalk(t *testing.T) {
	const n = 5
	for _, lambda := range []float64{0, 0.8} {
		c, err := modulator.NewTD(modulator.TDParams{Gamma: 1, Lambda: lambda, Alpha: 0.01}, n)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		mean := make([]float64, n)
		const episodes, averaged = 6000, 3000
		for ep := range episodes {
			s := 2
			c.Begin(onehot(n, s))
			for {
				s += 2*rng.IntN(2) - 1
				if s < 0 || s >= n {
					r := 0.0
					if s >= n {
						r = 1
					}
					c.Step(r, onehot(n, -1), true)
					break
				}
				c.Step(0, onehot(n, s), false)
			}
			if ep >= episodes-averaged {
				for k := range n {
					mean[k] += c.Value(onehot(n, k)) / averaged
				}
			}
		}
		for k := range n {
			want := float64(k+1) / 6
			if math.Abs(mean[k]-want) > 0.03 {
				t.Errorf("λ=%g: V(%c) = %.4f, want %.4f ± 0.03", lambda, 'A'+k, mean[k], want)
			}
		}
	}
}

// The TD account of a conditioning trial: a CS at step 2 starts a complete
// serial compound (one feature per step since the CS), a reward follows 3
// steps later. With TD(0), γ = 1 and α = 1, the error δ, at the reward on
// the first trial, moves back one step per trial until it reaches the CS.
func TestTDPeakMovesBackOneStepPerTrial(t *testing.T) {
	const steps, cs, us = 8, 2, 5
	n := steps - cs
	features := func(k int) []float64 {
		if k < cs {
			return onehot(n, -1)
		}
		return onehot(n, k-cs)
	}
	c, err := modulator.NewTD(modulator.TDParams{Gamma: 1, Lambda: 0, Alpha: 1}, n)
	if err != nil {
		t.Fatal(err)
	}
	for trial := 0; trial < 6; trial++ {
		c.Begin(features(0))
		peak, peaks := -1, 0
		for k := 1; k < steps; k++ {
			r := 0.0
			if k == us {
				r = 1
			}
			d := c.Step(r, features(k), k == steps-1)
			if d != 0 {
				if d != 1 {
					t.Fatalf("trial %d step %d: δ = %g, want 0 or 1", trial, k, d)
				}
				peak, peaks = k, peaks+1
			}
		}
		want := max(us-trial, cs)
		if peaks != 1 || peak != want {
			t.Errorf("trial %d: δ = 1 at step %d (%d peaks), want one peak at step %d", trial, peak, peaks, want)
		}
	}
}

func TestTDValidate(t *testing.T) {
	for _, p := range []modulator.TDParams{
		{Gamma: 1.5, Alpha: 0.1}, {Gamma: math.NaN(), Alpha: 0.1}, {Gamma: 1, Lambda: -1, Alpha: 0.1},
		{Gamma: 1, Alpha: 0}, {Gamma: 1, Alpha: math.Inf(1)}, {Gamma: 1, Alpha: 0.1, Init: math.NaN()},
	} {
		_, err := modulator.NewTD(p, 3)
		if !errors.As(err, new(*modulator.ParamError)) {
			t.Errorf("%+v: err = %v, want a ParamError", p, err)
		}
	}
	if _, err := modulator.NewTD(modulator.TDParams{}.Defaults(), 0); err == nil {
		t.Error("a critic of 0 features was accepted")
	}
}

func TestTDStepAllocatesNothing(t *testing.T) {
	c, _ := modulator.NewTD(modulator.TDParams{Gamma: 0.9, Lambda: 0.5, Alpha: 0.1}, 16)
	x, y := onehot(16, 3), onehot(16, 4)
	c.Begin(x)
	if a := testing.AllocsPerRun(100, func() { c.Step(1, y, false); c.Step(0, x, false) }); a != 0 {
		t.Errorf("TD.Step allocates %g times per call", a)
	}
}

func TestTDStateRoundTrip(t *testing.T) {
	p := modulator.TDParams{Gamma: 0.9, Lambda: 0.7, Alpha: 0.2}
	a, _ := modulator.NewTD(p, 3)
	b, _ := modulator.NewTD(p, 3)
	a.Begin(onehot(3, 0))
	a.Step(1, onehot(3, 1), false)
	if err := b.SetState(a.State()); err != nil {
		t.Fatal(err)
	}
	da, db := a.Step(0.5, onehot(3, 2), false), b.Step(0.5, onehot(3, 2), false)
	if da != db || a.W[1] != b.W[1] {
		t.Errorf("restored critic differs: δ %g vs %g", da, db)
	}
}

// A critic learns that a cue predicts a reward two steps later: after
// training, the prediction error has moved from the reward to the cue.
func ExampleTD() {
	// Features: [cue seen 1 step ago, cue seen 2 steps ago]; the trial
	// starts before the cue, in a state with no features.
	none, cue1, cue2 := []float64{0, 0}, []float64{1, 0}, []float64{0, 1}
	critic, _ := modulator.NewTD(modulator.TDParams{Gamma: 1, Lambda: 0, Alpha: 0.5}, 2)
	trial := func() (atCue, atReward float64) {
		critic.Begin(none)
		atCue = critic.Step(0, cue1, false)
		critic.Step(0, cue2, false)
		atReward = critic.Step(1, none, true)
		return
	}
	cue, reward := trial()
	fmt.Printf("first trial: δ at cue %.2f, at reward %.2f\n", cue, reward)
	for range 30 {
		cue, reward = trial()
	}
	fmt.Printf("trained:     δ at cue %.2f, at reward %.2f\n", cue, reward)
	// Output:
	// first trial: δ at cue 0.00, at reward 1.00
	// trained:     δ at cue 1.00, at reward 0.00
}

// With a floor the critic learns from and returns max(δ, −floor): a
// one-step episode that pays −1 lowers the weight by α·floor, not by α;
// one that pays +1 is not bounded; without a floor δ is the plain error.
func TestTDDeltaFloor(t *testing.T) {
	p := modulator.TDParams{}.Defaults()
	p.DeltaFloor = 0.2
	c, err := modulator.NewTD(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1}
	c.Begin(x)
	if d := c.Step(-1, x, true); d != -0.2 {
		t.Errorf("δ = %g, want the floor -0.2", d)
	}
	if w := c.W[0]; math.Abs(w-(-0.1*0.2)) > 1e-15 {
		t.Errorf("w = %g, want α·(−floor) = -0.02", w)
	}
	c.Begin(x)
	if d := c.Step(1, x, true); math.Abs(d-1.02) > 1e-15 {
		t.Errorf("δ = %g, want 1 − V = 1.02 (no bound above)", d)
	}
	p.DeltaFloor = 0
	c, _ = modulator.NewTD(p, 1)
	c.Begin(x)
	if d := c.Step(-1, x, true); d != -1 {
		t.Errorf("no floor: δ = %g, want -1", d)
	}
	for _, bad := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		p.DeltaFloor = bad
		if p.Validate() == nil {
			t.Errorf("delta_floor = %g accepted", bad)
		}
	}
}
