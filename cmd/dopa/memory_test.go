package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
)

// TestMemoryBadInputs: bad memory-study files and overrides exit with
// status 2 and one message naming the file, the line and the key (or the
// --set key), write nothing, and validate agrees.
func TestMemoryBadInputs(t *testing.T) {
	auto := builtinText(t, "autoassociation", false)
	will := builtinText(t, "willshaw", false)
	for _, tc := range []badCase{
		{name: "unknown key", file: edit(t, auto, "queries = 500", "querys = 500"), at: "querys = 500", want: []string{"querys", "unknown key"}},
		{name: "unknown rule", file: edit(t, auto, `"covariance", "bayes"]`, `"covariance", "bayse"]`), at: `"bayse"`, want: []string{"rules", "bayse"}},
		{name: "rule twice", file: edit(t, auto, `"covariance", "bayes"]`, `"bayes", "bayes"]`), at: "rules = ", want: []string{"rules", "listed twice"}},
		{name: "n too large", file: edit(t, auto, "n = [1000]", "n = [1000000]"), at: "n = [1000000]", want: []string{"patterns.n", "must be in [2, 10000]"}},
		{name: "too many sizes", file: edit(t, auto, "n = [1000]", "n = ["+strings.Repeat("100, ", 21)+"100]"), at: "n = [100,", want: []string{"patterns.n", "more than 20"}},
		{name: "load too large", file: edit(t, auto, "m = [1000,", "m = [100000,"), at: "m = [100000,", want: []string{"m", "must be in [1, 65535]"}},
		{name: "no loads", file: edit(t, auto, "m = [1000, 2000, 3000, 4000, 5000]", "m = []"), at: "m = []", want: []string{"m", "list the loads"}},
		{name: "load and range", file: edit(t, auto, "m = [1000,", "m_range = {from = 1, to = 10, step = 1}\nm = [1000,"), at: "m_range", want: []string{"m_range", "not both"}},
		{name: "range too long", file: edit(t, auto, "m = [1000, 2000, 3000, 4000, 5000]", "m_range = {from = 1, to = 60000, step = 1}"), at: "m_range", want: []string{"m_range", "more than 200"}},
		{name: "seeds", file: edit(t, auto, "seeds = 5", "seeds = 100000"), at: "seeds = 100000", want: []string{"seeds", "must be in [1, 1000]"}},
		{name: "queries", file: edit(t, auto, "queries = 500", "queries = 10000000"), at: "queries = 10000000", want: []string{"queries", "must be in [1, 100000]"}},
		{name: "too many runs", file: edit(t, edit(t, auto, "seeds = 5", "seeds = 1000"), "m = [1000, 2000, 3000, 4000, 5000]", "m_range = {from = 100, to = 5000, step = 100}"), at: "seeds = 1000", want: []string{"seeds", "more than 100000"}},
		{name: "steps", file: edit(t, auto, "name = \"iterative\"\nsteps = 5", "name = \"iterative\"\nsteps = 5000"), at: "steps = 5000", want: []string{"mode[iterative].steps", "must be in [1, 1000]"}},
		{name: "k out of range", file: edit(t, auto, "\nk = 10", "\nk = 1000"), at: "k = 1000", want: []string{"patterns.k", "must be in [1, n)"}},
		{name: "query noise", file: edit(t, auto, "p01 = 0.5", "p01 = 1.5"), at: "p01 = 1.5", want: []string{"query.p01"}},
		{name: "string for number", file: edit(t, will, "queries = 2000", `queries = "many"`), at: `queries = "many"`, want: []string{"queries", "expected"}},
		{name: "module_wta without modules", file: edit(t, auto, `activation = "kwta"`, `activation = "module_wta"`), at: `activation = "module_wta"`, want: []string{"activation", "module_wta needs modular"}},
		{name: "hetero iterative", file: edit(t, auto, "seeds = 5", "seeds = 5\nhetero = true"), at: "ane = true", want: []string{"mode[one-step+ane].ane", "auto-association"}},
		{name: "content too large", file: edit(t, edit(t, will, "seeds = 1", "seeds = 1\nhetero = true"), "[query]", "[content]\nn = 100000000\n\n[query]"), at: "n = 100000000", want: []string{"content.n", "must be in [2, 10000]"}},
		{name: "k_log2 with modules", file: edit(t, edit(t, auto, "\nk = 10", "\nk_log2 = true"), `kind = "fixed_k"`, `kind = "modular"`), at: "k_log2", want: []string{"patterns.k_log2", "not modular"}},
		{name: "too many stored units", file: edit(t, edit(t, will, "kind = \"fixed_k\"", "kind = \"bernoulli\"\np = 0.9"), "n = [1000]", "n = [10000]"), at: "m = [", want: []string{"m", "stored units"}},
		{name: "--set of a bad size", args: []string{"willshaw", "--set", "patterns.n=20000"}, want: []string{"--set patterns.n", "must be in [2, 10000]"}},
		{name: "--set of an unknown rule", args: []string{"willshaw", "--set", "rules=willshaw,hopfield"}, want: []string{"--set rules", "hopfield"}},
		{name: "--set of an unknown key", args: []string{"willshaw", "--set", "patterns.kk=3"}, want: []string{"--set patterns.kk", "unknown key"}},
		{name: "--seeds too many", args: []string{"willshaw", "--seeds", "5000"}, want: []string{"--set seeds", "must be in [1, 1000]"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkBadInput(t, tc, 0, true) })
	}
}

// memoryStudy is a small study that sets every parameter a user may set
// with --set: sizes (with k = round(log₂ n)), loads, rules, query noise,
// modes, capacity.
var memoryStudy = []string{"--set", "patterns.n=120,160", "--set", "patterns.k_log2=true", "--set", "m=[40, 80]",
	"--set", "rules=willshaw,bcpnn,bayes", "--set", "query.p01=0.4", "--set", "query.p10=0.01", "--set", "query.exact=false",
	"--set", "mode.iterative.steps=3", "--set", "queries=40", "--set", "capacity.eps=0.1", "--set", "capacity.max_m=200", "--seeds", "2"}

// TestMemoryRunEndToEnd runs a small study through the program with 1 and
// 2 workers: the same bytes (wall times aside), every run carrying the
// issue's fields, the figures drawn, and dopa plot and validate working on
// the kind.
func TestMemoryRunEndToEnd(t *testing.T) {
	var got [2]map[string][]byte
	workers := []string{"1", "2"}
	if race.Enabled {
		// Under the race detector the two workers alone (their byte
		// comparison with one worker runs without -race), so that go test
		// -race stays within its timeout.
		workers = []string{"2"}
	}
	for i, w := range workers {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"run", "autoassociation", "--out", out, "--quiet", "--workers", w}, memoryStudy...)
		code, stdout, stderr := dopa(t, args...)
		if code != 0 {
			t.Fatalf("workers %s: exit %d: %s", w, code, stderr)
		}
		if !strings.Contains(stdout, "capacity bayes") {
			t.Errorf("stdout lacks the capacities: %q", stdout)
		}
		files, err := goldenFiles(out)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = files
		for _, f := range []string{"summary.json", "memory.csv", "capacity.csv"} {
			if _, ok := files[f]; !ok {
				t.Errorf("workers %s: no %s", w, f)
			}
		}
		for _, p := range []string{"epsilon_vs_m_n120.png", "epsilon_vs_m_n160.svg", "capacity_vs_n.png"} {
			if _, err := os.Stat(filepath.Join(out, "plots", p)); err != nil {
				t.Errorf("workers %s: %v", w, err)
			}
		}
		if i == 0 {
			var m struct {
				Kind     string `json:"kind"`
				Complete bool   `json:"complete"`
				Done     int    `json:"runs_done"`
				Planned  int    `json:"runs_planned"`
			}
			b, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
			if err := json.Unmarshal(b, &m); err != nil || m.Kind != "memory" || !m.Complete || m.Done != m.Planned || m.Planned != 2*2*3*4+2*2*3*2 /* jobs: each load stored once and retrieved in both modes; each capacity search */ {
				t.Errorf("manifest: %+v (%v)", m, err)
			}
			var s struct {
				Runs []map[string]any `json:"runs"`
			}
			if err := json.Unmarshal(files["summary.json"], &s); err != nil {
				t.Fatal(err)
			}
			if len(s.Runs) != 2*2*2*3*4 {
				t.Errorf("%d runs in summary.json", len(s.Runs))
			}
			for _, r := range s.Runs {
				for _, k := range []string{"rule", "patterns", "output_noise", "perfect_recall_fraction", "bits_per_synapse"} {
					if v, ok := r[k]; !ok || v == nil {
						t.Fatalf("run %v: no %s", r, k)
					}
				}
				if r["n"].(float64) == 160 && r["k"].(float64) != 7 {
					t.Errorf("k_log2 at n = 160: k = %v, want 7", r["k"])
				}
			}
			os.RemoveAll(filepath.Join(out, "plots"))
			if code, _, stderr := dopa(t, "plot", out); code != 0 {
				t.Errorf("dopa plot: exit %d: %s", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(out, "plots", "capacity_vs_n.svg")); err != nil {
				t.Errorf("dopa plot: %v", err)
			}
		}
	}
	if len(workers) == 2 && goldenSums(got[0]) != goldenSums(got[1]) {
		t.Errorf("1 and 2 workers differ:\n%s\n%s", goldenSums(got[0]), goldenSums(got[1]))
	}
	if code, stdout, _ := dopa(t, "validate", "autoassociation"); code != 0 || !strings.Contains(stdout, "valid memory study") {
		t.Errorf("validate: exit %d, %q", code, stdout)
	}
}

// TestMemoryPlotRefusesDamage: dopa plot on a memory directory with a
// damaged memory.csv exits 2 naming the file and the line.
func TestMemoryPlotRefusesDamage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := dopa(t, "run", "willshaw", "--out", out, "--quiet", "--set", "queries=20", "--set", "m=100"); code != 0 {
		t.Fatal(stderr)
	}
	f, _ := os.OpenFile(filepath.Join(out, "memory.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("2000000,10,willshaw,one-step,1,100,20,0,0,1,0,0,0,0,0,0,1,0.1,0.1\n")
	f.Close()
	os.RemoveAll(filepath.Join(out, "plots"))
	code, _, stderr := dopa(t, "plot", out)
	if code != 2 || !strings.Contains(stderr, "memory.csv line 3") || !strings.Contains(stderr, "out of range") {
		t.Errorf("exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "plots")); !os.IsNotExist(err) {
		t.Errorf("plots/ was written")
	}
}

// TestMemoryInterrupted: a memory study stopped before its runs (Ctrl-C)
// exits 1, says where it kept what it finished, and leaves a manifest that
// is not complete, which --resume then reruns.
func TestMemoryInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	code := run(ctx, []string{"run", "willshaw", "--out", out, "--quiet", "--set", "queries=20"}, &o, &e)
	if code != 1 || !strings.Contains(e.String(), "interrupted: kept the") {
		t.Fatalf("exit %d, %q", code, e.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil || !strings.Contains(string(b), `"complete": false`) {
		t.Fatalf("manifest: %v %s", err, b)
	}
	if code, _, stderr := dopa(t, "run", "willshaw", "--out", out, "--quiet", "--resume", "--set", "queries=20"); code != 0 {
		t.Fatalf("--resume: exit %d: %s", code, stderr)
	}
	b, _ = os.ReadFile(filepath.Join(out, "manifest.json"))
	if !strings.Contains(string(b), `"complete": true`) {
		t.Errorf("after --resume: %s", b)
	}
}
