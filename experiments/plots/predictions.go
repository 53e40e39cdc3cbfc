package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/internal/output"
)

// predictionsFile holds the forecasts of forecasting experiments.
const predictionsFile = output.PredictionsFile

// maxPredictionDims bounds the dimensions read back from predictions.csv
// (one panel each), so that a damaged file cannot make dopa plot allocate
// without end.
const maxPredictionDims = 64

// Geometry of the predictions figure: one row of two panels per rule,
// about 300 pixels high at dpi, below a line for the figure's title.
const (
	predWidth     = 10 * vg.Inch
	predRowHeight = 2 * vg.Inch
	predHeader    = 0.4 * vg.Inch
)

// Labels of the predictions figure.
const (
	sampleLabel   = "sample"
	oneStepTitle  = "one-step forecast on the test segment"
	freeRunTitle  = "closed-loop forecast"
	noOneStepNote = "no finite one-step forecast"
	noFreeRunNote = "no finite closed-loop forecast"
	clippedNote   = "clipped to the y axis"
)

// predLeadIn is how many steps before the closed-loop forecast its panel
// shows, at least: predLeadInFraction of the forecast's length if that is
// more.
const (
	predLeadIn         = 5
	predLeadInFraction = 0.1
)

// predNoteWidth is the length in bytes beyond which a legend note of the
// predictions figure is wrapped, to keep the legend column narrow.
const predNoteWidth = 28

// predClampSpans bounds the y axis of a row of the predictions figure: it
// extends at most this many times the target's range beyond it, so that a
// forecast blowing up does not flatten the target into a line.
const predClampSpans = 10

// predHeight is the height of a predictions figure with rows rows.
func predHeight(rows int) vg.Length {
	return predHeader + vg.Length(rows)*predRowHeight
}

// predColumns are the predictions.csv columns holding values, in the
// order of the prediction.values slices.
var predColumns = []string{"target", "one_step", "free_run"}

const (
	predTarget = iota
	predOneStep
	predFreeRun
)

// prediction holds dimension 0 of the forecasts of one (rule, seed),
// sorted by step.
type prediction struct {
	runKey
	step   []float64
	values [][]float64 // one slice per predColumns entry
}

// readPredictions reads predictions.csv, keeping for every rule only the
// first seed found for it and of that only dimension 0. It also returns
// the number of dimensions in the file (one more than the largest dim). A
// missing file gives (nil, 0, nil).
func readPredictions(path string) (preds []*prediction, dims int, err error) {
	first := make(map[string]*prediction)
	_, err = output.Predictions.ReadAt(path, path, true, func(t *output.Table) error {
		k, err := key(t)
		if err != nil {
			return err
		}
		step, err := t.Int("step")
		if err != nil {
			return err
		}
		dim, err := t.Int("dim")
		if err != nil {
			return err
		}
		if dim < 0 || dim >= maxPredictionDims {
			return fmt.Errorf("%s line %d: dim %q out of range [0, %d)", path, t.Line, t.Str("dim"), maxPredictionDims)
		}
		vals := make([]float64, len(predColumns))
		for i, c := range predColumns {
			if vals[i], err = t.Float(c); err != nil {
				return err
			}
		}
		dims = max(dims, dim+1)
		p := first[k.rule]
		if p == nil {
			p = &prediction{runKey: k, values: make([][]float64, len(predColumns))}
			first[k.rule] = p
			preds = append(preds, p)
		}
		if p.seed != k.seed || dim != 0 {
			return nil
		}
		p.step = append(p.step, float64(step))
		for i, v := range vals {
			p.values[i] = append(p.values[i], v)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for _, p := range preds {
		sortByX(p.step, p.values...)
	}
	return preds, dims, nil
}

// splitNoOneStep separates the predictions with at least one finite
// one-step forecast from those without any (a diverged run), returning
// the rules of the latter sorted like the figures.
func splitNoOneStep(preds []*prediction) (drawn []*prediction, skipped []string) {
	for _, p := range preds {
		if slices.ContainsFunc(p.values[predOneStep], isFinite) {
			drawn = append(drawn, p)
		} else {
			skipped = append(skipped, p.rule)
		}
	}
	slices.SortFunc(skipped, compareRules)
	return drawn, skipped
}

// dimNames names the dimensions of a series of dims dimensions, for the
// title of the predictions figure.
func dimNames(dims int) []string {
	if dims <= 3 {
		return []string{"x", "y", "z"}[:max(dims, 1)]
	}
	names := make([]string, dims)
	for i := range names {
		names[i] = fmt.Sprintf("x%d", i)
	}
	return names
}

// predTitle is the title of the predictions figure for a series of dims
// dimensions, of which it shows the first.
func predTitle(dims int) string {
	const t = "Forecasts (first seed of each rule; black: target)"
	if dims <= 1 {
		return t
	}
	names := dimNames(dims)
	what := fmt.Sprintf("%s of (%s)", names[0], strings.Join(names, ", "))
	if dims > 3 {
		what = fmt.Sprintf("x = dimension 0 of %d", dims)
	}
	return fmt.Sprintf("Forecasts of %s (first seed of each rule; black: target)", what)
}

// drawPredictions draws the predictions figure onto dc: a row of two
// panels per prediction, with a legend note naming the rules skipped for
// having no finite one-step forecast, if any.
func drawPredictions(dc draw.Canvas, preds []*prediction, skipped []string, dims int, styles map[string]ruleStyle) error {
	preds = slices.Clone(preds)
	slices.SortStableFunc(preds, func(a, b *prediction) int { return compareRules(a.rule, b.rule) })

	header := plot.New().Title.TextStyle
	header.XAlign = draw.XCenter
	header.YAlign = draw.YTop
	dc.FillText(header, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Points(6)}, predTitle(dims))
	dc = draw.Crop(dc, 0, 0, 0, -predHeader)

	black := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	legend := newLegend(len(preds) + 1)
	legend.Add("target", &plotter.Line{LineStyle: black})
	for _, p := range preds {
		legend.Add(fmt.Sprintf("%s (seed %d)", p.rule, p.seed), &plotter.Line{LineStyle: styles[p.rule].line()})
	}

	rows := make([][]*plot.Plot, len(preds))
	var notes, clipped []string
	for i, p := range preds {
		st := styles[p.rule]
		wide := st.line()
		wide.Width = vg.Points(2)
		left, right := NewPlot(), NewPlot()
		left.Title.Text = p.rule + ": " + oneStepTitle
		right.Title.Text = p.rule + ": " + freeRunTitle
		left.Y.Label.Text = "x"
		for _, q := range []*plot.Plot{left, right} {
			q.X.Tick.Marker = trialTicks{}
			if i == len(preds)-1 {
				q.X.Label.Text = sampleLabel
			}
		}

		// Left: the whole test segment shown.
		xmin, xmax := math.Inf(1), math.Inf(-1)
		for _, s := range p.step {
			xmin, xmax = min(xmin, s), max(xmax, s)
		}
		if xmin == xmax {
			xmin, xmax = xmin-1, xmax+1
		}
		// The target is drawn over the forecast, thinner, so that both
		// show where they coincide; if the forecast goes beyond the
		// clamped y axis the row is named in a note.
		yr := newYRange(p.values[predTarget])
		if err := addSeries(left, p.step, p.values[predOneStep], xmin, xmax, wide, &yr); err != nil {
			return err
		}
		if err := addSeries(left, p.step, p.values[predTarget], xmin, xmax, black, &yr); err != nil {
			return err
		}
		left.X.Min, left.X.Max = xmin, xmax

		// Right: the closed-loop forecast and a few steps before it.
		fr := p.values[predFreeRun]
		a := slices.IndexFunc(fr, isFinite)
		if a < 0 {
			notes = append(notes, p.rule+": "+noFreeRunNote)
			right.X.Min, right.X.Max = xmin, xmax
		} else {
			b := len(fr) - 1
			for !isFinite(fr[b]) {
				b--
			}
			lead := max(predLeadIn, predLeadInFraction*(p.step[b]-p.step[a]))
			rmin, rmax := p.step[a]-lead, p.step[b]
			rmin = max(rmin, xmin)
			if rmin == rmax {
				rmin, rmax = rmin-1, rmax+1
			}
			lo, _ := slices.BinarySearch(p.step, rmin)
			win := p.step[lo : b+1]
			if err := addSeries(right, win, p.values[predTarget][lo:b+1], rmin, rmax, black, &yr); err != nil {
				return err
			}
			dashed := st.line()
			dashed.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			if err := addSeries(right, p.step[a:b+1], fr[a:b+1], rmin, rmax, dashed, &yr); err != nil {
				return err
			}
			right.X.Min, right.X.Max = rmin, rmax
		}

		// One y range per row, so that the panels compare directly.
		lo, hi := yr.limits()
		for _, q := range []*plot.Plot{left, right} {
			q.Y.Min, q.Y.Max = lo, hi
		}
		if yr.lo < lo || yr.hi > hi {
			clipped = append(clipped, p.rule)
		}
		rows[i] = []*plot.Plot{left, right}
	}
	if len(clipped) > 0 {
		notes = append(notes, rulesNote(clipped, clippedNote))
	}
	if len(skipped) > 0 {
		notes = append(notes, rulesNote(skipped, noOneStepNote))
	}
	for _, n := range notes {
		for _, line := range wrapNote(n, predNoteWidth) {
			legend.Add(line)
		}
	}

	plotArea, legendArea := splitLegend(dc, &legend)
	tiles := draw.Tiles{
		Rows:      len(rows),
		Cols:      2,
		PadX:      vg.Points(12),
		PadY:      vg.Points(10),
		PadTop:    vg.Points(2),
		PadBottom: vg.Points(4),
		PadLeft:   vg.Points(4),
		PadRight:  vg.Points(4),
	}
	canvases := plot.Align(rows, tiles, plotArea)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j].Draw(canvases[i][j])
		}
	}
	legendArea.Max.Y = rows[0][0].DataCanvas(canvases[0][0]).Max.Y
	legend.Draw(legendArea)
	return nil
}

// yRange collects the y range of the series of a row of the predictions
// figure, to be bounded around the target's range.
type yRange struct {
	tlo, thi float64 // finite range of the target
	lo, hi   float64 // finite range of everything drawn
}

func newYRange(target []float64) yRange {
	r := yRange{tlo: math.Inf(1), thi: math.Inf(-1), lo: math.Inf(1), hi: math.Inf(-1)}
	for _, v := range target {
		if isFinite(v) {
			r.tlo, r.thi = min(r.tlo, v), max(r.thi, v)
		}
	}
	return r
}

func (r *yRange) add(y []float64) {
	for _, v := range y {
		r.lo, r.hi = min(r.lo, v), max(r.hi, v)
	}
}

// limits returns the y axis range: that of everything drawn, but reaching
// at most predClampSpans times the target's range beyond the target (or 1
// if the target is constant). Lines beyond it are clipped.
func (r *yRange) limits() (lo, hi float64) {
	lo, hi = r.lo, r.hi
	if lo > hi {
		return 0, 1
	}
	if r.tlo <= r.thi {
		span := r.thi - r.tlo
		if span == 0 {
			span = max(math.Abs(r.tlo)*0.1, 1)
		}
		lo = max(lo, r.tlo-predClampSpans*span)
		hi = min(hi, r.thi+predClampSpans*span)
	}
	if lo == hi {
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	return lo, hi
}

// addSeries adds the finite points of (x[i], y[i]), x ascending, to p as
// lines in style, broken where a value is not finite, decimated for the
// x range [xmin, xmax], and adds their y values to yr.
func addSeries(p *plot.Plot, x, y []float64, xmin, xmax float64, style draw.LineStyle, yr *yRange) error {
	for _, seg := range segments(len(x), func(i int) bool { return isFinite(x[i]) && isFinite(y[i]) }) {
		sx, sy := Decimate(x[seg[0]:seg[1]], y[seg[0]:seg[1]], xmin, xmax, decimateCols)
		yr.add(sy)
		if err := addLine(p, sx, sy, style); err != nil {
			return err
		}
	}
	return nil
}

// addLine adds the points (x[i], y[i]) to p as a line in style, or as a
// dot if there is only one. Stroking one long jagged path is slow in the
// PNG rasterizer (its cost grows faster than the path length), so a long
// line is drawn as consecutive chunks sharing their end points.
func addLine(p *plot.Plot, x, y []float64, style draw.LineStyle) error {
	if len(x) == 1 {
		sc, err := plotter.NewScatter(xys(x, y))
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		p.Add(sc)
	}
	for start := 0; start < len(x)-1; start += chunkPoints - 1 {
		end := min(start+chunkPoints, len(x))
		l, err := plotter.NewLine(xys(x[start:end], y[start:end]))
		if err != nil {
			return err
		}
		l.LineStyle = style
		p.Add(l)
	}
	return nil
}

// wrapNote splits a legend note "rules: why" longer than width bytes into
// lines: the rules, broken after spaces into lines of at most width bytes
// (a longer word gets a line of its own), then why on a line of its own.
// Lines after the first are indented.
func wrapNote(note string, width int) []string {
	if len(note) <= width {
		return []string{note}
	}
	head, why, ok := strings.Cut(note, ": ")
	if ok {
		head += ":"
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(head) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = "  " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if ok && why != "" {
		lines = append(lines, "  "+why)
	}
	return lines
}
