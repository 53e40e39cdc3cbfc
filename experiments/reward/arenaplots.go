package reward

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
)

// readArenas reads arena.csv of dir: the arena of every condition (none
// if the file is missing).
func readArenas(dir string) (map[string]*env.Arena, error) {
	arenas := map[string]*env.Arena{}
	_, err := output.Arena.Read(dir, true, func(t *output.Table) error {
		c := t.Str("condition")
		a, ok := arenas[c]
		if !ok {
			a = &env.Arena{}
			arenas[c] = a
		}
		var v [3]float64
		for i, col := range []string{"x", "y", "size"} {
			x, err := t.Float(col)
			if err != nil {
				return err
			}
			if !(math.Abs(x) <= maxCoord) {
				return fmt.Errorf("%s line %d: bad %s %g: want a finite number within ±%g", t.Name, t.Line, col, x, maxCoord)
			}
			v[i] = x
		}
		cell := [2]int{int(v[0]), int(v[1])}
		switch s := t.Str("shape"); s {
		case "pool":
			a.Shape, a.Radius = "pool", v[2]
		case "platform":
			a.Platform, a.PlatformRadius = [2]float64{v[0], v[1]}, v[2]
		case "start":
			a.Starts = append(a.Starts, [2]float64{v[0], v[1]})
		case "grid":
			if v[0] < 1 || v[0] > 1000 || v[1] < 1 || v[1] > 1000 {
				return fmt.Errorf("%s line %d: a grid of %g × %g cells: want each side in [1, 1000]", t.Name, t.Line, v[0], v[1])
			}
			a.Shape, a.Width, a.Height = "grid", cell[0], cell[1]
		case "wall":
			a.Walls = append(a.Walls, cell)
		case "goal":
			a.Goal = cell
		default:
			return fmt.Errorf("%s line %d: bad shape %q: want pool, platform, start, grid, wall or goal", t.Name, t.Line, s)
		}
		return nil
	})
	return arenas, err
}

// trajectoriesFigure draws, for the first seed of every agent and
// condition that recorded paths, the recorded episodes over the arena
// (trajectories.png): the pool and its platform, or the grid with its
// walls and goal; the start points as rings.
func trajectoriesFigure(dir, out string, rs []*RunResult) error {
	arenas, err := readArenas(dir)
	if err != nil || len(arenas) == 0 {
		return err
	}
	var panels []*plot.Plot
	for _, r := range firstByCondition(rs, func(r *RunResult) bool { return len(r.Path) > 0 && arenas[r.Condition] != nil }) {
		p, err := arenaPlot(arenas[r.Condition], r)
		if err != nil {
			return err
		}
		panels = append(panels, p)
	}
	return savePanels(out, "trajectories", 4.2*vg.Inch, panels)
}

// circle returns n+1 points on a circle.
func circle(cx, cy, r float64, n int) plotter.XYs {
	xy := make(plotter.XYs, n+1)
	for i := range xy {
		th := 2 * math.Pi * float64(i) / float64(n)
		xy[i].X, xy[i].Y = cx+r*math.Cos(th), cy+r*math.Sin(th)
	}
	return xy
}

// arenaPlot draws the arena and the paths of one run.
func arenaPlot(a *env.Arena, r *RunResult) (*plot.Plot, error) {
	p := plots.NewPlot()
	p.Title.Text = fmt.Sprintf("%s, %s, seed %d", r.Agent, r.Condition, r.Seed)
	// y maps a position's y to the figure (grid rows run down).
	y := func(v float64) float64 { return v }
	if err := drawArena(p, a); err != nil {
		return nil, err
	}
	if a.Shape == "grid" {
		y = func(v float64) float64 { return float64(a.Height) - 0.5 - v }
	}
	// Paths, split by episode.
	var eps []int
	paths := map[int]plotter.XYs{}
	for _, pt := range r.Path {
		if _, ok := paths[pt.Episode]; !ok {
			eps = append(eps, pt.Episode)
		}
		x, yy := pt.X, y(pt.Y)
		if a.Shape == "grid" {
			x += 0.5
		}
		paths[pt.Episode] = append(paths[pt.Episode], plotter.XY{X: x, Y: yy})
	}
	for i, ep := range eps {
		if a.Shape == "grid" {
			// Paths through the same cells would hide each other: each
			// episode's is shifted a little along the diagonal.
			d := 0.08 * (float64(i) - float64(len(eps)-1)/2)
			for k := range paths[ep] {
				paths[ep][k].X += d
				paths[ep][k].Y += d
			}
		}
		l, err := plotter.NewLine(paths[ep])
		if err != nil {
			return nil, fmt.Errorf("trajectory of episode %d: %w", ep, err)
		}
		l.Color = plots.Colour(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		end, err := plotter.NewScatter(paths[ep][len(paths[ep])-1:])
		if err != nil {
			return nil, err
		}
		end.Color = l.Color
		end.Shape = draw.CircleGlyph{}
		p.Add(end)
		p.Legend.Add(fmt.Sprintf("episode %d (%d steps)", ep, len(paths[ep])-1), l)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	return p, nil
}

// drawArena adds the arena's shapes to p, with equal scales on both axes.
func drawArena(p *plot.Plot, a *env.Arena) error {
	grey := color.Gray{Y: 90}
	switch a.Shape {
	case "pool":
		pool, err := plotter.NewLine(circle(0, 0, a.Radius, 180))
		if err != nil {
			return err
		}
		pool.Color, pool.Width = grey, vg.Points(1.5)
		plat, err := plotter.NewPolygon(circle(a.Platform[0], a.Platform[1], a.PlatformRadius, 60))
		if err != nil {
			return err
		}
		plat.Color = color.NRGBA{0xff, 0xd7, 0x00, 0xb0}
		plat.LineStyle.Color = grey
		p.Add(pool, plat)
		m := a.Radius * 1.05
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -m, m, -m, m
		p.X.Label.Text, p.Y.Label.Text = "x (m)", "y (m)"
		for _, s := range a.Starts {
			st, err := plotter.NewScatter(plotter.XYs{{X: s[0], Y: s[1]}})
			if err != nil {
				return err
			}
			st.Color, st.Shape = grey, draw.RingGlyph{}
			p.Add(st)
		}
	case "grid":
		w, h := float64(a.Width), float64(a.Height)
		cell := func(c [2]int, col color.Color) error {
			x, y := float64(c[0]), h-1-float64(c[1])
			poly, err := plotter.NewPolygon(plotter.XYs{{X: x, Y: y}, {X: x + 1, Y: y}, {X: x + 1, Y: y + 1}, {X: x, Y: y + 1}})
			if err != nil {
				return err
			}
			poly.Color = col
			poly.LineStyle.Width = 0
			p.Add(poly)
			return nil
		}
		for _, wl := range a.Walls {
			if err := cell(wl, color.Gray{Y: 110}); err != nil {
				return err
			}
		}
		if err := cell(a.Goal, color.NRGBA{0xff, 0xd7, 0x00, 0xc0}); err != nil {
			return err
		}
		for i := 0; i <= a.Width; i++ {
			l, _ := plotter.NewLine(plotter.XYs{{X: float64(i), Y: 0}, {X: float64(i), Y: h}})
			l.Color = color.Gray{Y: 180}
			p.Add(l)
		}
		for j := 0; j <= a.Height; j++ {
			l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: float64(j)}, {X: w, Y: float64(j)}})
			l.Color = color.Gray{Y: 180}
			p.Add(l)
		}
		for _, s := range a.Starts {
			st, err := plotter.NewScatter(plotter.XYs{{X: s[0] + 0.5, Y: h - 0.5 - s[1]}})
			if err != nil {
				return err
			}
			st.Color, st.Shape = grey, draw.RingGlyph{}
			p.Add(st)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, w, 0, h
		p.X.Label.Text, p.Y.Label.Text = "column", "row (0 at the top)"
		p.X.Tick.Marker = cellTicks{n: a.Width}
		p.Y.Tick.Marker = cellTicks{n: a.Height, down: true}
	default:
		return fmt.Errorf("arena of unknown shape %q", a.Shape)
	}
	return nil
}

// cellTicks label the centres of a grid's cells by column or row (rows
// counted from the top when down).
type cellTicks struct {
	n    int
	down bool
}

func (c cellTicks) Ticks(_, _ float64) []plot.Tick {
	step := max(1, c.n/10)
	var ts []plot.Tick
	for i := 0; i < c.n; i += step {
		label := i
		if c.down {
			label = c.n - 1 - i
		}
		ts = append(ts, plot.Tick{Value: float64(i) + 0.5, Label: strconv.Itoa(label)})
	}
	return ts
}

// valueGrid is a value map as a heat map's grid (NaN outside the pool).
type valueGrid struct {
	xs, ys []float64
	v      map[[2]float64]float64
}

func (g valueGrid) Dims() (c, r int) { return len(g.xs), len(g.ys) }
func (g valueGrid) X(c int) float64  { return g.xs[c] }
func (g valueGrid) Y(r int) float64  { return g.ys[r] }
func (g valueGrid) Z(c, r int) float64 {
	if v, ok := g.v[[2]float64{g.xs[c], g.ys[r]}]; ok {
		return v
	}
	return math.NaN()
}

// arrows draws the actor's preferred directions: a segment from every
// point of the map, of length scale·|Σ π_a·u_a|, with a head.
type arrows struct {
	pts   []MapPoint
	scale float64
}

func (a arrows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Gray{Y: 20}, Width: vg.Points(0.7)}
	for _, q := range a.pts {
		if math.IsNaN(q.PX) || math.IsNaN(q.PY) {
			continue
		}
		from := vg.Point{X: trX(q.X), Y: trY(q.Y)}
		to := vg.Point{X: trX(q.X + a.scale*q.PX), Y: trY(q.Y + a.scale*q.PY)}
		d := to.Sub(from)
		n := math.Hypot(float64(d.X), float64(d.Y))
		if n < 0.5 {
			continue
		}
		u := vg.Point{X: vg.Length(float64(d.X) / n), Y: vg.Length(float64(d.Y) / n)}
		h := vg.Length(math.Min(3, n/2)) // the head's size (pt)
		left := vg.Point{X: to.X - h*u.X - h*u.Y/2, Y: to.Y - h*u.Y + h*u.X/2}
		right := vg.Point{X: to.X - h*u.X + h*u.Y/2, Y: to.Y - h*u.Y - h*u.X/2}
		c.StrokeLines(sty, []vg.Point{from, to}, []vg.Point{left, to, right})
	}
}

// valueMapFigure draws, for the lowest seed of every agent and condition
// with a value map, the critic's V over the pool as a heat map and the
// actor's preferred directions as arrows (value_map.png).
func valueMapFigure(dir, out string, rs []*RunResult) error {
	arenas, err := readArenas(dir)
	if err != nil || len(arenas) == 0 {
		return err
	}
	var panels []*plot.Plot
	for _, r := range firstByCondition(rs, func(r *RunResult) bool {
		a := arenas[r.Condition]
		return len(r.Map) > 0 && a != nil && a.Shape == "pool"
	}) {
		g := valueGrid{v: map[[2]float64]float64{}}
		lo, hi := math.Inf(1), math.Inf(-1)
		seenX, seenY := map[float64]bool{}, map[float64]bool{}
		for _, q := range r.Map {
			if !seenX[q.X] {
				seenX[q.X] = true
				g.xs = append(g.xs, q.X)
			}
			if !seenY[q.Y] {
				seenY[q.Y] = true
				g.ys = append(g.ys, q.Y)
			}
			if !math.IsNaN(q.Value) && !math.IsInf(q.Value, 0) {
				g.v[[2]float64{q.X, q.Y}] = q.Value
				lo, hi = min(lo, q.Value), max(hi, q.Value)
			}
		}
		slices.Sort(g.xs)
		slices.Sort(g.ys)
		p := plots.NewPlot()
		p.Title.Text = fmt.Sprintf("%s, %s, seed %d", r.Agent, r.Condition, r.Seed)
		if len(g.v) > 0 && len(g.xs) > 1 && len(g.ys) > 1 {
			if hi <= lo {
				hi = lo + 1e-12
			}
			pal := moreland.SmoothBlueRed()
			pal.SetMin(lo)
			pal.SetMax(hi)
			hm := plotter.NewHeatMap(g, pal.Palette(64))
			hm.Min, hm.Max = lo, hi
			hm.NaN = color.Transparent
			p.Add(hm)
			p.Title.Text += fmt.Sprintf("\nV from %.3g (blue) to %.3g (red)", lo, hi)
		}
		step := 0.0
		if len(g.xs) > 1 {
			step = g.xs[1] - g.xs[0]
		}
		a := arenas[r.Condition]
		if err := drawArena(p, a); err != nil {
			return err
		}
		p.Add(arrows{pts: r.Map, scale: 0.9 * step})
		panels = append(panels, p)
	}
	return savePanels(out, "value_map", 4.6*vg.Inch, panels)
}

// savePanels saves the panels as one figure (nothing when there are
// none), three to a row, each side × side.
func savePanels(out, name string, side vg.Length, panels []*plot.Plot) error {
	if len(panels) == 0 {
		return nil
	}
	cols := min(3, len(panels))
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range cols {
			if k := i*cols + j; k < len(panels) {
				grid[i][j] = panels[k]
			}
		}
	}
	return plots.SaveFigure(out, name, vg.Length(cols)*side, vg.Length(rows)*side, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 4 * vg.Millimeter, PadY: 4 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
		cs := plot.Align(grid, tiles, dc)
		for i := range grid {
			for j, p := range grid[i] {
				if p != nil {
					p.Draw(cs[i][j])
				}
			}
		}
		return nil
	})
}
