package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestSaveFigureSkipsWhatCannotBeDrawn: a figure whose values gonum/plot
// cannot place (NaN, ±Inf: an error or a panic inside it) is skipped with
// a message naming it, leaves no file (not even one of an earlier
// drawing), and is not an error; a drawable one is written.
func TestSaveFigureSkipsWhatCannotBeDrawn(t *testing.T) {
	line := func(ys ...float64) func(draw.Canvas) error {
		return func(dc draw.Canvas) error {
			xy := make(plotter.XYs, len(ys))
			for i, y := range ys {
				xy[i] = plotter.XY{X: float64(i), Y: y}
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			p := NewPlot()
			p.Add(l)
			p.Draw(dc)
			return nil
		}
	}
	for _, tc := range []struct {
		name   string
		render func(draw.Canvas) error
		drawn  bool
	}{
		{"finite", line(1, 2, 3), true},
		{"NaN", line(1, math.NaN(), 3), false},
		{"+Inf", line(1, math.Inf(1)), false},
		{"-Inf", line(math.Inf(-1), 0), false},
		{"a panic in the library", func(draw.Canvas) error { panic("invalid Z range") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// An earlier drawing's files must not outlive a skipped one.
			for _, ext := range []string{".png", ".svg"} {
				os.WriteFile(filepath.Join(dir, "fig"+ext), []byte("old"), 0o644)
			}
			var msgs bytes.Buffer
			old := Notes
			Notes = &msgs
			defer func() { Notes = old }()
			if err := SaveFigure(dir, "fig", 4*vg.Inch, 3*vg.Inch, tc.render); err != nil {
				t.Fatalf("SaveFigure: %v", err)
			}
			for _, ext := range []string{".png", ".svg"} {
				b, err := os.ReadFile(filepath.Join(dir, "fig"+ext))
				if drawn := err == nil && string(b) != "old"; drawn != tc.drawn {
					t.Errorf("fig%s drawn %v, want %v", ext, drawn, tc.drawn)
				}
				if !tc.drawn && err == nil {
					t.Errorf("fig%s of an earlier drawing kept", ext)
				}
			}
			if said := strings.Contains(msgs.String(), "fig not drawn"); said == tc.drawn {
				t.Errorf("message %q for a figure drawn %v", msgs.String(), tc.drawn)
			}
		})
	}
}
