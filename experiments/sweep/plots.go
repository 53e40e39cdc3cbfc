package sweep

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
)

// WritePlots draws the figures of the sweep in dir from its summary.json
// into dir/plots: the headline metric of every rule against the swept
// parameter (median over seeds, the band between the quartiles where the
// summary has them) for one swept key, a heat map of the medians per rule
// for two; more keys get no figure. Points not done are left out.
func WritePlots(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, output.SummaryFile))
	if err != nil {
		return output.AsReadError(err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return output.AsReadError(fmt.Errorf("%s: %w", filepath.Join(dir, output.SummaryFile), err))
	}
	if len(s.Keys) == 0 || len(s.Keys) > 2 {
		return nil
	}
	type cell struct{ med, q25, q75 float64 }
	values := map[string]map[string]cell{} // rule → point ID → cell
	var rules []string
	var done []PointStatus
	for _, p := range s.Points {
		if p.Status != "done" {
			continue
		}
		var byRule map[string]map[string]*float64
		if json.Unmarshal(p.ByRule, &byRule) != nil {
			continue
		}
		done = append(done, p)
		for rule, agg := range byRule {
			if values[rule] == nil {
				values[rule] = map[string]cell{}
				rules = append(rules, rule)
			}
			get := func(k string) float64 {
				if v := agg[k]; v != nil {
					return *v
				}
				return math.NaN()
			}
			values[rule][p.ID] = cell{get("median_" + s.Metric), get("q25_" + s.Metric), get("q75_" + s.Metric)}
		}
	}
	if len(done) == 0 {
		return nil
	}
	slices.Sort(rules)
	out := filepath.Join(dir, output.PlotsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// Positions of a key's values: the numbers themselves, or the order of
	// first appearance for values that are not numbers.
	pos := func(key string) (func(string) float64, []plot.Tick, bool) {
		var vs []string
		numeric := true
		for _, p := range done {
			v := p.Params[key]
			if !slices.Contains(vs, v) {
				vs = append(vs, v)
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				numeric = false
			}
		}
		if numeric {
			return func(v string) float64 { x, _ := strconv.ParseFloat(v, 64); return x }, nil, true
		}
		var ticks []plot.Tick
		for i, v := range vs {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: strings.Trim(v, `"`)})
		}
		return func(v string) float64 { return float64(slices.Index(vs, v)) }, ticks, false
	}
	logScale := func(xs []float64) bool {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		return lo > 0 && hi/lo >= 20
	}
	if len(s.Keys) == 1 {
		key := s.Keys[0]
		at, ticks, numeric := pos(key)
		p := plots.NewPlot()
		p.Title.Text = s.Experiment + ": " + s.Metric + " against " + key
		p.X.Label.Text, p.Y.Label.Text = key, s.Metric+" (median, quartiles over seeds)"
		var xs []float64
		for _, pt := range done {
			xs = append(xs, at(pt.Params[key]))
		}
		if numeric && logScale(xs) {
			p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{}
		}
		if ticks != nil {
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
		}
		drawn := 0
		for k, rule := range rules {
			var line, lo, hi plotter.XYs
			for _, pt := range done {
				c, ok := values[rule][pt.ID]
				if !ok || math.IsNaN(c.med) || math.IsInf(c.med, 0) {
					continue
				}
				x := at(pt.Params[key])
				line = append(line, plotter.XY{X: x, Y: c.med})
				if !math.IsNaN(c.q25) && !math.IsNaN(c.q75) {
					lo, hi = append(lo, plotter.XY{X: x, Y: c.q25}), append(hi, plotter.XY{X: x, Y: c.q75})
				}
			}
			if len(line) == 0 {
				continue
			}
			sortXY(line)
			col := palette(k)
			if len(lo) == len(line) && len(lo) > 1 {
				sortXY(lo)
				sortXY(hi)
				band := append(slices.Clone(lo), reverse(hi)...)
				poly, err := plotter.NewPolygon(band)
				if err == nil {
					poly.Color = color.NRGBA{col.R, col.G, col.B, 0x33}
					poly.LineStyle.Width = 0
					p.Add(poly)
				}
			}
			l, pts, err := plotter.NewLinePoints(line)
			if err != nil {
				continue // the x values: not numbers a figure can place
			}
			l.Color, pts.Color, pts.Shape = col, col, draw.CircleGlyph{}
			p.Add(l, pts)
			p.Legend.Add(rule, l)
			drawn++
		}
		if drawn == 0 {
			plots.Skip(out, "sweep_"+s.Metric, noValue(s.Metric, len(done)))
			return nil
		}
		p.Legend.Top = true
		return plots.SaveFigure(out, "sweep_"+s.Metric, 7*vg.Inch, 4.5*vg.Inch, func(dc draw.Canvas) error { p.Draw(dc); return nil })
	}
	// Two keys: a heat map of the medians per rule, one cell per pair of
	// values (cells evenly spaced, labelled with the values and the median).
	kx, ky := s.Keys[0], s.Keys[1]
	atX, _, _ := pos(kx)
	atY, _, _ := pos(ky)
	var xs, ys []float64
	label := map[float64]string{}
	labelY := map[float64]string{}
	for _, pt := range done {
		x, y := atX(pt.Params[kx]), atY(pt.Params[ky])
		if !slices.Contains(xs, x) {
			xs = append(xs, x)
			label[x] = short(pt.Params[kx])
		}
		if !slices.Contains(ys, y) {
			ys = append(ys, y)
			labelY[y] = short(pt.Params[ky])
		}
	}
	slices.Sort(xs)
	slices.Sort(ys)
	ticks := func(vs []float64, names map[float64]string) plot.ConstantTicks {
		var t []plot.Tick
		for i, v := range vs {
			t = append(t, plot.Tick{Value: float64(i), Label: names[v]})
		}
		return t
	}
	var rows [][]*plot.Plot
	var blank []string
	for _, rule := range rules {
		g := grid{xs: make([]float64, len(xs)), ys: make([]float64, len(ys)), z: make([]float64, len(xs)*len(ys))}
		for i := range g.xs {
			g.xs[i] = float64(i)
		}
		for j := range g.ys {
			g.ys[j] = float64(j)
		}
		for i := range g.z {
			g.z[i] = math.NaN()
		}
		var cells plotter.XYLabels
		for _, pt := range done {
			c, ok := values[rule][pt.ID]
			if !ok || math.IsInf(c.med, 0) || math.IsNaN(c.med) {
				continue
			}
			i, j := slices.Index(xs, atX(pt.Params[kx])), slices.Index(ys, atY(pt.Params[ky]))
			g.z[j*len(xs)+i] = c.med
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(i), Y: float64(j)})
			cells.Labels = append(cells.Labels, strconv.FormatFloat(c.med, 'g', 4, 64))
		}
		if len(cells.XYs) == 0 {
			// No point of this rule has a value: a heat map has no range
			// of colours to draw.
			blank = append(blank, rule)
			continue
		}
		p := plots.NewPlot()
		p.Title.Text = rule + ": median " + s.Metric + " over seeds"
		p.X.Label.Text, p.Y.Label.Text = kx, ky
		pal := moreland.SmoothBlueRed().Palette(64)
		hm := plotter.NewHeatMap(g, pal)
		hm.NaN = color.Gray{Y: 230}
		p.Add(hm)
		if len(cells.XYs) > 0 {
			if l, err := plotter.NewLabels(cells); err == nil {
				for i := range l.TextStyle {
					l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
				}
				p.Add(l)
			}
		}
		p.X.Tick.Marker, p.Y.Tick.Marker = ticks(xs, label), ticks(ys, labelY)
		rows = append(rows, []*plot.Plot{p})
	}
	if len(rows) == 0 {
		plots.Skip(out, "sweep_"+s.Metric, noValue(s.Metric, len(done)))
		return nil
	}
	if len(blank) > 0 {
		fmt.Fprintf(plots.Notes, "dopa: figure %s: no panel for %s (%s)\n", filepath.Join(out, "sweep_"+s.Metric), strings.Join(blank, ", "), noValue(s.Metric, len(done)))
	}
	return plots.SaveFigure(out, "sweep_"+s.Metric, 7*vg.Inch, vg.Length(3.2*float64(len(rows)))*vg.Inch, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
		canvases := plot.Align(rows, tiles, dc)
		for i := range rows {
			rows[i][0].Draw(canvases[i][0])
		}
		return nil
	})
}

// noValue says why a rule or a figure has nothing to draw.
func noValue(metric string, done int) string {
	return fmt.Sprintf("no finite median %s at any of the %d points done (no point solved, or none reports it)", metric, done)
}

// grid is a heat map's values on the points of two swept keys.
type grid struct {
	xs, ys []float64
	z      []float64
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z[r*len(g.xs)+c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }

func sortXY(xy plotter.XYs) {
	slices.SortFunc(xy, func(a, b plotter.XY) int {
		switch {
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		}
		return 0
	})
}

func reverse(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}

// palette is the color of the k-th rule.
func palette(k int) color.NRGBA { return plots.Colour(k) }

// short renders a value for a tick: numbers to 4 significant digits.
func short(v string) string {
	if x, err := strconv.ParseFloat(v, 64); err == nil {
		return strconv.FormatFloat(x, 'g', 4, 64)
	}
	return strings.Trim(v, `"`)
}
