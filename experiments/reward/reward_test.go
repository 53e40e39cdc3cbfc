package reward

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
)

func load(t *testing.T, file string, data string, overrides ...string) *experiment {
	t.Helper()
	doc, err := config.Parse(file, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	s, err := FromDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		if err := s.Override(k, v); err != nil {
			t.Fatal(err)
		}
	}
	e, err := newExperiment(s, file)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runAll(t *testing.T, e *experiment) []*RunResult {
	t.Helper()
	rs := make([]*RunResult, len(e.jobs))
	for i, j := range e.jobs {
		r, done, err := Run(context.Background(), j)
		if err != nil || !done {
			t.Fatalf("job %d: done %v, err %v", i, done, err)
		}
		if r.Fail != "" {
			t.Fatalf("job %d failed: %s", i, r.Fail)
		}
		rs[i] = &r
	}
	return rs
}

// Schultz, Dayan & Montague (1997), through the whole pipeline: TD(0), a
// complete serial compound and α = 1 move the peak of δ from the reward
// back to the CS by exactly one step per trial.
func TestSchultzPeakMovesBackOneStepPerTrial(t *testing.T) {
	e := load(t, "t.toml", `kind = "reward"
seeds = 1
episodes = 8
[environment]
name = "conditioning"
trial_steps = 25
cs_step = 10
us_step = 15
[critic]
gamma = 1
lambda = 0
alpha = 1
[[agent]]
name = "critic"
`)
	r := runAll(t, e)[0]
	peaks := map[int][]int{}
	for _, s := range r.Steps {
		if s.Delta != 0 {
			if math.Abs(s.Delta-1) > 1e-15 {
				t.Fatalf("trial %d step %d: δ = %g, want 0 or 1", s.Episode, s.K, s.Delta)
			}
			peaks[s.Episode] = append(peaks[s.Episode], s.K)
		}
	}
	for ep := range 8 {
		want := max(15-ep, 10)
		if p := peaks[ep]; len(p) != 1 || p[0] != want {
			t.Errorf("trial %d: δ = 1 at steps %v, want only at step %d", ep+1, p, want)
		}
	}
}

// The shipped conditioning experiment reproduces Schultz (1997) and
// Fiorillo et al. (2003) over its 10 seeds: medians of δ_CS within 0.05 of
// p·r, δ_US within 0.05 of (1 − p)·r on rewarded trials, δ at an omitted
// reward within 0.05 of −p·r. (Under 0.2 s: 1.25 million steps.)
func TestConditioningExperiment(t *testing.T) {
	data, err := os.ReadFile("../conditioning.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "conditioning.toml", string(data))
	rs := runAll(t, e)
	for _, c := range e.conds {
		spec := e.jobs[0].spec
		for _, j := range e.jobs {
			if j.Condition == c {
				spec = j.spec
				break
			}
		}
		p := spec.Environment.Params.(env.ConditioningParams)
		// The claim is about the nominal probability (probe omissions make
		// p = 1 in fact 0.98).
		pe := p.RewardProbability
		var cs, us, om []float64
		for i, j := range e.jobs {
			if j.Condition == c {
				cs, us, om = append(cs, rs[i].DeltaCS), append(us, rs[i].DeltaUS), append(om, rs[i].DeltaOmitted)
			}
		}
		check := func(what string, xs []float64, want float64) {
			var ok []float64
			for _, x := range xs {
				if !math.IsNaN(x) {
					ok = append(ok, x)
				}
			}
			if len(ok) == 0 {
				t.Errorf("%s: %s has no value", c, what)
				return
			}
			m := median(ok)
			t.Logf("%-7s %-13s median %+.3f want %+.3f", c, what, m, want)
			if math.Abs(m-want) > 0.05 {
				t.Errorf("%s: median %s = %.3f, want %.3f ± 0.05", c, what, m, want)
			}
		}
		check("delta_cs", cs, pe)
		if pe > 0 {
			check("delta_us", us, 1-pe)
		}
		if pe < 1 {
			check("delta_omitted", om, -pe)
		}
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return quantile(s, 0.5)
}

// Bad files are refused with the key that is wrong.
func TestBadInput(t *testing.T) {
	base := "kind = \"reward\"\n[environment]\nname = \"conditioning\"\n[[agent]]\nname = \"critic\"\n"
	for _, c := range []struct{ name, data, key string }{
		{"no environment", "kind = \"reward\"\n[[agent]]\nname = \"critic\"\n", "environment"},
		{"unknown environment", strings.Replace(base, `"conditioning"`, `"maze"`, 1), "environment.name"},
		{"unknown agent", strings.Replace(base, `"critic"`, `"sarsa"`, 1), "agent[sarsa].name"},
		{"unknown key", "episodez = 3\n" + base, "episodez"},
		{"key of another environment", strings.Replace(base, "name = \"conditioning\"\n", "name = \"conditioning\"\narms = 3\n", 1), "environment.arms"},
		{"out of range", strings.Replace(base, "name = \"conditioning\"\n", "name = \"conditioning\"\nus_step = 5\n", 1), "environment.us_step"},
		{"acting agent, Pavlovian task", strings.Replace(base, `"critic"`, `"q_learning"`, 1), "agent[q_learning].name"},
		{"no agent", "kind = \"reward\"\n[environment]\nname = \"bandit\"\n", "agent"},
		{"condition sets unknown key", base + "[[condition]]\nname = \"a\"\nset = [\"environment.nope=1\"]\n", "condition[a].set[0]"},
		{"condition out of range", base + "[[condition]]\nname = \"a\"\nset = [\"environment.reward_probability=2\"]\n", "condition[a].set"},
		{"too many steps", strings.Replace(base, "kind = \"reward\"\n", "kind = \"reward\"\nepisodes = 10000000\nseeds = 100000\n", 1), "episodes"},
		{"critic alpha", base + "[critic]\nalpha = 0\n", "critic.alpha"},
		{"stop_after_solved, no test of solved", strings.Replace(base, "kind = \"reward\"\n", "kind = \"reward\"\nstop_after_solved = 3\n", 1), "stop_after_solved"},
	} {
		doc, err := config.Parse("bad.toml", []byte(c.data))
		if err == nil {
			_, err = FromDoc(doc)
		}
		var ce *config.Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want a located error", c.name, err)
			continue
		}
		missing := c.name == "no environment" || c.name == "no agent" // no line to point at
		if ce.File != "bad.toml" || (ce.Line == 0 && !missing) || !strings.HasPrefix(ce.Key, c.key) {
			t.Errorf("%s: %v: want bad.toml, a line, key %s", c.name, err, c.key)
		}
	}
	// Overrides that would change what a table means are refused.
	doc, _ := config.Parse("ok.toml", []byte(base))
	s, err := FromDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"environment.name", "bandit"}, {"agent.0.name", "random"}, {"episodes", "0"}, {"critic.gamma", "2"}} {
		if err := s.Override(kv[0], kv[1]); err == nil {
			t.Errorf("--set %s=%s accepted", kv[0], kv[1])
		}
	}
}

// The shipped bandit experiment, as docs/reward.md reports it: over its 10
// seeds the rate actor-critic and both Q-learners choose the best arm in
// at least 90 % of the last 100 trials (median), before and after a
// reversal; chance stays near 1/10. (Under a second.)
func TestBanditExperiment(t *testing.T) {
	data, err := os.ReadFile("../bandit.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "bandit.toml", string(data))
	rs := runAll(t, e)
	med := map[string][]float64{}
	for i, j := range e.jobs {
		k := j.Agent.ID() + "/" + j.Condition
		med[k] = append(med[k], rs[i].OptimalFraction)
	}
	for k, xs := range med {
		m := median(xs)
		t.Logf("%-24s median optimal choice %.3f", k, m)
		if strings.HasPrefix(k, "random/") {
			if math.Abs(m-0.1) > 0.05 {
				t.Errorf("%s: median %.3f, want chance 0.1 ± 0.05", k, m)
			}
			continue
		}
		if m < 0.9 {
			t.Errorf("%s: median optimal choice %.3f, want ≥ 0.9", k, m)
		}
	}
}

// The spiking critic learns what the TD critic learns, within its noise: a
// short trial (CS at step 2, reward at step 5), 300 trials, 3 seeds; after
// learning δ at the CS is ≈ r and δ at the reward ≈ 0 (medians within
// 0.06: the spike noise and the small bias of the rule, docs/reward.md).
func TestSpikingCriticConditioning(t *testing.T) {
	e := load(t, "t.toml", `kind = "reward"
seeds = 3
episodes = 300
[environment]
name = "conditioning"
trial_steps = 8
cs_step = 2
us_step = 5
[critic]
model = "spiking"
alpha = 0.1
[[agent]]
name = "critic"
[record]
steps_every = 0
`)
	rs := runAll(t, e)
	var cs, us []float64
	for _, r := range rs {
		cs, us = append(cs, r.DeltaCS), append(us, r.DeltaUS)
	}
	mcs, mus := median(cs), median(us)
	t.Logf("spiking critic: median δ at CS %.3f, at reward %.3f", mcs, mus)
	if math.Abs(mcs-1) > 0.06 || math.Abs(mus) > 0.06 {
		t.Errorf("spiking critic: median δ at CS %.3f (want 1 ± 0.06), at reward %.3f (want 0 ± 0.06)", mcs, mus)
	}
}

// The rate agent on circuits/bandit_rate.toml is the actor_critic agent
// written as a circuit file: fed the same observations, outcomes and δ,
// both keep the same policy (to 1e-12) and choose the same arms.
func TestRateAgentIsActorCritic(t *testing.T) {
	ac, err := actorCriticDef.New(ActorCriticParams{LearningRate: 0.1, Beta: 2, WMax: 2, Post: "deviation"}, Setup{Features: 1, Actions: 10})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := RateParams{CircuitAgent: CircuitAgent{Circuit: "bandit_rate"}, LearningRate: 0.1, Beta: 2, Post: "deviation"}.resolve("")
	if err != nil {
		t.Fatal(err)
	}
	ra, err := rateDef.New(rp, Setup{Features: 1, Actions: 10, Rng: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1}
	drng := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		a1 := ac.Act(x, rand.New(rand.NewPCG(uint64(trial), 9)))
		a2 := ra.Act(x, rand.New(rand.NewPCG(uint64(trial), 9)))
		p1, p2 := ac.(*actorCritic).pi, ra.(*rateAgent).pi
		for k := range p1 {
			if math.Abs(p1[k]-p2[k]) > 1e-12 {
				t.Fatalf("trial %d: π[%d] = %g (actor_critic) vs %g (rate)", trial, k, p1[k], p2[k])
			}
		}
		if a1 != a2 {
			t.Fatalf("trial %d: arms %d and %d", trial, a1, a2)
		}
		delta := drng.Float64()*2 - 1
		ac.Learn(x, a1, 0, x, true, delta)
		ra.Learn(x, a2, 0, x, true, delta)
	}
}

// The shipped reward regimes of Potjans, Diesmann & Morrison (2011), as
// docs/results.md reports them: over its 10 seeds, a dopamine signal
// bounded below (critic.delta_floor = 0.2) costs the actor-critic nothing
// with sparse positive reward (median trials_to_goal within 25 % of the
// symmetric TD error's) and slows it at least 1.5-fold with mixed and
// with purely negative rewards; Q-learning, which has no critic, is the
// same under both. (About 2 s.)
func TestGridworldRegimes(t *testing.T) {
	data, err := os.ReadFile("../gridworld_regimes.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "gridworld_regimes.toml", string(data))
	rs := runAll(t, e)
	trials := map[string][]float64{}
	for i, j := range e.jobs {
		k := j.Agent.ID() + "/" + j.Condition
		trials[k] = append(trials[k], fields(rs[i].Fields)["trials_to_goal"])
	}
	for _, regime := range []string{"positive", "mixed", "negative"} {
		td, da := median(trials["actor_critic/"+regime+"/td"]), median(trials["actor_critic/"+regime+"/da"])
		t.Logf("%-8s trials_to_goal: td %g, da %g (×%.2f)", regime, td, da, da/td)
		if math.IsNaN(td) || math.IsNaN(da) {
			t.Fatalf("%s: a median is undefined (td %g, da %g)", regime, td, da)
		}
		if regime == "positive" && da > 1.25*td {
			t.Errorf("positive: bounded dopamine needs %g trials, symmetric %g: want within 25 %%", da, td)
		}
		if regime != "positive" && da < 1.5*td {
			t.Errorf("%s: bounded dopamine needs %g trials, symmetric %g: want at least 1.5-fold", regime, da, td)
		}
		if q, qd := trials["q_learning/"+regime+"/td"], trials["q_learning/"+regime+"/da"]; !slices.Equal(q, qd) {
			t.Errorf("%s: Q-learning changed with the critic's floor: %v vs %v", regime, q, qd)
		}
	}
}

// stopAfter is a context that reads as cancelled from its n-th call of
// Err on: a stop that arrives while a run is under way.
type stopAfter struct {
	context.Context
	n, calls int
}

func (c *stopAfter) Err() error {
	c.calls++
	if c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

// A stop is honoured at the next episode's start, not dozens of episodes
// later (a spiking cart-pole trial can take a minute).
func TestRunStopsAtTheNextEpisode(t *testing.T) {
	e := load(t, "t.toml", `kind = "reward"
seeds = 1
episodes = 200
[environment]
name = "conditioning"
[[agent]]
name = "critic"
`)
	ctx := &stopAfter{Context: context.Background(), n: 4}
	r, done, err := Run(ctx, e.jobs[0])
	if err != nil || done {
		t.Fatalf("done %v, err %v: want a stopped run", done, err)
	}
	if got := len(r.Episodes); got != ctx.n-1 {
		t.Fatalf("the run stopped after %d episodes, want %d (stopped before episode %d)", got, ctx.n-1, ctx.n)
	}
}

// stop_after_solved ends a run once that many episodes in a row solved
// the task: Barto's ASE on a 500-step cart-pole stops with its last 3
// episodes balanced and the one before them not (or none before), well
// before its 300 episodes, on the same episodes as the run that does not
// stop (the steps of the last episode recorded as a last episode's).
func TestStopAfterSolved(t *testing.T) {
	const file = `kind = "reward"
seeds = 2
episodes = 300
stop_after_solved = 3
[environment]
name = "cartpole"
max_steps = 500
[critic]
gamma = 0.95
lambda = 0.8421052631578947
alpha = 0.1
step_ms = 20
[[agent]]
name = "ase"
learning_rate = 1000.0
trace_decay = 0.9
noise_sd = 0.01
[record]
steps_every = 1000
`
	e := load(t, "stop.toml", file)
	stopped := runAll(t, e)
	e0 := load(t, "stop.toml", file, "stop_after_solved=0")
	full := runAll(t, e0)
	for i, r := range stopped {
		n := len(r.Episodes)
		if n >= 300 || n < 3 {
			t.Fatalf("seed %d: %d episodes, want a stop before 300", r.Seed, n)
		}
		for k, e := range r.Episodes[n-3:] {
			if e.Steps != 500 {
				t.Fatalf("seed %d: episode %d of the last 3 lasted %d steps, not the horizon", r.Seed, n-3+k, e.Steps)
			}
		}
		if n > 3 && r.Episodes[n-4].Steps == 500 {
			t.Fatalf("seed %d: it stopped after 4 balanced episodes in a row, not 3", r.Seed)
		}
		same := func(a, b Episode) bool { return a.Steps == b.Steps && a.Return == b.Return && a.Action == b.Action }
		if !slices.EqualFunc(r.Episodes, full[i].Episodes[:n], same) {
			t.Fatalf("seed %d: the episodes differ from the run that does not stop", r.Seed)
		}
		if len(r.Steps) == 0 || r.Steps[len(r.Steps)-1].Episode != n-1 {
			t.Fatalf("seed %d: the last episode's steps are not recorded", r.Seed)
		}
		t.Logf("seed %d: stopped after %d of 300 episodes", r.Seed, n)
	}
	// summary.json says which runs met the stop and after how many
	// episodes; a file without the stop has neither field.
	sum := e.Summary(stopped)
	runs, _ := sum.Get("runs")
	for i, o := range runs.([]output.Object) {
		if v, _ := o.Get("solved"); v != true {
			t.Fatalf("run %d: solved = %v, want true", i, v)
		}
		if v := o.Num("episodes_to_solved"); v == nil || *v != float64(len(stopped[i].Episodes)) {
			t.Fatalf("run %d: episodes_to_solved = %v, want %d", i, v, len(stopped[i].Episodes))
		}
	}
	by, _ := sum.Get("by_rule")
	bc, _ := by.(output.Object)[0].Value.(output.Object).Get("by_condition")
	if f := bc.(output.Object)[0].Value.(output.Object).Num("solved_fraction"); f == nil || *f != 1 {
		t.Fatalf("solved_fraction = %v, want 1", f)
	}
	runs0, _ := e0.Summary(full).Get("runs")
	for _, o := range runs0.([]output.Object) {
		if _, ok := o.Get("solved"); ok {
			t.Fatal("a run without stop_after_solved reports solved")
		}
		if _, ok := o.Get("episodes_to_solved"); ok {
			t.Fatal("a run without stop_after_solved reports episodes_to_solved")
		}
	}
	// A run that has not met the stop is not solved.
	unmet := *stopped[0]
	unmet.Solved = false
	runs1, _ := e.Summary([]*RunResult{&unmet, stopped[1]}).Get("runs")
	if v, _ := runs1.([]output.Object)[0].Get("solved"); v != false {
		t.Fatalf("an unsolved run: solved = %v", v)
	}
}

// TestStepsFigure: the figure of episode lengths is drawn where episodes
// differ in length, one line per seed, and left out where they do not.
func TestStepsFigure(t *testing.T) {
	run := func(seed int, steps ...int) *RunResult {
		r := &RunResult{Agent: "a", Condition: "default", Seed: seed}
		for _, s := range steps {
			r.Episodes = append(r.Episodes, Episode{Steps: s, Return: -1})
		}
		return r
	}
	varied, fixed := t.TempDir(), t.TempDir()
	if err := writePlots(varied, []*RunResult{run(1, 12, 40, 900, 10000), run(2, 9, 30)}); err != nil {
		t.Fatal(err)
	}
	if err := writePlots(fixed, []*RunResult{run(1, 1, 1, 1), run(2, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	// A group whose only run failed before its first episode still draws.
	b := *run(1)
	b.Agent = "b"
	if err := writePlots(t.TempDir(), []*RunResult{run(1, 12, 40), &b}); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if _, err := os.Stat(filepath.Join(varied, output.PlotsDir, "steps"+ext)); err != nil {
			t.Fatalf("episodes of different lengths: %v", err)
		}
		if _, err := os.Stat(filepath.Join(fixed, output.PlotsDir, "steps"+ext)); err == nil {
			t.Fatalf("episodes all of one step: a steps%s was drawn", ext)
		}
	}
}
