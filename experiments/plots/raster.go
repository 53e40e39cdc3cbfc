package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/internal/output"
)

// Files of a simulation run (task "simulate") and of a spiking training run.
const (
	spikesFile  = output.SpikesFile       // time_ms,population,neuron
	layoutFile  = output.LayoutFile       // population,size,dt_ms,steps
	statesFile  = output.StatesFile       // time_ms, then one column per monitored neuron
	rastersFile = output.RastersFile      // rule,seed,phase,time_ms,population,neuron
	trialsFile  = output.RasterTrialsFile // rule,seed,phase,start_ms,end_ms,input
)

// Raster geometry.
const (
	rasterWidth  = 8 * vg.Inch
	rasterHeight = 7 * vg.Inch
	// MaxRasterRows is the most neuron rows a raster draws: a population
	// set larger than that shows every k-th neuron of each population
	// (k the smallest stride that fits), and the title says so.
	MaxRasterRows = 800
	// rateBins is about how many bins the population-rate trace has.
	rateBins = 500
)

// popLayout is the populations of a simulation, in circuit order.
type popLayout struct {
	names []string
	sizes []int
	dtMs  float64
	steps int
}

// spikeSet is the spikes of a stretch of simulation.
type spikeSet struct {
	t   []float64 // time (ms)
	pop []int     // population index into the layout
	n   []int     // neuron within the population
}

// WriteSimulation reads the files of a simulation in dir (populations.csv,
// spikes.csv, and states.csv when present) and writes to dir/plots:
//
//   - raster.png, raster.svg: a spike raster (time against neuron, the
//     populations stacked in circuit order and separated by lines; above
//     MaxRasterRows neurons every k-th neuron of each population is drawn)
//     over a panel of each population's rate (spikes per neuron per second,
//     in bins of about 1/500 of the run, at least one step), computed from
//     every spike;
//   - states.png, states.svg: the monitored state variables against time,
//     one panel per variable name (e.g. "exc.v"), one line per neuron.
func WriteSimulation(dir string) error {
	lay, err := readLayout(filepath.Join(dir, layoutFile))
	if err != nil {
		return err
	}
	sp, err := readSpikes(filepath.Join(dir, spikesFile), lay, nil)
	if err != nil {
		return err
	}
	out := filepath.Join(dir, plotsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	dur := float64(lay.steps) * lay.dtMs
	if err := saveFigure(out, "raster", rasterWidth, rasterHeight, func(dc draw.Canvas) error {
		return drawRasterRate(dc, sp, lay, dur)
	}); err != nil {
		return err
	}
	cols, times, vals, err := readStates(filepath.Join(dir, statesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return saveFigure(out, "states", lossWidth, lossHeight, func(dc draw.Canvas) error {
		return drawStates(dc, cols, times, vals)
	})
}

// WriteRasters reads rasters.csv in dir (if present) and writes, for every
// (rule, seed) in it, plots/raster_RULE_sSEED.png and .svg: the rasters of
// its phases ("before" and "after" learning), side by side. The layout is
// taken from the spikes themselves: populations in order of first
// appearance, each as tall as its largest neuron index + 1 in the file.
func WriteRasters(dir string) error {
	type key struct{ rule, seed, phase string }
	sets := map[key]*spikeSet{}
	var order []key
	lay := &popLayout{}
	popIdx := map[string]int{}
	found, err := output.Rasters.Read(dir, true, func(t *output.Table) error {
		k := key{t.Str("rule"), t.Str("seed"), t.Str("phase")}
		s := sets[k]
		if s == nil {
			s = &spikeSet{}
			sets[k] = s
			order = append(order, k)
		}
		tm, err := t.Float("time_ms")
		if err != nil {
			return err
		}
		n, err := t.Int("neuron")
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("%s line %d: neuron %d < 0", rastersFile, t.Line, n)
		}
		name := t.Str("population")
		p, seen := popIdx[name]
		if !seen {
			p = len(lay.names)
			popIdx[name] = p
			lay.names = append(lay.names, name)
			lay.sizes = append(lay.sizes, 0)
		}
		lay.sizes[p] = max(lay.sizes[p], n+1)
		s.t, s.pop, s.n = append(s.t, tm), append(s.pop, p), append(s.n, n)
		return nil
	})
	if !found || err != nil {
		return err
	}
	if len(order) == 0 {
		return nil
	}
	out := filepath.Join(dir, plotsDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	type runKey struct{ rule, seed string }
	var runs []runKey
	phases := map[runKey][]string{}
	for _, k := range order {
		r := runKey{k.rule, k.seed}
		if _, ok := phases[r]; !ok {
			runs = append(runs, r)
		}
		phases[r] = append(phases[r], k.phase)
	}
	trials, err := readRasterTrials(filepath.Join(dir, trialsFile))
	if err != nil {
		return err
	}
	for _, r := range runs {
		ph := phases[r]
		tmax := 0.0
		for _, p := range ph {
			for _, x := range sets[key{r.rule, r.seed, p}].t {
				tmax = max(tmax, x)
			}
			for _, tr := range trials[[3]string{r.rule, r.seed, p}] {
				tmax = max(tmax, tr.end)
			}
		}
		base := "raster_" + safeName(r.rule) + "_s" + safeName(r.seed)
		if err := saveFigure(out, base, rasterWidth, 4*vg.Inch, func(dc draw.Canvas) error {
			var row []*plot.Plot
			for _, p := range ph {
				pl, err := rasterPlot(sets[key{r.rule, r.seed, p}], lay, tmax)
				if err != nil {
					return err
				}
				if err := markTrials(pl, trials[[3]string{r.rule, r.seed, p}]); err != nil {
					return err
				}
				pl.Title.Text = fmt.Sprintf("%s seed %s: %s learning", r.rule, r.seed, p)
				row = append(row, pl)
			}
			tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Points(10), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
			for i, c := range plot.Align([][]*plot.Plot{row}, tiles, dc)[0] {
				row[i].Draw(c)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// rasterTrial is one trial of a raster (raster_trials.csv).
type rasterTrial struct {
	start, end float64 // ms
	input      string
}

// readRasterTrials reads raster_trials.csv, keyed by rule, seed and phase;
// a missing file (results of an older dopa) marks nothing.
func readRasterTrials(path string) (_ map[[3]string][]rasterTrial, err error) {
	defer func() { err = output.AsReadError(err) }()
	out := map[[3]string][]rasterTrial{}
	_, err = output.RasterTrials.ReadAt(path, trialsFile, true, func(t *output.Table) error {
		a, err := t.Float("start_ms")
		if err != nil {
			return err
		}
		b, err := t.Float("end_ms")
		if err != nil {
			return err
		}
		if b < a {
			return fmt.Errorf("%s line %d: end_ms %g before start_ms %g", trialsFile, t.Line, b, a)
		}
		k := [3]string{t.Str("rule"), t.Str("seed"), t.Str("phase")}
		out[k] = append(out[k], rasterTrial{start: a, end: b, input: t.Str("input")})
		return nil
	})
	return out, err
}

// markTrials draws a dashed line where each trial after the first starts
// and writes each trial's input above its stretch of the raster.
func markTrials(p *plot.Plot, trials []rasterTrial) error {
	if len(trials) == 0 {
		return nil
	}
	top := p.Y.Max + 0.5
	p.Y.Max = top + 0.06*(top+0.5) // room for the labels
	var pts []plotter.XY
	var labels []string
	for i, tr := range trials {
		if i > 0 {
			l, err := plotter.NewLine(plotter.XYs{{X: tr.start, Y: -0.5}, {X: tr.start, Y: p.Y.Max}})
			if err != nil {
				return err
			}
			l.Color = color.Gray{Y: 0x80}
			l.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			p.Add(l)
		}
		pts = append(pts, plotter.XY{X: (tr.start + tr.end) / 2, Y: top})
		labels = append(labels, "in "+tr.input)
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	if err != nil {
		return err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign = draw.XCenter
	}
	p.Add(lab)
	return nil
}

// safeName keeps a label usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

func readLayout(path string) (_ *popLayout, err error) {
	defer func() { err = output.AsReadError(err) }()
	t, err := output.Layout.OpenFile(path, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	defer t.Close()
	lay := &popLayout{}
	for {
		ok, err := t.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		n, err := t.Int("size")
		if err != nil {
			return nil, err
		}
		dt, err := t.Float("dt_ms")
		if err != nil {
			return nil, err
		}
		steps, err := t.Int("steps")
		if err != nil {
			return nil, err
		}
		if n < 1 || !(dt > 0) || steps < 0 {
			return nil, fmt.Errorf("%s line %d: want size >= 1, dt_ms > 0, steps >= 0", t.Name, t.Line)
		}
		lay.names, lay.sizes, lay.dtMs, lay.steps = append(lay.names, t.Str("population")), append(lay.sizes, n), dt, steps
	}
	if len(lay.names) == 0 {
		return nil, fmt.Errorf("%s: no populations", filepath.Base(path))
	}
	return lay, nil
}

// readSpikes reads the time_ms,population,neuron rows of the spikes
// table at path (CSV or .npz); populations and neurons must be in the
// layout.
func readSpikes(path string, lay *popLayout, keep func(*output.Table) bool) (_ *spikeSet, err error) {
	defer func() { err = output.AsReadError(err) }()
	t, err := output.Spikes.OpenFile(path, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	defer t.Close()
	name := t.Name
	idx := map[string]int{}
	for i, n := range lay.names {
		idx[n] = i
	}
	s := &spikeSet{}
	for {
		ok, err := t.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return s, nil
		}
		tm, err := t.Float("time_ms")
		if err != nil {
			return nil, err
		}
		n, err := t.Int("neuron")
		if err != nil {
			return nil, err
		}
		p, ok := idx[t.Str("population")]
		if !ok {
			return nil, fmt.Errorf("%s line %d: unknown population %q", name, t.Line, t.Str("population"))
		}
		if n < 0 || n >= lay.sizes[p] || !isFinite(tm) {
			return nil, fmt.Errorf("%s line %d: neuron %d of %q (size %d) at %g ms", name, t.Line, n, lay.names[p], lay.sizes[p], tm)
		}
		s.t, s.pop, s.n = append(s.t, tm), append(s.pop, p), append(s.n, n)
	}
}

// rasterStride is the k with which every k-th neuron is drawn.
func rasterStride(lay *popLayout) int {
	total := 0
	for _, n := range lay.sizes {
		total += n
	}
	return max(1, (total+MaxRasterRows-1)/MaxRasterRows)
}

// rasterPlot draws the spikes (decimated by rasterStride) as dots, one row
// per drawn neuron, populations stacked bottom-up in circuit order.
func rasterPlot(s *spikeSet, lay *popLayout, tmax float64) (*plot.Plot, error) {
	k := rasterStride(lay)
	offset := make([]float64, len(lay.sizes)) // first row of each population
	rows := 0.0
	for i, n := range lay.sizes {
		offset[i] = rows
		rows += float64((n + k - 1) / k)
	}
	p := NewPlot()
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "neuron"
	if k > 1 {
		p.Y.Label.Text = fmt.Sprintf("neuron (every %d-th shown)", k)
	}
	p.X.Min, p.X.Max = 0, max(tmax, 1e-9)
	p.Y.Min, p.Y.Max = -0.5, max(rows, 1)-0.5
	pts := make(plotter.XYs, 0, len(s.t)/k+1)
	for i := range s.t {
		if s.n[i]%k == 0 {
			pts = append(pts, plotter.XY{X: s.t[i], Y: offset[s.pop[i]] + float64(s.n[i]/k)})
		}
	}
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(0.7), Shape: draw.BoxGlyph{}}
		p.Add(sc)
	}
	var ticks []plot.Tick
	for i, name := range lay.names {
		if i > 0 {
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: offset[i] - 0.5}, {X: p.X.Max, Y: offset[i] - 0.5}})
			if err != nil {
				return nil, err
			}
			l.Color = color.NRGBA{0xd6, 0x27, 0x28, 0xff}
			p.Add(l)
		}
		end := rows
		if i+1 < len(offset) {
			end = offset[i+1]
		}
		ticks = append(ticks, plot.Tick{Value: (offset[i] + end) / 2, Label: name})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}

// popRates bins the spikes of each population: rate in Hz per neuron.
func popRates(s *spikeSet, lay *popLayout, dur float64) (centers []float64, rates [][]float64, bin float64) {
	bin = max(lay.dtMs, dur/rateBins)
	nb := max(1, int(math.Ceil(dur/bin-1e-9)))
	centers = make([]float64, nb)
	for b := range centers {
		centers[b] = (float64(b) + 0.5) * bin
	}
	rates = make([][]float64, len(lay.names))
	for p := range rates {
		rates[p] = make([]float64, nb)
	}
	for i, t := range s.t {
		// A spike at the end of step n (time n·dt) falls in the bin of
		// its step's start.
		b := int((t - lay.dtMs/2) / bin)
		if b >= 0 && b < nb {
			rates[s.pop[i]][b]++
		}
	}
	for p, r := range rates {
		for b := range r {
			r[b] /= float64(lay.sizes[p]) * bin / 1000
		}
	}
	return centers, rates, bin
}

func drawRasterRate(dc draw.Canvas, s *spikeSet, lay *popLayout, dur float64) error {
	top, err := rasterPlot(s, lay, dur)
	if err != nil {
		return err
	}
	top.Title.Text = fmt.Sprintf("Spike raster: %d spikes in %g ms", len(s.t), dur)
	top.X.Label.Text = ""
	centers, rates, bin := popRates(s, lay, dur)
	bottom := NewPlot()
	bottom.X.Label.Text = "time (ms)"
	bottom.Y.Label.Text = fmt.Sprintf("rate (Hz, %g ms bins)", bin)
	bottom.X.Min, bottom.X.Max = 0, max(dur, 1e-9)
	bottom.Y.Min = 0
	bottom.Legend.Top = true
	for p, r := range rates {
		l, err := plotter.NewLine(xys(centers, r))
		if err != nil {
			return err
		}
		l.Color = palette[p%len(palette)]
		bottom.Add(l)
		bottom.Legend.Add(lay.names[p], l)
	}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	cs := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(cs[0][0])
	bottom.Draw(cs[1][0])
	return nil
}

// readStates reads states.csv: time_ms then one column per monitor.
func readStates(path string) (cols []string, times []float64, vals [][]float64, err error) {
	defer func() { err = output.AsReadError(err) }()
	t, err := output.States.OpenFile(path, filepath.Base(path))
	if err != nil {
		return nil, nil, nil, err
	}
	defer t.Close()
	for _, c := range t.Columns() {
		if c != "time_ms" {
			cols = append(cols, c)
		}
	}
	vals = make([][]float64, len(cols))
	for {
		ok, err := t.Next()
		if err != nil {
			return nil, nil, nil, err
		}
		if !ok {
			return cols, times, vals, nil
		}
		tm, err := t.Float("time_ms")
		if err != nil {
			return nil, nil, nil, err
		}
		times = append(times, tm)
		for i, c := range cols {
			v, err := t.Float(c)
			if err != nil {
				return nil, nil, nil, err
			}
			vals[i] = append(vals[i], v)
		}
	}
}

// drawStates draws one panel per variable (column name up to its last
// dot), one line per neuron, decimated by min/max per pixel column.
func drawStates(dc draw.Canvas, cols []string, times []float64, vals [][]float64) error {
	var groups []string
	members := map[string][]int{}
	for i, c := range cols {
		g, _, ok := cutLast(c, ".")
		if !ok {
			g = c
		}
		if _, seen := members[g]; !seen {
			groups = append(groups, g)
		}
		members[g] = append(members[g], i)
	}
	if len(groups) == 0 || len(times) == 0 {
		return fmt.Errorf("states.csv has no monitored values")
	}
	var rows [][]*plot.Plot
	xmin, xmax := times[0], times[len(times)-1]
	for gi, g := range groups {
		p := NewPlot()
		p.Y.Label.Text = g
		if gi == 0 {
			p.Title.Text = "Recorded state variables"
		}
		if gi == len(groups)-1 {
			p.X.Label.Text = "time (ms)"
		}
		p.X.Min, p.X.Max = xmin, max(xmax, xmin+1e-9)
		p.Legend.Top = true
		for k, i := range members[g] {
			x, y := finite(times, vals[i])
			if len(x) == 0 {
				continue
			}
			x, y = Decimate(x, y, xmin, xmax, decimateCols)
			l, err := plotter.NewLine(xys(x, y))
			if err != nil {
				return err
			}
			l.Color = palette[k%len(palette)]
			p.Add(l)
			p.Legend.Add(cols[i], l)
		}
		rows = append(rows, []*plot.Plot{p})
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	for r, row := range plot.Align(rows, tiles, dc) {
		rows[r][0].Draw(row[0])
	}
	return nil
}
