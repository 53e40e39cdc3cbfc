package reward

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
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

// The shipped cart-pole file's two actor-critics balance the pole: on a
// shorter horizon (1000 steps, 20 s) and 100 trials, for each of seeds
// 1–3, the ASE and the rate actor-critic (Hebbian eligibility) reach the
// horizon, and do again in at least 10 of the 100 trials (not a
// fluke); the random agent never reaches it. (How often a seed balances
// in its last 10 trials moves with the horizon: learning goes on, and a
// cart that drifts fails later; the full study counts them.) (The full study, 10 seeds at 10 000 steps:
// dopa run cartpole, docs/results.md.)
func TestCartPoleActorCriticsBalance(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("a few seconds; one goroutine, so nothing for the race detector, which makes it 10 times slower")
	}
	data, err := os.ReadFile("../cartpole.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "cartpole.toml", string(data), "seeds=3", "episodes=100", "environment.max_steps=1000")
	rs := runAll(t, e)
	for i, j := range e.jobs {
		f := fields(rs[i].Fields)
		first := f["trials_to_balance"]
		n := 0
		for _, ep := range rs[i].Episodes {
			if ep.Steps == 1000 {
				n++
			}
		}
		t.Logf("%-12s seed %d: trials_to_balance %g, %d trials balanced", j.Agent.ID(), j.Seed, first, n)
		switch j.Agent.ID() {
		case "ase", "actor_critic":
			if math.IsNaN(first) || n < 10 {
				t.Errorf("%s seed %d: %d of 100 trials balanced (first at %g)", j.Agent.ID(), j.Seed, n, first)
			}
		case "random":
			if !math.IsNaN(first) {
				t.Errorf("random seed %d balanced at trial %g", j.Seed, first)
			}
		}
	}
}
