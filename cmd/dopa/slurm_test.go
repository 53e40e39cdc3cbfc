package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/internal/output"
)

// sweepFile is a sweep of 8 points × 2 seeds of a short XOR study.
const sweepFile = `name = "slurm_sweep"
circuit = "xor"
task = "xor"
seeds = 2
seed = 1
max_trials = 400
[criterion]
loss_below = 0.01
[record]
trace_seeds = 1
[[rule]]
name = "wp"
[[rule]]
name = "dopamine"
[sweep]
mode = "grid"
[[sweep.param]]
key = "rule.dopamine.learning_rate"
range = [0.05, 2.0]
steps = 4
log = true
[[sweep.param]]
key = "rule.wp.sigma"
values = [0.01, 0.03]
`

// needSlurm skips without a cluster on a developer's machine (no sbatch,
// or a controller that does not answer, e.g. installed but not started);
// in CI (CI set) a missing cluster fails the test.
func needSlurm(t *testing.T) {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: no Slurm (%s); .ci/slurm-up.sh starts the cluster", why)
		}
		t.Skipf("no Slurm here (%s)", why)
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		missing("sbatch not on PATH")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sinfo", "-h").CombinedOutput(); err != nil {
		missing(fmt.Sprintf("sinfo: %v: %s", err, strings.TrimSpace(string(out))))
	}
}

// samePoints compares every result file of two sweep directories (wall
// times and manifests aside).
func samePoints(t *testing.T, a, b string) {
	t.Helper()
	fa, err := goldenFiles(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := goldenFiles(b)
	if err != nil {
		t.Fatal(err)
	}
	if sa, sb := goldenSums(fa), goldenSums(fb); sa != sb {
		t.Errorf("%s and %s differ:\n%s\n---\n%s", a, b, sa, sb)
	}
}

// TestSlurmSweep: a sweep of 8 points × 2 seeds submitted as a job array
// throttled to 2 tasks at a time completes, and its results are byte for
// byte those of the same sweep on the local backend; a point made to fail
// is reported failed with its error, and --resume reruns that point alone.
func TestSlurmSweep(t *testing.T) {
	needSlurm(t)
	base := t.TempDir()
	file := filepath.Join(base, "sweep.toml")
	if err := os.WriteFile(file, []byte(sweepFile), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOPA_AS_MAIN", "1") // the array tasks run this binary as dopa
	local := filepath.Join(base, "local")
	if code, _, stderr := dopa(t, "run", file, "--out", local, "--quiet"); code != 0 {
		t.Fatalf("local sweep: %s", stderr)
	}
	var points []sweep.PointStatus
	b, _ := os.ReadFile(filepath.Join(local, output.SweepFile))
	if err := json.Unmarshal(b, &points); err != nil || len(points) != 8 {
		t.Fatalf("local sweep.json: %d points (%v)", len(points), err)
	}

	onSlurm := filepath.Join(base, "slurm")
	code, stdout, stderr := dopa(t, "run", file, "--out", onSlurm, "--backend", "slurm", "--throttle", "2", "--points-per-task", "1", "--quiet")
	if code != 0 {
		t.Fatalf("slurm sweep: exit %d: %s %s", code, stdout, stderr)
	}
	if m, err := output.ReadManifest(onSlurm); err != nil || !m.Complete || m.RunsDone != 8 {
		t.Errorf("slurm sweep manifest: %+v (%v)", m, err)
	}
	samePoints(t, local, onSlurm)

	// A point made to fail.
	failing := points[5].ID
	t.Setenv(sweep.FailPointsEnv, failing)
	broken := filepath.Join(base, "broken")
	code, _, stderr = dopa(t, "run", file, "--out", broken, "--backend", "slurm", "--throttle", "2", "--points-per-task", "3", "--quiet")
	if code == 0 || !strings.Contains(stderr, failing) {
		t.Errorf("a failing point: exit %d, stderr %q", code, stderr)
	}
	b, _ = os.ReadFile(filepath.Join(broken, output.SweepFile))
	var st []sweep.PointStatus
	json.Unmarshal(b, &st)
	for _, p := range st {
		want := "done"
		if p.ID == failing {
			want = "failed"
			if !strings.Contains(p.Error, "failed on purpose") {
				t.Errorf("failed point %s: error %q", p.ID, p.Error)
			}
		}
		if p.Status != want {
			t.Errorf("point %s: %s, want %s", p.ID, p.Status, want)
		}
	}
	keep := map[string]os.FileInfo{}
	for _, p := range st {
		if p.ID != failing {
			fi, _ := os.Stat(filepath.Join(broken, p.Dir, output.MetricsFile))
			keep[p.ID] = fi
		}
	}
	os.Unsetenv(sweep.FailPointsEnv)
	if code, _, stderr := dopa(t, "run", file, "--out", broken, "--backend", "slurm", "--throttle", "2", "--resume", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	for id, fi := range keep {
		now, err := os.Stat(filepath.Join(sweep.PointDir(broken, id), output.MetricsFile))
		if err != nil || !now.ModTime().Equal(fi.ModTime()) {
			t.Errorf("point %s ran again on resume", id)
		}
	}
	samePoints(t, local, broken)
}
