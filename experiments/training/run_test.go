package training

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/output"

	"github.com/dopa-sim/dopa/experiments/train"
)

func smallPlan(t *testing.T, workers string) *Plan {
	t.Helper()
	p, err := Builtin("xor")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{"seeds=3", "max_trials=2000", "record.every=1", "record.trace_seeds=2", "workers=" + workers} {
		if err := p.Set(kv); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeAll(t *testing.T, p *Plan) string {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := p.Execute(context.Background(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBitIdenticalForAnyWorkerCount: one seed, the same bytes in
// metrics.csv and traces.csv whether one worker or three train the runs.
func TestBitIdenticalForAnyWorkerCount(t *testing.T) {
	a := writeAll(t, smallPlan(t, "1"))
	b := writeAll(t, smallPlan(t, "3"))
	c := writeAll(t, smallPlan(t, "3"))
	for _, f := range []string{"metrics.csv", "traces.csv"} {
		fa, _ := os.ReadFile(filepath.Join(a, f))
		fb, _ := os.ReadFile(filepath.Join(b, f))
		fc, _ := os.ReadFile(filepath.Join(c, f))
		if len(fa) < 1000 {
			t.Fatalf("%s: only %d bytes", f, len(fa))
		}
		if !bytes.Equal(fa, fb) || !bytes.Equal(fb, fc) {
			t.Errorf("%s differs between worker counts or repeats", f)
		}
	}
}

// TestSameInitialCircuitForEveryRule: a seed's initial weights do not
// depend on the rule, so rules are compared from the same start.
func TestSameInitialCircuitForEveryRule(t *testing.T) {
	p := smallPlan(t, "1")
	c1, err := p.Circuit.Build(Stream(7, "init"))
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := p.Circuit.Build(Stream(7, "init"))
	c3, _ := p.Circuit.Build(Stream(8, "init"))
	if !equal(c1.Links[0].W, c2.Links[0].W) || equal(c1.Links[0].W, c3.Links[0].W) {
		t.Error("initial weights must depend on the seed alone")
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestInterruptedKeepsFinishedRuns: cancelling stops the pool; runs that
// finished are kept, the others are marked not done.
func TestInterruptedKeepsFinishedRuns(t *testing.T) {
	p := smallPlan(t, "1")
	ctx, cancel := context.WithCancel(context.Background())
	finished := 0
	res, _, err := p.Execute(ctx, t.TempDir(), Options{Done: func(int, int) {
		finished++
		if finished == 2 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("an interrupted run returned no error")
	}
	done := 0
	for _, r := range res {
		if r.Done {
			done++
		}
	}
	if done < 2 || done == len(res) {
		t.Errorf("%d of %d runs done after cancelling at 2", done, len(res))
	}
	s := p.Summarize(res)
	if len(s.Runs) != done {
		t.Errorf("summary has %d runs, want the %d finished", len(s.Runs), done)
	}
}

func TestSummaryMediansCountUnsolvedAsInfinite(t *testing.T) {
	p := smallPlan(t, "1")
	rs := []Result{
		{Rule: "wp", Seed: 1, Done: true, Solved: true, TrialsToCriterion: 10, EpochsToCriterion: 5, FinalLoss: 0.001},
		{Rule: "wp", Seed: 2, Done: true, Solved: false, TrialsToCriterion: -1, EpochsToCriterion: -1, FinalLoss: 0.3},
		{Rule: "wp", Seed: 3, Done: true, Solved: true, TrialsToCriterion: 30, EpochsToCriterion: 15, FinalLoss: 0.002},
	}
	s := p.Summarize(rs)
	b := s.ByRule["wp"]
	if b.Num("median_trials_to_criterion") == nil || *b.Num("median_trials_to_criterion") != 30 {
		t.Errorf("median trials %v, want 30 (unsolved counts as +inf)", b.Num("median_trials_to_criterion"))
	}
	if b.Num("solved_fraction") == nil || *b.Num("solved_fraction") != 2.0/3 {
		t.Fatalf("solved fraction %v", b.Num("solved_fraction"))
	}
	rs[2].Solved = false
	if m := p.Summarize(rs).ByRule["wp"].Num("median_trials_to_criterion"); m != nil {
		t.Errorf("median trials %v with 2 of 3 unsolved, want null", *m)
	}
}

// TestForecastParamErrorsAreLocated: a bad forecasting key names the file,
// its line and the key, like every other bad key.
func TestForecastParamErrorsAreLocated(t *testing.T) {
	src := "name = \"m\"\ncircuit = \"mackey_glass\"\ntask = \"mackey_glass\"\n[criterion]\nloss_below = 0\n[forecast]\nwashout = 500\n[[rule]]\nname = \"adam\"\n"
	_, err := parse("m.toml", []byte(src))
	if err == nil || err.Error() != "m.toml:7: forecast.washout: must be in [0, window), got 500" {
		t.Errorf("got %v", err)
	}
	src = "name = \"m\"\ncircuit = \"mackey_glass\"\ntask = \"mackey_glass\"\n[mackey_glass]\ntau = -1.0\n[[rule]]\nname = \"adam\"\n"
	if _, err := parse("m.toml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), "m.toml:5: mackey_glass.tau:") {
		t.Errorf("got %v", err)
	}
}

// TestSummaryComparesEachRuleWithTheOnesBefore: summary.json sets every rule
// against the rules listed before it, by trials to criterion when a
// criterion is set, an unsolved run losing to every solved one.
func TestSummaryComparesEachRuleWithTheOnesBefore(t *testing.T) {
	p := smallPlan(t, "1")
	var rs []Result
	for seed, n := range []int{40, 50, 60} {
		rs = append(rs, Result{Rule: "wp", Seed: seed, Done: true, Solved: true, TrialsToCriterion: n})
	}
	for seed, n := range []int{10, 20, -1} {
		rs = append(rs, Result{Rule: "dopamine", Seed: seed, Done: true, Solved: n > 0, TrialsToCriterion: n})
	}
	s := p.Summarize(rs)
	if len(s.Comparisons) != 1 {
		t.Fatalf("%d comparisons of 2 rules, want 1: %+v", len(s.Comparisons), s.Comparisons)
	}
	c := s.Comparisons[0]
	// dopamine's two solved runs beat all three wp runs; its unsolved one loses to all.
	if c.Rule != "dopamine" || c.Against != "wp" || c.Metric != "trials_to_criterion" || math.Abs(c.Wins-6.0/9) > 1e-12 || !c.Exact {
		t.Errorf("comparison %+v, want dopamine vs wp by trials_to_criterion, wins 6/9, exact", c)
	}
	// dopamine's ranks {1, 2, 6} sum to 9; 14 of the C(6,3) = 20 rank sums
	// are as far from their mean 10.5 (≤ 9 or ≥ 12): weak evidence.
	if math.Abs(c.P-0.7) > 1e-12 {
		t.Errorf("p = %v, want 0.7", c.P)
	}
}

// TestBuiltinExperimentsAreValid: every experiment file shipped in the
// binary parses and validates with its circuit (files of the other kinds
// are checked by their packages).
func TestBuiltinExperimentsAreValid(t *testing.T) {
	n := 0
	for _, name := range experiments.BuiltinNames() {
		data, _ := experiments.BuiltinData(name)
		if src, err := experiments.OpenData(name+".toml", data); err == nil && src.Kind != output.Training && src.Kind != output.Sweep {
			continue
		}
		p, err := Builtin(name)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			t.Errorf("%s: %v", name+".toml", err)
		}
		n++
	}
	if n < 10 {
		t.Errorf("checked %d built-in experiments, expected at least 10", n)
	}
}

// parse reads an experiment file from memory.
func parse(file string, data []byte) (*Plan, error) {
	src, err := experiments.OpenData(file, data)
	if err != nil {
		return nil, err
	}
	return LoadPlan(src)
}

// TestRuleLabels: a label lets a rule be compared with itself under other
// parameters: it names the variant in results, selects the entry in --set
// keys and messages, and must be unique and plain.
func TestRuleLabels(t *testing.T) {
	src, err := os.ReadFile("../regression_linear.toml")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(string(src), "[[rule]]\nname = \"sgd\"", "[[rule]]\nname = \"ndi\"\nlabel = \"ndi-small\"\nlearning_rate = 0.01\nalpha = 0.001\nclip = 10.0\n\n[[rule]]\nname = \"sgd\"", 1)
	load := func(text string) (*Plan, error) {
		path := filepath.Join(t.TempDir(), "labels.toml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return Load(path)
	}
	p, err := load(base)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, v := range p.Spec.Variants() {
		labels = append(labels, v.Label)
	}
	if labels[0] != "ndi-small" || !slices.Contains(labels, "ndi") {
		t.Fatalf("variants %v, want ndi-small first and ndi among them", labels)
	}
	alphas := func() map[string]float64 {
		m := map[string]float64{}
		for _, e := range p.Spec.Rules {
			if ip, ok := e.Params.(train.InversionParams); ok {
				m[e.Label+"/"+e.Name] = ip.Alpha
			}
		}
		return m
	}
	before := alphas()
	if err := p.Set("rule.ndi-small.alpha=0.002"); err != nil {
		t.Fatal(err)
	}
	for k, a := range alphas() {
		if want := before[k]; k == "ndi-small/ndi" && a != 0.002 || k != "ndi-small/ndi" && a != want {
			t.Errorf("entry %s: alpha %g after --set rule.ndi-small.alpha=0.002 (was %g)", k, a, want)
		}
	}
	for _, tc := range []struct{ old, new, want string }{
		{"label = \"ndi-small\"\n", "", `rule "ndi" appears twice; sweep it, or give one entry a label`},
		{"label = \"ndi-small\"", "label = \"ndi small\"", `rule[ndi small].label: must be at most 40 letters`},
		{"label = \"ndi-small\"", "label = \"-x\"", `label: must be at most 40 letters`},
		{"label = \"ndi-small\"", "label = \"sgd\"", `rule "sgd" appears twice`},
	} {
		text := strings.Replace(base, tc.old, tc.new, 1)
		if text == base {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		if _, err := load(text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: got %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
}
