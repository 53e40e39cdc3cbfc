package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
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

	"github.com/dopa-sim/dopa/internal/output"
)

// Input and output names, relative to the run directory.
const (
	metricsFile = output.MetricsFile
	tracesFile  = output.TracesFile
	summaryFile = output.SummaryFile
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
	if err := WriteDiagnostics(dir); err != nil {
		return err
	}
	if err := WriteEligibility(dir); err != nil {
		return err
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
// dir/base.png (150 dpi) and dir/base.svg, on a white background. A
// figure that cannot be drawn (render fails, or gonum/plot panics on
// values it cannot place: NaN, Inf, an empty range) is skipped: a message
// naming it and why goes to Notes, no file of it is left, and SaveFigure
// returns nil, so that a run's data stay complete and the command
// succeeds. Errors writing the files are returned.
func SaveFigure(dir, base string, w, h vg.Length, render func(draw.Canvas) error) error {
	return saveFigure(dir, base, w, h, render)
}

// Notes receives the message of every figure skipped (SaveFigure).
var Notes io.Writer = os.Stderr

// Skip reports on Notes that the figure dir/base is not drawn and why,
// and removes any file of it an earlier drawing left.
func Skip(dir, base, why string) {
	for _, ext := range []string{".png", ".svg"} {
		os.Remove(filepath.Join(dir, base+ext))
	}
	fmt.Fprintf(Notes, "dopa: figure %s not drawn: %s (the data files are complete)\n", filepath.Join(dir, base), why)
}

// saveFigure renders a figure with render into dir/base.png and
// dir/base.svg, both in memory first: a figure that fails to render is
// skipped whole (Skip).
func saveFigure(dir, base string, w, h vg.Length, render func(draw.Canvas) error) error {
	exts := []string{".png", ".svg"}
	cws := make([]vg.CanvasWriterTo, len(exts))
	for i, ext := range exts {
		switch ext {
		case ".png":
			cws[i] = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}
		case ".svg":
			cws[i] = vgsvg.New(w, h)
		}
		dc := draw.New(cws[i])
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		if err := safeRender(render, dc); err != nil {
			Skip(dir, base, err.Error())
			return nil
		}
	}
	for i, ext := range exts {
		if err := writeFile(filepath.Join(dir, base+ext), cws[i]); err != nil {
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

// Colour is the k-th of eight distinct line colours (cycling): the colour
// of the k-th rule, agent or condition in a figure.
func Colour(k int) color.NRGBA {
	cs := []color.NRGBA{{0x1f, 0x77, 0xb4, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xff, 0x7f, 0x0e, 0xff},
		{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}}
	return cs[k%len(cs)]
}

// NewPlot returns an empty plot with dopa's light grid, the base of every
// figure.
func NewPlot() *plot.Plot {
	p := plot.New()
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	return p
}
