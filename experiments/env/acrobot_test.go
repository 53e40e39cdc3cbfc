package env

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The acrobot's equations conserve its energy without torque, and under a
// constant torque τ on the second joint the energy grows by the work
// τ·Δθ₂ (E − τ·θ₂ is conserved): integrated finely by RK4 (h = 1 ms) for
// 10 s from a swinging start, each stays within 1e-9 (relative to the
// energy's swing). A sign or a term wrong in the equations breaks both
// (Gym's "nips" variant, which drops the m₂l₁l_c2·θ̇₁²·sin θ₂ term, fails).
func TestAcrobotPhysicsConserves(t *testing.T) {
	p := acrobotDef.Defaults().(AcrobotParams)
	for _, tau := range []float64{0, 1} {
		s := AcrobotState{Theta1: 1.0, Theta2: 0.5, Omega1: -0.3, Omega2: 0.8}
		inv := func(s AcrobotState) float64 { return p.Energy(s) - tau*s.Theta2 }
		i0, scale := inv(s), p.Mass1*p.Gravity*p.COM1+p.Mass2*p.Gravity*(p.Length1+p.COM2)
		const h = 1e-3
		moved := 0.0
		for range 10000 {
			s = p.RK4(s, tau, h)
			moved = max(moved, math.Abs(s.Theta2-0.5))
		}
		if moved < 0.5 {
			t.Fatalf("τ = %g: the second link hardly moved in 10 s: the test tests nothing", tau)
		}
		if d := math.Abs(inv(s)-i0) / scale; d > 1e-9 {
			t.Errorf("τ = %g: E − τ·θ₂ drifted by %g (relative): %g → %g", tau, d, i0, inv(s))
		}
	}
}

// The environment's own steps (one RK4 step of 0.2 s, Gym's) keep the
// energy without torque within 3 % of its swing (the potential energy's
// range, 19.6 J) over 20 s (100 steps); RK4 at so coarse a step loses
// energy slowly (1.4 % in 20 s, 6.7 % in 100 s from this start, measured
// once). The action's sign is the torque's: +1 from rest
// turns θ₂ one way and θ₁ the other.
func TestAcrobotSteps(t *testing.T) {
	e := mustNew(t, "acrobot", func(p Params) Params { q := p.(AcrobotParams); q.StartNoise = 0; return q })
	a := e.(*acrobot)
	x := make([]float64, e.Features())
	e.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	if s := a.State(); s != (AcrobotState{}) {
		t.Fatalf("start_noise 0 starts at rest, got %+v", s)
	}
	if o := e.Step(2, nil, x); o.End || o.Reward != -1 || a.State().Omega2 <= 0 || a.State().Omega1 >= 0 {
		t.Fatalf("torque +1 from rest: %+v, state %+v (want θ̇₂ > 0 > θ̇₁)", o, a.State())
	}
	// Without torque from a tilted start.
	a.s = AcrobotState{Theta1: 1.2, Theta2: -0.4}
	p := a.AcrobotParams
	e0, scale := p.Energy(a.s), p.Mass1*p.Gravity*p.COM1+p.Mass2*p.Gravity*(p.Length1+p.COM2)
	worst := 0.0
	for range 100 {
		if o := e.Step(1, nil, x); o.End {
			t.Fatalf("the acrobot reached the goal without torque from %g J", e0)
		}
		worst = max(worst, math.Abs(p.Energy(a.State())-e0)/scale)
	}
	if worst > 0.03 || worst == 0 {
		t.Errorf("energy moved by %g of its swing over 100 steps of 0.2 s without torque", worst)
	}
	// Tile coding: one active tile per tiling.
	n := 0
	for _, v := range x {
		if v != 0 {
			n++
		}
	}
	if n != p.Tilings {
		t.Errorf("%d active tiles, want one per tiling (%d)", n, p.Tilings)
	}
}

// Pumping energy in (torque along θ̇₂, so that its power τ·θ̇₂ is never
// negative: a bang-bang energy controller) brings the tip above the bar by one link
// length: the goal is reachable, it ends the episode and pays goal_reward;
// doing nothing never does within the bound.
func TestAcrobotGoal(t *testing.T) {
	e := mustNew(t, "acrobot", nil)
	a := e.(*acrobot)
	x := make([]float64, e.Features())
	rng := rand.New(rand.NewPCG(3, 1))
	e.Reset(0, rng, x)
	for k := 1; ; k++ {
		act := 0
		if a.State().Omega2 >= 0 {
			act = 2
		}
		o := e.Step(act, nil, x)
		if o.End {
			if k >= e.MaxSteps() || o.Reward != 0 || a.TipHeight(a.State()) <= a.Length1 {
				t.Fatalf("ended at step %d, reward %g, tip at %g m", k, o.Reward, a.TipHeight(a.State()))
			}
			for _, v := range x {
				if v != 0 {
					t.Fatal("the terminal observation is not all zero")
				}
			}
			t.Logf("goal after %d steps", k)
			break
		}
	}
	e.Reset(1, rng, x)
	for k := 1; ; k++ {
		o := e.Step(1, nil, x)
		if o.End {
			if k != e.MaxSteps() {
				t.Fatalf("doing nothing ended at step %d of %d", k, e.MaxSteps())
			}
			break
		}
	}
}
