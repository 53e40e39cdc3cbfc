package distal

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// shortSpec is the default network for a few seconds, two seeds.
func shortSpec(seconds float64) *Spec {
	s := Spec{}.Defaults()
	s.DurationS = seconds
	s.Seeds = 2
	s.Record.LastS = 1
	return &s
}

func clearTimes(r *Result) {
	for i := range r.Runs {
		r.Runs[i].SimSeconds, r.Runs[i].WallSeconds = 0, 0
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	spec := shortSpec(3)
	spec.Reward.DelayMinMs, spec.Reward.DelayMaxMs = 100, 300 // rewards within the run
	spec.Network.WRewardedInit = 4                            // frequent pairings
	spec.Network.ThalamicAmplitude = 20                       // and spikes
	a, err := Run(context.Background(), spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	clearTimes(a)
	clearTimes(b)
	if len(a.Runs) != 4 {
		t.Fatalf("%d runs, want 4", len(a.Runs))
	}
	for i := range a.Runs {
		if !reflect.DeepEqual(a.Runs[i], b.Runs[i]) {
			t.Errorf("run %d (%s, seed %d) differs between 1 and 3 workers", i, a.Runs[i].Condition, a.Runs[i].Seed)
		}
	}
	rew, ctl := a.Runs[0], a.Runs[2]
	if rew.Condition != "rewarded" || ctl.Condition != "control" || rew.Seed != ctl.Seed {
		t.Fatalf("job order: %s/%d, %s/%d", rew.Condition, rew.Seed, ctl.Condition, ctl.Seed)
	}
	if rew.Rewards == 0 {
		t.Errorf("no reward delivered in the rewarded run (pairings %d)", rew.Pairings)
	}
	if ctl.Rewards != 0 {
		t.Errorf("control run got %d rewards", ctl.Rewards)
	}
	// Same seed, same network and input: the conditions agree until the
	// first reward.
	if rew.Pre != ctl.Pre || rew.Post != ctl.Post || !reflect.DeepEqual(rew.RasterFirst[:50], ctl.RasterFirst[:50]) {
		t.Error("the conditions of one seed do not share network and input")
	}
	if reflect.DeepEqual(a.Runs[0].Weights, a.Runs[1].Weights) {
		t.Error("two seeds gave the same weights")
	}
}

func TestShortRunWritesEverything(t *testing.T) {
	spec := shortSpec(2)
	spec.Seeds = 1
	res, err := Run(context.Background(), spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeAll(dir, res); err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Runs   []map[string]any `json:"runs"`
		ByRule map[string]any   `json:"by_rule"`
		Checks []map[string]any `json:"checks"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 2 {
		t.Fatalf("%d runs in summary.json", len(sum.Runs))
	}
	for _, r := range sum.Runs {
		for _, k := range []string{"rule", "condition", "seed", "spike_count", "sim_seconds", "w_max", "rewarded_weight",
			"rewarded_weight_last", "rewarded_weight_percentile", "mean_other_weight", "median_other_weight",
			"fraction_other_above_90pct", "rewards", "wall_seconds"} {
			v, ok := r[k]
			if !ok {
				t.Errorf("%v: no %s", r["condition"], k)
				continue
			}
			if v == nil && !(k == "rewards" && r["condition"] == "control") {
				t.Errorf("%v: %s is null", r["condition"], k)
			}
		}
		if r["rule"] != "rstdp" {
			t.Errorf("rule = %v", r["rule"])
		}
	}
	if sum.Runs[1]["rewards"] != nil {
		t.Errorf("control rewards = %v, want null", sum.Runs[1]["rewards"])
	}
	if _, ok := sum.ByRule["rstdp"]; !ok || len(sum.Checks) != 5 {
		t.Errorf("by_rule %v, %d checks", sum.ByRule, len(sum.Checks))
	}
	for _, f := range []string{"manifest.json", output.SynapseTracesFile, output.WeightsEndFile, output.NetworkRastersFile,
		"plots/distal_reward.png", "plots/distal_reward.svg", "plots/weights_end.png", "plots/weights_end.svg", "plots/raster.png"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	tr, _ := os.ReadFile(filepath.Join(dir, output.SynapseTracesFile))
	if lines := strings.Count(string(tr), "\n"); lines != 1+2*20 {
		t.Errorf("%s has %d lines, want 41", output.SynapseTracesFile, lines)
	}
	w, _ := os.ReadFile(filepath.Join(dir, "weights_end.csv"))
	if lines := strings.Count(string(w), "\n"); lines != 1+2*800*100 {
		t.Errorf("weights_end.csv has %d lines, want %d", lines, 1+2*800*100)
	}
	var m map[string]any
	b, _ = os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"resolved", "seeds", "go_version", "start", "end"} {
		if m[k] == nil {
			t.Errorf("manifest.json: no %s", k)
		}
	}
}

// quietSim is a network whose neurons fire only when the test makes them.
func quietSim(t *testing.T, reward bool) *sim {
	t.Helper()
	spec := Spec{}.Defaults()
	spec.Network.NExc, spec.Network.NInh, spec.Network.Synapses = 20, 5, 5
	spec.Network.WExcInit, spec.Network.WInh, spec.Network.ThalamicAmplitude = 0, 0, 0
	spec.DurationS = 10
	s, err := newSim(&spec, 1, reward)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fire makes neuron i spike in the next step.
func fire(s *sim, i int32) { s.E.Input()[i] += 1000 }

func TestRewardScheduling(t *testing.T) {
	for _, c := range []struct {
		lag     int
		rewards int
	}{{1, 1}, {5, 1}, {19, 1}, {20, 0}, {25, 0}, {0, 0}} {
		s := quietSim(t, true)
		for range 100 {
			s.step()
		}
		fire(s, s.preR)
		if c.lag == 0 {
			fire(s, s.postR)
		}
		s.step()
		tPair := s.n
		for range c.lag - 1 {
			s.step()
		}
		if c.lag > 0 {
			fire(s, s.postR)
			s.step()
			tPair = s.n
		}
		if c.lag == 0 {
			if s.E.Output()[s.preR] == 0 || s.E.Output()[s.postR] == 0 {
				t.Fatal("the neurons did not fire together")
			}
		}
		var at []int
		for s.n < tPair+3500 {
			before := s.rewards
			s.step()
			if s.rewards != before {
				at = append(at, s.n-tPair)
			}
		}
		if len(at) != c.rewards || s.pairings != c.rewards {
			t.Errorf("lag %d ms: rewards at %v after the pairing (pairings %d), want %d", c.lag, at, s.pairings, c.rewards)
			continue
		}
		for _, d := range at {
			if d < 1000 || d > 3000 {
				t.Errorf("lag %d ms: reward %d ms after the pairing, want 1000–3000", c.lag, d)
			}
		}
		if c.rewards == 1 && math.Abs(s.probe.D-0.5*math.Exp(-float64(s.n-tPair-at[0])/200)) > 1e-9 {
			t.Errorf("lag %d ms: d = %g after the reward", c.lag, s.probe.D)
		}
	}
	// Without reward, the pairing is counted but nothing is scheduled.
	s := quietSim(t, false)
	fire(s, s.preR)
	s.step()
	fire(s, s.postR)
	s.step()
	for range 3500 {
		s.step()
	}
	if s.pairings != 1 || s.rewards != 0 || s.probe.D != 0 {
		t.Errorf("control: pairings %d, rewards %d, d %g", s.pairings, s.rewards, s.probe.D)
	}
}

func TestRewardedSynapseLearns(t *testing.T) {
	// Pair pre → post (2 ms) once a second with reward: the rewarded weight
	// must grow, and the shadow used for the traces must agree with the
	// projection once it is flushed.
	s := quietSim(t, true)
	s.dmin, s.dspan = 1000, 1
	for k := range 8 {
		for s.n < 1000*(k+1) {
			s.step()
		}
		fire(s, s.preR)
		s.step()
		s.step()
		fire(s, s.postR)
		s.step()
	}
	for s.n < 9990 {
		s.step()
	}
	s.finish()
	w := s.EE.W[s.kR]
	if !(w > 0.05) {
		t.Errorf("rewarded weight %g after 8 rewarded pairings", w)
	}
	if math.Abs(w-s.probe.W) > 1e-9 || math.Abs(s.EE.Eligibility()[s.kR]-s.probe.C) > 1e-9 {
		t.Errorf("shadow (c %g, w %g) differs from the projection (c %g, w %g)", s.probe.C, s.probe.W, s.EE.Eligibility()[s.kR], w)
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	spec := Spec{}.Defaults()
	spec.DurationS = 20
	spec.Reward.DelayMinMs, spec.Reward.DelayMaxMs = 10, 30
	spec.Network.WRewardedInit = 4
	s, err := newSim(&spec, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	for range 1500 {
		s.step()
	}
	if a := testing.AllocsPerRun(3000, s.step); a != 0 {
		t.Errorf("step allocates %g times", a)
	}
	if s.spikesE == 0 {
		t.Error("no spikes")
	}
}

func TestOtherStats(t *testing.T) {
	st := otherStats([]float64{0, 1, 2, 4, 4}, 4, 4)
	if st.percentile != 80 || st.mean != 2.2 || st.median != 2 || st.above90 != 0.4 {
		t.Errorf("%+v", st)
	}
	st = otherStats([]float64{3, 1, 2, 0}, 0.5, 4)
	if st.percentile != 25 || st.median != 1.5 || st.above90 != 0 {
		t.Errorf("%+v", st)
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, shortSpec(2), 2)
	if err == nil || res == nil || !res.Interrupted {
		t.Fatalf("err %v, res %v", err, res)
	}
	if err := writeAll(t.TempDir(), res); err != nil {
		t.Fatal(err)
	}
}

func TestTinyRunsWrite(t *testing.T) {
	for _, set := range [][2]string{{"network.n_inh", "0"}, {"record.raster_ms", "0"}, {"network.repeated_targets", "distinct"}, {"network.thalamic", "single"}} {
		spec := Spec{}.Defaults()
		for _, kv := range [][2]string{{"duration_s", "0.05"}, set} {
			if err := spec.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Run(context.Background(), &spec, 0)
		if err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		if err := writeAll(t.TempDir(), res); err != nil {
			t.Errorf("%s: %v", set, err)
		}
	}
}
