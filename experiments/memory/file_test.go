package memory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/synapse"
)

func loadFile(t *testing.T, name string) *File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", name+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := config.Parse(name+".toml", data)
	if err != nil {
		t.Fatal(err)
	}
	f, err := FromDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBuiltinStudies: the shipped files decode and validate, and say what
// the issue asks of them.
func TestBuiltinStudies(t *testing.T) {
	w := loadFile(t, "willshaw")
	if w.Patterns.N[0] != 1000 || w.Patterns.K != 10 || w.Query.P01 != 0.5 || len(w.Loads()) < 3 || len(w.Modes) != 1 {
		t.Errorf("willshaw.toml: %+v", w)
	}
	a := loadFile(t, "autoassociation")
	if len(a.Rules) != 4 || len(a.Modes) != 4 {
		t.Errorf("autoassociation.toml: %d rules, %d modes", len(a.Rules), len(a.Modes))
	}
}

// TestFileSet: --set takes one value or a bare comma list for list keys,
// a range replaces the loads, and a bad value changes nothing.
func TestFileSet(t *testing.T) {
	f := loadFile(t, "autoassociation")
	for _, kv := range [][2]string{{"m", "2000"}, {"rules", "bayes, willshaw"}, {"patterns.n", "500,1000"}, {"mode.iterative.steps", "9"}, {"query.p10", "0.001"}} {
		if err := f.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("%s=%s: %v", kv[0], kv[1], err)
		}
	}
	if len(f.M) != 1 || f.M[0] != 2000 || len(f.Rules) != 2 || f.Rules[0] != synapse.Bayes || len(f.Patterns.N) != 2 || f.mode("iterative").Steps != 9 || f.Query.P10 != 0.001 {
		t.Errorf("after --set: %+v", f)
	}
	if err := f.Set("m_range", "{from = 100, to = 500, step = 200}"); err != nil {
		t.Fatal(err)
	}
	if l := f.Loads(); len(l) != 3 || l[2] != 500 {
		t.Errorf("loads %v", l)
	}
	if err := f.Set("mode", `[{name = "a", steps = 3, ane = true}, {name = "b"}]`); err != nil {
		t.Fatal(err)
	}
	if want := []FileMode{{Name: "a", Steps: 3, ANE: true}, {Name: "b", Steps: 1}}; !slices.Equal(f.Modes, want) {
		t.Errorf("modes %+v, want %+v (new modes must not inherit the old ones' keys)", f.Modes, want)
	}
	before := f.Queries
	var ce *config.Error
	if err := f.Set("queries", "0"); !errors.As(err, &ce) || ce.Key != "--set queries" || f.Queries != before {
		t.Errorf("bad --set: %v, queries %d", err, f.Queries)
	}
}

// TestRunFileInterrupted: a cancelled study keeps its finished runs, marks
// the others, and writes a manifest that says it is not complete.
func TestRunFileInterrupted(t *testing.T) {
	f := loadFile(t, "willshaw")
	f.Queries = 20
	ctx, cancel := context.WithCancel(context.Background())
	o, err := RunFile(ctx, f, 1, cancel)
	if !errors.Is(err, context.Canceled) || o == nil {
		t.Fatalf("err %v", err)
	}
	done := 0
	for _, r := range o.Runs {
		if r.Done {
			done++
		}
	}
	if done < 1 || done == len(o.Runs) || !o.Interrupted {
		t.Fatalf("%d of %d runs done", done, len(o.Runs))
	}
	dir := t.TempDir()
	if err := Write(dir, o); err != nil {
		t.Fatal(err)
	}
	runs, _, err := ReadRuns(dir)
	if err != nil || len(runs) != done {
		t.Errorf("read back %d runs, %v", len(runs), err)
	}
	if !(runs[0].FalseRateExact > 0 && runs[0].FalseRateClassical > 0) {
		t.Errorf("exact %g, classical %g", runs[0].FalseRateExact, runs[0].FalseRateClassical)
	}
}
