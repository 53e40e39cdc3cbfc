package reward

import (
	"math"
	"math/rand/v2"
	"testing"
)

// One step of the ASE worked by hand: from zero weights the unit pushes
// the way its noise says; its eligibility is (1 − d)·y·x and δ moves the
// weights by α·δ·e; the next step decays the eligibility by d first.
func TestASEByHand(t *testing.T) {
	ag, err := aseDef.New(ASEParams{LearningRate: 1000, TraceDecay: 0.9, NoiseSD: 0.01}, Setup{Features: 3, Actions: 2})
	if err != nil {
		t.Fatal(err)
	}
	a := ag.(*ase)
	x := []float64{0, 1, 0}
	a.Begin()
	a.Learn(x, 0, 0, x, false, -0.2) // pushed left (y = −1), δ = −0.2
	// e = 0.1·(−1) = −0.1; Δw = 1000·(−0.2)·(−0.1) = 20: push right next.
	if math.Abs(a.e[1]+0.1) > 1e-15 || math.Abs(a.w[1]-20) > 1e-12 || a.w[0] != 0 || a.w[2] != 0 {
		t.Fatalf("after one step: e = %v, w = %v; want e₁ = −0.1, w₁ = 20", a.e, a.w)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		if a.Act(x, rng) != 1 {
			t.Fatal("w = 20 against σ = 0.01 still pushed left")
		}
	}
	pi := make([]float64, 2)
	a.Policy(x, pi)
	if pi[1] != 1 || pi[0] != 0 {
		t.Errorf("policy %v, want [0 1]", pi)
	}
	a.Learn(x, 1, 0, x, false, 0.1) // y = +1: e = 0.9·(−0.1) + 0.1 = 0.01
	if math.Abs(a.e[1]-0.01) > 1e-15 || math.Abs(a.w[1]-21) > 1e-9 {
		t.Errorf("second step: e₁ = %g, w₁ = %g; want 0.01, 21", a.e[1], a.w[1])
	}
	a.Begin()
	if a.e[1] != 0 {
		t.Error("Begin did not clear the eligibility")
	}
	if _, err := aseDef.New(aseDef.Defaults(), Setup{Features: 3, Actions: 3}); err == nil {
		t.Error("ase made for 3 actions")
	}
}
