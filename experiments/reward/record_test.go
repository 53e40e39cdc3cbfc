package reward

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

const recordedDistal = `kind = "reward"
seeds = 1
episodes = 12
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
last_s = 5
trace_every_ms = 100
raster_s = 1
weights_end = true
probe_every_ms = 100
[[agent.probe]]
synapse = "watched"
[[agent.probe]]
name = "third"
synapse = "index"
index = 3
[[condition]]
name = "rewarded"
[[condition]]
name = "control"
set = ["environment.reward=0"]
`

// Recording reads the circuit without changing it: a run that records
// traces, rasters and final weights ends with the very numbers of one
// that records nothing; the recording holds what it should (a sample
// every 100 ms, spikes only in the first and last second, every plastic
// synapse once with the watched one marked and equal to its reported
// weight).
func TestRecordingChangesNothing(t *testing.T) {
	file, body := networkFile(t, recordedDistal)
	quiet := strings.NewReplacer("trace_every_ms = 100\n", "", "raster_s = 1\n", "", "weights_end = true\n", "", "probe_every_ms = 100\n", "",
		"[[agent.probe]]\nsynapse = \"watched\"\n", "", "[[agent.probe]]\nname = \"third\"\nsynapse = \"index\"\nindex = 3\n", "").Replace(body)
	if strings.Contains(quiet, "probe") {
		t.Fatal("the quiet file still probes")
	}
	rec, plain := runAll(t, load(t, file, body)), runAll(t, load(t, file, quiet))
	for i := range rec {
		a, b := fields(rec[i].Fields), fields(plain[i].Fields)
		delete(a, "raster_spikes_dropped")
		for k, v := range b {
			if a[k] != v && !(math.IsNaN(v) && math.IsNaN(a[k])) {
				t.Errorf("%s: %s = %g recorded, %g not", rec[i].Condition, k, a[k], v)
			}
		}
		r := rec[i]
		if len(r.Traces) != 120 {
			t.Errorf("%s: %d trace rows, want 120 (12 s every 100 ms)", r.Condition, len(r.Traces))
		}
		if len(r.Spikes) == 0 {
			t.Errorf("%s: no spikes kept", r.Condition)
		}
		for _, s := range r.Spikes {
			if s.TMs > 1000 && s.TMs <= 11000 {
				t.Fatalf("%s: spike at %g ms, outside the first and last second", r.Condition, s.TMs)
			}
		}
		watched := 0
		for _, w := range r.Weights {
			if w.Watched {
				watched++
				if got, want := w.Weight/r.WMax[w.Proj], a["watched_weight_end"]; got != want {
					t.Errorf("%s: watched weight %g in weights_end, %g reported", r.Condition, got, want)
				}
			}
		}
		if watched != 1 || len(r.Weights) != 80*8 {
			t.Errorf("%s: %d weights, %d watched; want 640 and 1", r.Condition, len(r.Weights), watched)
		}
		last := r.Traces[len(r.Traces)-1]
		if last.Weight/r.WMax[0] != a["watched_weight_end"] {
			t.Errorf("%s: last sampled weight %g, at the end %g", r.Condition, last.Weight/r.WMax[0], a["watched_weight_end"])
		}
	}
}

// The recording files are written through their schemas and read back
// (dopa plot) as they were; the figures are drawn.
func TestRecordingFilesRoundTrip(t *testing.T) {
	file, body := networkFile(t, recordedDistal)
	e := load(t, file, body)
	rs := runAll(t, e)
	dir := t.TempDir()
	if err := e.write(dir, rs); err != nil {
		t.Fatal(err)
	}
	back, err := readResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rs) {
		t.Fatalf("%d runs read back, %d written", len(back), len(rs))
	}
	for i, r := range rs {
		b := back[i]
		if !slices.EqualFunc(r.Traces, b.Traces, func(x, y TraceRow) bool {
			return x.TS == y.TS && x.Dopamine == y.Dopamine && x.Eligibility == y.Eligibility && x.Weight == y.Weight && x.MeanWeight == y.MeanWeight
		}) {
			t.Errorf("%s: traces differ after the round trip", r.Condition)
		}
		if len(b.Spikes) != len(r.Spikes) || len(b.Weights) != len(r.Weights) {
			t.Errorf("%s: %d spikes and %d weights back, %d and %d written", r.Condition, len(b.Spikes), len(b.Weights), len(r.Spikes), len(r.Weights))
			continue
		}
		for k := range r.Spikes {
			x, y := r.Spikes[k], b.Spikes[k]
			if x.TMs != y.TMs || x.Neuron != y.Neuron || r.Populations[x.Pop] != b.Populations[y.Pop] {
				t.Fatalf("%s: spike %d: %+v written, %+v read", r.Condition, k, x, y)
			}
		}
		for k := range r.Weights {
			x, y := r.Weights[k], b.Weights[k]
			if x.Pre != y.Pre || x.Post != y.Post || x.Weight != y.Weight || x.Watched != y.Watched || r.WMax[x.Proj] != b.WMax[y.Proj] {
				t.Fatalf("%s: weight %d: %+v written, %+v read", r.Condition, k, x, y)
			}
		}
	}
	if err := writePlots(dir, back); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"synapse.png", "weights_end.png", "raster.png"} {
		if _, err := os.Stat(filepath.Join(dir, output.PlotsDir, f)); err != nil {
			t.Errorf("figure %s: %v", f, err)
		}
	}
}

// The bounds on what recording may write are refused at their keys.
func TestRecordingBounds(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"trace_every_ms = 100", "trace_every_ms = 0.5", "agent[network].trace_every_ms: is not a whole number"},
		{"trace_every_ms = 100", "trace_every_ms = -1", "agent[network].trace_every_ms: must be in [0, 1e7]"},
		{"episodes = 12", "episodes = 3000000", "agent[network].trace_every_ms: synapse_traces.csv would hold"},
		{"raster_s = 1", "raster_s = 61", "agent[network].raster_s: must be in [0, 60]"},
		{"seeds = 1", "seeds = 50000", "agent[network].weights_end: weights_end.csv would hold"},
	} {
		wantEditRefused(t, recordedDistal, c.old, c.new, c.want)
	}
}

// [[check]]: every run a check applies to gets a verdict in summary.json
// with its value; bounds of every form hold as written; bad checks are
// refused at their keys.
func TestChecks(t *testing.T) {
	for _, c := range []struct {
		bound string
		v     float64
		pass  bool
	}{
		{">= 0.75", 0.75, true}, {">= 0.75", 0.7499, false}, {"> 0.75", 0.75, false}, {"<= 2", 2, true}, {"< 2", 2, false},
		{"in [0.10, 0.25]", 0.1, true}, {"in [0.10, 0.25]", 0.25, true}, {"in [0.10, 0.25]", 0.26, false}, {">= 0", math.NaN(), false},
	} {
		b, err := parseBound(c.bound)
		if err != nil {
			t.Fatalf("%q: %v", c.bound, err)
		}
		if b.holds(c.v) != c.pass {
			t.Errorf("%q on %g: %v, want %v", c.bound, c.v, b.holds(c.v), c.pass)
		}
	}
	checks := `
[[check]]
metric = "pairings"
condition = "rewarded"
bound = ">= 1"
[[check]]
metric = "mean_return"
bound = "< 0.5"
[[check]]
metric = "watched_weight_end"
agent = "network"
condition = "control"
bound = "in [0, 0.1]"
`
	file, body := networkFile(t, recordedDistal+checks)
	e := load(t, file, body)
	rs := runAll(t, e)
	b, err := json.Marshal(e.Summary(rs))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Checks []struct {
			Metric, Condition string
			Value             *float64
			Pass              bool
		}
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Checks) != 4 { // 1 rewarded + 2 conditions + 1 control
		t.Fatalf("%d verdicts, want 4: %s", len(s.Checks), b)
	}
	byCond := map[string]*RunResult{}
	for _, r := range rs {
		byCond[r.Condition] = r
	}
	for _, v := range s.Checks {
		want := fields(byCond[v.Condition].Fields)[v.Metric]
		if v.Metric == "mean_return" {
			want = byCond[v.Condition].MeanReturn
		}
		if v.Value == nil || *v.Value != want {
			t.Errorf("%s %s: value %v, the run's %g", v.Condition, v.Metric, v.Value, want)
		}
	}
	for _, c := range []struct{ old, new, want string }{
		{`metric = "pairings"`, `metric = "pairing"`, `check[0].metric: unknown metric "pairing"`},
		{`bound = ">= 1"`, `bound = "=> 1"`, "check[0].bound: want"},
		{`bound = ">= 1"`, `bound = "in [2, 1]"`, "check[0].bound: the range [2, 1] is empty"},
		{`bound = ">= 1"`, `bound = ">= NaN"`, "check[0].bound: \"NaN\" is not a finite number"},
		{`agent = "network"`, `agent = "nobody"`, `check[2].agent: no agent is labelled "nobody"`},
		{`condition = "rewarded"` + "\nbound", `condition = "reward"` + "\nbound", `check[0].condition: no condition is named "reward"`},
	} {
		wantEditRefused(t, recordedDistal+checks, c.old, c.new, c.want)
	}
}

// A probe of the watched synapse samples what the trace samples, value for
// value; a probe by index and a probe by the same synapse's neurons sample
// the same rows; a pair the network does not connect fails the run,
// naming it; probes are refused at their keys when they cannot apply.
func TestProbes(t *testing.T) {
	file, body := networkFile(t, recordedDistal)
	rs := runAll(t, load(t, file, body))
	r := rs[0]
	if len(r.ProbeNames) != 2 || r.ProbeNames[0] != "probe0" || r.ProbeNames[1] != "third" {
		t.Fatalf("probe names %v", r.ProbeNames)
	}
	var watched, third []ProbeRow
	for _, p := range r.Probes {
		if p.Probe == 0 {
			watched = append(watched, p)
		} else {
			third = append(third, p)
		}
	}
	if len(watched) != len(r.Traces) || len(third) != len(r.Traces) {
		t.Fatalf("%d and %d probe rows, %d trace rows", len(watched), len(third), len(r.Traces))
	}
	for i, p := range watched {
		tr := r.Traces[i]
		if p.TS != tr.TS || p.Weight != tr.Weight || p.Eligibility != tr.Eligibility || p.Dopamine != tr.Dopamine {
			t.Fatalf("sample %d: probe %+v, trace %+v", i, p, tr)
		}
	}
	syn := r.ProbeSynapses[1]
	pair := strings.Replace(recordedDistal, "synapse = \"index\"\nindex = 3", fmt.Sprintf("synapse = \"pair\"\npre = %d\npost = %d", syn.Pre, syn.Post), 1)
	file, body = networkFile(t, pair)
	r2 := runAll(t, load(t, file, body))[0]
	for i, p := range r.Probes {
		if q := r2.Probes[i]; p != q {
			t.Fatalf("row %d: by index %+v, by pair %+v", i, p, q)
		}
	}
	// An unconnected pair: the first post neuron that pre neuron 0 does
	// not reach in this seed's network (weights_end lists its synapses).
	missing := -1
	for post := range 80 {
		connected := false
		for _, w := range r.Weights {
			if r.Projections[w.Proj] == "ee" && w.Pre == 0 && int(w.Post) == post {
				connected = true
			}
		}
		if !connected {
			missing = post
			break
		}
	}
	bad := strings.Replace(recordedDistal, "synapse = \"index\"\nindex = 3", fmt.Sprintf("synapse = \"pair\"\npre = 0\npost = %d", missing), 1)
	file, body = networkFile(t, bad)
	e := load(t, file, body)
	res, _, err := Run(context.Background(), e.jobs[0])
	if err == nil && res.Fail == "" || !strings.Contains(res.Fail+fmt.Sprint(err), fmt.Sprintf("no synapse 0→%d", missing)) {
		t.Errorf("unconnected pair 0→%d: fail %q, err %v", missing, res.Fail, err)
	}
	for _, c := range []struct{ old, new, want string }{
		{`synapse = "watched"`, `synapse = "rewarded"`, `probe[0].synapse: must be "watched", "index" or "pair"`},
		{"index = 3", "index = -1", "probe[third].index: must be in [0,"},
		{"probe_every_ms = 100", "probe_every_ms = 0", "probe_every_ms: must be in (0, 1e7] ms when there are probes"},
		{"probe_every_ms = 100", "probe_every_ms = 0.5", "probe_every_ms: is not a whole number"},
		{`name = "third"`, `name = "probe0"`, `probe[probe0].name: probe "probe0" is named twice`},
		{`synapse = "watched"`, "synapse = \"watched\"\nprojection = \"ie\"", "probe[0].synapse: the agent watches no synapse of this projection"},
		{"index = 3", "index = 3\npre = 2", `probe[third].pre: applies only to synapse = "pair"`},
	} {
		wantEditRefused(t, recordedDistal, c.old, c.new, c.want)
	}
}
