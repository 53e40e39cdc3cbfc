package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// GridParams are the keys of the grid world.
//
// The agent starts every episode in cell Start of a Width × Height grid and
// moves up, right, down or left (actions 0 … 3); a move into a wall or off
// the grid leaves it in place. With probability Slip the move goes in a
// random direction instead. Entering Goal pays GoalReward and ends the
// episode; every other step pays StepReward, and a move into a wall or off
// the grid WallReward on top of it. An episode also ends after MaxSteps steps. The
// observation is one-hot over the cells. A move is optimal if it is one of
// the moves that shorten the path to the goal.
type GridParams struct {
	// Width and Height are the grid's size, each in [1, 100], at least 2 cells.
	Width  int `toml:"width" check:"[1,100]"`
	Height int `toml:"height" check:"[1,100]"`
	// Start and Goal are cells [column, row], row 0 at the top.
	Start [2]int `toml:"start"`
	Goal  [2]int `toml:"goal"`
	// Walls are blocked cells [column, row].
	Walls [][2]int `toml:"walls"`
	// GoalReward is paid on entering the goal; StepReward on every other
	// step, and WallReward on top of it on a move into a wall or off the
	// grid (the agent stays in its cell).
	GoalReward float64 `toml:"goal_reward" check:"finite,[-1e6,1e6]"`
	WallReward float64 `toml:"wall_reward" check:"finite,[-1e6,1e6]"`
	StepReward float64 `toml:"step_reward" check:"finite,[-1e6,1e6]"`
	// Slip is the probability that a move goes in a random direction, in [0, 1].
	Slip float64 `toml:"slip" check:"[0,1]"`
	// MaxSteps ends an episode that has not reached the goal, in [1, 1000000].
	MaxSteps int `toml:"max_steps" check:"[1,1000000]"`
}

// Validate reports a key out of range.
func (p GridParams) Validate() error {
	in := func(c [2]int) bool { return c[0] >= 0 && c[0] < p.Width && c[1] >= 0 && c[1] < p.Height }
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.Width*p.Height < 2:
		return bad("the grid must have at least 2 cells, got %d", p.Width*p.Height, "width")
	case !in(p.Start):
		return bad(fmt.Sprintf("must be a cell of the %d × %d grid, got %%v", p.Width, p.Height), p.Start, "start")
	case !in(p.Goal):
		return bad(fmt.Sprintf("must be a cell of the %d × %d grid, got %%v", p.Width, p.Height), p.Goal, "goal")
	case p.Start == p.Goal:
		return bad("must differ from start, got %v", p.Goal, "goal")
	}
	for i, w := range p.Walls {
		switch {
		case !in(w):
			return bad(fmt.Sprintf("must be a cell of the %d × %d grid, got %%v", p.Width, p.Height), w, "walls", fmt.Sprint(i))
		case w == p.Start || w == p.Goal:
			return bad("must not be the start or the goal, got %v", w, "walls", fmt.Sprint(i))
		}
	}
	if d := distances(p); d[p.Start[1]*p.Width+p.Start[0]] < 0 {
		return bad("the goal cannot be reached from the start, got goal %v", p.Goal, "goal")
	}
	return nil
}

var gridDef = Def{
	Name: "grid",
	Doc:  "grid world: four moves, walls, a rewarded goal cell that ends the episode, optional slip",
	Defaults: func() Params {
		return GridParams{Width: 5, Height: 5, Start: [2]int{0, 0}, Goal: [2]int{4, 4}, GoalReward: 1, MaxSteps: 100}
	},
	New: func(p Params) (Env, error) {
		gp := p.(GridParams)
		g := &grid{GridParams: gp, wall: make([]bool, gp.Width*gp.Height), dist: distances(gp)}
		for _, w := range gp.Walls {
			g.wall[w[1]*gp.Width+w[0]] = true
		}
		return g, nil
	},
	Measures: []Measure{
		{Name: "trials_to_goal", Doc: "the first episode (from 1) from which the median length of 10 episodes is at most 1.5 times the shortest path to the goal (null: never)",
			Of: func(p Params, steps []int, _ []float64) float64 {
				gp := p.(GridParams)
				return trialsToGoal(steps, distances(gp)[gp.Start[1]*gp.Width+gp.Start[0]], 10)
			}},
	},
}

// trialsToGoal is the first episode (from 1) from which the median length
// of n episodes is at most 1.5 times the shortest path (NaN: never).
func trialsToGoal(steps []int, shortest, n int) float64 {
	win := make([]int, n)
	for t := 0; t+n <= len(steps); t++ {
		copy(win, steps[t:t+n])
		slices.Sort(win)
		med := float64(win[(n-1)/2]+win[n/2]) / 2
		if med <= 1.5*float64(shortest) {
			return float64(t + 1)
		}
	}
	return math.NaN()
}

// moves are the actions: up, right, down, left.
var moves = [4][2]int{{0, -1}, {1, 0}, {0, 1}, {-1, 0}}

// distances returns every cell's number of moves to the goal (−1: none).
func distances(p GridParams) []int {
	n := p.Width * p.Height
	wall := make([]bool, n)
	for _, w := range p.Walls {
		if w[0] >= 0 && w[0] < p.Width && w[1] >= 0 && w[1] < p.Height {
			wall[w[1]*p.Width+w[0]] = true
		}
	}
	d := make([]int, n)
	for i := range d {
		d[i] = -1
	}
	g := p.Goal[1]*p.Width + p.Goal[0]
	d[g] = 0
	queue := []int{g}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		x, y := c%p.Width, c/p.Width
		for _, m := range moves {
			nx, ny := x+m[0], y+m[1]
			if nx < 0 || nx >= p.Width || ny < 0 || ny >= p.Height {
				continue
			}
			k := ny*p.Width + nx
			if !wall[k] && d[k] < 0 {
				d[k] = d[c] + 1
				queue = append(queue, k)
			}
		}
	}
	return d
}

type grid struct {
	GridParams
	wall  []bool
	dist  []int
	cell  int
	steps int
}

func (g *grid) Features() int { return g.Width * g.Height }
func (g *grid) Actions() int  { return 4 }
func (g *grid) MaxSteps() int { return g.GridParams.MaxSteps }

func (g *grid) Reset(_ int, _ *rand.Rand, x []float64) {
	g.cell = g.Start[1]*g.Width + g.Start[0]
	g.steps = 0
	clear(x[:g.Features()])
	x[g.cell] = 1
}

// move returns the cell that action a leads to from c.
func (g *grid) move(c, a int) int {
	x, y := c%g.Width+moves[a][0], c/g.Width+moves[a][1]
	if x < 0 || x >= g.Width || y < 0 || y >= g.Height || g.wall[y*g.Width+x] {
		return c
	}
	return y*g.Width + x
}

func (g *grid) Step(a int, rng *rand.Rand, x []float64) Outcome {
	o := Outcome{Regret: math.NaN()}
	if g.dist[g.move(g.cell, a)] < g.dist[g.cell] {
		o.Optimal = 1
	}
	if g.Slip > 0 && rng.Float64() < g.Slip {
		a = rng.IntN(4)
	}
	next := g.move(g.cell, a)
	bumped := next == g.cell
	g.cell = next
	g.steps++
	x = x[:g.Features()]
	clear(x)
	goal := g.Goal[1]*g.Width + g.Goal[0]
	switch {
	case g.cell == goal:
		o.Reward, o.End = g.GoalReward, true
	default:
		o.Reward = g.StepReward
		if bumped {
			o.Reward += g.WallReward
		}
		if g.steps >= g.GridParams.MaxSteps {
			o.End = true
		} else {
			x[g.cell] = 1
		}
	}
	return o
}
