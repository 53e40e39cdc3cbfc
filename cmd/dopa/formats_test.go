package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// formatCases run a built-in file of every kind with record.format =
// "both" at a small budget; between them they write every table (the
// autoassociation study's as CSV, converted by dopa export).
var formatCases = map[string][]string{
	"experiments/xor_spiking":     {"--seeds", "1", "--set", "max_trials=60", "--set", "record.format=both"},
	"experiments/mackey_glass":    {"--seeds", "1", "--set", "max_trials=60", "--set", "record.format=both"},
	"experiments/mnist_podlaski":  {"--set", "max_trials=20", "--set", "train_images=500", "--set", "test_images=200", "--set", "record.diagnostics_every=10", "--set", "record.format=both"},
	"circuits/cuba":               {"--set", "duration_ms=50", "--set", "record_format=both"},
	"distal_probes.toml":          {}, // distalProbes, written by the test
	"eprop_watch.toml":            {}, // epropWatch, written by the test
	"experiments/conditioning":    {"--seeds", "1", "--set", "episodes=40", "--set", "record.steps_every=10", "--set", "record.format=both"},
	"experiments/bandit":          {"--seeds", "1", "--set", "episodes=60", "--set", "record.format=both"},
	"experiments/water_maze":      {"--seeds", "1", "--set", "episodes=6", "--set", "record.trajectories=[0,3]", "--set", "record.value_map=5", "--set", "record.format=both"},
	"experiments/willshaw":        {"--set", "queries=100", "--set", "capacity.eps=0.1", "--set", "capacity.max_m=2000", "--set", "record.format=both"},
	"experiments/autoassociation": {"--seeds", "1", "--set", "queries=50", "--set", "m=1000"},
}

// distalProbes is two seconds of the distal-reward file, recording its
// circuit and two probes (synapse_traces, network_rasters, weights_end,
// probes).
const distalProbes = `kind = "reward"
name = "probes"
seeds = 1
episodes = 2
[environment]
name = "distal"
[critic]
source = "reward"
step_ms = 1
[[agent]]
name = "network"
circuit = "izhikevich2007_network"
watch = "ee"
last_s = 1
trace_every_ms = 100
raster_s = 1
weights_end = true
probe_every_ms = 10
[[agent.probe]]
synapse = "watched"
[[agent.probe]]
synapse = "index"
index = 5
[record]
format = "both"
steps_every = 0
`

// epropWatch is a short e-prop run of the evidence circuit that watches
// three synapses (eligibility).
const epropWatch = `name = "eprop_watch"
circuit = "eprop_evidence"
task = "evidence"
seeds = 1
max_trials = 3
batch_size = 2
test_trials = 4
delay_steps = 50
[criterion]
loss_below = 0.0
[record]
format = "both"
weights = false
synapses_every = 1
[[record.synapse]]
projection = "in_rec"
pre = 0
post = 3
[[record.synapse]]
projection = "rec_rec"
pre = 7
post = 60
[[record.synapse]]
projection = "rec_out"
pre = 4
post = 1
[[rule]]
name = "eprop"
learning_rate = 5e-3
`

// TestNPZMatchesCSV: every table a run writes as .npz reads back, through
// its schema, value for value and bit for bit what its CSV file holds
// (ints equal, floats with equal bits, NaN as NaN, text equal), with the
// same columns in the same order; every table of every schema is checked.
func TestNPZMatchesCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a file of every kind")
	}
	seen := map[string]bool{}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range formatCases {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			src := name
			if base, ok := strings.CutPrefix(name, "circuits/"); ok {
				src = filepath.Join("..", "..", "circuits", base+".toml")
			}
			if name == "distal_probes.toml" {
				src = filepath.Join(t.TempDir(), name)
				writeFile(t, src, distalProbes)
			}
			if name == "eprop_watch.toml" {
				src = filepath.Join(t.TempDir(), name)
				writeFile(t, src, epropWatch)
			}
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"run", src, "--out", out, "--quiet"}, formatCases[name]...)
			if code, _, stderr := dopa(t, args...); code != 0 {
				t.Fatalf("dopa %s: exit %d: %s", strings.Join(args, " "), code, stderr)
			}
			if strings.Contains(name, "autoassociation") {
				if code, _, stderr := dopa(t, "export", out, "--format", "npz"); code != 0 {
					t.Fatalf("dopa export: exit %d: %s", code, stderr)
				}
			}
			for _, s := range output.Schemas() {
				csvPath := filepath.Join(out, s.File)
				if _, err := os.Stat(csvPath); err != nil {
					continue
				}
				seen[s.File] = true
				want := readTyped(t, s, csvPath)
				got := readTyped(t, s, filepath.Join(out, output.NPZName(s.File)))
				if err := sameTable(want, got); err != nil {
					t.Errorf("%s: %v", output.NPZName(s.File), err)
				}
			}
		})
	}
	for _, s := range output.Schemas() {
		if !seen[s.File] {
			t.Errorf("no case wrote %s: add one to formatCases", s.File)
		}
	}
}

// typedTable is a table read through its schema: its columns and, row by
// row, each value as its column's type reads it.
type typedTable struct {
	cols []string
	rows [][]any
}

func readTyped(t *testing.T, s *output.Schema, path string) typedTable {
	t.Helper()
	var tt typedTable
	types := map[string]output.Type{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type
	}
	_, err := s.ReadAt(path, filepath.Base(path), false, func(tb *output.Table) error {
		if tt.cols == nil {
			tt.cols = tb.Columns()
		}
		row := make([]any, len(tt.cols))
		for i, c := range tt.cols {
			typ, ok := types[c]
			if !ok {
				typ = output.FloatType // the columns of More
			}
			switch typ {
			case output.IntType:
				v, err := tb.Int(c)
				if err != nil {
					return err
				}
				row[i] = v
			case output.FloatType:
				if tb.Str(c) == "" {
					row[i] = math.Float64bits(math.NaN()) // an EmptyNaN column
					continue
				}
				v, err := tb.Float(c)
				if err != nil {
					return err
				}
				if math.IsNaN(v) {
					v = math.NaN()
				}
				row[i] = math.Float64bits(v)
			default:
				row[i] = tb.Str(c)
			}
		}
		tt.rows = append(tt.rows, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func sameTable(want, got typedTable) error {
	if len(want.rows) != len(got.rows) {
		return fmt.Errorf("%d rows, CSV has %d", len(got.rows), len(want.rows))
	}
	if len(want.rows) > 0 && !slices.Equal(want.cols, got.cols) {
		return fmt.Errorf("columns %v, CSV has %v", got.cols, want.cols)
	}
	for i := range want.rows {
		for j := range want.rows[i] {
			if want.rows[i][j] != got.rows[i][j] {
				return fmt.Errorf("row %d column %s: %v, CSV has %v", i, want.cols[j], got.rows[i][j], want.rows[i][j])
			}
		}
	}
	return nil
}

// TestExportNPZ: dopa export --format npz of a CSV run writes the very
// bytes a run with record format npz writes (one schema, one encoder),
// and format npz writes no CSV table.
func TestExportNPZ(t *testing.T) {
	cuba := filepath.Join("..", "..", "circuits", "cuba.toml")
	dir := t.TempDir()
	csvRun, npzRun := filepath.Join(dir, "csv"), filepath.Join(dir, "npz")
	for _, c := range []struct{ out, format string }{{csvRun, "csv"}, {npzRun, "npz"}} {
		if code, _, stderr := dopa(t, "run", cuba, "--out", c.out, "--quiet", "--set", "duration_ms=20", "--set", "record_format="+c.format); code != 0 {
			t.Fatalf("run: exit %d: %s", code, stderr)
		}
	}
	if code, stdout, stderr := dopa(t, "export", csvRun, "--format", "npz"); code != 0 || !strings.Contains(stdout, "spikes.npz") {
		t.Fatalf("export: exit %d: %s%s", code, stdout, stderr)
	}
	for _, f := range []string{output.SpikesFile, output.StatesFile, output.LayoutFile} {
		if _, err := os.Stat(filepath.Join(npzRun, f)); err == nil {
			t.Errorf("record_format = npz wrote %s", f)
		}
		a, err := os.ReadFile(filepath.Join(csvRun, output.NPZName(f)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(npzRun, output.NPZName(f)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: exported (%d bytes) differs from the one the run wrote (%d bytes)", output.NPZName(f), len(a), len(b))
		}
	}
	// dopa plot reads a run that has only .npz tables.
	if code, _, stderr := dopa(t, "plot", npzRun); code != 0 {
		t.Errorf("plot of an npz run: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(npzRun, "plots", "raster.png")); err != nil {
		t.Errorf("plot of an npz run: %v", err)
	}
}

// TestExportBadInput: bad usage and a directory that is not a run exit 2
// and write nothing.
func TestExportBadInput(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "want one DIR"},
		{[]string{"export", empty}, "is not the output directory of a run"},
		{[]string{"export", filepath.Join(empty, "nope"), "--format", "npz"}, "is not a directory"},
		{[]string{"export", empty, "--format", "hdf"}, "is not the output directory of a run"},
		{[]string{"export", empty, "--bogus"}, "flag provided but not defined"},
	} {
		code, _, stderr := dopa(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("dopa %v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// A run without spikes refuses sonata; an unknown format is named.
	out := filepath.Join(t.TempDir(), "xor")
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--out", out, "--quiet", "--seeds", "1", "--set", "max_trials=20"); code != 0 {
		t.Fatal(stderr)
	}
	before, _ := os.ReadDir(out)
	for _, c := range []struct{ format, want string }{{"sonata", "has no spikes of a simulation"}, {"hdf", `--format "hdf": want npz or sonata`}, {"", "--format is required"}} {
		code, _, stderr := dopa(t, "export", out, "--format", c.format)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("export --format %q: exit %d, %q; want 2 and %q", c.format, code, stderr, c.want)
		}
	}
	after, _ := os.ReadDir(out)
	if len(after) != len(before) {
		t.Errorf("a refused export changed the directory: %d entries, then %d", len(before), len(after))
	}
}

// TestPlotRefusesDamagedNPZ: dopa plot of a run whose tables are .npz
// files refuses a truncated one with exit 2 and a message naming it.
func TestPlotRefusesDamagedNPZ(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cuba")
	cuba := filepath.Join("..", "..", "circuits", "cuba.toml")
	if code, _, stderr := dopa(t, "run", cuba, "--out", out, "--quiet", "--set", "duration_ms=20", "--set", "record_format=npz"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	path := filepath.Join(out, output.NPZName(output.SpikesFile))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := dopa(t, "plot", out)
	if code != 2 || !strings.Contains(stderr, "spikes.npz") {
		t.Errorf("plot of a truncated spikes.npz: exit %d, %q; want 2 and the file named", code, stderr)
	}
}
