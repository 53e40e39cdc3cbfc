package training

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestFailedAndDivergedRunsInSummaries: a failed run (an error other than
// a divergence) and a diverged run have null metrics in summary.json's
// runs; a failed run is left out of by_rule and the comparisons (adding
// one changes neither), a diverged run counts as the worst value in every
// median and as "no" in every fraction. Checked for every metric of the
// tasks of several built-in experiments.
func TestFailedAndDivergedRunsInSummaries(t *testing.T) {
	for _, name := range []string{"xor", "mnist", "regression_linear", "mackey_glass", "lorenz"} {
		t.Run(name, func(t *testing.T) {
			p, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			good := func(rule string, seed int, x float64) Result {
				r := Result{Rule: rule, Seed: seed, FinalLoss: x, Solved: true, TrialsToCriterion: int(1000 * x), EpochsToCriterion: int(100 * x),
					Values: map[string]float64{}, Done: true, SpikeCount: -1}
				for _, m := range p.task.Metrics {
					r.Values[m.Name] = x
					if m.Fraction {
						r.Values[m.Name] = 1
					}
				}
				return r
			}
			failed := Result{Rule: "a", Seed: 9, FinalLoss: math.NaN(), TrialsToCriterion: -1, EpochsToCriterion: -1, Err: "circuit: refused", Done: true, SpikeCount: -1}
			diverged := good("b", 3, 0)
			diverged.Err, diverged.Diverged, diverged.Solved, diverged.FinalLoss = "diverged: loss +Inf", true, false, math.NaN()
			for k := range diverged.Values {
				diverged.Values[k] = math.NaN()
			}
			base := []Result{good("a", 1, 0.1), good("a", 2, 0.2), good("a", 3, 0.3), good("b", 1, 0.15), good("b", 2, 0.25), diverged}
			without := p.Summarize(base)
			with := p.Summarize(append([]Result{failed}, base...))
			if !reflect.DeepEqual(without.ByRule, with.ByRule) {
				t.Errorf("a failed run changed by_rule:\nwithout %v\nwith    %v", without.ByRule, with.ByRule)
			}
			if !reflect.DeepEqual(without.Comparisons, with.Comparisons) {
				t.Errorf("a failed run changed the comparisons:\nwithout %v\nwith    %v", without.Comparisons, with.Comparisons)
			}
			if n := with.ByRule["a"].Num("n"); n == nil || *n != 3 {
				t.Errorf("by_rule a: n = %v, want the 3 runs that produced a result", n)
			}
			b, err := json.Marshal(with)
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Runs   []map[string]any          `json:"runs"`
				ByRule map[string]map[string]any `json:"by_rule"`
			}
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Runs {
				if r["error"] == nil {
					continue
				}
				for _, m := range append(p.task.Metrics, p.task.Metrics...) {
					if r[m.Name] != nil || r["final_loss"] != nil {
						t.Errorf("run %v %v (%v): %s = %v, final_loss = %v; want null", r["rule"], r["seed"], r["error"], m.Name, r[m.Name], r["final_loss"])
					}
				}
			}
			// Rule b: two runs and a diverged one, which counts as the worst.
			for _, m := range p.task.Metrics {
				got := out.ByRule["b"]
				if m.Fraction {
					if f, _ := got[m.Name+"_fraction"].(float64); math.Abs(f-2.0/3) > 1e-12 {
						t.Errorf("by_rule b: %s_fraction = %v, want 2/3 (the diverged run is a no)", m.Name, got[m.Name+"_fraction"])
					}
					continue
				}
				want := fptr(quantile(0.5, []float64{0.15, 0.25, m.Worst()}))
				v, _ := got["median_"+m.Name].(float64)
				if (want == nil) != (got["median_"+m.Name] == nil) || want != nil && v != *want {
					t.Errorf("by_rule b: median_%s = %v, want %v (the diverged run counted as the worst)", m.Name, got["median_"+m.Name], want)
				}
			}
		})
	}
}
