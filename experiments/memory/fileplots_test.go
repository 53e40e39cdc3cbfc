package memory

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
)

// TestPlotsOfHugeAndNonFiniteValues: dopa plot of a memory run whose
// values are huge, infinite or NaN never fails: each figure is drawn from
// the values it can place, or skipped with a message.
func TestPlotsOfHugeAndNonFiniteValues(t *testing.T) {
	run := func(seed, m int, noise, fr float64) FileRun {
		r := FileRun{N: 100, K: 5, Seed: seed, M: m, Rule: "willshaw", Mode: "one_step", Done: true, FalseRateExact: fr, FalseRateClassical: fr}
		r.OutputNoise, r.FalseRate = noise, fr
		return r
	}
	for _, tc := range []struct {
		name string
		runs []FileRun
		draw bool   // epsilon_vs_m must be drawn
		skip string // a figure skipped with a message
	}{
		{"huge values whose sum overflows", []FileRun{run(1, 10, 1e308, 0.1), run(2, 10, 1.5e308, 0.2), run(1, 20, 1e308, 0.3)}, true, ""},
		{"infinite and NaN values", []FileRun{run(1, 10, math.Inf(1), math.Inf(1)), run(2, 10, math.NaN(), math.NaN()), run(1, 20, 0.5, 1e-300), run(1, 30, 0.4, 1e-3)}, true, ""},
		{"no finite value", []FileRun{run(1, 10, math.Inf(1), math.NaN()), run(1, 20, math.NaN(), math.Inf(-1))}, true, "false_positives not drawn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var msgs bytes.Buffer
			old := plots.Notes
			plots.Notes = &msgs
			defer func() { plots.Notes = old }()
			if err := WritePlots(dir, tc.runs, nil); err != nil {
				t.Fatalf("WritePlots: %v", err)
			}
			_, err := os.Stat(filepath.Join(dir, output.PlotsDir, "epsilon_vs_m.png"))
			if drawn := err == nil; drawn != tc.draw {
				t.Errorf("epsilon_vs_m drawn %v, want %v (notes %q)", drawn, tc.draw, msgs.String())
			}
			if tc.draw && strings.Contains(msgs.String(), "epsilon_vs_m") {
				t.Errorf("a drawn figure reported as skipped: %q", msgs.String())
			}
			if tc.skip != "" && !strings.Contains(msgs.String(), tc.skip) {
				t.Errorf("notes %q do not say %q", msgs.String(), tc.skip)
			}
			if tc.skip == "" && msgs.Len() > 0 {
				t.Errorf("figures skipped: %q", msgs.String())
			}
		})
	}
	if x, y := meanOver([]float64{1, 1, 2}, []float64{1e308, 1.5e308, math.Inf(1)}); len(x) != 1 || y[0] != 1.25e308 {
		t.Errorf("meanOver of huge values: %v %v, want [1] [1.25e308]", x, y)
	}
}
