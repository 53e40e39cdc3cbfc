package training

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// criterionSrc is a short e-prop run of the evidence circuit whose test
// error is measured every 2 updates; %s is its [criterion] table.
const criterionSrc = `name = "c"
circuit = "eprop_evidence"
task = "evidence"
seeds = 1
max_trials = 12
batch_size = 2
test_trials = 16
cues = 3
cue_steps = 20
spacing_steps = 10
delay_steps = 20
recall_steps = 20
[criterion]
loss_below = 0.0
%s
[record]
every = 1
trace_seeds = 0
weights = false
diagnostics_every = 2
[[rule]]
name = "eprop"
learning_rate = 2e-2
c_reg = 2.0
`

// TestTestErrorCriterionStopsAtTheFirstPointBelow: with
// criterion.test_error_below, a run stops, solved, at the first
// diagnostics point whose test error is below it — the same point the run
// without the criterion passes — and the summary counts it.
func TestTestErrorCriterionStopsAtTheFirstPointBelow(t *testing.T) {
	run := func(crit string) Result {
		t.Helper()
		p, err := parse("c.toml", []byte(strings.Replace(criterionSrc, "%s", crit, 1)))
		if err != nil {
			t.Fatal(err)
		}
		rs, _, err := p.Execute(context.Background(), t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || !rs[0].Done {
			t.Fatalf("results %+v", rs)
		}
		return rs[0]
	}
	free := run("")
	if free.Solved || free.Epochs != 11 {
		t.Fatalf("without a criterion: solved %v after %d updates, want unsolved after 11", free.Solved, free.Epochs)
	}
	var errs []DiagnosticRow
	for _, d := range free.Diagnostics {
		if d.Name == "test_error" {
			errs = append(errs, d)
		}
	}
	if len(errs) < 3 {
		t.Fatalf("test_error measured %d times, want every 2 updates: %+v", len(errs), free.Diagnostics)
	}
	// A threshold just above the lowest error met before the last point:
	// the first point at that error is where the run must stop.
	lo := math.Inf(1)
	for _, d := range errs[:len(errs)-1] {
		lo = min(lo, d.Value)
	}
	first := -1
	for _, d := range errs {
		if d.Value <= lo {
			first = d.Epoch
			break
		}
	}
	thr := lo + 1e-9
	got := run(fmt.Sprintf("test_error_below = %v", thr))
	if !got.Solved || got.EpochsToCriterion != first || got.Epochs != first {
		t.Errorf("test_error_below = %v: solved %v at update %d (ran %d), want solved at %d (errors %+v)",
			thr, got.Solved, got.EpochsToCriterion, got.Epochs, first, errs)
	}
	if got.Values["test_error"] != lo {
		t.Errorf("final test error %v, want the criterion's point's %v", got.Values["test_error"], lo)
	}
	// Below every error measured: never solved.
	if never := run("test_error_below = 1e-9"); lo > 0 && never.Solved {
		t.Errorf("test_error_below = 1e-9 solved at %d; errors %+v", never.EpochsToCriterion, errs)
	}
}

// TestTestErrorCriterionNeedsDiagnostics: the criterion is measured at the
// diagnostics, so a file without them is refused at the key.
func TestTestErrorCriterionNeedsDiagnostics(t *testing.T) {
	src := strings.Replace(criterionSrc, "%s", "test_error_below = 0.07", 1)
	src = strings.Replace(src, "diagnostics_every = 2", "diagnostics_every = 0", 1)
	_, err := parse("c.toml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "c.toml:") || !strings.Contains(err.Error(), "criterion.test_error_below") ||
		!strings.Contains(err.Error(), "diagnostics_every") {
		t.Errorf("error %v, want one at criterion.test_error_below naming record.diagnostics_every", err)
	}
}
