package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/race"
)

// TestMain lets a test run this very binary as the dopa program
// (DOPA_AS_MAIN=1), so that it can be killed like the real one.
func TestMain(m *testing.M) {
	if os.Getenv("DOPA_AS_MAIN") == "1" {
		main()
		return
	}
	// The tests' runs go to a run store of their own, not the user's.
	if os.Getenv("DOPA_STORE") == "" {
		dir, err := os.MkdirTemp("", "dopa-test-store")
		if err != nil {
			panic(err)
		}
		os.Setenv("DOPA_STORE", filepath.Join(dir, "runs.db"))
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// dopaProcess starts the program in a process of its own.
func dopaProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DOPA_AS_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// waitForRuns waits until the journal of dir holds n runs.
func waitForRuns(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ents, _ := filepath.Glob(filepath.Join(dir, output.JournalDir, "*.gob")); len(ents) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: fewer than %d runs after 60 s", dir, n)
}

var wallTimes = regexp.MustCompile(`"(?:wall_seconds|median_wall_seconds|sim_seconds|median_sim_seconds)": [^,\n]+`)

// sameFiles compares the result files of two runs (summary.json without
// its wall times).
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{output.SummaryFile, output.MetricsFile, output.TracesFile, output.WeightsFile, output.PredictionsFile} {
		fa, errA := os.ReadFile(filepath.Join(a, f))
		fb, errB := os.ReadFile(filepath.Join(b, f))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", f, errA, errB)
		}
		if f == output.SummaryFile {
			fa, fb = wallTimes.ReplaceAll(fa, nil), wallTimes.ReplaceAll(fb, nil)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs after the resume", f)
		}
	}
}

// TestKilledAndInterruptedRunsResume: a forecasting study killed with
// SIGKILL mid-way, and another stopped with one Ctrl-C (SIGINT), keep the
// runs they finished; resumed with --resume, both end with the files of an
// uninterrupted run. A second Ctrl-C quits at once.
func TestKilledAndInterruptedRunsResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes real runs: about 20 s")
	}
	args := []string{"run", "experiments/mackey_glass", "--seeds", "2", "--workers", "1", "--set", "max_trials=1500", "--quiet"}
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	if code, _, stderr := dopa(t, append(args, "--out", whole)...); code != 0 {
		t.Fatalf("uninterrupted run: %s", stderr)
	}

	for _, sig := range signals() {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(base, sig.String())
			cmd, stderr := dopaProcess(t, append(args, "--out", dir)...)
			waitForRuns(t, dir, 2)
			stopped := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if err == nil {
				t.Fatalf("the run ended normally after %v", sig)
			}
			if d := time.Since(stopped); d > 10*time.Second {
				t.Errorf("stopped %v after the signal", d)
			}
			m, merr := output.ReadManifest(dir)
			if merr != nil || m.Complete || m.RunsDone < 1 {
				t.Fatalf("after %v: manifest %+v (%v); stderr %s", sig, m, merr, stderr)
			}
			if code, _, e := dopa(t, append(args, "--out", dir, "--resume")...); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, e)
			}
			if m, _ = output.ReadManifest(dir); !m.Complete {
				t.Errorf("resumed run not complete: %+v", m)
			}
			sameFiles(t, whole, dir)
		})
	}

	t.Run("second interrupt", func(t *testing.T) {
		dir := filepath.Join(base, "twice")
		cmd, _ := dopaProcess(t, append(args, "--out", dir)...)
		waitForRuns(t, dir, 1)
		cmd.Process.Signal(syscall.SIGINT)
		time.Sleep(50 * time.Millisecond)
		stopped := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errorsAs(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("after two interrupts: %v, want exit status 130", err)
		}
		if d := time.Since(stopped); d > 2*time.Second {
			t.Errorf("quit %v after the second interrupt", d)
		}
	})
}

func errorsAs(err error, target **exec.ExitError) bool { return errors.As(err, target) }

// signals are the ways a run is stopped in the kill tests: SIGKILL and
// SIGINT; under the race detector SIGINT alone (the interrupt is handled
// by goroutines the detector watches; a SIGKILL runs no code of ours, and
// its resume is the path SIGINT's resume takes), so that go test -race
// stays within go test's default timeout.
func signals() []os.Signal {
	if race.Enabled {
		return []os.Signal{syscall.SIGINT}
	}
	return []os.Signal{syscall.SIGKILL, syscall.SIGINT}
}

// TestKilledAndInterruptedSweepsResume: a local sweep stopped with Ctrl-C,
// and another killed with SIGKILL, resumed with --resume, end with the
// files of an uninterrupted sweep.
func TestKilledAndInterruptedSweepsResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes real sweeps: about 30 s")
	}
	if race.Enabled {
		// A sweep runs its points through the runner; the runner's
		// interrupt runs under the detector in
		// TestKilledAndInterruptedRunsResume.
		t.Skip("under the race detector: runs without -race (its points go through the runner, whose interrupt TestKilledAndInterruptedRunsResume checks with -race)")
	}
	base := t.TempDir()
	file := filepath.Join(base, "sweep.toml")
	src := `name = "kill_sweep"
circuit = "mackey_glass"
task = "mackey_glass"
seeds = 1
max_trials = 6000
[criterion]
loss_below = 0
[[rule]]
name = "wp"
learning_rate = 0.001
[[rule]]
name = "adam"
learning_rate = 0.001
[sweep]
[[sweep.param]]
key = "rule.adam.learning_rate"
values = [0.001, 0.003, 0.01]
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", file, "--workers", "1", "--quiet"}
	whole := filepath.Join(base, "whole")
	if code, _, stderr := dopa(t, append(args, "--out", whole)...); code != 0 {
		t.Fatalf("uninterrupted sweep: %s", stderr)
	}
	for _, sig := range signals() {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(base, sig.String())
			cmd, _ := dopaProcess(t, append(args, "--out", dir)...)
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				if done, _ := filepath.Glob(filepath.Join(dir, output.PointsDir, "*", output.SummaryFile)); len(done) >= 1 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			if err := cmd.Wait(); err == nil {
				t.Skip("the sweep ended before the signal")
			}
			if m, err := output.ReadManifest(dir); err != nil || m.Complete {
				t.Fatalf("after %v: manifest %+v (%v)", sig, m, err)
			}
			if code, _, stderr := dopa(t, append(args, "--out", dir, "--resume")...); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, stderr)
			}
			samePoints(t, whole, dir)
		})
	}
}
