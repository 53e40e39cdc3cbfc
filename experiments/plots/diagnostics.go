package plots

import (
	"math"
	"path/filepath"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/internal/output"
)

// maxDiagnosticPanels bounds the panels of diagnostics.png.
const maxDiagnosticPanels = 12

// WriteDiagnostics draws dir/diagnostics.csv (if there is one) into
// dir/plots/diagnostics.png and .svg: one panel per measure (the task's
// held-out error, the credit rules' angle to backprop, ‖B − Wᵀ‖/‖W‖ and
// sign congruence per hidden layer), the median over seeds of every rule
// against trials.
func WriteDiagnostics(dir string) error {
	type key struct{ name, rule string }
	vals := map[key]map[float64][]float64{} // trials → values over seeds
	var names, rules []string
	found, err := output.Diagnostics.Read(dir, true,
		func(t *output.Table) error {
			tr, err := t.Float("trials")
			if err != nil {
				return err
			}
			v, err := t.Float("value")
			if err != nil {
				return err
			}
			k := key{t.Str("name"), t.Str("rule")}
			if !slices.Contains(names, k.name) {
				if len(names) == maxDiagnosticPanels {
					return nil
				}
				names = append(names, k.name)
			}
			if !slices.Contains(rules, k.rule) {
				rules = append(rules, k.rule)
			}
			if vals[k] == nil {
				vals[k] = map[float64][]float64{}
			}
			vals[k][tr] = append(vals[k][tr], v)
			return nil
		})
	if err != nil || !found || len(names) == 0 {
		return err
	}
	colors := ruleColors(nil, rules)
	var rows [][]*plot.Plot
	for _, name := range names {
		p := NewPlot()
		p.Y.Label.Text = name
		p.X.Label.Text = trialsLabel
		for _, rule := range rules {
			byT := vals[key{name, rule}]
			if len(byT) == 0 {
				continue
			}
			var ts []float64
			for tr := range byT {
				ts = append(ts, tr)
			}
			sort.Float64s(ts)
			var xy plotter.XYs
			for _, tr := range ts {
				vs := slices.Clone(byT[tr])
				vs = slices.DeleteFunc(vs, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
				if len(vs) == 0 {
					continue
				}
				slices.Sort(vs)
				xy = append(xy, plotter.XY{X: tr, Y: stat.Quantile(0.5, stat.Empirical, vs, nil)})
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.LineStyle = colors[rule].line()
			p.Add(l)
			p.Legend.Add(rule, l)
		}
		p.Legend.Top = true
		rows = append(rows, []*plot.Plot{p})
	}
	out := filepath.Join(dir, output.PlotsDir)
	return saveFigure(out, "diagnostics", 7*vg.Inch, vg.Length(2.6*float64(len(rows)))*vg.Inch, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
		canvases := plot.Align(rows, tiles, dc)
		for i := range rows {
			rows[i][0].Draw(canvases[i][0])
		}
		return nil
	})
}
