package sweep_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// loadSweep opens a file and loads it as a sweep, or (a file that is not a
// sweep) as a plan, as dopa validate does.
func loadSweep(file string) error {
	src, err := experiments.OpenData("in.toml", []byte(file))
	if err != nil {
		return err
	}
	if src.Kind != output.Sweep {
		p, err := training.LoadPlan(src)
		if err != nil {
			return err
		}
		return p.Validate()
	}
	_, err = sweep.Load(src, nil, true)
	return err
}

// lineOf is the 1-based line of the n-th (from 1) occurrence of needle.
func lineOf(t *testing.T, s, needle string, n int) int {
	t.Helper()
	off := 0
	for k := range n {
		i := strings.Index(s[off:], needle)
		if i < 0 {
			t.Fatalf("%q occurs %d times in %q, want %d", needle, k, s, n)
		}
		off += i + len(needle)
	}
	return strings.Count(s[:off-len(needle)], "\n") + 1
}

const xorHead = `name = "s"
circuit = "xor"
task = "xor"
max_trials = 100

[[rule]]
name = "dopamine"

`

// TestSweepRefusals: sweeps that cannot mean what they say are refused,
// the error located at the [sweep] or the [[sweep.param]] at fault.
func TestSweepRefusals(t *testing.T) {
	param := func(key, vals string) string {
		return fmt.Sprintf("[[sweep.param]]\nkey = %q\nvalues = %s\n\n", key, vals)
	}
	for _, tc := range []struct {
		name, file string
		at         string // the error is at the n-th line holding this
		n          int
		want       string
	}{
		{"empty sweep", xorHead + "[sweep]\n", "[sweep]", 1, "at least one [[sweep.param]]"},
		{"sweep with a mode and no parameter", xorHead + "[sweep]\nmode = \"list\"\n", "[sweep]", 1, "at least one [[sweep.param]]"},
		{"a sweep key", xorHead + "[sweep]\n\n" + param("sweep.samples", "[1, 2]"), "key = \"sweep.samples\"", 1, "its own keys"},
		{"the sweep itself", xorHead + "[sweep]\n\n" + param("rule.dopamine.sigma", "[0.01]") + param("sweep", "[1]"), "key = \"sweep\"", 1, "its own keys"},
		{"the circuit", xorHead + "[sweep]\n\n" + param("circuit", `["xor", "xor_spiking"]`), "key = \"circuit\"", 1, "circuit cannot be swept"},
		{"a rule key by number and by name", xorHead + "[sweep]\n\n" + param("rule.0.learning_rate", "[0.1, 0.2]") + param("rule.dopamine.learning_rate", "[0.3]"), "key = \"rule.dopamine.learning_rate\"", 1, `spelled another way`},
		{"a circuit key by name and by number", xorHead + "[sweep]\n\n" + param("circuit.population.hidden.size", "[2, 3]") + param("circuit.population.1.size", "[4]"), "key = \"circuit.population.1.size\"", 1, `spelled another way`},
		{"a key the experiment lacks", xorHead + "[sweep]\n\n" + param("rule.dopamin.sigma", "[0.1]"), "key = \"rule.dopamin.sigma\"", 1, `no rule named "dopamin"`},
		// A bad value is located at its own parameter, whichever it is.
		{"bad value of the second parameter", xorHead + "[sweep]\n\n" + param("rule.dopamine.sigma", "[0.01, 0.02]") + param("rule.dopamine.learning_rate", "[0.1, -1.0]"), "values = [0.1, -1.0]", 1, "value -1.0"},
		{"bad value of the first parameter", xorHead + "[sweep]\n\n" + param("rule.dopamine.learning_rate", "[0.1, -1.0]") + param("rule.dopamine.sigma", "[0.01, 0.02]"), "values = [0.1, -1.0]", 1, "value -1.0"},
		{"bad value of a list sweep", xorHead + "[sweep]\nmode = \"list\"\n\n" + param("rule.dopamine.learning_rate", "[0.1, 0.2]") + param("circuit.population.hidden.size", "[2, 0]"), "values = [2, 0]", 1, "value 0"},
		{"bad range value", xorHead + "[sweep]\n\n" + param("rule.dopamine.sigma", "[0.01]") + "[[sweep.param]]\nkey = \"max_trials\"\nrange = [-5.0, 5.0]\nsteps = 3\ninteger = true\n", "range = [-5.0, 5.0]", 1, "max_trials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadSweep(tc.file)
			if err == nil {
				t.Fatal("accepted")
			}
			at := fmt.Sprintf("in.toml:%d:", lineOf(t, tc.file, tc.at, tc.n))
			if msg := err.Error(); !strings.HasPrefix(msg, at) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want it at %q, saying %q", msg, at, tc.want)
			}
		})
	}
}

// TestSweepPointCombination: values valid alone but not together are
// refused at one of their parameters, naming the point.
func TestSweepPointCombination(t *testing.T) {
	file := `name = "r"
circuit = "teacher_linear"
task = "regression"
max_trials = 10

[[rule]]
name = "sgd"

[sweep]

[[sweep.param]]
key = "samples"
values = [100, 2000]

[[sweep.param]]
key = "batch_size"
values = [1, 500]
`
	err := loadSweep(file)
	if err == nil {
		t.Fatal("batch_size 500 of 100 samples accepted")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, fmt.Sprintf("in.toml:%d:", lineOf(t, file, "values = [100, 2000]", 1))) &&
		!strings.HasPrefix(msg, fmt.Sprintf("in.toml:%d:", lineOf(t, file, "values = [1, 500]", 1))) {
		t.Errorf("error %q is not at either parameter's values", msg)
	}
	if !strings.Contains(msg, "samples=100, batch_size=500") {
		t.Errorf("error %q does not name the point", msg)
	}
	// Valid together: accepted, every point.
	ok := strings.Replace(file, "[1, 500]", "[1, 50]", 1)
	src, err := experiments.OpenData("in.toml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	sw, err := sweep.Load(src, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Points) != 4 {
		t.Errorf("%d points, want 4", len(sw.Points))
	}
}
