package env

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func mustNew(t *testing.T, name string, edit func(Params) Params) Env {
	t.Helper()
	d, ok := Lookup(name)
	if !ok {
		t.Fatalf("no environment %q", name)
	}
	p := d.Defaults()
	if edit != nil {
		p = edit(p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	e, err := d.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Every registered environment: its defaults are valid, its episodes end
// within MaxSteps whatever the actions, and a seed gives the same run.
func TestEveryEnvironment(t *testing.T) {
	for _, d := range All() {
		t.Run(d.Name, func(t *testing.T) {
			run := func(seed uint64) []float64 {
				e := mustNew(t, d.Name, nil)
				rng := rand.New(rand.NewPCG(seed, 1))
				x := make([]float64, e.Features())
				var rewards []float64
				for ep := range 50 {
					e.Reset(ep, rng, x)
					steps := 0
					for {
						a := 0
						if e.Actions() > 0 {
							a = rng.IntN(e.Actions())
						}
						o := e.Step(a, rng, x)
						rewards = append(rewards, o.Reward)
						steps++
						if o.End {
							break
						}
						if steps > e.MaxSteps() {
							t.Fatalf("episode %d runs past MaxSteps %d", ep, e.MaxSteps())
						}
					}
					for i, v := range x {
						if v != 0 {
							t.Fatalf("terminal observation has feature %d = %g", i, v)
						}
					}
				}
				return rewards
			}
			a, b := run(3), run(3)
			if len(a) != len(b) {
				t.Fatal("the same seed gave runs of different lengths")
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("the same seed gave different rewards at step %d", i)
				}
			}
		})
	}
}

func TestConditioningMarksAndFeatures(t *testing.T) {
	e := mustNew(t, "conditioning", func(p Params) Params {
		c := p.(ConditioningParams)
		c.OmitEvery = 4
		return c
	})
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, e.Features())
	if e.Features() != 15 {
		t.Fatalf("csc of a 25-step trial with the CS at 10 has %d features, want 15", e.Features())
	}
	for ep := range 8 {
		e.Reset(ep, rng, x)
		for k := 1; ; k++ {
			o := e.Step(0, rng, x)
			want := None
			switch {
			case k == 10:
				want = CS
			case k == 15 && (ep+1)%4 == 0:
				want = Omitted
			case k == 15:
				want = US
			}
			if o.Mark != want {
				t.Errorf("trial %d step %d: mark %v, want %v", ep, k, o.Mark, want)
			}
			if (o.Reward != 0) != (want == US) {
				t.Errorf("trial %d step %d: reward %g with mark %v", ep, k, o.Reward, o.Mark)
			}
			if o.End {
				if k != 25 {
					t.Errorf("trial ended at step %d, want 25", k)
				}
				break
			}
			for i, v := range x {
				on := k >= 10 && i == k-10
				if (v == 1) != on || (v != 0 && v != 1) {
					t.Fatalf("step %d feature %d = %g", k, i, v)
				}
			}
		}
	}
}

func TestConditioningRewardProbability(t *testing.T) {
	for _, p := range []float64{0, 0.25, 0.75, 1} {
		e := mustNew(t, "conditioning", func(q Params) Params {
			c := q.(ConditioningParams)
			c.RewardProbability = p
			return c
		})
		rng := rand.New(rand.NewPCG(2, 1))
		x := make([]float64, e.Features())
		const n = 4000
		rewarded := 0
		for ep := range n {
			e.Reset(ep, rng, x)
			for {
				o := e.Step(0, rng, x)
				if o.Mark == US {
					rewarded++
				}
				if o.End {
					break
				}
			}
		}
		if got := float64(rewarded) / n; math.Abs(got-p) > 0.03 {
			t.Errorf("p = %g: %g of trials rewarded", p, got)
		}
	}
}

func TestBanditReversal(t *testing.T) {
	e := mustNew(t, "bandit", func(p Params) Params {
		b := p.(BanditParams)
		b.ReversalAfter = 10
		return b
	})
	b := e.(*bandit)
	rng := rand.New(rand.NewPCG(5, 1))
	x := make([]float64, 1)
	best := func() int {
		k := 0
		for i, q := range b.Probabilities() {
			if q > b.Probabilities()[k] {
				k = i
			}
		}
		return k
	}
	e.Reset(0, rng, x)
	before := best()
	if o := e.Step(before, rng, x); o.Optimal != 1 || o.Regret != 0 {
		t.Errorf("best arm: optimal %d regret %g", o.Optimal, o.Regret)
	}
	e.Reset(10, rng, x)
	after := best()
	if after == before {
		t.Errorf("the best arm is %d before and after the reversal", before)
	}
	if o := e.Step(before, rng, x); o.Optimal != 0 || math.Abs(o.Regret-0.8) > 1e-12 {
		t.Errorf("old best arm after reversal: optimal %d regret %g, want 0 and 0.8", o.Optimal, o.Regret)
	}
}

func TestGridShortestPath(t *testing.T) {
	e := mustNew(t, "grid", func(p Params) Params {
		g := p.(GridParams)
		g.Walls = [][2]int{{1, 0}, {1, 1}, {1, 2}, {1, 3}}
		return g
	})
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, e.Features())
	e.Reset(0, rng, x)
	// Around the wall: down 4, right 4.
	plan := []int{2, 2, 2, 2, 1, 1, 1, 1}
	for i, a := range plan {
		o := e.Step(a, rng, x)
		if o.Optimal != 1 {
			t.Errorf("move %d (%d) not optimal", i, a)
		}
		if o.End != (i == len(plan)-1) {
			t.Fatalf("move %d: end %v", i, o.End)
		}
		if o.End && o.Reward != 1 {
			t.Errorf("goal paid %g", o.Reward)
		}
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	for _, d := range All() {
		e := mustNew(t, d.Name, nil)
		rng := rand.New(rand.NewPCG(1, 1))
		x := make([]float64, e.Features())
		ep := 0
		e.Reset(0, rng, x)
		if a := testing.AllocsPerRun(200, func() {
			if o := e.Step(0, rng, x); o.End {
				ep++
				e.Reset(ep, rng, x)
			}
		}); a != 0 {
			t.Errorf("%s: Step and Reset allocate %g times", d.Name, a)
		}
	}
}

func TestValidate(t *testing.T) {
	bads := map[string][]func(Params) Params{
		"conditioning": {
			func(p Params) Params { c := p.(ConditioningParams); c.USStep = c.CSStep; return c },
			func(p Params) Params { c := p.(ConditioningParams); c.RewardProbability = 1.5; return c },
			func(p Params) Params { c := p.(ConditioningParams); c.Representation = "tapped"; return c },
			func(p Params) Params { c := p.(ConditioningParams); c.TrialSteps = 1 << 30; return c },
			func(p Params) Params { c := p.(ConditioningParams); c.OmitEvery = 1; return c },
		},
		"bandit": {
			func(p Params) Params { b := p.(BanditParams); b.Arms = 1; return b },
			func(p Params) Params { b := p.(BanditParams); b.Probabilities = []float64{0.5}; return b },
			func(p Params) Params { b := p.(BanditParams); b.Low, b.High = 0.5, 0.5; return b },
			func(p Params) Params { b := p.(BanditParams); b.Reward = math.NaN(); return b },
		},
		"grid": {
			func(p Params) Params { g := p.(GridParams); g.Goal = [2]int{9, 9}; return g },
			func(p Params) Params { g := p.(GridParams); g.Walls = [][2]int{{3, 4}, {4, 3}}; return g },
			func(p Params) Params { g := p.(GridParams); g.Width = 1000; return g },
			func(p Params) Params { g := p.(GridParams); g.MaxSteps = 0; return g },
		},
	}
	for name, edits := range bads {
		d, _ := Lookup(name)
		for i, edit := range edits {
			if err := edit(d.Defaults()).Validate(); !errors.As(err, new(*ParamError)) {
				t.Errorf("%s case %d: err = %v, want a ParamError", name, i, err)
			}
		}
	}
}

// Pavlovian: stimuli come every 100–300 ms across episode boundaries, each
// S1 (and nothing else) is followed by one reward 1–1000 ms later.
func TestPavlovianStream(t *testing.T) {
	e := mustNew(t, "pavlovian", nil)
	rng := rand.New(rand.NewPCG(3, 1))
	x := make([]float64, e.Features())
	var stims, s1, rewards []int // ms of every stimulus, of every S1, of every reward
	ms := 0
	seen := func() {
		for i, v := range x {
			if v != 0 {
				stims = append(stims, ms)
				if i == 0 {
					s1 = append(s1, ms)
				}
			}
		}
	}
	for ep := range 600 {
		e.Reset(ep, rng, x)
		seen()
		for {
			o := e.Step(0, rng, x)
			ms++
			if o.Reward != 0 {
				rewards = append(rewards, ms)
			}
			if o.End {
				break
			}
			seen()
		}
	}
	if ms != 600*1000 {
		t.Fatalf("%d ms in 600 episodes, want 600000", ms)
	}
	for k := 1; k < len(stims); k++ {
		if d := stims[k] - stims[k-1]; d < 100 || d > 300 {
			t.Fatalf("interval %d ms between stimuli %d and %d", d, k-1, k)
		}
	}
	if n := len(stims); n < 600000/200-150 || n > 600000/200+150 {
		t.Errorf("%d stimuli in 600 s, want about 3000", n)
	}
	if len(s1) < 10 || len(rewards) < len(s1)-2 || len(rewards) > len(s1) {
		t.Fatalf("%d presentations of S1, %d rewards", len(s1), len(rewards))
	}
	for k, r := range rewards {
		if d := r - s1[k]; d < 1 || d > 1000 {
			t.Fatalf("reward %d comes %d ms after its S1", k, d)
		}
	}
}

// Distal: every action 1 earns one reward 1000–3000 ms later, whatever
// the episodes; a reward of 0 (the control) earns nothing.
func TestDistalRewardsPairings(t *testing.T) {
	for _, size := range []float64{1, 0} {
		e := mustNew(t, "distal", func(p Params) Params { q := p.(DistalParams); q.Reward = size; return q })
		rng := rand.New(rand.NewPCG(4, 1))
		x := make([]float64, 1)
		var acts, rewards []int
		ms := 0
		for ep := range 60 {
			e.Reset(ep, rng, x)
			for {
				a := 0
				if ms%5000 == 17 {
					a = 1
					acts = append(acts, ms)
				}
				o := e.Step(a, rng, x)
				ms++
				if o.Reward != 0 {
					rewards = append(rewards, ms)
				}
				if o.End {
					break
				}
			}
		}
		if size == 0 {
			if len(rewards) != 0 {
				t.Fatalf("control: %d rewards", len(rewards))
			}
			continue
		}
		if len(rewards) != len(acts) {
			t.Fatalf("%d pairings, %d rewards", len(acts), len(rewards))
		}
		for k, r := range rewards {
			if d := r - acts[k]; d < 1000 || d > 3001 {
				t.Fatalf("reward %d comes %d ms after its pairing", k, d)
			}
		}
	}
}

// wall_reward is paid on top of step_reward for a move into a wall or off
// the grid, which leaves the agent in place; a move that lands pays
// step_reward alone.
func TestGridWallReward(t *testing.T) {
	e := mustNew(t, "grid", func(p Params) Params {
		g := p.(GridParams)
		g.Walls = [][2]int{{1, 0}}
		g.StepReward, g.WallReward = -0.1, -1
		return g
	})
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, e.Features())
	e.Reset(0, rng, x)
	for _, c := range []struct {
		a    int
		want float64
	}{{0, -1.1}, {3, -1.1}, {1, -1.1}, {2, -0.1}} { // up and left off the grid, right into the wall, down
		if o := e.Step(c.a, rng, x); math.Abs(o.Reward-c.want) > 1e-12 {
			t.Errorf("move %d paid %g, want %g", c.a, o.Reward, c.want)
		}
	}
}

// trials_to_goal is the first episode from which the median length of 10
// episodes is within 1.5 times the shortest path (NaN if never).
func TestTrialsToGoal(t *testing.T) {
	steps := []int{100, 100, 100, 100, 50, 20, 13, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	if got := trialsToGoal(steps, 9, 10); got != 3 {
		t.Errorf("trialsToGoal = %g, want 3 (episodes 3–12: median 11, the first window within 13.5)", got)
	}
	if got := trialsToGoal(steps[:9], 9, 10); !math.IsNaN(got) {
		t.Errorf("9 episodes: %g, want NaN", got)
	}
	if got := trialsToGoal([]int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, 9, 10); !math.IsNaN(got) {
		t.Errorf("never: %g, want NaN", got)
	}
}
