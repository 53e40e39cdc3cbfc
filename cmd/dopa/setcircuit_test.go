package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// TestSetCircuit: --set circuit=NAME makes an experiment train that
// circuit (a built-in one or a file relative to the working directory),
// with the circuit's own overrides applied to it whatever their order, and
// the manifest records it; a circuit that does not exist, is not a circuit
// of a learning task, does not fit the task or cannot be trained by a rule
// is refused with exit 2 naming --set circuit or the key, and nothing is
// written. A resume with another circuit is refused.
func TestSetCircuit(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	writeFile(t, "wide.toml", strings.Replace(builtinText(t, "xor", true), "size = 4", "size = 6", 1))
	writeFile(t, "exp.toml", builtinText(t, "xor", false))
	base := []string{"--seeds", "1", "--set", "max_trials=100", "--store", "off", "--quiet"}
	hidden := func(dir string) (string, float64) {
		t.Helper()
		m, err := output.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m.Resolved)
		var r struct {
			Circuit struct {
				Population []struct {
					Name string  `json:"name"`
					Size float64 `json:"size"`
				} `json:"population"`
			} `json:"circuit"`
		}
		json.Unmarshal(b, &r)
		for _, p := range r.Circuit.Population {
			if p.Name == "hidden" {
				return m.CircuitFile, p.Size
			}
		}
		t.Fatalf("%s: no hidden population in the manifest", dir)
		return "", 0
	}
	for _, tc := range []struct {
		name string
		sets []string
		file string
		size float64
	}{
		{"a file", []string{"circuit=wide.toml"}, "wide.toml", 6},
		{"a file, its key set before", []string{"circuit.population.hidden.size=3", "circuit=wide.toml"}, "wide.toml", 3},
		{"a file, its key set after", []string{"circuit=wide.toml", "circuit.population.hidden.size=5"}, "wide.toml", 5},
		{"a built-in circuit", []string{"circuit=xor"}, "builtin:xor.toml", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", "experiments/xor", "--out", out}, base...)
			for _, s := range tc.sets {
				args = append(args, "--set", s)
			}
			if code, _, stderr := dopa(t, args...); code != 0 {
				t.Fatalf("dopa %s: exit %d: %s", strings.Join(args, " "), code, stderr)
			}
			if file, size := hidden(out); file != tc.file || size != tc.size {
				t.Errorf("manifest: circuit %s with hidden size %g, want %s with %g", file, size, tc.file, tc.size)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no such circuit", []string{"experiments/xor", "--set", "circuit=nonesuch"}, []string{"--set circuit=nonesuch", "no such file"}},
		{"an experiment, not a circuit", []string{"experiments/xor", "--set", "circuit=exp.toml"}, []string{"--set circuit=exp.toml", "not a circuit file"}},
		{"a built-in experiment name", []string{"experiments/xor", "--set", "circuit=xor_sweep"}, []string{"--set circuit=xor_sweep"}},
		{"a circuit the task does not fit", []string{"experiments/xor", "--set", "circuit=mnist_mlp"}, []string{"xor.toml:", "circuit: task xor needs an input population of size 2"}},
		{"a circuit a rule cannot train", []string{"experiments/xor", "--set", "circuit=xor_spiking"}, []string{"xor.toml:", "rule[np].name", "spiking"}},
		{"a circuit key the new circuit lacks", []string{"experiments/xor", "--set", "circuit.population.hidden.size=3", "--set", "circuit=cuba"}, []string{"--set circuit=cuba"}},
		{"a circuit file run alone", []string{"wide.toml", "--set", "circuit=xor"}, []string{"--set circuit=xor", "circuit file, which runs itself"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append(append([]string{"run"}, tc.args...), append([]string{"--out", out}, base...)...)
			code, _, stderr := dopa(t, args...)
			if code != 2 {
				t.Errorf("dopa %s: exit %d, want 2: %s", strings.Join(args, " "), code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("dopa %s: %q does not say %q", strings.Join(args, " "), stderr, w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("dopa %s wrote %s", strings.Join(args, " "), out)
			}
		})
	}
	// A resume with another circuit is refused, the run left as it was.
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := dopa(t, append([]string{"run", "experiments/xor", "--out", out}, base...)...); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	before := tree(t, out)
	code, _, stderr := dopa(t, append([]string{"run", "experiments/xor", "--out", out, "--resume", "--set", "circuit=wide.toml"}, base...)...)
	if code != 2 || !strings.Contains(stderr, "circuit") {
		t.Errorf("resume with another circuit: exit %d, %q", code, stderr)
	}
	if !equalTrees(before, tree(t, out)) {
		t.Errorf("a refused resume changed %s", out)
	}
}
