package reward

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/experiments/plots"
)

// plotCols is the horizontal resolution of a trace: longer traces are
// decimated to the minimum and maximum of each column.
const plotCols = 1200

// firstByCondition returns, per condition in order, the run of the lowest
// seed among those for which has holds.
func firstByCondition(rs []*RunResult, has func(*RunResult) bool) []*RunResult {
	var out []*RunResult
	for _, r := range rs {
		if r == nil || !has(r) {
			continue
		}
		i := slices.IndexFunc(out, func(x *RunResult) bool { return x.Agent == r.Agent && x.Condition == r.Condition })
		switch {
		case i < 0:
			out = append(out, r)
		case r.Seed < out[i].Seed:
			out[i] = r
		}
	}
	return out
}

// writeRecordingPlots draws what the agents recorded of their circuits:
//   - synapse: the dopamine level, the watched synapse's eligibility and
//     weight and the mean plastic weight over the run, one line per
//     condition (its lowest seed);
//   - weights_end: the histogram of the plastic weights at the end (as a
//     fraction of w_max), the watched synapse marked;
//   - raster: the spikes of the first and the last recorded stretch.
func writeRecordingPlots(out string, rs []*RunResult) error {
	if runs := firstByCondition(rs, func(r *RunResult) bool { return len(r.Traces) > 0 }); len(runs) > 0 {
		if err := plots.SaveFigure(out, "synapse", 8*vg.Inch, 8*vg.Inch, func(dc draw.Canvas) error { return drawSynapse(dc, runs) }); err != nil {
			return err
		}
	}
	if runs := firstByCondition(rs, func(r *RunResult) bool { return len(r.Weights) > 0 }); len(runs) > 0 {
		if err := plots.SaveFigure(out, "weights_end", 7*vg.Inch, 4.5*vg.Inch, func(dc draw.Canvas) error { return drawWeightsEnd(dc, runs) }); err != nil {
			return err
		}
	}
	if runs := firstByCondition(rs, func(r *RunResult) bool { return len(r.Spikes) > 0 }); len(runs) > 0 {
		return plots.SaveFigure(out, "raster", 10*vg.Inch, 6*vg.Inch, func(dc draw.Canvas) error { return drawRaster(dc, runs[0]) })
	}
	return nil
}

// traceLine is a decimated line of a trace column (nil if it has no finite
// value).
func traceLine(rows []TraceRow, get func(TraceRow) float64, c color.Color) (*plotter.Line, error) {
	var x, y []float64
	for _, r := range rows {
		if v := get(r); !math.IsNaN(v) && !math.IsInf(v, 0) {
			x, y = append(x, r.TS), append(y, v)
		}
	}
	if len(x) == 0 {
		return nil, nil
	}
	x, y = plots.Decimate(x, y, x[0], x[len(x)-1], plotCols)
	xy := make(plotter.XYs, len(x))
	for i := range x {
		xy[i].X, xy[i].Y = x[i], y[i]
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width = c, vg.Points(0.8)
	return l, nil
}

func drawSynapse(dc draw.Canvas, runs []*RunResult) error {
	panels := []struct {
		label string
		get   func(TraceRow) float64
	}{
		{"dopamine D", func(r TraceRow) float64 { return r.Dopamine }},
		{"eligibility c (watched)", func(r TraceRow) float64 { return r.Eligibility }},
		{"weight (watched)", func(r TraceRow) float64 { return r.Weight }},
		{"mean plastic weight", func(r TraceRow) float64 { return r.MeanWeight }},
	}
	rows := make([][]*plot.Plot, len(panels))
	for j, pn := range panels {
		p := plots.NewPlot()
		p.Y.Label.Text = pn.label
		if j == 0 {
			p.Title.Text = "The watched synapse and the dopamine (lowest seed of each condition)"
		}
		if j == len(panels)-1 {
			p.X.Label.Text = "time (s)"
		}
		for k, r := range runs {
			l, err := traceLine(r.Traces, pn.get, colour(k))
			if err != nil {
				return fmt.Errorf("%s %s seed %d: %s: %w", r.Agent, r.Condition, r.Seed, pn.label, err)
			}
			if l == nil {
				continue
			}
			p.Add(l)
			if j == 2 || (j == 0 && len(runs) > 1) {
				p.Legend.Add(fmt.Sprintf("%s / %s (seed %d)", r.Agent, r.Condition, r.Seed), l)
			}
		}
		p.Legend.Top, p.Legend.Left = true, true
		rows[j] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Points(8), PadY: vg.Points(6),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(rows, tiles, dc)
	for i := range rows {
		rows[i][0].Draw(canvases[i][0])
	}
	return nil
}

func drawWeightsEnd(dc draw.Canvas, runs []*RunResult) error {
	p := plots.NewPlot()
	p.Title.Text = "Plastic weights at the end (lowest seed of each condition)"
	p.X.Label.Text = "weight / w_max"
	p.Y.Label.Text = "synapses"
	p.X.Min, p.X.Max = 0, 1
	const bins = 40
	ymax := 1.0
	var marks []plotter.XY
	for k, r := range runs {
		h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: 1.0 / bins}
		for i := range h.Bins {
			h.Bins[i].Min, h.Bins[i].Max = float64(i)/bins, float64(i+1)/bins
		}
		for _, w := range r.Weights {
			f := w.Weight / wmaxOf(r, w.Proj)
			h.Bins[min(max(int(f*bins), 0), bins-1)].Weight++
			if w.Watched {
				marks = append(marks, plotter.XY{X: f, Y: float64(k)})
			}
		}
		for _, b := range h.Bins {
			ymax = max(ymax, b.Weight)
		}
		c := colour(k)
		h.FillColor = color.NRGBA{c.R, c.G, c.B, 0x60}
		h.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(0.5)}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s / %s (seed %d)", r.Agent, r.Condition, r.Seed), h)
	}
	for _, m := range marks {
		l, err := plotter.NewLine(plotter.XYs{{X: m.X, Y: 0}, {X: m.X, Y: ymax * 1.05}})
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: colour(int(m.Y)), Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("watched synapse (%s): %.2f", runs[int(m.Y)].Condition, m.X), l)
	}
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, ymax*1.08
	p.Draw(dc)
	return nil
}

// wmaxOf is the bound of a projection's weights (1 if none is known).
func wmaxOf(r *RunResult, proj int32) float64 {
	if int(proj) < len(r.WMax) && r.WMax[proj] > 0 {
		return r.WMax[proj]
	}
	return 1
}

// drawRaster draws the spikes of a run's first and last stretch, the
// populations stacked in order.
func drawRaster(dc draw.Canvas, r *RunResult) error {
	offset := make([]float64, len(r.Populations)+1)
	for _, s := range r.Spikes {
		offset[s.Pop+1] = max(offset[s.Pop+1], float64(s.Neuron)+1)
	}
	for i := 1; i < len(offset); i++ {
		offset[i] += offset[i-1]
	}
	end := 0.0
	for _, s := range r.Spikes {
		end = max(end, s.TMs)
	}
	stretch := r.RasterMs
	if stretch == 0 { // read back from the files: the stretches are the two ends
		stretch = end / 2
	}
	var row []*plot.Plot
	for j := range 2 {
		p := plots.NewPlot()
		p.X.Label.Text = "time (s)"
		if j == 0 {
			p.Title.Text = fmt.Sprintf("First stretch (%s / %s, seed %d)", r.Agent, r.Condition, r.Seed)
			p.Y.Label.Text = "neuron (populations stacked)"
		} else {
			p.Title.Text = "Last stretch"
		}
		for k := range r.Populations {
			var xy plotter.XYs
			for _, s := range r.Spikes {
				first := s.TMs <= stretch
				if int(s.Pop) == k && first == (j == 0) {
					xy = append(xy, plotter.XY{X: s.TMs / 1000, Y: offset[k] + float64(s.Neuron)})
				}
			}
			if len(xy) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: colour(k), Radius: vg.Points(0.6), Shape: draw.BoxGlyph{}}
			p.Add(sc)
			if j == 1 {
				p.Legend.Add(r.Populations[k], sc)
			}
		}
		p.Y.Min, p.Y.Max = 0, offset[len(offset)-1]
		row = append(row, p)
	}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(8), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, dc)
	for j := range row {
		row[j].Draw(canvases[0][j])
	}
	return nil
}
