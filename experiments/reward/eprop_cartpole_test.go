package reward

import (
	"context"
	"os"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
)

// The e-prop actor of experiments/eprop_cartpole.toml learns to push the
// cart-pole: on 2 seeds, 100 trials and a 300-step horizon, each seed's
// mean trial length over its last 25 trials is at least twice the random
// agent's over the same trials and at least twice its own over its first
// 25. (The full study, 5 seeds at 1000 steps for 500 trials:
// dopa run eprop_cartpole, docs/results.md.)
func TestEpropAgentLearnsTheCartPole(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("a few seconds; one goroutine, so nothing for the race detector, which makes it 10 times slower")
	}
	data, err := os.ReadFile("../eprop_cartpole.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "eprop_cartpole.toml", string(data), "seeds=2", "episodes=100", "environment.max_steps=300")
	mean := func(eps []Episode) float64 {
		s := 0.0
		for _, ep := range eps {
			s += float64(ep.Steps)
		}
		return s / float64(len(eps))
	}
	first, last := map[int]float64{}, map[int]float64{}
	var random []float64
	for _, j := range e.jobs {
		if j.Agent.ID() != "eprop" && j.Agent.ID() != "random" {
			continue
		}
		r, done, err := Run(context.Background(), j)
		if err != nil || !done || r.Fail != "" {
			t.Fatalf("%s seed %d: done %v, err %v, fail %q", j.Agent.ID(), j.Seed, done, err, r.Fail)
		}
		n := len(r.Episodes)
		t.Logf("%-7s seed %d: mean trial %.1f steps in the first 25 trials, %.1f in the last 25", j.Agent.ID(), j.Seed, mean(r.Episodes[:25]), mean(r.Episodes[n-25:]))
		if j.Agent.ID() == "random" {
			random = append(random, mean(r.Episodes[n-25:]))
			continue
		}
		first[j.Seed], last[j.Seed] = mean(r.Episodes[:25]), mean(r.Episodes[n-25:])
	}
	if len(first) != 2 || len(random) != 2 {
		t.Fatalf("ran %d eprop and %d random seeds, want 2 and 2", len(first), len(random))
	}
	floor := (random[0] + random[1]) / 2
	for s, l := range last {
		if l < 2*floor || l < 2*first[s] {
			t.Errorf("eprop seed %d: %.1f steps per trial at the end, want ≥ 2 × random's %.1f and ≥ 2 × its first trials' %.1f", s, l, floor, first[s])
		}
	}
}
