package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawLoss draws the loss figure onto dc.
func drawLoss(dc draw.Canvas, curves []Curve, sum *summary, styles map[string]ruleStyle) error {
	p := NewPlot()
	p.Title.Text = "Loss vs trials: median over seeds, band = 25th–75th percentile"
	p.X.Label.Text = trialsLabel
	p.Y.Label.Text = lossLabel

	crit, hasCrit := sum.criterion()

	// Loss range over all finite positive quantiles, clamped to LossFloor.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for i := range c.Trials {
			for _, v := range []float64{c.Q25[i], c.Median[i], c.Q75[i]} {
				if isFinite(v) && v > 0 {
					v = max(v, LossFloor)
					lo, hi = min(lo, v), max(hi, v)
				}
			}
		}
	}
	xmin, xmax := trialsRange(curves)
	if hasCrit {
		lo, hi = min(lo, crit), max(hi, crit)
	}
	if lo > hi { // nothing finite at all
		lo, hi = 1e-2, 1
	}
	ymin, ymax := decades(lo, hi)
	clamp := func(v float64) float64 { return min(max(v, ymin), ymax) }

	legend := newLegend(len(curves) + 1)
	alpha := uint8(60)
	if len(curves) > 4 {
		alpha = 30
	}
	for _, c := range curves {
		st := styles[c.Rule]
		fill := st.color
		fill.A = alpha

		// Band over runs of grid points where both quartiles are known.
		var band *plotter.Polygon
		for _, seg := range segments(len(c.Trials), func(i int) bool {
			return !math.IsNaN(c.Q25[i]) && !math.IsNaN(c.Q75[i])
		}) {
			if seg[1]-seg[0] < 2 {
				continue
			}
			ring := make(plotter.XYs, 0, 2*(seg[1]-seg[0]))
			for i := seg[0]; i < seg[1]; i++ {
				ring = append(ring, plotter.XY{X: c.Trials[i], Y: clamp(c.Q75[i])})
			}
			for i := seg[1] - 1; i >= seg[0]; i-- {
				ring = append(ring, plotter.XY{X: c.Trials[i], Y: clamp(c.Q25[i])})
			}
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return err
			}
			poly.Color = fill
			poly.LineStyle.Width = 0
			p.Add(poly)
			band = poly
		}

		// Median, interrupted where it is not finite.
		var line *plotter.Line
		for _, seg := range segments(len(c.Trials), func(i int) bool { return isFinite(c.Median[i]) }) {
			pts := make(plotter.XYs, 0, seg[1]-seg[0])
			for i := seg[0]; i < seg[1]; i++ {
				pts = append(pts, plotter.XY{X: c.Trials[i], Y: clamp(c.Median[i])})
			}
			if len(pts) == 1 { // a line through one point is invisible: mark it
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: st.color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
				p.Add(sc)
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.LineStyle = st.line()
			p.Add(l)
			line = l
		}

		label := ruleLabel(c, sum)
		thumbs := []plot.Thumbnailer{}
		if band != nil {
			thumbs = append(thumbs, band)
		}
		if line == nil {
			label = strings.TrimSuffix(label, ")") + ", diverged)"
			l := &plotter.Line{LineStyle: st.line()}
			thumbs = append(thumbs, l)
		} else {
			thumbs = append(thumbs, line)
		}
		legend.Add(label, thumbs...)
	}

	if hasCrit {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: crit}, {X: xmax, Y: crit}})
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{Y: 40}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		p.Add(l)
		legend.Add(fmt.Sprintf("criterion: loss < %g", crit), l)
	}

	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.X.Min, p.X.Max = xmin, xmax
	setLogY(p, ymin, ymax)

	plotArea, legendArea := splitLegend(dc, &legend)
	p.Draw(plotArea)
	legendArea.Max.Y = p.DataCanvas(plotArea).Max.Y
	legend.Draw(legendArea)
	return nil
}

// trialsRange returns the range of the log trials axis of the loss figure:
// from the power of ten at or below the first grid point to the last grid
// point, or to the next power of ten if that would leave the axis less
// than a decade long. Grid points are >= 1 (see [Curve.Trials]); the range
// is positive in any case, as the log scale needs.
func trialsRange(curves []Curve) (xmin, xmax float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, x := range c.Trials {
			if isFinite(x) && x > 0 {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	if lo > hi {
		lo, hi = 1, 10
	}
	xmin = math.Pow(10, math.Floor(math.Log10(lo)))
	xmax = hi
	if xmax < 10*xmin {
		_, xmax = decades(xmin, hi)
	}
	return xmin, xmax
}

// ruleLabel is the legend label of a loss curve: the rule, the number of
// seeds and, when summary.json tells, how many runs solved the task.
func ruleLabel(c Curve, sum *summary) string {
	if sum != nil {
		if br, ok := sum.ByRule[c.Rule]; ok && br.SolvedFraction != nil && isFinite(*br.SolvedFraction) {
			n := c.Seeds
			if br.N != nil {
				n = *br.N
			}
			solved := int(math.Round(*br.SolvedFraction * float64(n)))
			return fmt.Sprintf("%s (%d/%d solved)", c.Rule, solved, n)
		}
	}
	if c.Seeds == 1 {
		return fmt.Sprintf("%s (1 seed)", c.Rule)
	}
	return fmt.Sprintf("%s (%d seeds)", c.Rule, c.Seeds)
}

// segments returns the maximal index ranges [start, end) of 0..n-1 on
// which ok holds.
func segments(n int, ok func(int) bool) [][2]int {
	var segs [][2]int
	start := -1
	for i := range n {
		switch {
		case ok(i) && start < 0:
			start = i
		case !ok(i) && start >= 0:
			segs = append(segs, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		segs = append(segs, [2]int{start, n})
	}
	return segs
}
