package training

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
)

// wallFields matches the summary fields that measure wall time.
var wallFields = regexp.MustCompile(`"(?:wall_seconds|median_wall_seconds|sim_seconds|median_sim_seconds)": [^,\n]+`)

// sameResults compares the result files of two output directories byte for
// byte (summary.json with its wall times aside; manifest.json and plots
// are not results).
func sameResults(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{output.SummaryFile, output.MetricsFile, output.TracesFile, output.WeightsFile, output.PredictionsFile} {
		fa, errA := os.ReadFile(filepath.Join(a, f))
		fb, errB := os.ReadFile(filepath.Join(b, f))
		if errors.Is(errA, os.ErrNotExist) && errors.Is(errB, os.ErrNotExist) {
			continue
		}
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", f, errA, errB)
		}
		if f == output.SummaryFile {
			fa, fb = wallFields.ReplaceAll(fa, nil), wallFields.ReplaceAll(fb, nil)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}

// TestResumeAfterInterruptIsIdentical: a plan stopped after a few runs
// keeps them (journal, a manifest that says it is not complete); resumed,
// it runs only the missing ones and ends with the files of an
// uninterrupted run.
func TestResumeAfterInterruptIsIdentical(t *testing.T) {
	whole := filepath.Join(t.TempDir(), "whole")
	if err := runner.Claim(whole, false); err != nil {
		t.Fatal(err)
	}
	if _, m, err := smallPlan(t, "2").Execute(context.Background(), whole, Options{}); err != nil || !m.Complete {
		t.Fatalf("uninterrupted: %v (complete %v)", err, m.Complete)
	}
	if _, err := os.Stat(filepath.Join(whole, output.JournalDir)); !os.IsNotExist(err) {
		t.Errorf("a complete run keeps its journal (stat: %v)", err)
	}

	dir := filepath.Join(t.TempDir(), "cut")
	if err := runner.Claim(dir, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := smallPlan(t, "2")
	_, m, err := p.Execute(ctx, dir, Options{Done: func(done, planned int) {
		if done == 4 {
			cancel()
		}
	}})
	if err == nil || m.Complete || !m.Interrupted || m.RunsDone < 4 || m.RunsDone >= len(p.Jobs()) {
		t.Fatalf("interrupted run: err %v, manifest %+v", err, m)
	}
	onDisk, err := output.ReadManifest(dir)
	if err != nil || onDisk.Complete || onDisk.RunsDone != m.RunsDone {
		t.Fatalf("manifest on disk after the interruption: %+v (%v)", onDisk, err)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, output.JournalDir, "*.gob"))
	if len(kept) != m.RunsDone {
		t.Errorf("journal holds %d runs, the manifest says %d", len(kept), m.RunsDone)
	}
	ran := 0
	_, m, err = smallPlan(t, "2").Execute(context.Background(), dir, Options{Resume: true, Done: func(int, int) { ran++ }})
	if err != nil || !m.Complete {
		t.Fatalf("resume: %v (complete %v)", err, m.Complete)
	}
	if want := len(p.Jobs()) - len(kept); ran != want {
		t.Errorf("resume ran %d runs, want the %d missing", ran, want)
	}
	sameResults(t, whole, dir)

	// Another configuration is refused.
	other := smallPlan(t, "2")
	if err := other.Set("rule.wp.learning_rate=0.5"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Execute(context.Background(), dir, Options{Resume: true}); !errors.Is(err, runner.ErrNotResumable) {
		t.Errorf("resume with another configuration: %v, want ErrNotResumable", err)
	}
}

// TestClaim: a directory that holds a run is refused without --force;
// --force leaves only the new run's files; --resume needs a run of the
// same configuration; a directory that cannot be written fails before any work.
func TestClaim(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{output.ManifestFile, output.PredictionsFile, "notes.txt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(`{"kind": "training"}`), 0o644)
	}
	if err := runner.Claim(dir, false); err == nil {
		t.Error("a directory with a run was claimed without --force")
	}
	if err := runner.Claim(dir, true); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{output.ManifestFile, output.PredictionsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("--force left %s of the old run", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("--force removed a file that is not dopa's: %v", err)
	}
	if os.Getuid() != 0 { // root writes anywhere
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o555)
		if err := runner.Claim(filepath.Join(ro, "out"), false); err == nil {
			t.Error("a directory under a read-only one was claimed")
		}
	}
	if err := runner.Claim("/proc/dopa-out", false); err == nil {
		t.Error("a directory that cannot be created was claimed")
	}
}

// TestNewDirIsUnique: runs started in the same second get directories of
// their own.
func TestNewDirIsUnique(t *testing.T) {
	parent, now := t.TempDir(), time.Now()
	seen := map[string]bool{}
	for range 3 {
		d, err := runner.NewDir(parent, "xor", now)
		if err != nil {
			t.Fatal(err)
		}
		if seen[d] {
			t.Fatalf("%s given twice", d)
		}
		seen[d] = true
	}
}

// TestCheckpointResumeIsIdentical: forecasting runs stopped in the middle
// save their state (a checkpoint per run, here every 20 ms) and,
// resumed, continue from it: the files end byte-identical to an
// uninterrupted run, wherever the stop fell.
func TestCheckpointResumeIsIdentical(t *testing.T) {
	checkpointResume(t, "mackey_glass", "seeds=1", "max_trials=1500", "workers=1", "record.every=7")
}

// TestCreditCheckpointResumeIsIdentical: the same for the credit-assignment
// rules on the linear teacher regression (feedback synapses, npfb_ls's S
// and V, npfb's dopamine system and node noise, the task's order).
func TestCreditCheckpointResumeIsIdentical(t *testing.T) {
	checkpointResume(t, "regression_linear", "seeds=1", "max_trials=1500", "workers=1", "record.every=7")
}

func checkpointResume(t *testing.T, name string, sets ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("stops and resumes a study a few times: in the full suite")
	}
	plan := func() *Plan {
		p, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range sets {
			if err := p.Set(kv); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	whole := filepath.Join(t.TempDir(), "whole")
	os.MkdirAll(whole, 0o755)
	if _, _, err := plan().Execute(context.Background(), whole, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cut")
	os.MkdirAll(dir, 0o755)
	checkpointed := 0
	for stops := 0; ; stops++ {
		if stops > 200 {
			t.Fatal("no end after 200 resumes")
		}
		// Short slices, so that several stops fall in a study of about a
		// second (one stop that happened to fall between two runs left
		// nothing resumed from a checkpoint); growing, so that a slow
		// machine (the race detector) makes progress too.
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(150+50*stops)*time.Millisecond)
		_, m, err := plan().Execute(ctx, dir, Options{Resume: stops > 0, CheckpointEvery: 20 * time.Millisecond})
		cancel()
		if err == nil && m.Complete {
			if stops == 0 {
				t.Skip("the study finished before the first stop (a fast machine): nothing was resumed")
			}
			t.Logf("complete after %d stops, %d of them inside a run", stops, checkpointed)
			break
		}
		// A stop between two runs leaves no run under way.
		if ck, _ := filepath.Glob(filepath.Join(dir, output.JournalDir, "*.ckpt")); len(ck) > 0 {
			checkpointed++
		}
	}
	if checkpointed == 0 {
		t.Fatal("no stop fell inside a run: nothing was resumed from a checkpoint")
	}
	sameResults(t, whole, dir)
}
