package reward

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/config"
)

// smallNetwork is a 100-neuron version of izhikevich2007_network.
const smallNetwork = `name = "small"
dt_ms = 1.0
[[population]]
name = "exc"
size = 80
model = "izhikevich"
noise_uniform = 30.0
[[population]]
name = "inh"
size = 20
model = "izhikevich"
preset = "fast_spiking"
noise_uniform = 13.0
[[projection]]
name = "ee"
from = "exc"
to = "exc"
connectivity = "sparse"
connect = "out_degree"
out_degree = 8
weight = 4.0
w_min = 0.0
w_max = 8.0
delay_max_steps = 5
plastic = true
[projection.stdp]
pairing = "nearest"
event_driven = true
[[projection]]
name = "ie"
from = "inh"
to = "exc"
channel = "excitatory"
connectivity = "sparse"
connect = "out_degree"
out_degree = 10
weight = -1.0
`

func networkFile(t *testing.T, body string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.toml"), []byte(smallNetwork), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "x.toml"), body
}

// Pavlovian through the whole pipeline with the critic bypassed: δ is the
// reward at every step, the network reports its responses to S1 and to the
// others, and S1 (whose group fires at once) evokes spikes.
func TestNetworkPavlovian(t *testing.T) {
	file, body := networkFile(t, `kind = "reward"
seeds = 1
episodes = 20
[environment]
name = "pavlovian"
stimuli = 4
interval_min_ms = 50
interval_max_ms = 60
[critic]
source = "reward"
step_ms = 1
[critic.dopamine]
gain = 0.01
[[agent]]
name = "network"
circuit = "small.toml"
stimulus_populations = ["exc", "inh"]
group_size = 10
compare_s = 5
[record]
steps_every = 5
`)
	r := runAll(t, load(t, file, body))[0]
	rewards := 0
	for _, s := range r.Steps {
		if s.Delta != s.Reward || s.Value != 0 {
			t.Fatalf("episode %d step %d: δ = %g, V = %g with reward %g; want δ = r and V = 0", s.Episode, s.K, s.Delta, s.Value, s.Reward)
		}
		if s.Reward != 0 {
			rewards++
		}
	}
	if rewards == 0 {
		t.Fatal("no reward in the recorded episodes: the test tests nothing")
	}
	f := fields(r.Fields)
	for _, k := range []string{"mean_rate_hz", "s1_response_early", "other_response_early", "s1_ratio_early", "s1_response_late", "other_response_late"} {
		if v, ok := f[k]; !ok || math.IsNaN(v) || v <= 0 {
			t.Errorf("%s = %g (reported %v), want a positive number", k, v, ok)
		}
	}
	// 5 s of stimuli every 50–60 ms, a quarter of them S1.
	if n := f["s1_presentations_early"]; n < 10 || n > 40 {
		t.Errorf("%g presentations of S1 in 5 s, want about 22", n)
	}
}

func fields(fs []env.Field) map[string]float64 {
	m := map[string]float64{}
	for _, f := range fs {
		m[f.Name] = f.Value
	}
	return m
}

// Distal: the watched synapse's pairings are the agent's actions; each
// earns one reward 1–3 s later, so the rewards delivered are the pairings
// but those of the last 3 s; the control earns none; the rewarded synapse
// gains weight where the control's does not.
func TestNetworkDistal(t *testing.T) {
	file, body := networkFile(t, `kind = "reward"
seeds = 1
episodes = 40
[environment]
name = "distal"
[critic]
source = "reward"
step_ms = 1
[critic.dopamine]
gain = 0.5
[[agent]]
name = "network"
circuit = "small.toml"
watch = "ee"
watch_weight = 0.0
last_s = 5
[[condition]]
name = "rewarded"
[[condition]]
name = "control"
set = ["environment.reward=0"]
`)
	rs := runAll(t, load(t, file, body))
	got := map[string]map[string]float64{}
	for _, r := range rs {
		ret := 0.0
		for _, e := range r.Episodes {
			ret += e.Return
		}
		f := fields(r.Fields)
		f["return"] = ret
		got[r.Condition] = f
	}
	rw, ct := got["rewarded"], got["control"]
	t.Logf("rewarded %v", rw)
	t.Logf("control %v", ct)
	if rw["pairings"] < 5 {
		t.Fatalf("%g pairings in 40 s: the test tests nothing", rw["pairings"])
	}
	if rw["return"] > rw["pairings"] || rw["return"] < rw["pairings"]-10 || ct["return"] != 0 {
		t.Errorf("rewards %g for %g pairings (control %g)", rw["return"], rw["pairings"], ct["return"])
	}
	if !(rw["watched_weight_last"] > ct["watched_weight_last"]) {
		t.Errorf("watched weight %g rewarded, %g control: the reward did not help it", rw["watched_weight_last"], ct["watched_weight_last"])
	}
}

// The network agent refuses what cannot work, at the key.
func TestNetworkErrors(t *testing.T) {
	base := `kind = "reward"
seeds = 1
[environment]
name = "pavlovian"
[critic]
source = "reward"
step_ms = 1
[[agent]]
name = "network"
circuit = "small.toml"
stimulus_populations = ["exc"]
`
	for _, c := range []struct{ old, new, want string }{
		{`["exc"]`, `["cortex"]`, "stimulus_populations[0]: circuit"},
		{`circuit = "small.toml"`, "circuit = \"small.toml\"\ngroup_size = 81", "group_size: must be in [1, 80]"},
		{`circuit = "small.toml"`, "circuit = \"small.toml\"\nwatch = \"ee\"", "watch: the environment takes no actions"},
		{`name = "pavlovian"`, `name = "distal"`, "watch: the environment takes an action"},
		{`step_ms = 1`, `step_ms = 1.5`, "critic.step_ms: environment \"pavlovian\" counts its times in steps of 1 ms"},
		{`source = "reward"`, `source = "dopamine"`, "critic.source: must be"},
		{`circuit = "small.toml"`, `circuit = "brunel_stdp"`, `projection "ee" learns by two-factor STDP (stdp.rule = "stdp"), which no dopamine reaches`},
	} {
		wantEditRefused(t, base, c.old, c.new, c.want)
	}
}

// wantEditRefused: the reward file base (beside small.toml) with old
// replaced by new is refused with an error that contains want.
func wantEditRefused(t *testing.T, base, old, new, want string) {
	t.Helper()
	file, body := networkFile(t, strings.Replace(base, old, new, 1))
	doc, err := config.Parse(file, []byte(body))
	if err == nil {
		_, err = FromDoc(doc)
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s → %s: got %v, want %q", old, new, err, want)
	}
}

// A step of the network agent allocates nothing.
func TestNetworkStepAllocatesNothing(t *testing.T) {
	file, body := networkFile(t, `kind = "reward"
seeds = 1
episodes = 1
[environment]
name = "distal"
[critic]
source = "reward"
step_ms = 1
[[agent]]
name = "network"
circuit = "small.toml"
watch = "ee"
`)
	e := load(t, file, body)
	j := e.jobs[0]
	a, err := networkDef.New(j.Agent.AgentParams, Setup{Features: 1, Actions: 2, Rng: rand.New(rand.NewPCG(1, 2)),
		Dopamine: j.spec.Critic.Dopamine, StepMs: 1, RunMs: 1000})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0}
	for range 200 {
		a.Act(x, nil)
		a.Learn(x, 0, 1, x, false, 1)
	}
	if n := testing.AllocsPerRun(200, func() {
		a.Act(x, nil)
		a.Learn(x, 0, 1, x, false, 1)
	}); n != 0 {
		t.Errorf("a step allocates %g times", n)
	}
}
