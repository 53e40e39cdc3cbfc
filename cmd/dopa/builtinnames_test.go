package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/kinds"
	"github.com/dopa-sim/dopa/internal/output"
)

// TestBuiltinNamesAreExplicit: a bare name that is both a built-in
// experiment and a built-in circuit is refused (exit 2, naming both
// spellings, nothing written); experiments/NAME and circuits/NAME choose;
// a name of one kind only runs as before; dopa run with no FILE is the
// built-in XOR experiment, whatever files are in the working directory.
func TestBuiltinNamesAreExplicit(t *testing.T) {
	var both []string
	for _, n := range experiments.BuiltinNames() {
		if _, ok := circuits.Builtin(n); ok {
			both = append(both, n)
		}
	}
	if len(both) == 0 {
		t.Skip("no built-in name is both an experiment and a circuit")
	}
	wd := t.TempDir()
	t.Chdir(wd)
	for _, n := range both {
		out := filepath.Join(wd, "out-"+n)
		for _, args := range [][]string{{"run", n, "--out", out}, {"validate", n}, {"serve", n, "--listen", "127.0.0.1:0"}} {
			code, _, stderr := dopa(t, args...)
			if code != 2 || !strings.Contains(stderr, "experiments/"+n) || !strings.Contains(stderr, "circuits/"+n) {
				t.Errorf("dopa %s: exit %d, %q; want exit 2 naming experiments/%s and circuits/%s", strings.Join(args, " "), code, stderr, n, n)
			}
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("dopa run %s wrote %s", n, out)
		}
		for _, tc := range []struct{ arg, want string }{
			{"experiments/" + n, "valid experiment"},
			{"experiments/" + n + ".toml", "valid experiment"},
			{"circuits/" + n, "valid circuit"},
			{"circuits/" + n + ".toml", "valid circuit"},
		} {
			code, stdout, stderr := dopa(t, "validate", tc.arg)
			if code != 0 || !strings.Contains(stdout, tc.want) {
				t.Errorf("dopa validate %s: exit %d, %q %q; want %q", tc.arg, code, stdout, stderr, tc.want)
			}
		}
		// The live view reads the file that was named.
		src, err := openSource("circuits/" + n)
		if err != nil {
			t.Fatal(err)
		}
		data, err := sourceData(src.File)
		want, _ := circuits.Builtin(n)
		if err != nil || !bytes.Equal(data, want) {
			t.Errorf("circuits/%s: the live view would read %s (%v), not the circuit", n, src.File, err)
		}
	}
	// Names of one kind only, and a wrong kind.
	for _, tc := range []struct {
		arg  string
		code int
		want string
	}{
		{"xor_sweep", 0, "valid sweep"},
		{"cuba", 0, "valid circuit"},
		{"circuits/xor_sweep", 2, `no built-in circuit "xor_sweep"`},
		{"experiments/cuba", 2, `no built-in experiment "cuba"`},
		{"nonesuch", 2, "no built-in experiment or circuit"},
	} {
		code, stdout, stderr := dopa(t, "validate", tc.arg)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("dopa validate %s: exit %d, %q %q; want exit %d and %q", tc.arg, code, stdout, stderr, tc.code, tc.want)
		}
	}
	// No FILE: the built-in XOR experiment, even beside a file named xor.
	writeFile(t, filepath.Join(wd, "xor"), "not toml [")
	code, stdout, stderr := dopa(t, "run", "--seeds", "1", "--set", "max_trials=40", "--out", filepath.Join(wd, "default"), "--store", "off", "--quiet")
	if code != 0 || !strings.Contains(stdout, "wrote") {
		t.Errorf("dopa run with no FILE: exit %d, %q %q", code, stdout, stderr)
	}
}

// TestHelpListsEveryKind: validate --help and plot --help name every kind
// of the registry (the sweep among them).
func TestHelpListsEveryKind(t *testing.T) {
	for _, cmd := range []string{"validate", "plot"} {
		code, stdout, stderr := dopa(t, cmd, "--help")
		if code != 0 {
			t.Fatalf("dopa %s --help: exit %d", cmd, code)
		}
		var names []string
		if _, ok := kinds.Of(output.Sweep); !ok {
			t.Errorf("the registry has no %s kind", output.Sweep)
		}
		for _, k := range kinds.All() {
			names = append(names, string(k.Name))
		}
		for _, n := range names {
			if !strings.Contains(stdout+stderr, "  "+n+" ") {
				t.Errorf("dopa %s --help does not list the kind %s:\n%s", cmd, n, stdout+stderr)
			}
		}
	}
}
