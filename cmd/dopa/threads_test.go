package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dopa run --threads N writes the spikes, states and weights of one
// thread, byte for byte, and says so in summary.json; --threads on a file
// that is not a simulation, or out of range, is a usage error (exit 2)
// that writes nothing.
func TestRunThreadsFlag(t *testing.T) {
	dir := t.TempDir()
	out := func(n string) string { return filepath.Join(dir, n) }
	for _, th := range []string{"1", "3"} {
		if code, _, stderr := dopa(t, "run", "brunel_stdp", "--threads", th, "--out", out("t"+th), "--quiet", "--store", "off",
			"--set", "duration_ms=20", "--set", "population.exc.size=2000", "--set", "population.inh.size=500",
			"--set", "projection.ee.in_degree=200", "--set", "projection.ei.in_degree=200",
			"--set", "projection.ie.in_degree=50", "--set", "projection.ii.in_degree=50"); code != 0 {
			t.Fatalf("--threads %s: exit %d: %s", th, code, stderr)
		}
	}
	for _, f := range []string{"spikes.csv", "states.csv"} {
		a, err1 := os.ReadFile(filepath.Join(out("t1"), f))
		b, err2 := os.ReadFile(filepath.Join(out("t3"), f))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) || len(a) < 100 {
			t.Errorf("%s differs between 1 and 3 threads (%v, %v, %d bytes)", f, err1, err2, len(a))
		}
	}
	var sum struct {
		Threads int             `json:"threads"`
		Weights json.RawMessage `json:"plastic_weights"`
	}
	var sums [2]string
	for k, th := range []string{"1", "3"} {
		b, err := os.ReadFile(filepath.Join(out("t"+th), "summary.json"))
		if err != nil || json.Unmarshal(b, &sum) != nil {
			t.Fatalf("summary.json of --threads %s: %v", th, err)
		}
		if want := int(th[0] - '0'); sum.Threads != want {
			t.Errorf("summary.json threads = %d, want %d", sum.Threads, want)
		}
		sums[k] = string(sum.Weights)
	}
	if sums[0] != sums[1] || !strings.Contains(sums[0], "\"mean\"") {
		t.Errorf("plastic weights differ: %s and %s", sums[0], sums[1])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"experiments/xor", "--threads", "2"}, "--threads is for simulations"},
		{[]string{"cuba", "--threads", "0"}, "--threads must be in [1, 256]"},
		{[]string{"cuba", "--set", "threads=300"}, "threads: must be"},
	} {
		o := out("bad")
		code, _, stderr := dopa(t, append(append([]string{"run"}, tc.args...), "--out", o, "--quiet", "--store", "off")...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("%v wrote %s", tc.args, o)
		}
	}
}
