package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Input and output names, relative to the run directory.
const (
	metricsFile = "metrics.csv"
	tracesFile  = "traces.csv"
	summaryFile = "summary.json"
	plotsDir    = "plots"
)

// Figure geometry. PNGs are rendered at dpi dots per inch.
const (
	dpi          = 150
	lossWidth    = 8 * vg.Inch
	lossHeight   = 5 * vg.Inch
	modWidth     = 8 * vg.Inch
	modHeight    = 9 * vg.Inch
	decimateCols = 1000 // bins per trace line, about one per PNG pixel column
	chunkPoints  = 64   // points per drawn piece of a trace line
)

// Axis labels.
const (
	trialsLabel = "trials (forward passes)"
	lossLabel   = "loss (MSE)"
)

// traceLabels are the y-axis labels of the traceColumns panels.
var traceLabels = []string{"RPE (reward − expectation)", "dopamine", "learning rate", "weight RMS"}

// Write reads the run files in dir (metrics.csv, and traces.csv,
// summary.json and predictions.csv when present) and writes loss.png and
// loss.svg, modulator.png and modulator.svg when traces.csv has a rule
// with a finite RPE, and predictions.png and predictions.svg when
// predictions.csv has a rule with a finite one-step forecast, to
// dir/plots, creating that directory if needed. It returns the first
// error met; an error about a CSV value names the file and line.
func Write(dir string) error {
	runs, err := readMetrics(filepath.Join(dir, metricsFile))
	if err != nil {
		return err
	}
	traces, err := readTraces(filepath.Join(dir, tracesFile))
	if err != nil {
		return err
	}
	sum, err := readSummary(filepath.Join(dir, summaryFile))
	if err != nil {
		return err
	}
	preds, dims, err := readPredictions(filepath.Join(dir, predictionsFile))
	if err != nil {
		return err
	}
	out := filepath.Join(dir, plotsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	curves := lossCurves(runs, GridPoints)
	colors := ruleColors(curves, traceRules(traces), predictionRules(preds))

	if err := saveFigure(out, "loss", lossWidth, lossHeight, func(dc draw.Canvas) error {
		return drawLoss(dc, curves, sum, colors)
	}); err != nil {
		return err
	}
	traces, noRPE := splitNoRPE(traces)
	if len(traces) > 0 {
		if err := saveFigure(out, "modulator", modWidth, modHeight, func(dc draw.Canvas) error {
			return drawModulator(dc, traces, noRPE, colors)
		}); err != nil {
			return err
		}
	}
	preds, noOneStep := splitNoOneStep(preds)
	if len(preds) == 0 {
		return nil
	}
	return saveFigure(out, "predictions", predWidth, predHeight(len(preds)), func(dc draw.Canvas) error {
		return drawPredictions(dc, preds, noOneStep, dims, colors)
	})
}

func traceRules(traces []*trace) []string {
	rules := make([]string, len(traces))
	for i, t := range traces {
		rules[i] = t.rule
	}
	return rules
}

func predictionRules(preds []*prediction) []string {
	rules := make([]string, len(preds))
	for i, p := range preds {
		rules[i] = p.rule
	}
	return rules
}

// splitNoRPE separates the traces with at least one finite RPE from those
// without any, returning the rules of the latter sorted like the figures.
// Those are the gradient baselines sgd and adam, which have no dopamine
// system and write NaN; the modulator figure names them in a note instead
// of drawing them.
func splitNoRPE(traces []*trace) (withRPE []*trace, noRPE []string) {
	j := slices.Index(traceColumns, "rpe")
	for _, t := range traces {
		if slices.ContainsFunc(t.values[j], isFinite) {
			withRPE = append(withRPE, t)
		} else {
			noRPE = append(noRPE, t.rule)
		}
	}
	slices.SortFunc(noRPE, compareRules)
	return withRPE, noRPE
}

// noDopamineNote is the legend note naming the rules left out of the
// modulator figure for having no finite RPE, e.g. "adam, sgd: no dopamine
// system".
func noDopamineNote(rules []string) string { return rulesNote(rules, "no dopamine system") }

// rulesNote is a legend note naming rules left out of a figure and why,
// e.g. "adam, sgd: " + why. Rules differing only in their '@' suffix (a
// sweep) are named once, as "sgd@*", to keep the note short.
func rulesNote(rules []string, why string) string {
	var bases []string
	names := make(map[string]string) // base name -> how it is shown
	for _, r := range rules {
		base, _, ok := cutLast(r, "@")
		if !ok {
			base = r
		}
		if _, seen := names[base]; seen {
			names[base] = base + "@*"
			continue
		}
		bases = append(bases, base)
		names[base] = r
	}
	shown := make([]string, len(bases))
	for i, b := range bases {
		shown[i] = names[b]
	}
	return strings.Join(shown, ", ") + ": " + why
}

// SaveFigure renders a figure of size w × h with render into
// dir/base.png (150 dpi) and dir/base.svg, on a white background; a panic
// inside gonum/plot comes back as an error naming the file.
func SaveFigure(dir, base string, w, h vg.Length, render func(draw.Canvas) error) error {
	return saveFigure(dir, base, w, h, render)
}

// saveFigure renders a figure with render into dir/base.png and
// dir/base.svg.
func saveFigure(dir, base string, w, h vg.Length, render func(draw.Canvas) error) error {
	for _, ext := range []string{".png", ".svg"} {
		var cw vg.CanvasWriterTo
		switch ext {
		case ".png":
			cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}
		case ".svg":
			cw = vgsvg.New(w, h)
		}
		dc := draw.New(cw)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		name := filepath.Join(dir, base+ext)
		if err := safeRender(render, dc); err != nil {
			return fmt.Errorf("drawing %s: %w", name, err)
		}
		if err := writeFile(name, cw); err != nil {
			return err
		}
	}
	return nil
}

// safeRender calls render, turning a panic in the plotting library into an
// error so that bad data never crashes the caller.
func safeRender(render func(draw.Canvas) error, dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting failed: %v", r)
		}
	}()
	return render(dc)
}

func writeFile(name string, w vg.CanvasWriterTo) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	_, err = w.WriteTo(f)
	return errors.Join(err, f.Close())
}

// palette holds distinguishable line colours (the "tableau 10" set).
var palette = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

// dashes distinguish rules once the palette has been used up.
var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}

// ruleStyle is how one rule is drawn in every figure.
type ruleStyle struct {
	color color.NRGBA
	dash  []vg.Length
}

func (s ruleStyle) line() draw.LineStyle {
	return draw.LineStyle{Color: s.color, Width: vg.Points(1.5), Dashes: s.dash}
}

// ruleColors assigns styles to the rules of the loss curves and then to any
// further rules found only in the other lists (the rules of the traces,
// then of the predictions), so that a rule looks the same in every figure.
func ruleColors(curves []Curve, others ...[]string) map[string]ruleStyle {
	var rules []string
	for _, c := range curves {
		rules = append(rules, c.Rule)
	}
	for _, o := range others {
		var extra []string
		for _, r := range o {
			if !slices.Contains(rules, r) && !slices.Contains(extra, r) {
				extra = append(extra, r)
			}
		}
		slices.SortFunc(extra, compareRules)
		rules = append(rules, extra...)
	}
	m := make(map[string]ruleStyle, len(rules))
	for i, r := range rules {
		m[r] = ruleStyle{
			color: palette[i%len(palette)],
			dash:  dashes[(i/len(palette))%len(dashes)],
		}
	}
	return m
}

// newLegend returns a legend for a column to the right of the plots.
func newLegend(entries int) plot.Legend {
	l := plot.NewLegend()
	l.Left = true
	l.Top = true
	l.ThumbnailWidth = vg.Points(24)
	l.Padding = vg.Points(2)
	if entries > 8 {
		l.TextStyle.Font.Size = vg.Points(10)
	}
	return l
}

// splitLegend splits dc into a plot area and a legend column on its right,
// wide enough for l.
func splitLegend(dc draw.Canvas, l *plot.Legend) (plotArea, legendArea draw.Canvas) {
	const gap = 8
	w := l.Rectangle(dc).Size().X + vg.Points(gap)
	maxW := (dc.Max.X - dc.Min.X) / 2
	w = min(w, maxW)
	plotArea = draw.Crop(dc, 0, -w, 0, 0)
	legendArea = draw.Crop(dc, dc.Max.X-dc.Min.X-w+vg.Points(gap), 0, 0, 0)
	return plotArea, legendArea
}

// finite returns the points (x[i], y[i]) with both coordinates finite.
func finite(x, y []float64) (fx, fy []float64) {
	for i := range x {
		if isFinite(x[i]) && isFinite(y[i]) {
			fx = append(fx, x[i])
			fy = append(fy, y[i])
		}
	}
	return fx, fy
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func xys(x, y []float64) plotter.XYs {
	p := make(plotter.XYs, len(x))
	for i := range x {
		p[i].X, p[i].Y = x[i], y[i]
	}
	return p
}

// decades returns the powers of ten enclosing [lo, hi], lo, hi > 0.
func decades(lo, hi float64) (float64, float64) {
	a := math.Pow(10, math.Floor(math.Log10(lo)))
	b := math.Pow(10, math.Ceil(math.Log10(hi)))
	if b <= a {
		b = a * 10
	}
	return a, b
}

func setLogY(p *plot.Plot, lo, hi float64) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Y.Min, p.Y.Max = decades(lo, hi)
}

// setLinearY sets a linear y range for data in [lo, hi], widening a
// constant series so that it is drawn in the middle of the panel.
func setLinearY(p *plot.Plot, lo, hi float64) {
	if lo != hi {
		return // let the plot choose the range from the data
	}
	d := math.Abs(lo) * 0.1
	if d == 0 {
		d = 1
	}
	p.Y.Min, p.Y.Max = lo-d, hi+d
}

// logTicks marks the powers of ten (labelled; every few only if there are
// many) and their multiples 2..9 (unlabelled) in [lo, hi], lo, hi > 0.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	kmin := int(math.Floor(math.Log10(lo)))
	kmax := int(math.Ceil(math.Log10(hi)))
	every := (kmax-kmin)/8 + 1
	inside := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	var ticks []plot.Tick
	for k := kmin; k <= kmax; k++ {
		v := math.Pow10(k)
		if inside(v) {
			t := plot.Tick{Value: v}
			if (k-kmin)%every == 0 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
		for m := 2; m <= 9 && every == 1; m++ {
			if w := float64(m) * v; inside(w) {
				ticks = append(ticks, plot.Tick{Value: w})
			}
		}
	}
	return ticks
}

// trialTicks places ticks like plot.DefaultTicks but labels whole numbers of
// trials in full ("150000", not "1.5e+05" or "150000.00").
type trialTicks struct{}

func (trialTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		if t.Value == math.Trunc(t.Value) && math.Abs(t.Value) < 1e15 {
			ticks[i].Label = strconv.FormatInt(int64(t.Value), 10)
		} else {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64)
		}
	}
	return ticks
}

// unlabelled drops the labels of the ticks of a Ticker, for panels sharing
// the x axis of the panel below them.
type unlabelled struct{ plot.Ticker }

func (u unlabelled) Ticks(lo, hi float64) []plot.Tick {
	t := u.Ticker.Ticks(lo, hi)
	for i := range t {
		t[i].Label = ""
	}
	return t
}

func newPlot() *plot.Plot {
	p := plot.New()
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	return p
}

// drawLoss draws the loss figure onto dc.
func drawLoss(dc draw.Canvas, curves []Curve, sum *summary, styles map[string]ruleStyle) error {
	p := newPlot()
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
		p := newPlot()
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
			x, y = decimate(x, y, xmin, xmax, decimateCols)
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
