package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/store"
)

// TestMeaninglessInputsRefused: inputs that were accepted though they
// mean nothing (feedback running upwards or onto the input, a key of
// another rule sharing the same parameters, npfb on non-plastic declared
// feedback) exit 2 with one message naming the file, the line and the
// key, from dopa run and dopa validate alike.
func TestMeaninglessInputsRefused(t *testing.T) {
	xorC := builtinText(t, "xor", true)
	tlC := builtinText(t, "teacher_linear", true)
	tanhE := builtinText(t, "regression_tanh", false)
	fb := func(from, to, extra string) string {
		return edit(t, xorC, "[readout]", "[[feedback]]\nfrom = \""+from+"\"\nto = \""+to+"\"\n"+extra+"\n[readout]")
	}
	npfbOn := func(plastic string) string {
		c := edit(t, tlC, "name = \"fa\"\nlearning_rate = 0.01\nfeedback_init = \"uniform\"\nfeedback_scale = 0.5\n", "name = \"npfb\"\nlearning_rate = 0.01\n")
		return edit(t, c, "[readout]", "[[feedback]]\nfrom = \"output\"\nto = \"hidden\"\nplastic = "+plastic+"\n\n[readout]")
	}
	for _, tc := range []badCase{
		{name: "feedback upwards", file: fb("hidden", "output", ""), at: "from = \"hidden\"\nto = \"output\"\n\n[readout]", want: []string{"feedback[0].from", "carries an error down"}},
		{name: "feedback from the input upwards", file: fb("input", "output", ""), at: "from = \"input\"\nto = \"output\"\n\n[readout]", want: []string{"feedback[0].from", "carries an error down"}},
		{name: "feedback onto the input", file: fb("output", "input", ""), at: "to = \"input\"\n\n[readout]", want: []string{"feedback[0].to", "is the input"}},
		{name: "feedback onto the input from hidden", file: fb("hidden", "input", "plastic = false\n"), at: "to = \"input\"\nplastic", want: []string{"feedback[0].to", "is the input"}},
		{name: "dt of di on ndi", file: edit(t, tanhE, "feedback = \"neg_transpose\"\nclip = 1.0\n\n[[rule]]\nname = \"di\"", "feedback = \"neg_transpose\"\nclip = 1.0\ndt = 0.5\n\n[[rule]]\nname = \"di\""), at: "dt = 0.5\n\n[[rule]]\nname = \"di\"", want: []string{"dt", "applies only to rule di (rule is \"ndi\")"}},
		{name: "steps of di on ndi", file: edit(t, tanhE, "name = \"ndi\"", "name = \"ndi\"\nsteps = 100"), at: "steps = 100", want: []string{"steps", "applies only to rule di (rule is \"ndi\")"}},
		{name: "gamma of npfb_ls on npfb", file: edit(t, tanhE, "feedback_rate = 0.001", "feedback_rate = 0.001\ngamma = 0.1"), at: "gamma = 0.1\n", want: []string{"gamma", "applies only to rule npfb_ls (rule is \"npfb\")"}},
		{name: "gamma of 0 on npfb_ls", file: edit(t, tanhE, "gamma = 0.1", "gamma = 0.0"), at: "gamma = 0.0", want: []string{"gamma", "npfb_ls", "must be a finite number > 0, got 0"}},
		{name: "feedback_rate of npfb on npfb_ls", file: edit(t, tanhE, "gamma = 0.1", "gamma = 0.1\nfeedback_rate = 0.01"), at: "feedback_rate = 0.01", want: []string{"feedback_rate", "applies only to rule npfb (rule is \"npfb_ls\")"}},
		{name: "npfb on non-plastic feedback", file: npfbOn("false"), at: "name = \"npfb\"", want: []string{"rule.name", "npfb teaches its feedback", "plastic = false"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkBadInput(t, tc, 0, true) })
	}
	// The same circuit with plastic feedback is valid.
	dir := t.TempDir()
	file := filepath.Join(dir, "ok.toml")
	writeFile(t, file, npfbOn("true"))
	if code, _, stderr := dopa(t, "validate", file); code != 0 {
		t.Errorf("npfb on plastic feedback: exit %d (%q)", code, stderr)
	}
}

// TestMemoryKAndKLog2: k_log2 sets k (or p) from n, so a file that sets
// both is refused at the key, not run with one silently ignored.
func TestMemoryKAndKLog2(t *testing.T) {
	w := builtinText(t, "willshaw", false)
	for _, tc := range []badCase{
		{name: "k and k_log2", file: edit(t, w, "\nk = 10\n", "\nk = 10\nk_log2 = true\n"), at: "k = 10\nk_log2", want: []string{"patterns.k", "set k or k_log2, not both"}},
		{name: "k_log2 and p", file: edit(t, w, "\nk = 10\n", "\nk_log2 = true\np = 0.02\n"), at: "p = 0.02", want: []string{"patterns.p", "set p or k_log2, not both"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkBadInput(t, tc, 0, true) })
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "in.toml")
	writeFile(t, file, edit(t, w, "\nk = 10\n", "\nk_log2 = true\n"))
	if code, _, stderr := dopa(t, "validate", file); code != 0 {
		t.Errorf("k_log2 alone: exit %d (%q)", code, stderr)
	}
	code, _, stderr := dopa(t, "run", file, "--set", "patterns.k=12", "--out", filepath.Join(dir, "out"), "--quiet")
	if code != 2 || !strings.Contains(stderr, "patterns.k") {
		t.Errorf("--set patterns.k beside k_log2: exit %d (%q), want 2 naming patterns.k", code, stderr)
	}
}

// TestBadFlagValues: a pace that is not a number of updates per second and
// a --out that is a directory are bad flag values: exit 2, one message.
func TestBadFlagValues(t *testing.T) {
	for _, pace := range []string{"nan", "NaN", "inf", "-inf", "-1", "1e9"} {
		code, stdout, stderr := dopa(t, "serve", "--pace", pace, "xor")
		if code != 2 || !strings.Contains(stderr, "--pace") || stdout != "" {
			t.Errorf("--pace %s: exit %d (%q), want 2 naming --pace", pace, code, stderr)
		}
	}
	dir := t.TempDir()
	code, stdout, stderr := dopa(t, "data", "mackey-glass", "--n", "10", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "is a directory") || stdout != "" {
		t.Errorf("data --out DIR: exit %d (%q), want 2", code, stderr)
	}
	file := filepath.Join(dir, "mg.csv")
	if code, _, stderr := dopa(t, "data", "mackey-glass", "--n", "10", "--out", file); code != 0 {
		t.Errorf("data --out FILE: exit %d (%q)", code, stderr)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunsLeavesOtherFilesAlone: dopa runs --store pointed at another
// program's SQLite file exits 2 and leaves it byte for byte; --compare
// refuses a point whose runs come from two configurations.
func TestRunsLeavesOtherFilesAlone(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (text TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(other)
	for _, args := range [][]string{{"runs", "--store", other}, {"runs", "--store", other, "--compare", "a", "b"}} {
		code, _, stderr := dopa(t, args...)
		if code != 2 || !strings.Contains(stderr, "not a dopa run store") {
			t.Errorf("%v: exit %d (%q), want 2 and not a dopa run store", args, code, stderr)
		}
	}
	after, _ := os.ReadFile(other)
	ents, _ := os.ReadDir(dir)
	if !bytes.Equal(before, after) || len(ents) != 1 {
		t.Errorf("the file or its directory changed (%d entries)", len(ents))
	}

	path := filepath.Join(dir, "runs.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, exp := range []string{"e1", "e1", "e2", "e2"} {
		for _, point := range []string{"pa", "pb"} {
			r := &store.Run{Kind: "sweep", Experiment: exp, Rule: "wp", Seed: int64(i), PointID: point, Status: store.Done,
				Metric: "final_loss", MetricValue: float64(i), WallSeconds: math.NaN(), Params: map[string]string{"seed": fmt.Sprint(i)}}
			if err := st.RecordRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()
	code, _, stderr := dopa(t, "runs", "--store", path, "--compare", "pa", "pb")
	if code != 2 || !strings.Contains(stderr, "2 configurations") {
		t.Errorf("--compare of pooled configurations: exit %d (%q), want 2", code, stderr)
	}
	code, stdout, stderr := dopa(t, "runs", "--store", path, "--compare", "pa", "pb", "--experiment", "e1")
	if code != 0 || !strings.Contains(stdout, "n 2 vs 2") {
		t.Errorf("--compare of one configuration: exit %d (%q %q)", code, stdout, stderr)
	}
}
