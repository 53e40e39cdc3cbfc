package distal

import (
	"fmt"
	"image/color"
	"math"
	"os"

	"github.com/dopa-sim/dopa/experiments/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const plotCols = 1000 // columns a trace is decimated to (min and max per column)

var (
	blue   = color.NRGBA{0x1f, 0x77, 0xb4, 0xff}
	orange = color.NRGBA{0xff, 0x7f, 0x0e, 0xff}
	green  = color.NRGBA{0x2c, 0xa0, 0x2c, 0xff}
	red    = color.NRGBA{0xd6, 0x27, 0x28, 0xff}
	grey   = color.NRGBA{0x7f, 0x7f, 0x7f, 0xff}
)

// figureRuns picks the runs drawn: the first finished run of a rewarded
// condition and the first finished run of a condition without reward,
// preferring the rewarded run's seed.
func figureRuns(r *Result) (rew, ctl *RunResult) {
	for i := range r.Runs {
		x := &r.Runs[i]
		if x.Done && x.Reward && rew == nil {
			rew = x
		}
	}
	for i := range r.Runs {
		x := &r.Runs[i]
		if x.Done && !x.Reward && (ctl == nil || (rew != nil && x.Seed == rew.Seed && ctl.Seed != rew.Seed)) {
			ctl = x
		}
	}
	return rew, ctl
}

// writePlots draws distal_reward, weights_end and raster (PNG and SVG) into
// dir. A figure without data (no finished run, no trace row, raster_ms = 0)
// is left out.
func writePlots(dir string, r *Result) error {
	rew, ctl := figureRuns(r)
	if rew == nil && ctl == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	main := rew
	if main == nil {
		main = ctl
	}
	if len(main.Traces) > 0 {
		if err := plots.SaveFigure(dir, "distal_reward", 8*vg.Inch, 8*vg.Inch, func(dc draw.Canvas) error {
			return drawTraces(dc, main, ctl, r.Spec)
		}); err != nil {
			return err
		}
	}
	if err := plots.SaveFigure(dir, "weights_end", 7*vg.Inch, 4.5*vg.Inch, func(dc draw.Canvas) error {
		return drawWeights(dc, rew, ctl, r.Spec)
	}); err != nil {
		return err
	}
	if r.Spec.Record.RasterMs == 0 {
		return nil
	}
	return plots.SaveFigure(dir, "raster", 10*vg.Inch, 6*vg.Inch, func(dc draw.Canvas) error {
		return drawRaster(dc, main, r.Spec)
	})
}

// line adds a trace decimated to plotCols columns (minimum and maximum of
// each column, so that short pulses stay visible).
func line(p *plot.Plot, x, y []float64, c color.Color, width vg.Length, dash []vg.Length) (*plotter.Line, error) {
	for i := range y {
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, fmt.Errorf("non-finite value at t = %g s", x[i])
		}
	}
	dx, dy := decimate(x, y, plotCols)
	if len(dx) == 0 {
		return nil, nil
	}
	xy := make(plotter.XYs, len(dx))
	for i := range dx {
		xy[i].X, xy[i].Y = dx[i], dy[i]
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{Color: c, Width: width, Dashes: dash}
	p.Add(l)
	return l, nil
}

// decimate keeps, for each of cols equal stretches of x, the points with the
// smallest and the largest y, in the order of x.
func decimate(x, y []float64, cols int) (dx, dy []float64) {
	if len(x) <= 2*cols {
		return x, y
	}
	lo, hi := x[0], x[len(x)-1]
	i := 0
	for c := 0; c < cols && i < len(x); c++ {
		end := lo + (hi-lo)*float64(c+1)/float64(cols)
		jmin, jmax := i, i
		j := i
		for ; j < len(x) && (x[j] <= end || c == cols-1); j++ {
			if y[j] < y[jmin] {
				jmin = j
			}
			if y[j] > y[jmax] {
				jmax = j
			}
		}
		if j == i {
			continue
		}
		a, b := min(jmin, jmax), max(jmin, jmax)
		dx, dy = append(dx, x[a]), append(dy, y[a])
		if b != a {
			dx, dy = append(dx, x[b]), append(dy, y[b])
		}
		i = j
	}
	return dx, dy
}

func column(rows []TraceRow, f func(TraceRow) float64) (x, y []float64) {
	x, y = make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		x[i], y[i] = r.TS, f(r)
	}
	return x, y
}

// drawTraces draws dopamine, eligibility and weight of the rewarded synapse
// against time, with the control's weight in the last panel.
func drawTraces(dc draw.Canvas, main, ctl *RunResult, spec *Spec) error {
	panels := []struct {
		label string
		f     func(TraceRow) float64
	}{
		{"dopamine d + tonic", func(r TraceRow) float64 { return r.Dopamine }},
		{"eligibility c", func(r TraceRow) float64 { return r.Eligibility }},
		{"weight", func(r TraceRow) float64 { return r.Weight }},
	}
	rows := make([][]*plot.Plot, len(panels))
	for j, pn := range panels {
		p := plots.NewPlot()
		p.Y.Label.Text = pn.label
		p.X.Min, p.X.Max = 0, spec.DurationS
		if j == 0 {
			p.Title.Text = fmt.Sprintf("Distal reward (Izhikevich 2007), rewarded synapse %d→%d, condition %s, seed %d",
				main.Pre, main.Post, main.Condition, main.Seed)
		}
		if j == len(panels)-1 {
			p.X.Label.Text = "time (s)"
		}
		x, y := column(main.Traces, pn.f)
		l, err := line(p, x, y, []color.Color{red, green, blue}[j], vg.Points(0.8), nil)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", main.Condition, pn.label, err)
		}
		if j == len(panels)-1 {
			p.Y.Min, p.Y.Max = 0, spec.Network.WMax
			if l != nil {
				p.Legend.Add(fmt.Sprintf("%s (seed %d)", main.Condition, main.Seed), l)
			}
			if ctl != nil && ctl != main {
				x, y := column(ctl.Traces, pn.f)
				l, err := line(p, x, y, grey, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(2)})
				if err != nil {
					return fmt.Errorf("%s: %s: %w", ctl.Condition, pn.label, err)
				}
				if l != nil {
					p.Legend.Add(fmt.Sprintf("%s (seed %d)", ctl.Condition, ctl.Seed), l)
				}
			}
			p.Legend.Top, p.Legend.Left = true, true
		}
		rows[j] = []*plot.Plot{p}
	}
	align(dc, rows)
	return nil
}

func align(dc draw.Canvas, rows [][]*plot.Plot) {
	tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: vg.Points(8), PadY: vg.Points(6),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(rows, tiles, dc)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j].Draw(canvases[i][j])
		}
	}
}

// drawWeights draws the histograms of the final excitatory weights with the
// rewarded synapse marked.
func drawWeights(dc draw.Canvas, rew, ctl *RunResult, spec *Spec) error {
	p := plots.NewPlot()
	p.Title.Text = "Excitatory weights at the end"
	p.X.Label.Text = "weight"
	p.Y.Label.Text = "synapses"
	wmax := spec.Network.WMax
	p.X.Min, p.X.Max = 0, wmax
	const bins = 40
	width := wmax / bins
	ymax := 1.0
	type shown struct {
		r          *RunResult
		fill, mark color.NRGBA
	}
	runs := []shown{{ctl, grey, grey}, {rew, blue, red}}
	for _, x := range runs {
		if x.r == nil {
			continue
		}
		h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width}
		for i := range h.Bins {
			h.Bins[i].Min, h.Bins[i].Max = float64(i)*width, float64(i+1)*width
		}
		for _, v := range x.r.Weights {
			h.Bins[min(max(int(v/width), 0), bins-1)].Weight++
		}
		for _, b := range h.Bins {
			ymax = max(ymax, b.Weight)
		}
		fill := x.fill
		fill.A = 0x70
		h.FillColor = fill
		h.LineStyle = draw.LineStyle{Color: x.fill, Width: vg.Points(0.5)}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (seed %d)", x.r.Condition, x.r.Seed), h)
	}
	for _, x := range runs {
		if x.r == nil {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: x.r.RewardedWeight, Y: 0}, {X: x.r.RewardedWeight, Y: ymax * 1.05}})
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: x.mark, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("rewarded synapse, %s: %.2f", x.r.Condition, x.r.RewardedWeight), l)
	}
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, ymax*1.08
	p.Draw(dc)
	return nil
}

// drawRaster draws the spikes of the first and the last stretch of a run.
func drawRaster(dc draw.Canvas, x *RunResult, spec *Spec) error {
	nTot := float64(spec.Network.NExc + spec.Network.NInh)
	var row []*plot.Plot
	for j, sp := range [][]Spike{x.RasterFirst, x.RasterLast} {
		from := x.RasterFirstFrom
		if j == 1 {
			from = x.RasterLastFrom
		}
		p := plots.NewPlot()
		p.X.Label.Text = "time (s)"
		if j == 0 {
			p.Y.Label.Text = "neuron (inhibitory above the line)"
			p.Title.Text = fmt.Sprintf("First stretch (%s, seed %d)", x.Condition, x.Seed)
		} else {
			p.Title.Text = "Last stretch"
		}
		t0 := float64(from-1) / 1000
		p.X.Min, p.X.Max = t0, t0+float64(spec.Record.RasterMs)/1000
		p.Y.Min, p.Y.Max = 0, nTot
		for _, inh := range []bool{false, true} {
			var xy plotter.XYs
			for _, s := range sp {
				if (int(s.Neuron) >= spec.Network.NExc) == inh {
					xy = append(xy, plotter.XY{X: float64(s.TMs) / 1000, Y: float64(s.Neuron)})
				}
			}
			if len(xy) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			c := blue
			if inh {
				c = orange
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(0.6), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: float64(spec.Network.NExc)}, {X: p.X.Max, Y: float64(spec.Network.NExc)}})
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: grey, Width: vg.Points(0.5)}
		p.Add(l)
		row = append(row, p)
	}
	align(dc, [][]*plot.Plot{row})
	return nil
}
