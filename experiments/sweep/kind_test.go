package sweep_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/internal/output"
)

// threePoints is a sweep of 3 points × 2 seeds of a short XOR study.
const threePoints = `name = "three"
circuit = "xor"
task = "xor"
seeds = 2
max_trials = 400
[record]
trace_seeds = 0
[[rule]]
name = "dopamine"
[sweep]
[[sweep.param]]
key = "rule.dopamine.sigma"
values = [0.01, 0.02, 0.03]
`

type records struct{ recs []runner.Record }

func (r *records) Record(_ context.Context, _ output.Manifest, _ string, recs []runner.Record) error {
	r.recs = recs
	return nil
}

func loadKind(t *testing.T) *sweep.Sweep {
	t.Helper()
	src, err := experiments.OpenData("three.toml", []byte(threePoints))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := sweep.Kind.Load(runner.Source{File: src.File, Doc: src.Doc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return exp.(*sweep.Sweep)
}

// TestSweepKindThroughTheRunner: a sweep runs through runner.Execute, one
// job per point into DIR/points/ID; a failed point leaves the sweep not
// complete, and a resume runs that point alone; the store gets every run
// of every finished point once, as a run of its point, with the point's
// values as parameters.
func TestSweepKindThroughTheRunner(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	sw := loadKind(t)
	if jobs := sw.Jobs(); len(jobs) != 3 {
		t.Fatalf("jobs %q, want one per point", jobs)
	}
	failing := sw.Points[1].ID
	t.Setenv(sweep.FailPointsEnv, failing)
	rec := &records{}
	rep, err := runner.Execute(context.Background(), sweep.Kind, sw, runner.Options{Dir: dir, Workers: 1, Store: rec})
	if err != nil || rep.Failed != 1 || rep.Manifest.Complete || rep.Manifest.Interrupted {
		t.Fatalf("a failed point: %v, failed %d, manifest %+v", err, rep.Failed, rep.Manifest)
	}
	st := sw.Status(dir)
	if st[0].Status != "done" || st[1].Status != "failed" || st[2].Status != "done" {
		t.Errorf("states %+v", st)
	}
	if len(rec.recs) != 4 {
		t.Errorf("recorded %d runs, want the 4 of the 2 finished points", len(rec.recs))
	}
	for _, r := range rec.recs {
		if r.Point == "" || r.Point == failing || r.Params["rule.dopamine.sigma"] == "" || r.Failed {
			t.Errorf("record %+v", r)
		}
	}
	done := sweep.PointDir(dir, sw.Points[0].ID)
	before, err := os.Stat(filepath.Join(done, output.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}

	os.Unsetenv(sweep.FailPointsEnv)
	sw = loadKind(t)
	rep, err = runner.Execute(context.Background(), sweep.Kind, sw, runner.Options{Dir: dir, Resume: true, Workers: 1, Store: rec})
	if err != nil || rep.Failed != 0 || !rep.Manifest.Complete {
		t.Fatalf("resume: %v, failed %d, manifest %+v", err, rep.Failed, rep.Manifest)
	}
	if now, err := os.Stat(filepath.Join(done, output.SummaryFile)); err != nil || !now.ModTime().Equal(before.ModTime()) {
		t.Errorf("a done point ran again on resume")
	}
	if len(rec.recs) != 6 {
		t.Errorf("recorded %d runs, want 3 points × 2 seeds", len(rec.recs))
	}
	seen := map[string]int{}
	for _, r := range rec.recs {
		seen[r.Point]++
	}
	for _, p := range sw.Points {
		if seen[p.ID] != 2 {
			t.Errorf("point %s: %d runs recorded, want 2", p.ID, seen[p.ID])
		}
	}
	for _, f := range []string{output.SummaryFile, output.SweepFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
