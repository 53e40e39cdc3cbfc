package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// smallSweep is a sweep of 2 points × 1 seed of a short XOR study.
const smallSweep = `name = "small_sweep"
circuit = "xor"
task = "xor"
seeds = 1
seed = 1
max_trials = 60
[record]
trace_seeds = 0
[[rule]]
name = "dopamine"
[sweep]
mode = "grid"
[[sweep.param]]
key = "rule.dopamine.sigma"
values = [0.01, 0.03]
`

// pointIDs reads the point IDs of the sweep in dir.
func pointIDs(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, output.SweepFile))
	if err != nil {
		t.Fatal(err)
	}
	var pts []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &pts); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pts {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestPointAndCollectStayInTheirSweep: an array task (--point) or a
// collecting job (--collect) aimed at a directory that is not its sweep's
// (a training run, a sweep of another configuration or file, a directory
// with no run) is refused with exit 2 before anything is written, and the
// other run's files are left byte-identical.
func TestPointAndCollectStayInTheirSweep(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "small.toml")
	writeFile(t, file, smallSweep)
	training := filepath.Join(root, "training")
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--seeds", "1", "--set", "max_trials=100", "--out", training, "--store", "off", "--quiet"); code != 0 {
		t.Fatalf("training run: exit %d: %s", code, stderr)
	}
	other := filepath.Join(root, "other")
	if code, _, stderr := dopa(t, "run", file, "--set", "max_trials=40", "--out", other, "--store", "off", "--quiet"); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	ids := pointIDs(t, other)
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
		args            []string // the sweep and its overrides
	}{
		{"a training run", training, "holds a training run, not a sweep", []string{file}},
		{"a training run, built-in sweep", training, "holds a training run, not a sweep", []string{"xor_sweep", "--seeds", "1"}},
		{"a sweep of another configuration", other, "another configuration (experiment.max_trials: 40 there, 60 now)", []string{file}},
		{"a sweep of other seeds", other, "seeds: [1] there, [1 2] now", []string{file, "--set", "max_trials=40", "--seeds", "2"}},
		{"a directory with no run", empty, "holds no sweep", []string{file}},
		{"no directory", filepath.Join(root, "none"), "holds no sweep", []string{file}},
	} {
		for _, mode := range [][]string{{"--point", ids[0]}, {"--collect"}} {
			t.Run(tc.name+" "+mode[0], func(t *testing.T) {
				before := tree(t, root)
				args := append(append(append([]string{"run"}, tc.args...), mode...), "--out", tc.dir, "--store", "off", "--quiet")
				code, _, stderr := dopa(t, args...)
				if code != 2 || !strings.Contains(stderr, tc.dir) || !strings.Contains(stderr, tc.want) {
					t.Errorf("dopa %s: exit %d, %q; want exit 2 naming %s and %q", strings.Join(args, " "), code, stderr, tc.dir, tc.want)
				}
				if !equalTrees(before, tree(t, root)) {
					t.Errorf("dopa %s changed files under %s", strings.Join(args, " "), root)
				}
			})
		}
	}
	// The sweep's own tasks still work in its directory.
	for _, mode := range [][]string{{"--point", ids[1]}, {"--collect"}} {
		args := append(append([]string{"run", file, "--set", "max_trials=40"}, mode...), "--out", other, "--store", "off", "--quiet")
		if code, _, stderr := dopa(t, args...); code != 0 {
			t.Errorf("dopa %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
	}
}

// fakeSlurm puts Slurm commands that behave as scripted first on PATH:
// scontrol answers with config (or fails when config is ""), sbatch fails
// with sbatchErr, squeue lists nothing.
func fakeSlurm(t *testing.T, config, sbatchErr string) {
	t.Helper()
	bin := t.TempDir()
	script := func(name, body string) {
		writeFile(t, filepath.Join(bin, name), "#!/bin/sh\n"+body+"\n")
		if err := os.Chmod(filepath.Join(bin, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if config == "" {
		script("scontrol", "echo 'slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)' >&2; exit 1")
	} else {
		script("scontrol", "echo '"+config+"'")
	}
	script("sbatch", "echo 'sbatch: error: "+sbatchErr+"' >&2; exit 1")
	script("squeue", "exit 0")
	script("scancel", "exit 0")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/bin"+string(os.PathListSeparator)+"/usr/bin")
}

// TestBackendErrorsLeaveNothing: a backend that cannot take the sweep (an
// unknown one, Slurm without sbatch, a controller that does not answer, a
// submission the cluster rejects) leaves no manifest or file behind, so
// that the next run into the same directory is not refused.
func TestBackendErrorsLeaveNothing(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "small.toml")
	writeFile(t, file, smallSweep)
	for _, tc := range []struct {
		name    string
		backend string
		slurm   func(t *testing.T)
		code    int
		want    string
	}{
		{"unknown backend", "bogus", nil, 2, `--backend "bogus": want local or slurm`},
		{"upper-case backend", "Slurm", nil, 2, "want local or slurm"},
		{"empty backend", "", nil, 2, "want local or slurm"},
		{"no sbatch", "slurm", func(t *testing.T) { t.Setenv("PATH", t.TempDir()) }, 2, "sbatch is not on PATH"},
		{"controller down", "slurm", func(t *testing.T) { fakeSlurm(t, "", "") }, 1, "the cluster does not answer"},
		{"submission rejected", "slurm", func(t *testing.T) {
			fakeSlurm(t, "MaxArraySize = 1001", "Batch job submission failed: Invalid partition name specified")
		}, 1, "Invalid partition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slurm != nil {
				tc.slurm(t)
			}
			for _, out := range []string{filepath.Join(root, "out-"+tc.backend), ""} {
				wd := t.TempDir()
				t.Chdir(wd)
				args := []string{"run", file, "--backend", tc.backend, "--store", "off", "--quiet"}
				if out != "" {
					args = append(args, "--out", out)
				}
				code, _, stderr := dopa(t, args...)
				if code != tc.code || !strings.Contains(stderr, tc.want) {
					t.Errorf("dopa %s: exit %d, %q; want exit %d and %q", strings.Join(args, " "), code, stderr, tc.code, tc.want)
				}
				if out != "" {
					if _, err := os.Stat(filepath.Join(out, output.ManifestFile)); err == nil {
						t.Errorf("dopa %s left %s", strings.Join(args, " "), output.ManifestFile)
					}
				}
				if ents, _ := os.ReadDir(filepath.Join(wd, "out")); len(ents) > 0 {
					t.Errorf("dopa %s left %s under out/", strings.Join(args, " "), ents[0].Name())
				}
				if out == "" {
					continue
				}
				// The next run into the same directory is not refused.
				if code, _, stderr := dopa(t, "run", file, "--out", out, "--store", "off", "--quiet"); code != 0 {
					t.Errorf("the run after: exit %d: %s", code, stderr)
				}
				os.RemoveAll(out)
			}
		})
	}
}
