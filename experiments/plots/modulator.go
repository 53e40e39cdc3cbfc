package plots

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawModulator draws the stacked modulator panels of traces onto dc, with
// a legend note naming the rules noRPE left out, if any.
func drawModulator(dc draw.Canvas, traces []*trace, noRPE []string, styles map[string]ruleStyle) error {
	traces = slices.Clone(traces)
	slices.SortStableFunc(traces, func(a, b *trace) int { return compareRules(a.rule, b.rule) })

	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, t := range traces {
		for _, x := range t.trials {
			if isFinite(x) {
				xmin, xmax = min(xmin, x), max(xmax, x)
			}
		}
	}
	if xmin > xmax {
		xmin, xmax = 0, 1
	}
	if xmin >= 0 {
		xmin = 0 // trials count from zero, as in the loss figure
	}
	if xmin == xmax {
		xmax = xmin + 1
	}

	legend := newLegend(len(traces))
	for _, t := range traces {
		l := &plotter.Line{LineStyle: styles[t.rule].line()}
		legend.Add(fmt.Sprintf("%s (seed %d)", t.rule, t.seed), l)
	}

	rows := make([][]*plot.Plot, len(traceColumns))
	var notes []string
	for j, col := range traceColumns {
		p := NewPlot()
		p.Y.Label.Text = traceLabels[j]
		p.X.Min, p.X.Max = xmin, xmax
		if j == 0 {
			p.Title.Text = "Modulator traces (one seed per rule)"
		}
		if j == len(traceColumns)-1 {
			p.X.Label.Text = trialsLabel
			p.X.Tick.Marker = trialTicks{}
		} else {
			p.X.Tick.Marker = unlabelled{trialTicks{}}
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		allPositive := true
		drawn := 0
		for _, t := range traces {
			x, y := finite(t.trials, t.values[j])
			if len(x) == 0 {
				notes = append(notes, fmt.Sprintf("%s: %s all non-finite", t.rule, col))
				continue
			}
			x, y = Decimate(x, y, xmin, xmax, decimateCols)
			for _, v := range y {
				lo, hi = min(lo, v), max(hi, v)
				allPositive = allPositive && v > 0
			}
			style := styles[t.rule].line()
			style.Width = vg.Points(1)
			if err := addLine(p, x, y, style); err != nil {
				return err
			}
			drawn++
		}
		switch {
		case drawn == 0:
		case col == "learning_rate" && allPositive:
			setLogY(p, lo, hi)
		default:
			setLinearY(p, lo, hi)
		}
		rows[j] = []*plot.Plot{p}
	}
	if len(noRPE) > 0 {
		notes = append(notes, noDopamineNote(noRPE))
	}
	for _, n := range notes {
		legend.Add(n)
	}

	plotArea, legendArea := splitLegend(dc, &legend)
	tiles := draw.Tiles{
		Rows:      len(rows),
		Cols:      1,
		PadX:      vg.Millimeter,
		PadY:      vg.Points(6),
		PadTop:    vg.Points(4),
		PadBottom: vg.Points(4),
		PadLeft:   vg.Points(4),
		PadRight:  vg.Points(4),
	}
	canvases := plot.Align(rows, tiles, plotArea)
	for j := range rows {
		rows[j][0].Draw(canvases[j][0])
	}
	legendArea.Max.Y = rows[0][0].DataCanvas(canvases[0][0]).Max.Y
	legend.Draw(legendArea)
	return nil
}
