package reward

import (
	"context"
	"os"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
)

// The shipped acrobot file's learners learn: over 20 episodes, for seeds
// 1 and 2, Q-learning and the rate actor-critic on the tiles reach the
// goal in their last 10 episodes in under 250 steps (median), fewer than
// in their first episode; chance (the random agent) takes about 1700.
// (The random agent is left out for time; the study, 10 seeds over 100
// episodes: dopa run acrobot, docs/results.md.)
func TestAcrobotLearns(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("a few seconds; one goroutine, so nothing for the race detector, which makes it 10 times slower")
	}
	data, err := os.ReadFile("../acrobot.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "acrobot.toml", string(data), "seeds=2", "episodes=20")
	for _, j := range e.jobs {
		if j.Agent.ID() == "random" {
			continue
		}
		r, done, err := Run(context.Background(), j)
		if err != nil || !done || r.Fail != "" {
			t.Fatalf("%s seed %d: done %v, err %v, %s", j.Agent.ID(), j.Seed, done, err, r.Fail)
		}
		f := fields(r.Fields)
		first, final := float64(r.Episodes[0].Steps), f["final_steps"]
		t.Logf("%-12s seed %d: first episode %g steps, final_steps %g", j.Agent.ID(), j.Seed, first, final)
		if !(final < 250 && final < first) {
			t.Errorf("%s seed %d: %g steps to the goal in the first episode, %g at the end", j.Agent.ID(), j.Seed, first, final)
		}
	}
}
