package reward

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
)

// writePlots draws the figures of a reward run into dir/plots:
//   - returns: the return per episode, median and quartiles over seeds,
//     per agent and condition (moving mean over a window);
//   - choices: the same for the fraction of best choices, where judged;
//   - steps: the length of every episode of every run, one line per
//     seed and one panel per agent and condition, on a log scale, where
//     episodes differ in length (the cart-pole's learning curve);
//   - schultz: δ at every step of every recorded trial, as a heat map
//     (trials down, steps across), for the first run of every condition;
//   - schultz_traces: δ within the trial for chosen trials of that run;
//   - delta_by_condition: δ within the last recorded trial, median over
//     seeds, one line per condition (Fiorillo et al. 2003);
//   - trajectories: the recorded paths over the arena (record.trajectories);
//   - value_map: the critic's V over the pool and the actor's preferred
//     directions at the end of a run (record.value_map).
func writePlots(dir string, rs []*RunResult) error {
	out := filepath.Join(dir, output.PlotsDir)
	if err := plotsDir(out); err != nil {
		return err
	}
	if err := curves(out, "returns", "return per episode", rs, func(e Episode) float64 { return e.Return }); err != nil {
		return err
	}
	if err := curves(out, "choices", "fraction of best choices", rs, func(e Episode) float64 { return e.Optimal }); err != nil {
		return err
	}
	if err := stepsFigure(out, rs); err != nil {
		return err
	}
	if err := schultz(out, rs); err != nil {
		return err
	}
	if err := writeRecordingPlots(out, rs); err != nil {
		return err
	}
	if err := trajectoriesFigure(dir, out, rs); err != nil {
		return err
	}
	if err := valueMapFigure(dir, out, rs); err != nil {
		return err
	}
	return byCondition(out, rs)
}

// group is the runs of one agent in one condition.
type group struct {
	name string
	runs []*RunResult
}

func groups(rs []*RunResult) []group {
	var gs []group
	conds := map[string]bool{}
	for _, r := range rs {
		conds[r.Condition] = true
	}
	for _, r := range rs {
		name := r.Agent
		if len(conds) > 1 {
			name += " / " + r.Condition
		}
		i := slices.IndexFunc(gs, func(g group) bool { return g.name == name })
		if i < 0 {
			gs = append(gs, group{name: name})
			i = len(gs) - 1
		}
		gs[i].runs = append(gs[i].runs, r)
	}
	return gs
}

// curves draws the median and the quartiles over seeds of an episode
// measure, smoothed by a moving mean.
func curves(out, base, label string, rs []*RunResult, get func(Episode) float64) error {
	p := plots.NewPlot()
	p.X.Label.Text, p.Y.Label.Text = "episode", label
	any := false
	for k, g := range groups(rs) {
		n := 0
		for _, r := range g.runs {
			n = max(n, len(r.Episodes))
		}
		w := max(1, n/50)
		var med, lo, hi plotter.XYs
		for b := 0; b+w <= n; b += w {
			var xs []float64
			for _, r := range g.runs {
				s, c := 0.0, 0
				for _, e := range r.Episodes[min(b, len(r.Episodes)):min(b+w, len(r.Episodes))] {
					if v := get(e); !math.IsNaN(v) {
						s += v
						c++
					}
				}
				if c > 0 {
					xs = append(xs, s/float64(c))
				}
			}
			if len(xs) == 0 {
				continue
			}
			slices.Sort(xs)
			x := float64(b) + float64(w-1)/2
			med = append(med, plotter.XY{X: x, Y: quantile(xs, 0.5)})
			lo = append(lo, plotter.XY{X: x, Y: quantile(xs, 0.25)})
			hi = append(hi, plotter.XY{X: x, Y: quantile(xs, 0.75)})
		}
		if len(med) == 0 {
			continue
		}
		any = true
		c := colour(k)
		band := append(slices.Clone(lo), reversed(hi)...)
		if poly, err := plotter.NewPolygon(band); err == nil {
			poly.Color = color.NRGBA{c.R, c.G, c.B, 0x40}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l, err := plotter.NewLine(med)
		if err != nil {
			return err
		}
		l.Color = c
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (n = %d)", g.name, len(g.runs)), l)
	}
	if !any {
		// Nothing to draw (no run's environment judges choices, say): no
		// figure, and no message about a figure nobody expects.
		return nil
	}
	p.Legend.Top = true
	p.Title.Text = label + ": median and 25–75 % over seeds"
	return plots.SaveFigure(out, base, 7*vg.Inch, 4*vg.Inch, func(dc draw.Canvas) error { p.Draw(dc); return nil })
}

// trials returns δ of the recorded steps of a run by trial: the trials in
// order and δ per step k = 1 … K (NaN where not recorded).
func trials(r *RunResult) (eps []int, k int, delta map[int][]float64) {
	delta = map[int][]float64{}
	for _, s := range r.Steps {
		k = max(k, s.K)
	}
	for _, s := range r.Steps {
		d, ok := delta[s.Episode]
		if !ok {
			d = make([]float64, k)
			for i := range d {
				d[i] = math.NaN()
			}
			delta[s.Episode] = d
			eps = append(eps, s.Episode)
		}
		d[s.K-1] = s.Delta
	}
	return eps, k, delta
}

type heat struct {
	k   int
	eps []int
	d   map[int][]float64
}

func (h heat) Dims() (c, r int)   { return h.k, len(h.eps) }
func (h heat) Z(c, r int) float64 { return h.d[h.eps[r]][c] }
func (h heat) X(c int) float64    { return float64(c + 1) }
func (h heat) Y(r int) float64    { return float64(h.eps[r] + 1) }

// schultz draws δ across steps and trials for the first run of every
// condition, and δ within selected trials of the first run.
func schultz(out string, rs []*RunResult) error {
	var firsts []*RunResult
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.Condition] && len(r.Steps) > 0 {
			seen[r.Condition] = true
			firsts = append(firsts, r)
		}
	}
	if len(firsts) == 0 {
		return nil // no steps recorded (record.steps_every = 0): nothing to draw
	}
	var rows [][]*plot.Plot
	for _, r := range firsts {
		eps, k, d := trials(r)
		if len(eps) < 2 || k < 2 {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, xs := range d {
			for _, x := range xs {
				if !math.IsNaN(x) {
					lo, hi = min(lo, x), max(hi, x)
				}
			}
		}
		m := max(math.Abs(lo), math.Abs(hi), 1e-12)
		p := plots.NewPlot()
		p.Title.Text = fmt.Sprintf("δ: %s, %s, seed %d", r.Agent, r.Condition, r.Seed)
		p.X.Label.Text, p.Y.Label.Text = "step within the trial", "trial"
		pal := moreland.SmoothBlueRed()
		pal.SetMin(-m)
		pal.SetMax(m)
		hm := plotter.NewHeatMap(heat{k: k, eps: eps, d: d}, pal.Palette(64))
		hm.Min, hm.Max = -m, m
		hm.NaN = color.Gray{Y: 230}
		p.Add(hm)
		p.Y.Scale = plot.LinearScale{}
		rows = append(rows, []*plot.Plot{p})
	}
	if len(rows) == 0 {
		plots.Skip(out, "schultz", "fewer than two recorded trials of two steps")
		return nil
	}
	if err := plots.SaveFigure(out, "schultz", 6*vg.Inch, vg.Length(3.5*float64(len(rows)))*vg.Inch, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter, PadY: 3 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
		cs := plot.Align(rows, tiles, dc)
		for i := range rows {
			rows[i][0].Draw(cs[i][0])
		}
		return nil
	}); err != nil {
		return err
	}
	// Selected trials of the first run.
	r := firsts[0]
	eps, _, d := trials(r)
	p := plots.NewPlot()
	p.Title.Text = fmt.Sprintf("δ within the trial: %s, %s, seed %d", r.Agent, r.Condition, r.Seed)
	p.X.Label.Text, p.Y.Label.Text = "step within the trial", "δ"
	// The first recorded trials, then trials spaced geometrically, and
	// the last.
	var pick []int
	for _, i := range []int{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024} {
		if i < len(eps) {
			pick = append(pick, eps[i])
		}
	}
	if last := eps[len(eps)-1]; !slices.Contains(pick, last) {
		pick = append(pick, last)
	}
	for k, ep := range pick {
		var xy plotter.XYs
		for i, v := range d[ep] {
			if !math.IsNaN(v) {
				xy = append(xy, plotter.XY{X: float64(i + 1), Y: v})
			}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color = colour(k)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("trial %d", ep+1), l)
	}
	p.Legend.Top = true
	return plots.SaveFigure(out, "schultz_traces", 7*vg.Inch, 4*vg.Inch, func(dc draw.Canvas) error { p.Draw(dc); return nil })
}

// byCondition draws δ within the last recorded trial, median over the runs
// of each condition (the first agent's).
func byCondition(out string, rs []*RunResult) error {
	var conds []string
	for _, r := range rs {
		if len(r.Steps) > 0 && !slices.Contains(conds, r.Condition) {
			conds = append(conds, r.Condition)
		}
	}
	if len(conds) < 2 {
		return nil
	}
	p := plots.NewPlot()
	p.Title.Text = "δ within the last recorded trial, median over seeds"
	p.X.Label.Text, p.Y.Label.Text = "step within the trial", "δ"
	for k, c := range conds {
		var agent string
		var per [][]float64
		for _, r := range rs {
			if r.Condition != c || len(r.Steps) == 0 {
				continue
			}
			if agent == "" {
				agent = r.Agent
			}
			if r.Agent != agent {
				continue
			}
			eps, _, d := trials(r)
			per = append(per, d[eps[len(eps)-1]])
		}
		var xy plotter.XYs
		for i := range per[0] {
			var xs []float64
			for _, d := range per {
				if i < len(d) && !math.IsNaN(d[i]) {
					xs = append(xs, d[i])
				}
			}
			if len(xs) > 0 {
				slices.Sort(xs)
				xy = append(xy, plotter.XY{X: float64(i + 1), Y: quantile(xs, 0.5)})
			}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color = colour(k)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(c, l)
	}
	p.Legend.Top = true
	return plots.SaveFigure(out, "delta_by_condition", 7*vg.Inch, 4*vg.Inch, func(dc draw.Canvas) error { p.Draw(dc); return nil })
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}

func colour(k int) color.NRGBA { return plots.Colour(k) }

func plotsDir(out string) error { return os.MkdirAll(out, 0o755) }

// stepsFigure draws the length of every episode, one line per seed and
// one panel per agent and condition, on a log scale; nothing when every
// episode has the same length (a bandit, fixed trials). Each seed is
// drawn to its last episode, so a run that stopped early (it solved the
// task, stop_after_solved) ends where it stopped.
func stepsFigure(out string, rs []*RunResult) error {
	varies, first := false, -1
	for _, r := range rs {
		for _, e := range r.Episodes {
			if first < 0 {
				first = e.Steps
			}
			varies = varies || e.Steps != first
		}
	}
	if !varies {
		return nil
	}
	gs := groups(rs)
	row := make([]*plot.Plot, len(gs))
	for k, g := range gs {
		p := plots.NewPlot()
		p.Title.Text = fmt.Sprintf("%s (%d runs)", g.name, len(g.runs))
		p.X.Label.Text, p.Y.Label.Text = "episode", "steps"
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		lo := math.Inf(1)
		for i, r := range g.runs {
			xy := make(plotter.XYs, len(r.Episodes))
			for j, e := range r.Episodes {
				xy[j] = plotter.XY{X: float64(j + 1), Y: max(1, float64(e.Steps))}
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = colour(i)
			l.Width = vg.Points(0.8)
			p.Add(l)
			for _, v := range xy {
				p.Y.Max, lo = max(p.Y.Max, v.Y), min(lo, v.Y)
			}
		}
		if math.IsInf(lo, 1) { // no run of the group has an episode (it failed at once)
			p.Y.Min, p.Y.Max = 1, 10
		} else {
			p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
		}
		row[k] = p
	}
	w := vg.Length(len(gs)) * 4 * vg.Inch
	return plots.SaveFigure(out, "steps", w, 3.5*vg.Inch, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Points(10), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
		for i, c := range plot.Align([][]*plot.Plot{row}, tiles, dc)[0] {
			row[i].Draw(c)
		}
		return nil
	})
}
