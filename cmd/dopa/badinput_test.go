package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/task"
)

// builtinText returns a built-in experiment or circuit file.
func builtinText(t *testing.T, name string, circuit bool) string {
	t.Helper()
	var b []byte
	var ok bool
	if circuit {
		b, ok = circuits.Builtin(name)
	} else {
		b, ok = experiments.BuiltinData(name)
	}
	if !ok {
		t.Fatalf("no built-in %s", name)
	}
	return string(b)
}

// edit replaces the first old with new, failing if old is not there.
func edit(t *testing.T, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("%q not in the file", old)
	}
	return strings.Replace(src, old, new, 1)
}

// lineOfText is the 1-based line of the first occurrence of needle.
func lineOfText(t *testing.T, s, needle string) int {
	t.Helper()
	i := strings.Index(s, needle)
	if i < 0 {
		t.Fatalf("%q not in the file", needle)
	}
	return strings.Count(s[:i], "\n") + 1
}

// badCase is one bad input: a file (written to in.toml), flags, and what
// the one message must say.
type badCase struct {
	name string
	file string   // contents of in.toml ("" : none)
	args []string // after "run" (FILE is in.toml when file is set)
	at   string   // the message names in.toml at the line holding this text ("" : no line)
	want []string // the message contains these
}

// checkBadInput runs dopa run on the case: exit 2, the message names the
// file, line and key and has at most maxLines further lines, nothing on
// stdout, no output directory, and dopa validate refuses the file too
// (with the same message when sameValidate).
func checkBadInput(t *testing.T, tc badCase, maxLines int, sameValidate bool) {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"run"}, tc.args...)
	file := filepath.Join(dir, "in.toml")
	if tc.file != "" {
		if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, file)
	}
	out := filepath.Join(dir, "out")
	args = append(args, "--out", out, "--quiet")
	code, stdout, stderr := dopa(t, args...)
	if code != 2 {
		t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
	}
	if tc.at != "" {
		if want := file + ":" + itoa(lineOfText(t, tc.file, tc.at)) + ":"; !strings.Contains(stderr, want) {
			t.Errorf("message %q does not name %q", stderr, want)
		}
	}
	for _, w := range tc.want {
		if !strings.Contains(stderr, w) {
			t.Errorf("message %q does not contain %q", stderr, w)
		}
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > maxLines {
		t.Errorf("want one message, got %d lines: %q", n+1, stderr)
	}
	if stdout != "" {
		t.Errorf("wrote to stdout: %q", stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output directory was written (stat: %v)", err)
	}
	if tc.file == "" {
		return
	}
	code, _, stderr2 := dopa(t, "validate", file)
	if sameValidate {
		if _, msg, _ := strings.Cut(stderr, ": "); code != 2 || !strings.HasSuffix(stderr2, msg) {
			t.Errorf("validate: exit %d (%q), want 2 and the same message", code, stderr2)
		}
	} else if code != 2 || stderr2 == "" {
		t.Errorf("validate: exit %d (%q), want 2", code, stderr2)
	}
}

// TestBadInputs is the suite of bad files, flags and directories: each
// exits with status 2, one message that names what is wrong (for a file:
// the file, the line and the key), no panic, nothing on stdout, and
// nothing written.
func TestBadInputs(t *testing.T) {
	xorC := builtinText(t, "xor", true)
	mgE := builtinText(t, "mackey_glass", false)
	distalE := builtinText(t, "distal_reward", false)
	xorE, err := filepath.Abs("../../experiments/xor.toml")
	if err != nil {
		t.Fatal(err)
	}
	nested := "a = " + strings.Repeat("{b = ", 7000) + "1" + strings.Repeat("}", 7000) + "\n"
	for _, tc := range []badCase{
		// Files whose cost the TOML parser cannot bound itself.
		{name: "nested inline tables", file: nested, at: "a = ", want: []string{"nest", "more than 16"}},
		{name: "file over 1 MiB", file: "# " + strings.Repeat("x", 1<<20) + "\n", want: []string{"in.toml", "more than a configuration may be"}},
		// Sizes and counts with no bound before.
		{name: "reward seeds", file: edit(t, distalE, "seeds = 4", "seeds = 1000000"), at: "seeds = 1000000", want: []string{"seeds", "must be in [1, 100000]"}},
		{name: "reward seed", file: edit(t, distalE, "seed = 1", "seed = 5000000000"), at: "seed = 5000000000", want: []string{"seed", "must be in [0, 2147483647]"}},
		{name: "steps per trial", file: edit(t, xorC, "steps_per_trial = 1", "steps_per_trial = 100000000"), at: "steps_per_trial = 100000000", want: []string{"steps_per_trial", "must be in [1, 1000000]"}},
		{name: "experiment seeds", file: edit(t, mgE, "seeds = 10", "seeds = 10000000"), at: "seeds = 10000000", want: []string{"seeds", "must be in [1, 100000]"}},
		// Keys that do not apply to the file's task or kind.
		{name: "key of another task", file: edit(t, mgE, "[mackey_glass]", "[lorenz]\nrho = 28.0\n\n[mackey_glass]"), at: "[lorenz]", want: []string{"lorenz", "applies only to task lorenz (task is \"mackey_glass\")"}},
		{name: "key of another rule", file: edit(t, mgE, `name = "adam"`, "name = \"adam\"\nsigma = 0.02"), at: "sigma = 0.02", want: []string{"sigma", "applies only to rule wp, np, dopamine, dopamine2, npfb, npfb_ls (rule is \"adam\")"}},
		{name: "weight decay of 1", file: edit(t, mgE, `name = "adam"`, "name = \"adam\"\nweight_decay = 1.0"), at: "weight_decay = 1.0", want: []string{"weight_decay", "must be in [0, 1), got 1"}},
		{name: "eprop on a forecasting task", file: edit(t, mgE, "[[rule]]\nname = \"adam\"", "[[rule]]\nname = \"eprop\"\n\n[[rule]]\nname = \"adam\""), at: "name = \"eprop\"", want: []string{"rule", "name", "eprop needs an error at every step of a trial; task mackey_glass forecasts a series"}},
		{name: "weight decay of a perturbation rule", file: edit(t, mgE, `name = "adam"`, "name = \"wp\"\nweight_decay = 0.01"), at: "weight_decay = 0.01", want: []string{"weight_decay", "applies only to rule sgd, adam, fa"}},
		{name: "feedback to no population", file: edit(t, xorC, "[readout]", "[[feedback]]\nfrom = \"output\"\nto = \"hiden\"\n\n[readout]"), at: `to = "hiden"`, want: []string{"feedback", "to", `no population named "hiden"`}},
		{name: "feedback with a bias", file: edit(t, xorC, "[readout]", "[[feedback]]\nfrom = \"output\"\nto = \"hidden\"\nbias = true\n\n[readout]"), at: "bias = true", want: []string{"feedback", "bias", "feedback synapses have no bias"}},
		{name: "key of a simulation", file: edit(t, xorC, `input = "input"`, "input = \"input\"\nduration_ms = 10.0"), at: "duration_ms", want: []string{"duration_ms", "applies only to task = \"simulate\""}},
		{name: "unknown kind", file: edit(t, distalE, `kind = "reward"`, `kind = "distal"`), at: `kind = "distal"`, want: []string{"kind", "unknown kind \"distal\""}},
		// Unknown names, located.
		{name: "unknown task in a circuit file", file: edit(t, xorC, `name = "xor"`, "name = \"xor\"\ntask = \"xr\""), at: `task = "xr"`, want: []string{"task", task.UnknownTask("xr", "simulate")}},
		{name: "unknown task in an experiment", file: edit(t, mgE, `task = "mackey_glass"`, `task = "mackey"`), at: `task = "mackey"`, want: []string{"task", "unknown task \"mackey\""}},
		{name: "unknown rule", file: edit(t, mgE, `name = "adam"`, `name = "adamw"`), at: `name = "adamw"`, want: []string{"rule", "name", "unknown rule \"adamw\""}},
		{name: "circuit that is an experiment", file: edit(t, mgE, `circuit = "mackey_glass"`, `circuit = "`+xorE+`"`), at: `circuit = "`, want: []string{"circuit", "is not a circuit file"}},
		// Flags that make no sense.
		{name: "--seeds 0", args: []string{"experiments/xor", "--seeds", "0"}, want: []string{"--seeds must be >= 1, got 0"}},
		{name: "--seed -1", args: []string{"experiments/xor", "--seed", "-1"}, want: []string{"--seed must be >= 0, got -1"}},
		{name: "--workers -2", args: []string{"experiments/xor", "--workers", "-2"}, want: []string{"--workers must be >= 0"}},
		{name: "--seed overflows", args: []string{"experiments/xor", "--seed", "99999999999999999999"}, want: []string{"-seed", "value out of range"}},
		{name: "--seed past int32", args: []string{"experiments/xor", "--seed", "3000000000"}, want: []string{"seed", "must be in [0, 2147483647], got 3000000000"}},
		{name: "--seeds on a simulation", args: []string{"cuba", "--seeds", "3"}, want: []string{"simulates one seed"}},
		{name: "--set of an unknown key", args: []string{"experiments/xor", "--set", "rule.dopamine.sigmaa=0.1"}, want: []string{"--set rule.dopamine.sigmaa", "unknown key \"sigmaa\""}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkBadInput(t, tc, 6, false) })
	}
}

// TestBadOutputDirectories: dopa plot on directories that are not, or no
// longer, what a run left: exit 2, a message naming the file (and line),
// and no figure written.
func TestBadOutputDirectories(t *testing.T) {
	// A real run to damage.
	good := filepath.Join(t.TempDir(), "good")
	if code, _, stderr := dopa(t, "run", "experiments/mackey_glass", "--seeds", "1", "--set", "max_trials=40", "--out", good, "--quiet"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	copyDir := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "run")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(good)
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			b, _ := os.ReadFile(filepath.Join(good, e.Name()))
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   []string
	}{
		{"empty directory", func(t *testing.T, dir string) {
			for _, n := range []string{"manifest.json", "summary.json", "metrics.csv", "traces.csv", "weights.csv", "predictions.csv"} {
				os.Remove(filepath.Join(dir, n))
			}
		}, []string{"not a dopa output directory (no manifest.json)"}},
		{"unknown kind", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"kind": "sweep9"}`), 0o644)
		}, []string{"manifest.json", "unknown kind \"sweep9\""}},
		{"dimension out of bounds", func(t *testing.T, dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "predictions.csv"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("adam,1,5,2000000000,0.5,0.5,0.5\n")
			f.Close()
		}, []string{"predictions.csv line", "dim \"2000000000\" out of range"}},
		{"damaged metrics", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte("rule,seed,epoch,trials,loss\nadam,x,0,1,0.5\n"), 0o644)
		}, []string{"metrics.csv line 2", "bad seed \"x\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t)
			tc.damage(t, dir)
			code, stdout, stderr := dopa(t, "plot", dir)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message %q does not contain %q", stderr, w)
				}
			}
			if stdout != "" {
				t.Errorf("wrote to stdout: %q", stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, "plots")); !os.IsNotExist(err) {
				t.Errorf("plots/ was written (stat: %v)", err)
			}
		})
	}
}

// TestOutCheckedBeforeWork: an --out that cannot be written, or that holds
// a run (without --force or --resume), is refused at once with exit 2,
// before any training.
func TestOutCheckedBeforeWork(t *testing.T) {
	start := time.Now()
	code, stdout, stderr := dopa(t, "run", "experiments/mackey_glass", "--out", "/proc/dopa-out", "--quiet")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "/proc/dopa-out") {
		t.Errorf("unwritable --out: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused after %v: it trained first", d)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"kind": "training"}`), 0o644)
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--out", dir, "--quiet"); code != 2 || !strings.Contains(stderr, "--force") {
		t.Errorf("--out holding a run: exit %d, %q", code, stderr)
	}
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--out", dir, "--resume", "--force"); code != 2 {
		t.Errorf("--resume with --force: exit %d, %q", code, stderr)
	}
	if code, _, stderr := dopa(t, "run", "experiments/xor", "--resume"); code != 2 || !strings.Contains(stderr, "--resume needs --out") {
		t.Errorf("--resume without --out: exit %d, %q", code, stderr)
	}
}
