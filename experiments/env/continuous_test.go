package env

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The cart-pole's equations conserve its energy and its horizontal
// momentum when no force acts (a sign or a factor wrong in the equations
// breaks both): integrated finely by RK4 from a tilted, moving start, over
// 2 s, each stays within 1e-9 (relative).
func TestCartPolePhysicsConserves(t *testing.T) {
	p := cartPoleDef.Defaults().(CartPoleParams)
	s := CartPoleState{X: 0.1, V: 0.3, Theta: 0.4, Omega: -0.5}
	momentum := func(s CartPoleState) float64 {
		return (p.MassCart+p.MassPole)*s.V + p.MassPole*p.HalfLength*math.Cos(s.Theta)*s.Omega
	}
	deriv := func(s CartPoleState) CartPoleState {
		xa, ta := p.Accel(s, 0)
		return CartPoleState{X: s.V, V: xa, Theta: s.Omega, Omega: ta}
	}
	add := func(s, d CartPoleState, h float64) CartPoleState {
		return CartPoleState{s.X + h*d.X, s.V + h*d.V, s.Theta + h*d.Theta, s.Omega + h*d.Omega}
	}
	e0, p0 := p.Energy(s), momentum(s)
	const h = 1e-4
	for range 20000 {
		k1 := deriv(s)
		k2 := deriv(add(s, k1, h/2))
		k3 := deriv(add(s, k2, h/2))
		k4 := deriv(add(s, k3, h))
		s = CartPoleState{
			s.X + h/6*(k1.X+2*k2.X+2*k3.X+k4.X), s.V + h/6*(k1.V+2*k2.V+2*k3.V+k4.V),
			s.Theta + h/6*(k1.Theta+2*k2.Theta+2*k3.Theta+k4.Theta), s.Omega + h/6*(k1.Omega+2*k2.Omega+2*k3.Omega+k4.Omega)}
	}
	if math.Abs(s.Theta-0.4) < 0.1 {
		t.Fatalf("the pole hardly moved in 2 s (θ = %g): the test tests nothing", s.Theta)
	}
	if d := math.Abs(p.Energy(s)-e0) / math.Abs(e0); d > 1e-9 {
		t.Errorf("energy drifted by %g (relative): %g → %g", d, e0, p.Energy(s))
	}
	if d := math.Abs(momentum(s)-p0) / math.Abs(p0); d > 1e-9 {
		t.Errorf("momentum drifted by %g (relative): %g → %g", d, p0, momentum(s))
	}
}

// One Euler step from rest under +10 N, worked by hand with Gym's
// constants: a = 10/1.1, θ̈ = −a/(0.5·(4/3 − 0.1/1.1)) = −14.6341, ẍ =
// a − 0.05·θ̈/1.1 = 9.75610; after τ = 0.02 s only the velocities move.
func TestCartPoleStepByHand(t *testing.T) {
	e := mustNew(t, "cartpole", func(p Params) Params { q := p.(CartPoleParams); q.StartNoise = 0; return q })
	c := e.(*cartPole)
	x := make([]float64, e.Features())
	e.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	if o := e.Step(1, nil, x); o.End || o.Reward != 0 {
		t.Fatalf("first step: %+v", o)
	}
	s := c.State()
	if s.X != 0 || s.Theta != 0 || math.Abs(s.V-0.02*9.75610) > 1e-6 || math.Abs(s.Omega-0.02*-14.6341) > 1e-5 {
		t.Errorf("after one step: %+v, want v = %g, ω = %g", s, 0.02*9.75610, 0.02*-14.6341)
	}
	// Pushing one way only, the pole falls the other way: failure, −1,
	// within the 12° bound's few dozen steps.
	for k := 0; ; k++ {
		o := e.Step(1, nil, x)
		if o.End {
			if o.Reward != -1 || k > 100 {
				t.Errorf("failed after %d steps with reward %g", k+2, o.Reward)
			}
			break
		}
	}
	// The boxes: one-hot, Barto's 162.
	e.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	n := 0
	for _, v := range x {
		if v != 0 {
			n++
		}
	}
	if n != 1 || box(CartPoleState{}) != box(CartPoleState{Theta: 1e-9}) && box(CartPoleState{}) == box(CartPoleState{Theta: 2 * math.Pi / 180}) {
		t.Errorf("features: %d set", n)
	}
	seen := map[int]bool{}
	deg := math.Pi / 180
	for _, xx := range []float64{-1, 0, 1} {
		for _, v := range []float64{-1, 0, 1} {
			for _, th := range []float64{-7 * deg, -3 * deg, -0.5 * deg, 0.5 * deg, 3 * deg, 7 * deg} {
				for _, w := range []float64{-1, 0, 1} {
					seen[box(CartPoleState{xx, v, th, w})] = true
				}
			}
		}
	}
	if len(seen) != 162 {
		t.Errorf("%d distinct boxes, want 162", len(seen))
	}
}

// The water maze: a swim straight at the platform from each start reaches
// it in the steps the geometry says and is paid; the wall stops a swimmer;
// the heading nearest to the platform's bearing is the optimal one; a
// place cell's activity is its Gaussian of the distance.
func TestWaterMaze(t *testing.T) {
	e := mustNew(t, "water_maze", func(p Params) Params { q := p.(MazeParams); q.Directions = 360; return q })
	m := e.(*maze)
	p := m.MazeParams
	x := make([]float64, e.Features())
	rng := rand.New(rand.NewPCG(2, 2))
	starts := map[[2]float64]bool{}
	for ep := range 40 {
		e.Reset(ep, rng, x)
		sx, sy := m.Position()
		starts[[2]float64{math.Round(sx*100) / 100, math.Round(sy*100) / 100}] = true
		want := int(math.Ceil((math.Hypot(p.Platform[0]-sx, p.Platform[1]-sy) - p.PlatformRadius) / (p.Speed * p.StepS)))
		for k := 1; ; k++ {
			px, py := m.Position()
			deg := math.Atan2(p.Platform[1]-py, p.Platform[0]-px) * 180 / math.Pi
			a := (int(math.Round(deg)) + 360) % 360
			o := e.Step(a, rng, x)
			if o.Optimal != 1 {
				t.Fatalf("heading %d° toward the platform not judged optimal", a)
			}
			if o.End {
				if o.Reward != 1 || k < want-1 || k > want+1 {
					t.Errorf("start (%.2f, %.2f): reached after %d steps with reward %g; a straight swim takes %d", sx, sy, k, o.Reward, want)
				}
				break
			}
		}
	}
	if len(starts) != 4 {
		t.Errorf("%d start points in 40 trials, want the 4", len(starts))
	}
	// The wall: swimming east from the east start stays inside.
	for {
		e.Reset(0, rng, x)
		if sx, _ := m.Position(); sx > 0.5 {
			break
		}
	}
	for range 5 {
		e.Step(0, rng, x)
		if px, py := m.Position(); math.Hypot(px, py) > p.Radius+1e-12 {
			t.Fatalf("left the pool: (%g, %g)", px, py)
		}
	}
	if o := e.Step(180, rng, x); o.Optimal != 0 {
		t.Errorf("swimming away from the platform judged optimal")
	}
	px, py := m.Position()
	for i, c := range m.cells {
		d2 := (px-c[0])*(px-c[0]) + (py-c[1])*(py-c[1])
		if want := math.Exp(-d2 / (2 * p.PlaceSigma * p.PlaceSigma)); math.Abs(x[i]-want) > 1e-15 {
			t.Fatalf("place cell %d: %g, want %g", i, x[i], want)
		}
	}
	if l := p.StraightLatency(); !(l > 0 && l < p.TimeoutS) {
		t.Errorf("straight latency %g s", l)
	}
}

// The run measures: the maze's median latency of the last 10 trials, the
// cart-pole's balanced fraction and first balanced trial.
func TestMeasures(t *testing.T) {
	steps := []int{1200, 900, 50, 40, 30, 20, 10, 12, 14, 16, 18, 22, 1200}
	if got := mazeDef.Measures[0].Of(mazeDef.Defaults(), steps, nil); math.Abs(got-1.9) > 1e-12 {
		t.Errorf("final latency %g s, want 1.9 (the last 10: median of 18 and 20 steps of 0.1 s)", got)
	}
	mp := mazeDef.Defaults().(MazeParams)
	// Seven trials at 3× a straight swim's latency, then thirteen at 1×.
	fast, slow := int(math.Round(mp.StraightLatency()/mp.StepS)), int(math.Round(3*mp.StraightLatency()/mp.StepS))
	var lat []int
	for i := range 20 {
		if i < 7 {
			lat = append(lat, slow)
		} else {
			lat = append(lat, fast)
		}
	}
	// The window of 10 from trial t holds 8−t slow ones: from t = 3 half
	// are slow, and the median, (1× + 3×)/2, is within 2×.
	if got := mazeDef.Measures[2].Of(mp, lat, nil); got != 3 {
		t.Errorf("trials to criterion %g, want 3", got)
	}
	if got := mazeDef.Measures[2].Of(mp, lat[:7], nil); !math.IsNaN(got) {
		t.Errorf("trials to criterion %g on 7 slow trials, want NaN", got)
	}
	cp := cartPoleDef.Defaults().(CartPoleParams)
	cp.MaxSteps = 100
	bal := []int{5, 100, 7, 100, 100, 100, 100, 100, 100, 100, 100, 99}
	if got := cartPoleDef.Measures[0].Of(cp, bal, nil); math.Abs(got-0.8) > 1e-12 {
		t.Errorf("balanced fraction %g, want 0.8", got)
	}
	if got := cartPoleDef.Measures[1].Of(cp, bal, nil); got != 2 {
		t.Errorf("trials to balance %g, want 2", got)
	}
	if got := cartPoleDef.Measures[1].Of(cp, []int{3, 4}, nil); !math.IsNaN(got) {
		t.Errorf("trials to balance %g without a balanced trial, want NaN", got)
	}
}

// The cart-pole's place cells (encoding "place"): cell ((i_x·n_v +
// i_v)·n_θ + i_θ)·n_ω + i_ω carries the product of the four Gaussians of
// the state's distance to its centre, the centres spread evenly over
// ±x_limit, ±place_v_m_s, ±theta_limit_deg and ±place_omega_deg_s, each σ
// place_sigma grid spacings (checked here against that formula written
// out for one state); the cell at the state's centre carries 1; a failure
// clears them all.
func TestCartPolePlaceCells(t *testing.T) {
	e := mustNew(t, "cartpole", func(p Params) Params {
		q := p.(CartPoleParams)
		q.Encoding, q.PlaceX, q.PlaceV, q.PlaceTheta, q.PlaceOmega, q.PlaceSigma = "place", 3, 2, 5, 4, 0.7
		return q
	})
	c := e.(*cartPole)
	if e.Features() != 3*2*5*4 {
		t.Fatalf("%d features, want %d", e.Features(), 3*2*5*4)
	}
	deg := math.Pi / 180
	x := make([]float64, e.Features())
	for _, s := range []CartPoleState{{0.3, -0.2, 2 * deg, 10 * deg}, {-1.9, 0.8, -7 * deg, -60 * deg}, {2.4, 1, 12 * deg, 100 * deg}} {
		c.s = s
		c.observe(x)
		// Centres: x −2.4, 0, 2.4; ẋ −1, 1; θ −12°, −6°, 0, 6°, 12°; θ̇
		// −100, −33.3, 33.3, 100 °/s.
		g := func(v, lo, hi float64, n, i int) float64 {
			sp := (hi - lo) / float64(n-1)
			z := (v - (lo + sp*float64(i))) / (0.7 * sp)
			return math.Exp(-z * z / 2)
		}
		k, best, bestK := 0, -1.0, -1
		for ix := range 3 {
			for iv := range 2 {
				for it := range 5 {
					for io := range 4 {
						want := g(s.X, -2.4, 2.4, 3, ix) * g(s.V, -1, 1, 2, iv) * g(s.Theta, -12*deg, 12*deg, 5, it) * g(s.Omega, -100*deg, 100*deg, 4, io)
						if math.Abs(x[k]-want) > 1e-12 {
							t.Fatalf("state %+v: cell %d (%d, %d, %d, %d) = %g, want %g", s, k, ix, iv, it, io, x[k], want)
						}
						if x[k] > best {
							best, bestK = x[k], k
						}
						k++
					}
				}
			}
		}
		if s.X == 2.4 && (best != 1 || bestK != ((2*2+1)*5+4)*4+3) {
			t.Errorf("at the last centre: cell %d carries %g, want cell %d carrying 1", bestK, best, ((2*2+1)*5+4)*4+3)
		}
	}
	rng := rand.New(rand.NewPCG(2, 2))
	if n := testing.AllocsPerRun(100, func() {
		if e.Step(rng.IntN(2), rng, x).End {
			e.Reset(0, rng, x)
		}
	}); n != 0 {
		t.Errorf("a step with place cells allocates %g times", n)
	}
	c.s = CartPoleState{Theta: 11.9 * deg, Omega: 5}
	if o := e.Step(0, nil, x); !o.End || o.Reward != -1 {
		t.Fatalf("falling: %+v", o)
	}
	for k, v := range x {
		if v != 0 {
			t.Fatalf("after a failure, cell %d = %g", k, v)
		}
	}
}

// force_levels = N: action k pushes with −F + 2F·k/(N−1): with 5 levels,
// action 2 leaves the upright cart-pole at rest exactly, action 3 moves it
// as a force of F/2 does, and action 4 as action 1 of the two pushes.
func TestCartPoleForceLevels(t *testing.T) {
	five := mustNew(t, "cartpole", func(p Params) Params {
		q := p.(CartPoleParams)
		q.StartNoise, q.ForceLevels = 0, 5
		return q
	})
	two := mustNew(t, "cartpole", func(p Params) Params { q := p.(CartPoleParams); q.StartNoise = 0; return q })
	if five.Actions() != 5 || two.Actions() != 2 {
		t.Fatalf("actions: %d and %d, want 5 and 2", five.Actions(), two.Actions())
	}
	x := make([]float64, 162)
	c := five.(*cartPole)
	five.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	five.Step(2, nil, x)
	if c.State() != (CartPoleState{}) {
		t.Fatalf("zero force moved the cart-pole at rest: %+v", c.State())
	}
	five.Step(3, nil, x)
	xa, ta := c.Accel(CartPoleState{}, 5)
	if s := c.State(); s.V != 0.02*xa || s.Omega != 0.02*ta || xa <= 0 {
		t.Fatalf("action 3 of 5: %+v, want ẋ = %g, θ̇ = %g (5 N)", s, 0.02*xa, 0.02*ta)
	}
	five.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	two.Reset(0, rand.New(rand.NewPCG(1, 1)), x)
	for range 20 {
		five.Step(4, nil, x)
		two.Step(1, nil, x)
	}
	if a, b := c.State(), two.(*cartPole).State(); a != b {
		t.Fatalf("action 4 of 5 pushes as action 1 of 2 does: %+v against %+v", a, b)
	}
}
