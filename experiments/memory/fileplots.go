package memory

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/stats"
)

var modeColors = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
}

// ordered returns the distinct values of key over xs, in order of first
// appearance.
func ordered[T any, K comparable](xs []T, key func(T) K) []K {
	var out []K
	for _, x := range xs {
		if k := key(x); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// meanOver returns, for each x (ascending), the mean of y over the rows
// that have that x, leaving out non-finite values.
//
// The mean is a running one, m += (y − m)/k: a sum of huge values would
// overflow to Inf where their mean does not.
func meanOver(xs, ys []float64) (px, py []float64) {
	mean, cnt := map[float64]float64{}, map[float64]int{}
	for i, x := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		cnt[x]++
		mean[x] += (ys[i] - mean[x]) / float64(cnt[x])
	}
	for x := range mean {
		px = append(px, x)
	}
	slices.Sort(px)
	for _, x := range px {
		py = append(py, mean[x])
	}
	return px, py
}

// WritePlots draws the figures of a study into dir/plots (PNG and SVG):
// epsilon_vs_m (one per size when there are several: epsilon_vs_m_nN),
// one panel per rule, a line per mode, the mean ε over seeds against the
// load; false_positives where the exact expectation applies (measured,
// exact, classical); capacity_vs_n when capacities at several sizes were
// measured (one panel per rule, a line per mode, the median M_ε).
func WritePlots(dir string, runs []FileRun, caps []CapacityRun) error {
	pdir := filepath.Join(dir, output.PlotsDir)
	if len(runs) == 0 && len(caps) == 0 {
		return nil
	}
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	sizes := ordered(runs, func(r FileRun) int { return r.N })
	modes := ordered(runs, func(r FileRun) string { return r.Mode })
	rules := ordered(runs, func(r FileRun) string { return r.Rule })
	for _, n := range sizes {
		base := "epsilon_vs_m"
		if len(sizes) > 1 {
			base = fmt.Sprintf("epsilon_vs_m_n%d", n)
		}
		var rs []FileRun
		for _, r := range runs {
			if r.N == n {
				rs = append(rs, r)
			}
		}
		if err := panels(pdir, base, rules, modes, func(rule, mode string) (x, y []float64) {
			for _, r := range rs {
				if r.Rule == rule && r.Mode == mode {
					x, y = append(x, float64(r.M)), append(y, r.OutputNoise)
				}
			}
			return meanOver(x, y)
		}, fmt.Sprintf("n = %d, k = %d", n, rs[0].K), "stored patterns M", "output noise ε (mean over seeds)", nil); err != nil {
			return err
		}
		if err := falsePositives(pdir, n, len(sizes) > 1, rs); err != nil {
			return err
		}
	}
	if cs := ordered(caps, func(c CapacityRun) int { return c.N }); len(cs) > 1 {
		cmodes := ordered(caps, func(c CapacityRun) string { return c.Mode })
		crules := ordered(caps, func(c CapacityRun) string { return c.Rule })
		var xt []float64
		for _, n := range cs {
			xt = append(xt, float64(n))
		}
		if err := panels(pdir, "capacity_vs_n", crules, cmodes, func(rule, mode string) (x, y []float64) {
			byN := map[int][]float64{}
			for _, c := range caps {
				if c.Rule == rule && c.Mode == mode {
					byN[c.N] = append(byN[c.N], float64(c.Capacity))
				}
			}
			for _, n := range cs {
				if v, ok := byN[n]; ok {
					x, y = append(x, float64(n)), append(y, stats.Median(v))
				}
			}
			sortXY(x, y)
			return x, y
		}, fmt.Sprintf("capacity at ε = %g (median over seeds)", caps[0].Eps), "units n", "capacity M_ε (patterns)", xt); err != nil {
			return err
		}
	}
	return nil
}

// sortXY sorts the points by x.
func sortXY(x, y []float64) {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	xs, ys := slices.Clone(x), slices.Clone(y)
	for i, j := range idx {
		x[i], y[i] = xs[j], ys[j]
	}
}

// panels draws one panel per rule with a line per mode (series gives its
// points) into dir/base.
// With xticks, the x axis is logarithmic with a tick at each of them.
func panels(dir, base string, rules, modes []string, series func(rule, mode string) (x, y []float64), title, xl, yl string, xticks []float64) error {
	cols := min(2, len(rules))
	rows := (len(rules) + cols - 1) / cols
	return plots.SaveFigure(dir, base, vg.Length(cols)*4.5*vg.Inch, vg.Length(rows)*3.4*vg.Inch+0.4*vg.Inch, func(dc draw.Canvas) error {
		grid := make([][]*plot.Plot, rows)
		for i := range grid {
			grid[i] = make([]*plot.Plot, cols)
			for j := range grid[i] {
				grid[i][j] = plot.New() // an empty tile
				grid[i][j].HideAxes()
			}
		}
		for i, rule := range rules {
			p := plots.NewPlot()
			p.Title.Text = rule + " — " + title
			p.X.Label.Text, p.Y.Label.Text = xl, yl
			if len(xticks) > 0 {
				p.X.Scale = plot.LogScale{}
				var ts plot.ConstantTicks
				for _, x := range xticks {
					ts = append(ts, plot.Tick{Value: x, Label: fmt.Sprint(x)})
				}
				p.X.Tick.Marker = ts
			}
			p.Legend.Top, p.Legend.Left = true, true // the curves grow to the right
			for m, mode := range modes {
				x, y := series(rule, mode)
				if len(x) == 0 {
					continue
				}
				pts := make(plotter.XYs, len(x))
				for k := range x {
					pts[k].X, pts[k].Y = x[k], y[k]
				}
				l, s, err := plotter.NewLinePoints(pts)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", rule, mode, err)
				}
				c := modeColors[m%len(modeColors)]
				l.Color, s.Color = c, c
				l.Width = vg.Points(1.5)
				if m >= len(modeColors) {
					l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				}
				p.Add(l, s)
				p.Legend.Add(mode, l, s)
			}
			grid[i/cols][i%cols] = p
		}
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(12), PadY: vg.Points(12),
			PadTop: vg.Points(6), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10)}
		cs := plot.Align(grid, tiles, dc)
		for i := range grid {
			for j := range grid[i] {
				grid[i][j].Draw(cs[i][j])
			}
		}
		return nil
	})
}

// falsePositives draws the measured false-positive rate of the runs where
// the exact expectation applies, beside the exact value and the classical
// approximation p₁^z (log scale), into false_positives(_nN).
func falsePositives(dir string, n int, suffix bool, runs []FileRun) error {
	var mx, my, ex, ey, cx, cy []float64
	for _, r := range runs {
		if math.IsNaN(r.FalseRateExact) {
			continue
		}
		mx, my = append(mx, float64(r.M)), append(my, r.FalseRate)
		ex, ey = append(ex, float64(r.M)), append(ey, r.FalseRateExact)
		cx, cy = append(cx, float64(r.M)), append(cy, r.FalseRateClassical)
	}
	if len(mx) == 0 {
		return nil
	}
	base := "false_positives"
	if suffix {
		base = fmt.Sprintf("false_positives_n%d", n)
	}
	if !slices.ContainsFunc(slices.Concat(my, ey, cy), func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }) {
		// A log scale places only positive finite rates.
		plots.Skip(dir, base, "no finite false-positive rate > 0 to place on its log scale")
		return nil
	}
	return plots.SaveFigure(dir, base, 6*vg.Inch, 4.2*vg.Inch, func(dc draw.Canvas) error {
		p := plots.NewPlot()
		p.Title.Text = fmt.Sprintf("Willshaw, one step, n = %d, k = %d: false-positive rate", n, runs[0].K)
		p.X.Label.Text, p.Y.Label.Text = "stored patterns M", "false/(n − k) (log scale)"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Legend.XOffs = -vg.Points(6) // bottom right: the rates grow to the right
		for i, s := range []struct {
			name   string
			x, y   []float64
			points bool
			dashed bool
		}{{"measured (mean over seeds)", mx, my, true, false}, {"exact expectation", ex, ey, false, false}, {"classical p₁^z", cx, cy, false, true}} {
			x, y := meanOver(s.x, s.y)
			var pts plotter.XYs
			for k := range x {
				if y[k] > 0 {
					pts = append(pts, plotter.XY{X: x[k], Y: y[k]})
				}
			}
			if len(pts) == 0 {
				continue
			}
			c := modeColors[i]
			if s.points {
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return err
				}
				sc.Color = c
				sc.Radius = vg.Points(3.5)
				p.Add(sc)
				p.Legend.Add(s.name, sc)
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color, l.Width = c, vg.Points(1.5)
			if s.dashed {
				l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			}
			p.Add(l)
			p.Legend.Add(s.name, l)
		}
		p.Draw(dc)
		return nil
	})
}
