package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunsStoreFiltersAndCompares: the runs of a sweep and of a plain run
// are in the run store; dopa runs filters them by parameter and kind, and
// compares two points with the win rate and p-value of dopa run.
func TestRunsStoreFiltersAndCompares(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "runs.db")
	if code, _, stderr := dopa(t, "run", "xor_sweep", "--seeds", "3", "--set", "max_trials=300", "--out", filepath.Join(dir, "sweep"), "--store", st, "--quiet"); code != 0 {
		t.Fatalf("sweep: %s", stderr)
	}
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--seeds", "2", "--set", "max_trials=300", "--out", filepath.Join(dir, "plain"), "--store", st, "--quiet"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	type run struct {
		Kind, Rule, Point, Status, Metric string
		Params                            map[string]string
	}
	list := func(args ...string) []run {
		t.Helper()
		code, stdout, stderr := dopa(t, append([]string{"runs", "--store", st, "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("dopa runs %v: %s", args, stderr)
		}
		var rs []run
		if err := json.Unmarshal([]byte(stdout), &rs); err != nil {
			t.Fatalf("dopa runs %v: %v in %q", args, err, stdout)
		}
		return rs
	}
	if n := len(list("--kind", "sweep")); n != 27 {
		t.Errorf("sweep runs: %d, want 9 points × 3 seeds", n)
	}
	if n := len(list("--kind", "training")); n != 12 {
		t.Errorf("plain runs: %d, want 6 rules × 2 seeds", n)
	}
	sel := list("--kind", "sweep", "--where", "rule.dopamine.sigma=0.01", "--where", "rule.dopamine.learning_rate>0.2")
	points := map[string]bool{}
	for _, r := range sel {
		points[r.Point] = true
		if r.Params["rule.dopamine.sigma"] != "0.01" || r.Metric != "trials_to_criterion" || r.Status != "done" {
			t.Errorf("filtered run %+v", r)
		}
	}
	if len(sel) != 6 || len(points) != 2 {
		t.Fatalf("σ = 0.01 and η₀ > 0.2: %d runs in %d points, want 6 in 2", len(sel), len(points))
	}
	var ids []string
	for p := range points {
		ids = append(ids, p)
	}
	code, stdout, stderr := dopa(t, "runs", "--store", st, "--compare", ids[0], ids[1])
	if code != 0 || !strings.Contains(stdout, "dopamine") || !strings.Contains(stdout, "wins") || !strings.Contains(stdout, "p ") {
		t.Errorf("compare: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, _ := dopa(t, "runs", "--store", st, "--where", "nonsense"); code != 2 {
		t.Errorf("a bad --where: exit %d, want 2", code)
	}
}
