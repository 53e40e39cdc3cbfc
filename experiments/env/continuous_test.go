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
