package env

import "math"

// Arena is the ground an environment of two dimensions lives in, as a
// drawing needs it. Positions are in the environment's own units: metres
// for the water maze (the pool centred at the origin, y up), cells for the
// grid (column, row; row 0 at the top).
type Arena struct {
	// Shape is "pool" (a circle of Radius centred at the origin) or "grid"
	// (Width × Height cells).
	Shape string
	// Radius is the pool's radius (m).
	Radius float64
	// Platform is the platform's centre (m) and PlatformRadius its radius
	// (m).
	Platform       [2]float64
	PlatformRadius float64
	// Starts are the start positions (pool: m; grid: [column, row]).
	Starts [][2]float64
	// Width and Height are the grid's size (cells).
	Width, Height int
	// Walls are the grid's blocked cells [column, row]; Goal its goal cell.
	Walls [][2]int
	Goal  [2]int
}

// Spatial is implemented by the parameters of an environment that lives
// in a two-dimensional arena (water_maze, grid): Arena describes it for
// drawings. Its Env implements Positioned.
type Spatial interface {
	Arena() Arena
}

// Positioned is implemented by an environment whose parameters are
// Spatial: Position is where the agent is, in the arena's units (after
// Reset: the start; after a Step: the state entered, also at the end of
// an episode).
type Positioned interface {
	Position() (x, y float64)
}

// Mapped is implemented by an environment whose observation is a function
// of a position (the water maze): ObserveAt writes into x the features the
// agent would observe at (px, py), without moving it, so that a critic's
// value and an actor's preferences can be mapped over the arena. It
// allocates nothing.
type Mapped interface {
	Positioned
	ObserveAt(px, py float64, x []float64)
	// Heading is the unit vector of the direction action a moves in.
	Heading(a int) (dx, dy float64)
}

// Arena describes the pool (Spatial).
func (p MazeParams) Arena() Arena {
	a := Arena{Shape: "pool", Radius: p.Radius, Platform: p.Platform, PlatformRadius: p.PlatformRadius}
	for _, s := range mazeStarts(p.Radius) {
		a.Starts = append(a.Starts, s)
	}
	return a
}

// Arena describes the grid (Spatial).
func (p GridParams) Arena() Arena {
	return Arena{Shape: "grid", Width: p.Width, Height: p.Height, Walls: append([][2]int(nil), p.Walls...), Goal: p.Goal,
		Starts: [][2]float64{{float64(p.Start[0]), float64(p.Start[1])}}}
}

// Position returns the agent's cell: column, row (Positioned).
func (g *grid) Position() (x, y float64) {
	return float64(g.cell % g.Width), float64(g.cell / g.Width)
}

// ObserveAt writes the place cells' activity at (px, py) into x (Mapped).
func (m *maze) ObserveAt(px, py float64, x []float64) {
	sx, sy := m.x, m.y
	m.x, m.y = px, py
	m.observe(x)
	m.x, m.y = sx, sy
}

// Heading is the unit vector of heading a: angle 2πa/directions (Mapped).
func (m *maze) Heading(a int) (dx, dy float64) {
	th := 2 * math.Pi * float64(a) / float64(m.Directions)
	return math.Cos(th), math.Sin(th)
}
