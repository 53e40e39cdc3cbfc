package reward

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/config"
)

// The e-prop actor of experiments/eprop_reward_bandit.toml learns the bandit: over
// its 5 seeds, its median fraction of best-arm choices in the last 100
// trials is ≥ 0.9 (chance 0.1), and its median return beats the random
// agent's by 0.3.
func TestEpropAgentLearnsTheBandit(t *testing.T) {
	data, err := os.ReadFile("../eprop_reward_bandit.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "eprop_reward_bandit.toml", string(data))
	rs := runAll(t, e)
	opt, ret := map[string][]float64{}, map[string][]float64{}
	for i, j := range e.jobs {
		opt[j.Agent.ID()] = append(opt[j.Agent.ID()], rs[i].OptimalFraction)
		ret[j.Agent.ID()] = append(ret[j.Agent.ID()], rs[i].MeanReturn)
	}
	for k := range opt {
		t.Logf("%-14s median best choices %.3f, median return %.3f", k, median(opt[k]), median(ret[k]))
	}
	if m := median(opt["eprop"]); m < 0.9 {
		t.Errorf("eprop: median best choices %.3f, want ≥ 0.9", m)
	}
	if d := median(ret["eprop"]) - median(ret["random"]); d < 0.3 {
		t.Errorf("eprop's median return is only %.3f above random's", d)
	}
}

// An episode of the e-prop actor allocates nothing.
func TestEpropEpisodeAllocatesNothing(t *testing.T) {
	data, err := os.ReadFile("../eprop_reward_bandit.toml")
	if err != nil {
		t.Fatal(err)
	}
	memory, err := os.ReadFile("../eprop_reward.toml")
	if err != nil {
		t.Fatal(err)
	}
	cartpole, err := os.ReadFile("../eprop_cartpole.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*experiment{
		load(t, "eprop_reward_bandit.toml", string(data), "record.steps_every=0", "episodes=100000", "seeds=1"),
		load(t, "eprop_reward.toml", string(memory), "record.steps_every=0", "episodes=100000", "seeds=1", "environment.delay_steps=2"),
		load(t, "eprop_cartpole.toml", string(cartpole), "record.steps_every=0", "episodes=100000", "seeds=1", "environment.max_steps=50"),
	} {
		for _, j := range e.jobs {
			if !strings.HasPrefix(j.Agent.ID(), "eprop") {
				continue
			}
			eps, err := NewEpisodes(j)
			if err != nil {
				t.Fatal(err)
			}
			eps.Next(false, nil)
			if a := testing.AllocsPerRun(5, func() { eps.Next(false, nil) }); a != 0 {
				t.Errorf("%s: %g allocations per episode", j.Agent.ID(), a)
			}
		}
	}
}

// A circuit that eprop cannot train, or that does not fit the bandit, is
// refused at the agent's circuit key; the shipped actor is accepted.
func TestEpropAgentChecksItsCircuit(t *testing.T) {
	for _, tc := range []struct{ circuit, want string }{
		{"eprop_bandit", ""},
		{"bandit_rstdp", "agent[eprop].circuit"},   // sparse projections, lif neurons
		{"eprop_evidence", "agent[eprop].circuit"}, // 2 readouts for 10 arms
	} {
		src := strings.Replace("kind = \"reward\"\nname = \"t\"\nepisodes = 10\n[environment]\nname = \"bandit\"\narms = 10\n[[agent]]\nname = \"eprop\"\ncircuit = \"CIRCUIT\"\n", "CIRCUIT", tc.circuit, 1)
		err := loadError(src)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.circuit, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error at %s", tc.circuit, err, tc.want)
		}
	}
}

// loadError parses and checks a reward file, returning its error.
func loadError(src string) error {
	doc, err := config.Parse("t.toml", []byte(src))
	if err != nil {
		return err
	}
	s, err := FromDoc(doc)
	if err != nil {
		return err
	}
	_, err = newExperiment(s, "t.toml")
	return err
}

// The memory actor of experiments/eprop_reward.toml keeps its circuit and
// traces across the steps of an episode: at the decision (the recall cue,
// when the cue neurons are silent) the gradient of log π reaches the
// synapses from the cue neurons, through the traces of what they did
// steps before; run from rest at every step (keep_state = false) it
// cannot, those synapses' gradient is exactly 0. Steps without the recall
// cue are no decisions: action 0 and no gradient.
func TestEpropAgentCarriesTheCuesToTheDecision(t *testing.T) {
	data, err := os.ReadFile("../eprop_reward.toml")
	if err != nil {
		t.Fatal(err)
	}
	cueGrad := func(keep string) (cue, other float64) {
		e := load(t, "eprop_reward.toml", string(data), "seeds=1", "episodes=10", "agent.0.keep_state="+keep)
		eps, err := NewEpisodes(e.jobs[0])
		if err != nil {
			t.Fatal(err)
		}
		a := eps.agent.(*epropAgent)
		rng := rand.New(rand.NewPCG(1, 2))
		a.Begin()
		// Two left cues of 100 ms, 100 ms of silence, the recall cue.
		for _, x := range [][]float64{{0, 0, 0, 0.25}, {1, 0, 0, 0.25}, {1, 0, 0, 0.25}, {0, 0, 0, 0.25},
			{1, 0, 0, 0.25}, {1, 0, 0, 0.25}, {0, 0, 0, 0.25}, {0, 0, 0, 0.25}} {
			if got := a.Act(x, rng); got != 0 {
				t.Fatalf("a step without the recall cue chose %d", got)
			}
			for _, tr := range a.tr {
				for _, v := range tr {
					if v != 0 {
						t.Fatal("a step without the recall cue formed a gradient")
					}
				}
			}
		}
		a.Act([]float64{0, 0, 1, 0.25}, rng)
		for k, l := range a.c.Links {
			if l.Pre != a.c.In {
				continue
			}
			for j := range l.NPost {
				for i := range l.NPre {
					if v := math.Abs(a.tr[k][j*l.NPre+i]); i < a.block {
						cue += v // from the left-cue neurons
					} else {
						other += v
					}
				}
			}
		}
		return cue, other
	}
	cue, other := cueGrad("true")
	if cue == 0 || other == 0 {
		t.Errorf("keep_state: |gradient| from the cue neurons %g, from the others %g; want both > 0", cue, other)
	}
	cue, other = cueGrad("false")
	if cue != 0 || other == 0 {
		t.Errorf("from rest: |gradient| from the cue neurons %g (want 0), from the others %g (want > 0)", cue, other)
	}
}
