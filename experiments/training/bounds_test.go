package training_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/training"
)

// lineOf is the 1-based line of the first occurrence of needle in s.
func lineOf(t *testing.T, s, needle string) int {
	t.Helper()
	i := strings.Index(s, needle)
	if i < 0 {
		t.Fatalf("%q not in %q", needle, s)
	}
	return strings.Count(s[:i], "\n") + 1
}

// rateCircuit is a circuit file of rate populations of these sizes, each
// projecting onto the next (dense), plus extra lines.
func rateCircuit(sizes []int, extra string) string {
	var b strings.Builder
	b.WriteString("name = \"big\"\ninput = \"p0\"\ntask = \"regression\"\n\n")
	for i, n := range sizes {
		fmt.Fprintf(&b, "[[population]]\nname = \"p%d\"\nsize = %d\n\n", i, n)
	}
	for i := 1; i < len(sizes); i++ {
		fmt.Fprintf(&b, "[[projection]]\nfrom = \"p%d\"\nto = \"p%d\"\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "%s\n[readout]\npopulation = \"p%d\"\n", extra, len(sizes)-1)
	return b.String()
}

// TestValidationBoundsProducts: files whose every size is within its own
// bound but whose products (teacher weights, data values, synapses and
// neurons of a circuit, series values) are not are refused before anything
// is allocated: within a second, allocating less than 100 MB, with an error
// naming the file, the line and the key.
func TestValidationBoundsProducts(t *testing.T) {
	regression := func(keys string) string {
		return "name = \"r\"\ncircuit = \"teacher_linear\"\ntask = \"regression\"\nmax_trials = 10\n" + keys + "\n\n[[rule]]\nname = \"sgd\"\n"
	}
	for _, tc := range []struct {
		name, file, at, key string
	}{
		{"teacher of 10⁴-unit layers", regression("samples = 2000\nteacher_hidden = [10000, 10000, 10000, 10000]"), "teacher_hidden", "teacher_hidden"},
		{"teacher of two 10⁴-unit layers", regression("teacher_hidden = [10000, 10000]"), "teacher_hidden", "teacher_hidden"},
		{"work of drawing the targets", regression("samples = 1000000\nbatch_size = 1\nteacher_hidden = [3000, 3000]"), "samples", "samples"},
		// 10⁶ samples × (30 + 10) values: known only with the circuit.
		{"data values of the circuit's sizes", regression("samples = 1000000"), "samples = 1000000", "samples"},
		{"dense synapses of all projections", rateCircuit([]int{10000, 10000, 10000}, ""), "to = \"p2\"", "projection[1].to"},
		{"neurons of all populations", "name = \"big\"\ninput = \"p0\"\n\n[[population]]\nname = \"p0\"\nsize = 6000000\n\n[[population]]\nname = \"p1\"\nsize = 6000000\n\n[readout]\npopulation = \"p1\"\n", "size = 6000000\n\n[readout]", "population[p1].size"},
		{"feedback synapses", rateCircuit([]int{100, 10000, 9000}, "[[feedback]]\nfrom = \"p2\"\nto = \"p1\"\n"), "to = \"p1\"\n\n[readout]", "feedback[0].to"},
		{"lorenz series values", "name = \"l\"\ncircuit = \"lorenz\"\ntask = \"lorenz\"\n\n[forecast]\ntrain_steps = 4000000\n\n[[rule]]\nname = \"adam\"\n", "train_steps", "forecast.train_steps"},
		{"free-running forecasts", "name = \"m\"\ncircuit = \"mackey_glass\"\ntask = \"mackey_glass\"\n\n[forecast]\nfree_run_starts = 1000000000\n\n[[rule]]\nname = \"adam\"\n", "free_run_starts", "forecast.free_run_starts"},
		{"mackey-glass delay", "name = \"m\"\ncircuit = \"mackey_glass\"\ntask = \"mackey_glass\"\n\n[mackey_glass]\nstep = 1e-6\ntau = 17.0\nsample_interval = 1.0\n\n[[rule]]\nname = \"adam\"\n", "tau = 17.0", "mackey_glass.tau"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "in.toml")
			if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			p, err := training.Load(file)
			if err == nil {
				err = p.Validate()
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("accepted")
			}
			if took > time.Second {
				t.Errorf("took %v to refuse", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
				t.Errorf("allocated %d MB to refuse", alloc>>20)
			}
			at := fmt.Sprintf("%s:%d:", file, lineOf(t, tc.file, tc.at))
			if msg := err.Error(); !strings.Contains(msg, at) || !strings.Contains(msg, tc.key) {
				t.Errorf("error %q does not name %q and key %q", msg, at, tc.key)
			}
		})
	}
}

// TestValidationWithinBounds: a file just within the product bounds is
// accepted (the bounds refuse the products, not what the docs allow).
func TestValidationWithinBounds(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.toml")
	src := "name = \"r\"\ncircuit = \"teacher_linear\"\ntask = \"regression\"\nmax_trials = 10\nsamples = 200\nteacher_hidden = [2000, 2000]\n\n[[rule]]\nname = \"sgd\"\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := training.Load(file)
	if err == nil {
		err = p.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestForecastValidationMakesNoSeries: validating a forecasting file whose
// series would take 6·10⁸ integration steps (within the bound) takes no
// time: the series is made when a run needs it; one past the bound is
// refused at its key without integrating.
func TestForecastValidationMakesNoSeries(t *testing.T) {
	for _, tc := range []struct {
		every string
		ok    bool
	}{{"100000", true}, {"1000000", false}} {
		file := filepath.Join(t.TempDir(), "in.toml")
		src := "name = \"l\"\ncircuit = \"lorenz\"\ntask = \"lorenz\"\n\n[lorenz]\nsample_every = " + tc.every + "\n\n[[rule]]\nname = \"adam\"\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		p, err := training.Load(file)
		if err == nil {
			err = p.Validate()
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("sample_every = %s: validation took %v", tc.every, took)
		}
		if (err == nil) != tc.ok || !tc.ok && !strings.Contains(err.Error(), "lorenz.sample_every") {
			t.Errorf("sample_every = %s: err = %v", tc.every, err)
		}
	}
}
