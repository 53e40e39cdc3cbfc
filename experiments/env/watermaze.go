package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// MazeParams are the keys of the water maze.
//
// A Morris water maze in the convention of Foster, Morris & Dayan (2000),
// on which Vasilaki et al. (2009) and Frémaux et al. (2013) build: a
// circular pool of radius Radius (m) centred at the origin, a hidden
// circular platform, and a swimmer that starts each trial at one of four
// points on the wall (north, east, south, west, drawn per trial) and swims
// at Speed (m/s) in one of Directions headings (action k: angle 2πk/n,
// east first, counter-clockwise) for one step of StepS seconds. A move that
// would leave the pool stops at the wall. Entering the platform pays
// Reward and ends the trial; every other step pays StepReward; a trial
// ends unrewarded after TimeoutS seconds. The observation is the activity
// of a square grid of PlaceCells × PlaceCells place cells spanning the
// pool, Gaussian tuning of width PlaceSigma (m): exp(−d²/2σ²). A move is
// optimal if its heading is one of the headings nearest to the platform's
// bearing.
type MazeParams struct {
	// Radius is the pool's radius (m), in (0, 100].
	Radius float64 `toml:"radius_m" check:"(0,100],unit=m"`
	// Platform is the platform's centre [x, y] (m), inside the pool.
	Platform [2]float64 `toml:"platform"`
	// PlatformRadius is the platform's radius (m), > 0.
	PlatformRadius float64 `toml:"platform_radius_m"`
	// Speed is the swimming speed (m/s), > 0.
	Speed float64 `toml:"speed_m_s" check:"(0,1000],unit=m/s"`
	// StepS is the duration of a step (s); a run steps the maze at
	// critic.step_ms = 1000·step_s.
	StepS float64 `toml:"step_s" check:"(0,10],unit=s"`
	// TimeoutS ends a trial that has not found the platform (s).
	TimeoutS float64 `toml:"timeout_s"`
	// Directions is the number of headings, in [2, 360].
	Directions int `toml:"directions" check:"[2,360]"`
	// PlaceCells is the number of place cells along each side of the
	// square grid that spans the pool, in [1, 100].
	PlaceCells int `toml:"place_cells" check:"[1,100]"`
	// PlaceSigma is the width σ of a place cell's tuning (m), > 0.
	PlaceSigma float64 `toml:"place_sigma_m" check:"(0,100],unit=m"`
	// Encoding is "place" (every place cell's Gaussian activity) or
	// "tiles" (one-hot: only the place cell nearest to the swimmer, 1: the
	// maze discretised into the cells' tiles, for tabular learners).
	Encoding string `toml:"encoding" check:"oneof=place|tiles"`
	// Reward is paid on reaching the platform; StepReward on every other
	// step.
	Reward     float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
	StepReward float64 `toml:"step_reward" check:"finite,[-1e6,1e6]"`
}

// Validate reports a key out of range.
func (p MazeParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case !(p.PlatformRadius > 0 && p.PlatformRadius < p.Radius):
		return bad(fmt.Sprintf("must be in (0, radius_m = %g) m, got %%g", p.Radius), p.PlatformRadius, "platform_radius_m")
	case !finite(p.Platform[0]) || !finite(p.Platform[1]) || math.Hypot(p.Platform[0], p.Platform[1])+p.PlatformRadius > p.Radius:
		return bad(fmt.Sprintf("must lie inside the pool (its edge within radius_m = %g of the centre), got %%v", p.Radius), p.Platform, "platform")
	case !(p.TimeoutS >= p.StepS && p.TimeoutS/p.StepS <= 1e6):
		return bad(fmt.Sprintf("must be at least step_s (%g) and at most 10⁶ steps, got %%g", p.StepS), p.TimeoutS, "timeout_s")
	}
	for _, s := range mazeStarts(p.Radius) {
		if math.Hypot(s[0]-p.Platform[0], s[1]-p.Platform[1]) <= p.PlatformRadius {
			return bad("must not cover a start point (the wall at north, east, south or west), got %v", p.Platform, "platform")
		}
	}
	return nil
}

// StepMs is the duration of one step (ms), at which a run must step the
// maze.
func (p MazeParams) StepMs() float64 { return p.StepS * 1000 }

// StraightLatency is the mean, over the four start points, of the time a
// straight swim takes to the platform's edge (s): the best latency there
// is.
func (p MazeParams) StraightLatency() float64 {
	sum := 0.0
	for _, s := range mazeStarts(p.Radius) {
		sum += (math.Hypot(s[0]-p.Platform[0], s[1]-p.Platform[1]) - p.PlatformRadius) / p.Speed
	}
	return sum / 4
}

// mazeStarts are the four start points, just inside the wall.
func mazeStarts(r float64) [4][2]float64 {
	q := 0.95 * r
	return [4][2]float64{{0, q}, {q, 0}, {0, -q}, {-q, 0}}
}

var mazeDef = Def{
	Name: "water_maze",
	Doc:  "Morris water maze (Foster et al. 2000): circular pool, hidden platform, place-cell input, headings as actions, time-out",
	Defaults: func() Params {
		return MazeParams{Radius: 1, Platform: [2]float64{0.5, 0.5}, PlatformRadius: 0.1, Speed: 0.3, StepS: 0.1, TimeoutS: 120,
			Directions: 8, PlaceCells: 11, PlaceSigma: 0.2, Encoding: "place", Reward: 1}
	},
	New: func(p Params) (Env, error) {
		mp := p.(MazeParams)
		m := &maze{MazeParams: mp, maxSteps: int(math.Ceil(mp.TimeoutS/mp.StepS - 1e-9))}
		n := mp.PlaceCells
		for i := range n * n {
			x, y := -mp.Radius, -mp.Radius
			if n > 1 {
				x += 2 * mp.Radius * float64(i%n) / float64(n-1)
				y += 2 * mp.Radius * float64(i/n) / float64(n-1)
			} else {
				x, y = 0, 0
			}
			m.cells = append(m.cells, [2]float64{x, y})
		}
		return m, nil
	},
	Reported: func(p Params) []Field {
		return []Field{{Name: "straight_latency_s", Value: p.(MazeParams).StraightLatency()}}
	},
	Measures: []Measure{
		{Name: "final_latency_s", Doc: "the median latency (s) of the last 10 trials", Of: func(p Params, steps []int, _ []float64) float64 {
			return medianLatency(steps, p.(MazeParams).StepS, 10)
		}},
		{Name: "final_latency_ratio", Doc: "final_latency_s over straight_latency_s", Of: func(p Params, steps []int, _ []float64) float64 {
			mp := p.(MazeParams)
			return medianLatency(steps, mp.StepS, 10) / mp.StraightLatency()
		}},
		{Name: "trials_to_criterion", Doc: "the first trial (from 1) from which the median latency of 10 trials is within twice a straight swim's (null: never)",
			Of: func(p Params, steps []int, _ []float64) float64 {
				mp := p.(MazeParams)
				for t := 0; t+10 <= len(steps); t++ {
					if medianLatency(steps[:t+10], mp.StepS, 10) <= 2*mp.StraightLatency() {
						return float64(t + 1)
					}
				}
				return math.NaN()
			}},
	},
}

// medianLatency is the median duration of the last n episodes (s).
func medianLatency(steps []int, stepS float64, n int) float64 {
	last := steps[max(0, len(steps)-n):]
	if len(last) == 0 {
		return math.NaN()
	}
	xs := make([]float64, len(last))
	for i, s := range last {
		xs[i] = float64(s) * stepS
	}
	slices.Sort(xs)
	if k := len(xs); k%2 == 1 {
		return xs[k/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}

type maze struct {
	MazeParams
	cells    [][2]float64
	maxSteps int
	x, y     float64
	steps    int
}

func (m *maze) Features() int { return len(m.cells) }
func (m *maze) Actions() int  { return m.Directions }
func (m *maze) MaxSteps() int { return m.maxSteps }

// Position returns the swimmer's position (m).
func (m *maze) Position() (x, y float64) { return m.x, m.y }

func (m *maze) observe(x []float64) {
	k := -1 / (2 * m.PlaceSigma * m.PlaceSigma)
	near, best := 0, math.Inf(1)
	for i, c := range m.cells {
		dx, dy := m.x-c[0], m.y-c[1]
		d2 := dx*dx + dy*dy
		if m.Encoding == "tiles" {
			x[i] = 0
			if d2 < best {
				near, best = i, d2
			}
			continue
		}
		x[i] = math.Exp(k * d2)
	}
	if m.Encoding == "tiles" {
		x[near] = 1
	}
}

func (m *maze) Reset(_ int, rng *rand.Rand, x []float64) {
	s := mazeStarts(m.Radius)[rng.IntN(4)]
	m.x, m.y, m.steps = s[0], s[1], 0
	m.observe(x)
}

func (m *maze) Step(a int, _ *rand.Rand, x []float64) Outcome {
	m.steps++
	n := float64(m.Directions)
	// The best headings: those nearest to the platform's bearing.
	bearing := math.Atan2(m.Platform[1]-m.y, m.Platform[0]-m.x)
	off := func(k int) float64 {
		d := math.Mod(bearing-2*math.Pi*float64(k)/n, 2*math.Pi)
		if d < 0 {
			d += 2 * math.Pi
		}
		return min(d, 2*math.Pi-d)
	}
	best := math.Inf(1)
	for k := range m.Directions {
		best = min(best, off(k))
	}
	o := Outcome{Reward: m.StepReward, Optimal: 0, Regret: math.NaN()}
	if off(a) <= best+1e-12 {
		o.Optimal = 1
	}
	th := 2 * math.Pi * float64(a) / n
	nx, ny := m.x+m.Speed*m.StepS*math.Cos(th), m.y+m.Speed*m.StepS*math.Sin(th)
	if r := math.Hypot(nx, ny); r > m.Radius {
		nx, ny = nx*m.Radius/r, ny*m.Radius/r // stopped by the wall
	}
	m.x, m.y = nx, ny
	switch {
	case math.Hypot(m.x-m.Platform[0], m.y-m.Platform[1]) <= m.PlatformRadius:
		o.Reward, o.End = m.Reward, true
	case m.steps >= m.maxSteps:
		o.End = true
	}
	if o.End {
		clear(x[:len(m.cells)])
	} else {
		m.observe(x)
	}
	return o
}
