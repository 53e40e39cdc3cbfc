package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/race"
)

// updateGolden rewrites testdata/golden from the current code. Use it only
// when a result is meant to change, and say why in the commit:
//
//	go test ./cmd/dopa -run TestGolden -update-golden
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden from the current code")

// goldenArgs are the reduced budgets of every built-in file, by case name:
// "experiment/NAME" runs the built-in experiment NAME, "circuit/NAME" the
// built-in circuit NAME alone. A built-in file without a case fails
// TestGoldenCoversEveryBuiltin.
var goldenArgs = map[string][]string{}

func init() {
	training := []string{"--seeds", "2", "--workers", "2", "--set", "max_trials=300"}
	for _, n := range []string{"xor", "xor_robustness", "xor_tuning", "xor_spiking", "xor_spiking_tuning",
		"mackey_glass", "mackey_glass_budget", "mackey_glass_critic", "mackey_glass_fixed", "mackey_glass_pairs",
		"mackey_glass_tuning", "lorenz", "lorenz_pairs", "lorenz_tuning", "xor_sweep"} {
		goldenArgs["experiment/"+n] = training
	}
	for _, n := range []string{"regression_linear", "regression_tanh"} {
		goldenArgs["experiment/"+n] = training
	}
	goldenArgs["experiment/mnist"] = []string{"--seeds", "2", "--workers", "2", "--set", "max_trials=20", "--set", "train_images=500", "--set", "test_images=200"}
	goldenArgs["experiment/mnist_podlaski"] = []string{"--workers", "2", "--set", "max_trials=20", "--set", "train_images=500", "--set", "test_images=200", "--set", "record.diagnostics_every=10"}
	goldenArgs["circuit/mnist_tanh"] = []string{"--set", "max_trials=10", "--set", "train_images=500", "--set", "test_images=200", "--set", "record.weights=false"}
	goldenArgs["experiment/willshaw"] = []string{"--set", "queries=500"}
	goldenArgs["experiment/conditioning"] = []string{"--seeds", "2", "--set", "episodes=200", "--set", "record.steps_every=50"}
	goldenArgs["experiment/bandit"] = []string{"--seeds", "2", "--set", "episodes=300"}
	goldenArgs["experiment/conditioning_spiking"] = []string{"--seeds", "1", "--set", "episodes=20", "--set", "record.steps_every=10"}
	goldenArgs["experiment/gridworld"] = []string{"--seeds", "2", "--set", "episodes=50"}
	goldenArgs["experiment/gridworld_regimes"] = []string{"--seeds", "1", "--set", "episodes=60"}
	goldenArgs["experiment/gridworld_potjans"] = []string{"--seeds", "1", "--set", "episodes=3", "--set", "agent.potjans.baseline_ms=200"}
	goldenArgs["experiment/bandit_spiking"] = []string{"--seeds", "2", "--set", "episodes=40"}
	goldenArgs["experiment/pavlovian"] = []string{"--seeds", "2", "--set", "episodes=4", "--set", "agent.0.compare_s=2", "--set", "environment.stimuli=4"}
	goldenArgs["experiment/water_maze"] = []string{"--seeds", "2", "--set", "episodes=6"}
	goldenArgs["experiment/water_maze_fremaux"] = []string{"--seeds", "1", "--set", "episodes=2", "--set", "environment.timeout_s=3"}
	goldenArgs["experiment/cartpole_fremaux"] = []string{"--seeds", "1", "--set", "episodes=3"}
	goldenArgs["experiment/cartpole_spiking"] = []string{"--seeds", "1", "--set", "episodes=3"}
	goldenArgs["experiment/cartpole"] = []string{"--seeds", "2", "--set", "episodes=20"}
	goldenArgs["experiment/acrobot"] = []string{"--seeds", "1", "--set", "episodes=3", "--set", "environment.max_steps=300"}
	goldenArgs["experiment/distal_reward"] = []string{"--seeds", "1", "--set", "episodes=4", "--set", "agent.0.last_s=2"}
	goldenArgs["experiment/autoassociation"] = []string{"--seeds", "1", "--workers", "2", "--set", "queries=50", "--set", "m=1000,3000"}
	for _, n := range []string{"xor", "xor_spiking", "mackey_glass", "mackey_glass_leaky", "lorenz", "teacher_linear", "teacher_tanh", "mnist_mlp"} {
		goldenArgs["circuit/"+n] = []string{"--seeds", "2", "--set", "max_trials=300"}
	}
	goldenArgs["circuit/cuba"] = []string{"--set", "duration_ms=100"}
	goldenArgs["circuit/coba"] = []string{"--set", "duration_ms=100"}
	goldenArgs["circuit/brunel"] = []string{"--set", "duration_ms=30"}
	goldenArgs["circuit/brunel_stdp"] = []string{"--set", "duration_ms=30"}
	goldenArgs["experiment/eprop_sines"] = []string{"--seeds", "2", "--workers", "2", "--set", "max_trials=10", "--set", "sequence_steps=300"}
	goldenArgs["circuit/eprop_sines"] = []string{"--set", "max_trials=10", "--set", "sequence_steps=300"}
	goldenArgs["experiment/eprop_evidence"] = []string{"--seeds", "2", "--workers", "2", "--set", "max_trials=2", "--set", "batch_size=2", "--set", "test_trials=8"}
	goldenArgs["experiment/eprop_reward"] = []string{"--seeds", "2", "--set", "episodes=20"}
	goldenArgs["experiment/eprop_reward_bandit"] = []string{"--seeds", "2", "--set", "episodes=50"}
	goldenArgs["experiment/eprop_cartpole"] = []string{"--seeds", "2", "--set", "episodes=20"}
	goldenArgs["circuit/eprop_evidence"] = []string{"--set", "max_trials=2", "--set", "batch_size=2", "--set", "test_trials=8"}
}

// goldenCircuitOf names, for a built-in circuit that cannot run alone (a
// spiking agent's circuit, whose plastic synapses need a reward run's
// dopamine), the golden case that runs it.
var goldenCircuitOf = map[string]string{"bandit_rstdp": "experiment/bandit_spiking", "bandit_rate": "experiment/bandit",
	"izhikevich2007_network": "experiment/pavlovian", "izhikevich2007_delays": "experiment/pavlovian",
	"eprop_bandit": "experiment/eprop_reward_bandit", "eprop_evidence_agent": "experiment/eprop_reward", "potjans_grid": "experiment/gridworld_potjans",
	"eprop_cartpole_agent": "experiment/eprop_cartpole", "fremaux_maze": "experiment/water_maze_fremaux",
	"fremaux_cartpole": "experiment/cartpole_fremaux", "fremaux_cartpole_place": "experiment/cartpole_spiking"}

// raceGolden are the golden cases run under the race detector (the others
// would take it past go test's default 10 minutes on a 2-core machine):
// training on two workers, a sweep and a simulation (a memory study on two
// workers runs with -race in TestMemoryRunEndToEnd, a distal-reward run in
// TestEveryKindIsDurable).
var raceGolden = map[string]bool{"experiment/xor": true, "experiment/xor_sweep": true, "circuit/cuba": true}

// wallTime matches the fields of summary.json that measure wall time; the
// golden files hold a placeholder instead of their value.
var wallTime = regexp.MustCompile(`("(?:wall_seconds|median_wall_seconds|sim_seconds|median_sim_seconds)": )[^,\n]+`)

// goldenFiles are the result files compared; manifest.json (times,
// versions, paths) and plots/ are not.
func goldenFiles(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() && rel != "." {
			switch d.Name() {
			case "plots", "slurm", "journal":
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Name() == "manifest.json" || d.Name() == "slurm-jobs.json" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if d.Name() == "summary.json" {
			b = wallTime.ReplaceAll(b, []byte(`${1}"(wall time)"`))
		}
		out[rel] = b
		return nil
	})
	return out, err
}

// goldenSums renders one line per file: its SHA-256, its size and its name.
func goldenSums(files map[string][]byte) string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		h := sha256.Sum256(files[n])
		fmt.Fprintf(&b, "%s %9d %s\n", hex.EncodeToString(h[:]), len(files[n]), n)
	}
	return b.String()
}

// TestGolden runs every built-in circuit and experiment at a reduced budget
// and compares its result files byte for byte with testdata/golden: CASE/
// holds SHA256SUMS (every result file) and summary.json (wall times
// replaced), so a change shows which file moved and, in the summary, how.
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("golden outputs: about 20 s")
	}
	names := make([]string, 0, len(goldenArgs))
	for n := range goldenArgs {
		if race.Enabled && !raceGolden[n] {
			continue
		}
		names = append(names, n)
	}
	if race.Enabled {
		t.Logf("under the race detector: only the golden cases %v (each kind, on two workers); the rest run without -race", slices.Sorted(maps.Keys(raceGolden)))
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			kind, base, _ := strings.Cut(name, "/")
			src := "experiments/" + base // the built-in experiment, by its explicit name
			if kind == "circuit" {
				src = filepath.Join("..", "..", "circuits", base+".toml")
			}
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", src, "--out", out, "--quiet"}, goldenArgs[name]...)
			code, _, stderr := dopa(t, args...)
			if code != 0 {
				t.Fatalf("dopa %s: exit %d: %s", strings.Join(args, " "), code, stderr)
			}
			files, err := goldenFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			gdir := filepath.Join("testdata", "golden", kind, base)
			sums := goldenSums(files)
			if *updateGolden {
				if err := os.MkdirAll(gdir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(gdir, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(gdir, "summary.json"), files["summary.json"], 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(filepath.Join(gdir, "SHA256SUMS"))
			if err != nil {
				t.Fatalf("%v (record it with -update-golden)", err)
			}
			if string(want) != sums {
				t.Errorf("result files differ from %s:\n--- want\n%s--- got\n%s", gdir, want, sums)
			}
			wantSum, err := os.ReadFile(filepath.Join(gdir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(wantSum, files["summary.json"]) {
				t.Errorf("summary.json differs from %s:\n%s", gdir, firstDiff(string(wantSum), string(files["summary.json"])))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts, with its number.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, a, b)
		}
	}
	return "(same lines)"
}

// TestGoldenCoversEveryBuiltin fails when a built-in circuit or experiment
// has no golden case, so that none can change its results unseen.
func TestGoldenCoversEveryBuiltin(t *testing.T) {
	for _, n := range circuits.BuiltinNames() {
		if by, ok := goldenCircuitOf[n]; ok {
			if _, ok := goldenArgs[by]; !ok {
				t.Errorf("built-in circuit %q is covered by %s, which has no golden case", n, by)
			}
			continue
		}
		if _, ok := goldenArgs["circuit/"+n]; !ok {
			t.Errorf("built-in circuit %q has no golden case: add it to goldenArgs and run -update-golden", n)
		}
	}
	for _, n := range experiments.BuiltinNames() {
		if _, ok := goldenArgs["experiment/"+n]; !ok {
			t.Errorf("built-in experiment %q has no golden case: add it to goldenArgs and run -update-golden", n)
		}
	}
	for name := range goldenArgs {
		if _, err := os.Stat(filepath.Join("testdata", "golden", name, "SHA256SUMS")); err != nil {
			t.Errorf("golden case %s: %v", name, err)
		}
	}
}
