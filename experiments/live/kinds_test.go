package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/experiments/reward"
	"github.com/dopa-sim/dopa/experiments/simulation"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/synapse"
)

// testFile runs a file of the repository live, served by an httptest
// server on loopback.
func testFile(t testing.TB, path, rule string, pace float64, overrides ...string) (*Session, *Server, *httptest.Server) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return serveConfig(t, Config{File: path, Data: data, Rule: rule, Pace: pace, Overrides: overrides})
}

// TestStepperIsRetrieve: the live view's step-by-step retrieval (one step
// at a time, each output fed back) ends where memory.Retriever.Retrieve
// with the mode's steps ends, with ANE and until_stable too.
func TestStepperIsRetrieve(t *testing.T) {
	for _, md := range []memory.FileMode{{Name: "it", Steps: 5, UntilStable: true, ANE: true}, {Name: "it5", Steps: 5}, {Name: "one", Steps: 1}} {
		f := memory.File{}.Defaults()
		cfg := f.Config(1000, f.Rules[3], md, 3000)
		m, err := memory.Store(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.NewRetriever()
		if err != nil {
			t.Fatal(err)
		}
		st := newStepper(m, md)
		if err := st.ready(m); err != nil {
			t.Fatal(err)
		}
		rq := rng.Stream(7, "q")
		var q, scratch []int32
		multi := 0
		for range 50 {
			mu := rq.IntN(m.M)
			q, scratch = cfg.Query.Apply(rq, q[:0], m.U[mu], 1000, scratch)
			want, steps := r.Retrieve(q)
			outs := st.retrieve(q)
			if len(outs) != steps || !slices.Equal(outs[len(outs)-1], want) {
				t.Fatalf("%s: stepper %d steps ending %v, Retrieve %d steps %v", md.Name, len(outs), outs[len(outs)-1], steps, want)
			}
			if steps > 1 {
				multi++
			}
		}
		if md.Steps > 1 && multi == 0 {
			t.Errorf("%s: no query took more than one step: the check checked nothing", md.Name)
		}
	}
}

// TestStoreNextIsStore: patterns stored a few at a time are the patterns
// and count synapses memory.Store makes at once (auto- and
// hetero-association).
func TestStoreNextIsStore(t *testing.T) {
	for _, hetero := range []bool{false, true} {
		f := memory.File{}.Defaults()
		f.Hetero = hetero
		cfg := f.Config(500, f.Rules[0], f.Modes[0], 1)
		cont := cfg.Patterns
		if hetero {
			cont = cfg.Content
		}
		counts, _ := synapse.NewCounts(cfg.Patterns.N, cont.N)
		mem := &memory.Memory{Config: cfg, Counts: counts}
		ru, rv := rng.Stream(3, "memory/patterns"), rng.Stream(3, "memory/content")
		for _, k := range []int{1, 7, 50, 142} {
			if err := storeNext(mem, cont, ru, rv, k); err != nil {
				t.Fatal(err)
			}
		}
		cfg.M = 200
		want, err := memory.Store(cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		if mem.M != 200 || !reflect.DeepEqual(mem.U, want.U) || !reflect.DeepEqual(mem.V, want.V) || !reflect.DeepEqual(mem.Counts, want.Counts) {
			t.Errorf("hetero %v: stored a few at a time differs from memory.Store", hetero)
		}
		if hetero && reflect.DeepEqual(mem.U, mem.V) {
			t.Error("hetero-association stored u as its own content")
		}
	}
}

// TestRasterLeavesTrainingAlone: the raster of a spiking training circuit
// is made on a copy: the watched run solves after exactly the trials of
// the run nobody watches.
func TestRasterLeavesTrainingAlone(t *testing.T) {
	s, _, _ := testFile(t, "experiments/xor_spiking.toml", "dopamine", 0)
	waitFor(t, 20*time.Second, "the run did not end", func() bool { st := s.State().Status; return st != "running" && st != "" })
	if _, ok := s.hub.View("raster"); !ok {
		t.Fatal("no raster")
	}
	o, err := bare(s)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("solved after %d trials (%d updates)", o.Trials, o.Epochs)
	if st := s.State().Status; st != want {
		t.Errorf("watched: %q, alone: %q", st, want)
	}
}

// TestSimulationRaster: a simulation file runs live, its raster holds the
// spikes of the last 200 ms (within the window, on rows of the circuit),
// its points the firing rate.
func TestSimulationRaster(t *testing.T) {
	s, _, _ := testFile(t, "circuits/cuba.toml", "", 0, "duration_ms=300")
	waitFor(t, 20*time.Second, "the simulation did not end", func() bool { return strings.HasPrefix(s.State().Status, "simulated 300 ms") })
	b, _ := s.hub.View("raster")
	var r struct {
		From, Ms float64
		Rows     int
		Stride   int
		T        []float64
		R        []int
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.From != 100 || r.Ms != 200 || r.Stride != 10 || r.Rows != 400 || len(r.T) < 50 {
		t.Fatalf("raster from %g for %g ms, stride %d, %d rows, %d spikes", r.From, r.Ms, r.Stride, r.Rows, len(r.T))
	}
	for i := range r.T {
		if r.T[i] <= 0 || r.T[i] > 200 || r.R[i] < 0 || r.R[i] >= 400 {
			t.Fatalf("spike %d at %g ms, row %d", i, r.T[i], r.R[i])
		}
	}
	p, _ := s.hub.Last()
	if p.Epoch != 300 || p.Trials != 3000 || !(p.Rate >= 0 && p.Rate < 200) {
		t.Errorf("last point %+v", p)
	}
	// The live simulation is the one dopa run makes (seed 1): the same spikes.
	s.mu.Lock()
	cf := s.src.sim
	s.mu.Unlock()
	sim, err := simulation.Simulate(context.Background(), cf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("simulated 300 ms: %d spikes", sim.SpikeCount); s.State().Status != want {
		t.Errorf("live: %q, dopa run: %q", s.State().Status, want)
	}
}

// TestControlsAreSetKeys: every generated control of a training (rate and
// spiking), forecasting, simulation and memory file names a key that
// --set takes, with the value it shows; the neuron and task groups are
// there.
func TestControlsAreSetKeys(t *testing.T) {
	for _, c := range []struct {
		path  string
		want  []string
		group string
	}{
		{"experiments/xor.toml", []string{"circuit.population.hidden.size", "circuit.population.hidden.activation", "rule.dopamine.modulator.lr_range"}, groupNeurons},
		{"experiments/xor_spiking.toml", []string{"circuit.population.hidden.tau_m_ms", "circuit.population.input.rate_hz_per_unit"}, groupNeurons},
		{"experiments/mackey_glass.toml", []string{"forecast.horizon", "mackey_glass.tau", "mackey_glass.method", "circuit.population.hidden.tau_ms"}, groupTask},
		{"experiments/regression_tanh.toml", []string{"teacher_activation", "batch_size", "circuit.population.hidden1.size"}, groupTask},
		{"circuits/cuba.toml", []string{"circuit.population.exc.v_thresh_mv", "duration_ms"}, groupNeurons},
		{"experiments/autoassociation.toml", []string{"activation", "query.p01", "mode.one-step.ane"}, groupMemory},
		{"experiments/conditioning.toml", []string{"critic.alpha", "critic.dopamine.gain", "environment.reward_probability", "episodes"}, groupDopamine},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", c.path))
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{File: c.path, Data: data, Paused: true})
		if err != nil {
			t.Fatal(err)
		}
		ctls := s.State().Controls
		keys := map[string]Control{}
		for _, ct := range ctls {
			keys[ct.Key] = ct
			if _, err := s.Set(ct.Key, ct.Value); err != nil {
				t.Errorf("%s: control %s=%s: %v", c.path, ct.Key, ct.Value, err)
			}
		}
		for _, k := range c.want {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s: no control %s", c.path, k)
			}
		}
		if !slices.ContainsFunc(ctls, func(ct Control) bool { return ct.Group == c.group }) {
			t.Errorf("%s: no %s controls", c.path, c.group)
		}
		if a, ok := keys["circuit.population.hidden.activation"]; ok && (a.Kind != "choice" || !slices.Contains(a.Options, "tanh") || !slices.Contains(a.Options, "relu")) {
			t.Errorf("activation control %+v", a)
		}
		// Every option of a menu is a value --set takes (but activation
		// module_wta, which needs modular patterns).
		for _, ct := range ctls {
			for _, o := range ct.Options {
				if o == "module_wta" {
					continue
				}
				if _, err := s.Set(ct.Key, o); err != nil {
					t.Errorf("%s: %s=%s offered, refused: %v", c.path, ct.Key, o, err)
				}
				if _, err := s.Set(ct.Key, ct.Value); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestTaskControlChangesRun: a task key starts a new run with the new
// value; a bad one is refused with the very error dopa run --set gives
// (Plan.Set then Plan.Validate) and changes nothing.
func TestTaskControlChangesRun(t *testing.T) {
	s, _, _ := testServer(t, "mackey_glass", "dopamine2", 0, "max_trials=200000")
	waitFor(t, 10*time.Second, "no updates", func() bool { p, _ := s.hub.Last(); return p.Epoch > 2 })
	run := s.hub.runNow()
	ch, err := s.Set("forecast.horizon", "3")
	if err != nil || ch.Live {
		t.Fatalf("set: %+v %v", ch, err)
	}
	waitFor(t, 5*time.Second, "no new run", func() bool { return s.hub.runNow() > run })
	s.mu.Lock()
	h := s.src.plan.Spec.Params
	s.mu.Unlock()
	if got := fmt.Sprintf("%+v", h); !strings.Contains(got, "Horizon:3") {
		t.Errorf("running task params %s", got)
	}
	// The error dopa run gives for the same value.
	plan, err := training.Builtin("mackey_glass")
	if err != nil {
		t.Fatal(err)
	}
	want := plan.Set("forecast.horizon=0")
	if want == nil {
		want = plan.Validate()
	}
	if want == nil {
		t.Fatal("horizon 0 is valid: the test checks nothing")
	}
	run = s.hub.runNow()
	before := s.Overrides()
	if _, err := s.Set("forecast.horizon", "0"); err == nil || err.Error() != want.Error() {
		t.Errorf("error %v, want %v", err, want)
	}
	if s.hub.runNow() != run || !mapsEqual(s.Overrides(), before) {
		t.Errorf("a bad value changed the run or the values: %v", s.Overrides())
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRewardLive: a reward file runs live, one episode per update, and the
// page's trial view is the last episode's δ and V exactly as dopa run
// computes them for that agent, condition and seed.
func TestRewardLive(t *testing.T) {
	s, _, _ := testFile(t, "experiments/conditioning.toml", "critic/p=0.5", 0, "episodes=40")
	waitFor(t, 20*time.Second, "the run did not end", func() bool { return strings.HasPrefix(s.State().Status, "40 episodes of critic/p=0.5") })
	b, ok := s.hub.View("trial")
	if !ok {
		t.Fatal("no trial view")
	}
	var v struct {
		Episode int
		Step    []int
		Delta   []float64
		Value   []float64
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Episode != 40 || len(v.Step) != 25 || len(v.Delta) != 25 {
		t.Fatalf("trial view of episode %d with %d steps", v.Episode, len(v.Step))
	}
	s.mu.Lock()
	f := s.src.rew
	s.mu.Unlock()
	if err := f.Override("record.steps_every", "1"); err != nil {
		t.Fatal(err)
	}
	job, ok := f.Job("critic/p=0.5", f.Seed)
	if !ok {
		t.Fatal("no job critic/p=0.5")
	}
	r, done, err := reward.Run(context.Background(), job)
	if err != nil || !done {
		t.Fatal(err)
	}
	last := r.Steps[len(r.Steps)-25:]
	for i, st := range last {
		if st.Delta != v.Delta[i] || st.Value != v.Value[i] {
			t.Fatalf("step %d: live δ %g V %g, dopa run δ %g V %g", i+1, v.Delta[i], v.Value[i], st.Delta, st.Value)
		}
	}
	p, _ := s.hub.Last()
	if p.Epoch != 40 || p.Loss != r.Episodes[39].Return {
		t.Errorf("last point %+v, episode 40's return %g", p, r.Episodes[39].Return)
	}
}
