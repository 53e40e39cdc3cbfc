package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/series"
)

func data(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = cmdData(args, &o, &e)
	return o.String(), e.String(), err
}

func TestDataUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"henon", "--n", "10"}, `unknown series "henon"`},
		{[]string{"--n", "10"}, "want one series"},
		{[]string{"mackey-glass", "lorenz", "--n", "10"}, "want one series"},
		{[]string{"mackey-glass", "--n", "0"}, "--n must be >= 1"},
		{[]string{"lorenz"}, "--n must be >= 1"},
		{[]string{"mackey-glass", "--n", "-3"}, "--n must be >= 1"},
		{[]string{"mackey-glass", "--n", "ten"}, "invalid value"},
		{[]string{"mackey-glass", "--n", "10", "--method", "heun"}, "method"},
		{[]string{"mackey-glass", "--n", "10", "--tau", "17.05"}, "tau"},
		{[]string{"mackey-glass", "--n", "10", "--dt", "-0.1"}, "step"},
		{[]string{"mackey-glass", "--n", "10", "--tau", "NaN"}, "tau"},
		{[]string{"lorenz", "--n", "10", "--tau", "30"}, "--tau applies to mackey-glass only"},
		{[]string{"lorenz", "--n", "10", "--method", "euler"}, "rk4 only"},
		{[]string{"lorenz", "--n", "10", "--dt", "0"}, "dt"},
		{[]string{"lorenz", "--n", "10", "--dt", "0.5"}, "diverged"},
		{[]string{"mackey-glass", "--n", "10", "--dt", "0.3"}, "--dt sets the step h"},
		{[]string{"mackey-glass", "--n", "10", "--bogus"}, "bogus"},
	} {
		out, _, err := data(tc.args...)
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: want a usage error mentioning %q, got %v", tc.args, tc.want, err)
		}
		if out != "" {
			t.Errorf("%q: wrote %d bytes to stdout on bad usage", tc.args, len(out))
		}
	}
	if _, _, err := data("--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: want flag.ErrHelp, got %v", err)
	}
}

// parseCSV checks the header and returns the rows as numbers.
func parseCSV(t *testing.T, text, header string) [][]float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != header {
		t.Fatalf("header %q, want %q", lines[0], header)
	}
	var rows [][]float64
	for i, l := range lines[1:] {
		var row []float64
		for _, f := range strings.Split(l, ",") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("row %d: %v", i+1, err)
			}
			row = append(row, v)
		}
		if len(row) != strings.Count(header, ",")+1 {
			t.Fatalf("row %d has %d fields, want as many as %q", i+1, len(row), header)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestDataMackeyGlassSmall(t *testing.T) {
	out, errOut, err := data("mackey-glass", "--n", "25")
	if err != nil {
		t.Fatal(err)
	}
	rows := parseCSV(t, out, "t,x")
	if len(rows) != 25 {
		t.Fatalf("%d rows, want 25", len(rows))
	}
	// The CSV holds the series exactly (shortest round-trip formatting).
	s, err := series.MackeyGlass(series.MackeyGlassParams{}.Defaults(), 25, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r[0] != s.T[i] || r[1] != s.X[i] {
			t.Fatalf("row %d is %v, want (%v, %v)", i+1, r, s.T[i], s.X[i])
		}
	}
	if !strings.HasPrefix(out, "t,x\n500,") {
		t.Errorf("first row %q, want t = 500", strings.SplitN(out, "\n", 3)[1])
	}
	for _, want := range []string{"mackey-glass n=25 ", "mean=", "std=", "method=euler", "h=0.1", "history x=1.2", "first 500 samples dropped"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary %q lacks %q", errOut, want)
		}
	}
	if strings.Count(errOut, "\n") != 1 {
		t.Errorf("summary is not one line: %q", errOut)
	}
	// Flags may come before the series name, and rk4 is recorded.
	_, errOut, err = data("--method", "rk4", "--n", "3", "mackey-glass")
	if err != nil || !strings.Contains(errOut, "method=rk4") {
		t.Errorf("rk4 run: err %v, summary %q", err, errOut)
	}
}

func TestDataLorenzFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lorenz.csv")
	out, errOut, err := data("lorenz", "--n", "40", "--seed", "3", "--out", file)
	if err != nil {
		t.Fatal(err)
	}
	if out != "" {
		t.Errorf("wrote %d bytes to stdout with --out", len(out))
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows := parseCSV(t, string(b), "t,x,y,z")
	if len(rows) != 40 || rows[0][0] != 10 || rows[1][0] != 10.01 {
		t.Errorf("%d rows from t=%v, %v; want 40 from t=10, 10.01", len(rows), rows[0][0], rows[1][0])
	}
	for _, want := range []string{"lorenz n=40 ", "method=rk4", "seed=3", "dt=0.01", file} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary %q lacks %q", errOut, want)
		}
	}
	// Same seed, same bytes.
	again, _, err := data("lorenz", "--n", "40", "--seed", "3")
	if err != nil || again != string(b) {
		t.Errorf("seed 3 twice gave different output (err %v)", err)
	}
	// A file that cannot be written is a failure, not bad usage, and
	// leaves nothing behind.
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "x.csv")
	if _, _, err := data("lorenz", "--n", "5", "--out", bad); err == nil || errors.As(err, new(usageError)) {
		t.Errorf("unwritable --out: want a plain error, got %v", err)
	}
	// Bad arguments leave an existing file untouched.
	if _, _, err := data("lorenz", "--n", "0", "--out", file); err == nil {
		t.Error("--n 0 accepted")
	}
	if b2, _ := os.ReadFile(file); !bytes.Equal(b, b2) {
		t.Error("a rejected run changed the --out file")
	}
}

// The command's statistics at the reference length, both methods.
func TestDataMackeyGlass15000(t *testing.T) {
	for _, m := range []string{"euler", "rk4"} {
		out, errOut, err := data("mackey-glass", "--n", "15000", "--method", m)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("dopa data mackey-glass --n 15000 --method %s: %s", m, strings.TrimSpace(errOut))
		rows := parseCSV(t, out, "t,x")
		x := make([]float64, len(rows))
		for i, r := range rows {
			x[i] = r[1]
		}
		mean, std := series.Mean(x), series.Std(x)
		if len(x) != 15000 || mean < 0.925 || mean > 0.935 || std < 0.221 || std > 0.231 {
			t.Errorf("%s: %d samples, mean %.5f, std %.5f; want 15000, 0.930 ± 0.005, 0.226 ± 0.005", m, len(x), mean, std)
		}
	}
}
