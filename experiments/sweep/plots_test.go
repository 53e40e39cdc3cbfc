package sweep_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/internal/output"
)

// writeSummary writes a sweep summary of done points over keys, the
// median of the metric at point i being med(i) (nil: null).
func writeSummary(t *testing.T, dir string, keys []string, n int, med func(i int) *float64) {
	t.Helper()
	s := sweep.Summary{Experiment: "e", Keys: keys, Metric: "trials_to_criterion"}
	for i := range n {
		params := map[string]string{}
		for k, key := range keys {
			params[key] = fmt.Sprint(0.1 * float64(i/(k*2+1)+1))
		}
		br, _ := json.Marshal(map[string]map[string]*float64{"dopamine": {"median_trials_to_criterion": med(i), "q25_trials_to_criterion": med(i), "q75_trials_to_criterion": med(i)}})
		s.Points = append(s.Points, sweep.PointStatus{ID: fmt.Sprintf("p%d", i), Params: params, Status: "done", ByRule: br})
	}
	if err := output.WriteJSON(filepath.Join(dir, output.SummaryFile), s); err != nil {
		t.Fatal(err)
	}
}

// notes captures what plots.Notes receives during the test.
func notes(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	old := plots.Notes
	plots.Notes = &b
	t.Cleanup(func() { plots.Notes = old })
	return &b
}

// TestSweepPlotsWithoutValues: a sweep whose points have no value of the
// metric (none solved) draws no figure, says so, and does not fail; one
// with values draws it.
func TestSweepPlotsWithoutValues(t *testing.T) {
	for _, keys := range [][]string{{"a"}, {"a", "b"}} {
		for _, tc := range []struct {
			name string
			med  func(int) *float64
			draw bool
		}{
			{"none solved", func(int) *float64 { return nil }, false},
			{"some solved", func(i int) *float64 {
				if i%2 == 0 {
					return nil
				}
				v := float64(100 * i)
				return &v
			}, true},
		} {
			t.Run(fmt.Sprintf("%d keys, %s", len(keys), tc.name), func(t *testing.T) {
				dir := t.TempDir()
				writeSummary(t, dir, keys, 6, tc.med)
				msgs := notes(t)
				if err := sweep.WritePlots(dir); err != nil {
					t.Fatalf("WritePlots: %v", err)
				}
				_, err := os.Stat(filepath.Join(dir, output.PlotsDir, "sweep_trials_to_criterion.png"))
				if drawn := err == nil; drawn != tc.draw {
					t.Errorf("figure drawn %v, want %v (notes %q)", drawn, tc.draw, msgs)
				}
				if !tc.draw && !strings.Contains(msgs.String(), "sweep_trials_to_criterion not drawn") {
					t.Errorf("no message for the skipped figure: %q", msgs)
				}
			})
		}
	}
}
