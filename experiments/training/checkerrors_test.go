package training_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/training"
)

// TestCheckErrorsAreLocated: an error found when the task is checked
// against the circuit (a task's Check, Fits or Prepare) is located as
// every other error of a file, file:line: key: message, at the line of
// the key it names when the file sets that key, else at the circuit line
// (an experiment) or the task line (a circuit run alone).
func TestCheckErrorsAreLocated(t *testing.T) {
	circuit, _ := circuits.Builtin("xor")
	wideXOR := strings.Replace(strings.Replace(string(circuit), "size = 2", "size = 3", 1), "input = \"input\"\n", "input = \"input\"\ntask = \"xor\"\n", 1)
	exp := func(circuit, task, keys string) string {
		return fmt.Sprintf("name = \"e\"\ncircuit = %q\ntask = %q\nmax_trials = 10\n%s\n\n[[rule]]\nname = \"sgd\"\n", circuit, task, keys)
	}
	for _, tc := range []struct {
		name, file string
		sets       []string
		at, key    string // the line holding at, and the key the message names
		msg        string
	}{
		{"a key the file sets", exp("teacher_linear", "regression", "samples = 1000000"), nil, "samples = 1000000", "samples", "more than 20000000"},
		{"a key set by --set", exp("teacher_linear", "regression", ""), []string{"samples=1000000"}, "circuit = ", "circuit", "samples: 1000000 samples"},
		{"a key at its default", exp("teacher_linear", "regression", "batch_size = 10"), []string{"circuit.population.input.size=600000"}, "circuit = ", "circuit", "samples:"},
		{"xor on an MNIST circuit", exp("mnist_mlp", "xor", ""), nil, "circuit = ", "circuit", "task xor needs an input population of size 2"},
		{"mnist on an XOR circuit", exp("xor", "mnist", ""), nil, "circuit = ", "circuit", "task mnist needs an input population of size 784"},
		{"mackey_glass on an XOR circuit", exp("xor", "mackey_glass", ""), nil, "circuit = ", "circuit", "needs an input population of size"},
		{"a circuit alone", wideXOR, nil, "task = ", "task", "task xor needs an input population of size 2"},
		{"a circuit alone, its task the default", strings.Replace(string(circuit), "size = 2", "size = 3", 1), nil, "input = ", "input", "task xor needs an input population of size 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "in.toml")
			if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := training.Load(file)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			for _, kv := range tc.sets {
				if err := p.Set(kv); err != nil {
					t.Fatalf("--set %s: %v", kv, err)
				}
			}
			err = p.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			want := fmt.Sprintf("%s:%d: %s: ", file, lineOf(t, tc.file, tc.at), tc.key)
			if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q, want it to start with %q and say %q", msg, want, tc.msg)
			}
		})
	}
}

// TestValidateMNISTIsBounded: validating the MNIST experiments checks the
// circuits against the task without decoding the data set (60 000 + 10 000
// images, about 500 MB as float64): within a second and 100 MB.
func TestValidateMNISTIsBounded(t *testing.T) {
	for _, name := range []string{"mnist", "mnist_podlaski"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		p, err := training.Load(name)
		if err == nil {
			err = p.Validate()
		}
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if took > time.Second {
			t.Errorf("%s: validation took %v", name, took)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
			t.Errorf("%s: validation allocated %d MB", name, alloc>>20)
		}
	}
}
