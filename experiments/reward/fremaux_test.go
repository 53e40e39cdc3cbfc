package reward

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/race"
)

// defaultFremaux is the agent's defaults with their circuit read.
func defaultFremaux(t testing.TB) FremauxParams {
	t.Helper()
	p := FremauxParams{}.Defaults()
	if err := p.read(""); err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestFremaux builds the fremaux agent for the default water maze.
func newTestFremaux(t *testing.T, p FremauxParams, seed uint64) (*fremaux, env.Env) {
	t.Helper()
	d, _ := env.Lookup("water_maze")
	e, err := d.New(d.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	ag, err := newFremaux(p, Setup{Features: e.Features(), Actions: e.Actions(), Rng: rand.New(rand.NewPCG(seed, 2)), StepMs: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ag.(*fremaux), e
}

// The agent's δ is Doya's continuous TD error of its own V: V recomputed
// here from the critic's spikes by convolving them with κ, and δ
// integrated over windows equal to ∫(r − V/τ_r)dt + ΔV (the derivative
// term integrates to the change of V), along a fixed swim with learning on.
func TestFremauxDeltaIsContinuousTD(t *testing.T) {
	a, e := newTestFremaux(t, defaultFremaux(t), 7)
	p := a.mod.ContinuousTDParams
	var vs, vdots, deltas []float64
	var counts []int
	a.trace = func(v, vdot, delta, r float64) {
		vs = append(vs, v)
		vdots = append(vdots, vdot)
		deltas = append(deltas, delta)
		counts = append(counts, len(a.critic.Spikes()))
		if r != 0 {
			t.Fatalf("a reward rate %g while swimming", r)
		}
	}
	x, y := make([]float64, e.Features()), make([]float64, e.Features())
	erng := rand.New(rand.NewPCG(7, 1))
	e.Reset(0, erng, x)
	a.Begin()
	for range 30 { // 3 s of a swim that turns every step
		act := a.Act(x, erng)
		o := e.Step(act, erng, y)
		if o.End {
			t.Fatal("the swim ended early: choose another seed")
		}
		a.Learn(x, act, o.Reward, y, o.End, 0)
		x, y = y, x
	}
	dt := a.dtMs / 1000
	tk, nk := p.TauKappaMs/1000, p.NuKappaMs/1000
	kappa := func(s float64) float64 { return (math.Exp(-s/tk) - math.Exp(-s/nk)) / (tk - nk) }
	dkappa := func(s float64) float64 { return (-math.Exp(-s/tk)/tk + math.Exp(-s/nk)/nk) / (tk - nk) }
	spikes := 0
	scaleV := p.Nu / float64(a.critic.Len())
	for n := range vs {
		v, vdot := 0.0, 0.0
		for m := 0; m <= n; m++ {
			if counts[m] > 0 {
				v += float64(counts[m]) * kappa(float64(n-m)*dt)
				vdot += float64(counts[m]) * dkappa(float64(n-m)*dt)
			}
		}
		v, vdot = scaleV*v+p.V0, scaleV*vdot
		if math.Abs(v-vs[n]) > 1e-9*(1+math.Abs(v)) {
			t.Fatalf("step %d: V = %g, but the critic's spikes filtered by κ give %g", n, vs[n], v)
		}
		if math.Abs(vdot-vdots[n]) > 1e-9*(1+math.Abs(vdot)) {
			t.Fatalf("step %d: dV/dt = %g, but the critic's spikes filtered by κ′ give %g", n, vdots[n], vdot)
		}
		if want := -v/p.TauRS + vdot; math.Abs(deltas[n]-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("step %d: δ = %g, r − V/τ_r + dV/dt = %g", n, deltas[n], want)
		}
		spikes += counts[n]
	}
	if spikes < 100 {
		t.Fatalf("only %d critic spikes in 3 s: the test would show nothing", spikes)
	}
	// Windows of 50 ms: Σ δ·dt against −Σ V·dt/τ_r + V(end) − V(start).
	const w = 50
	worst, scale := 0.0, 0.0
	for s := 0; s+w < len(vs); s += w {
		// δ_n and V_n are taken at t_n, after the spikes of step n: left
		// sums over [t_s, t_{s+w}). The left sum of dV/dt differs from ΔV
		// by about dt/2 times the jumps of dV/dt at the spikes
		// (ν/(N·τ_κ·ν_κ) each) less its smooth change: the bound allows dt
		// times the jumps.
		lhs, decay, abs, jumps := 0.0, 0.0, 0.0, 0.0
		for n := s; n < s+w; n++ {
			lhs += deltas[n] * dt
			decay += vs[n] * dt / p.TauRS
			abs += math.Abs(vdots[n]) * dt
			jumps += float64(counts[n]) * scaleV / (tk * nk)
		}
		rhs := -decay + vs[s+w] - vs[s]
		worst = max(worst, math.Abs(lhs-rhs))
		scale = max(scale, abs)
		if d := math.Abs(lhs - rhs); d > dt*jumps+0.01*abs+1e-9 {
			t.Errorf("window at step %d: ∫δ dt = %.6g, ∫(r − V/τ_r)dt + ΔV = %.6g (|∫dV/dt| %.3g)", s, lhs, rhs, abs)
		}
	}
	t.Logf("largest |∫δ − (∫(r − V/τ_r) + ΔV)| over 50-ms windows: %.3g (largest ∫|dV/dt|: %.3g)", worst, scale)
}

// Steps allocate nothing.
func TestFremauxStepAllocatesNothing(t *testing.T) {
	a, e := newTestFremaux(t, defaultFremaux(t), 3)
	x, y := make([]float64, e.Features()), make([]float64, e.Features())
	rng := rand.New(rand.NewPCG(3, 1))
	e.Reset(0, rng, x)
	a.Begin()
	allocs := testing.AllocsPerRun(5, func() {
		act := a.Act(x, rng)
		o := e.Step(act, rng, y)
		a.Learn(x, act, 1, y, false, 0)
		if o.End {
			e.Reset(0, rng, x)
			a.Begin()
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per step", allocs)
	}
}

// BenchmarkFremauxStep times one 100-ms step of the maze (Act, the maze's
// step, Learn) with learning on; sim_s/s is simulated seconds per second
// (docs/results.md compares it with docs/reference/water_maze_numpy.py).
func BenchmarkFremauxStep(b *testing.B) {
	d, _ := env.Lookup("water_maze")
	e, err := d.New(d.Defaults())
	if err != nil {
		b.Fatal(err)
	}
	ag, err := newFremaux(defaultFremaux(b), Setup{Features: e.Features(), Actions: e.Actions(), Rng: rand.New(rand.NewPCG(1, 2)), StepMs: 100})
	if err != nil {
		b.Fatal(err)
	}
	benchSteps(b, ag, e, 0.1)
}

// benchSteps times b.N environment steps of stepS seconds each (Act, the
// environment's step, Learn; a trial restarted when it ends) and reports
// simulated seconds per second.
func benchSteps(b *testing.B, ag Agent, e env.Env, stepS float64) {
	x, y := make([]float64, e.Features()), make([]float64, e.Features())
	rng := rand.New(rand.NewPCG(1, 1))
	e.Reset(0, rng, x)
	ag.Begin()
	b.ResetTimer()
	for range b.N {
		act := ag.Act(x, rng)
		o := e.Step(act, rng, y)
		ag.Learn(x, act, o.Reward, y, o.End, 0)
		x, y = y, x
		if o.End {
			e.Reset(0, rng, x)
			ag.Begin()
		}
	}
	b.ReportMetric(stepS*float64(b.N)/b.Elapsed().Seconds(), "sim_s/s")
}

// The agent learns a small maze: over 3 seeds, the median latency of the
// last 4 of 24 trials is below 3/4 of that of the first 4, and in every
// seed the critic's value map is higher at the platform than at each of
// the four start points (a pool of radius 0.5 m, a platform of radius
// 0.12 m at (0.2, 0.2), a time-out of 8 s, 25 place cells; the default
// network). Not under
// -race: it simulates up to 10 minutes of the network.
func TestFremauxLearnsSmallMaze(t *testing.T) {
	if race.Enabled {
		t.Skip("several simulated minutes: too slow under -race")
	}
	d, _ := env.Lookup("water_maze")
	mp := d.Defaults().(env.MazeParams)
	mp.Radius, mp.Platform, mp.PlatformRadius, mp.TimeoutS, mp.PlaceCells, mp.PlaceSigma = 0.5, [2]float64{0.2, 0.2}, 0.12, 8, 5, 0.25
	if err := mp.Validate(); err != nil {
		t.Fatal(err)
	}
	// The circuit's place cells must match the 25 of this maze.
	src, _ := circuits.Builtin("fremaux_maze")
	spec, err := circuits.Parse("fremaux_maze.toml", bytes.Replace(src, []byte("size = 121"), []byte("size = 25"), 1))
	if err != nil {
		t.Fatal(err)
	}
	p := FremauxParams{CircuitAgent: CircuitAgent{Circuit: "fremaux_maze", spec: spec, file: "fremaux_maze (25 place cells)"}}
	const trials, seeds, k = 24, 3, 4
	var first, last []float64
	for seed := range uint64(seeds) {
		e, err := d.New(mp)
		if err != nil {
			t.Fatal(err)
		}
		ag, err := newFremaux(p, Setup{Features: e.Features(), Actions: e.Actions(), Rng: rand.New(rand.NewPCG(seed, 2)), StepMs: 100})
		if err != nil {
			t.Fatal(err)
		}
		x, y := make([]float64, e.Features()), make([]float64, e.Features())
		rng := rand.New(rand.NewPCG(seed, 1))
		for trial := range trials {
			e.Reset(trial, rng, x)
			ag.Begin()
			n := 0 // the trial's steps
			for n = 1; n <= e.MaxSteps(); n++ {
				act := ag.Act(x, rng)
				o := e.Step(act, rng, y)
				ag.Learn(x, act, o.Reward, y, o.End, 0)
				x, y = y, x
				if o.End {
					break
				}
			}
			lat := float64(min(n, e.MaxSteps())) * mp.StepS
			if trial < k {
				first = append(first, lat)
			} else if trial >= trials-k {
				last = append(last, lat)
			}
		}
		// The value map peaks at the platform, not at a start.
		at := e.(interface {
			ObserveAt(px, py float64, x []float64)
		})
		at.ObserveAt(mp.Platform[0], mp.Platform[1], x)
		vp := ag.(*fremaux).MapValue(x)
		r := 0.95 * mp.Radius
		for _, s := range [][2]float64{{0, r}, {r, 0}, {0, -r}, {-r, 0}} {
			at.ObserveAt(s[0], s[1], x)
			if v := ag.(*fremaux).MapValue(x); !(v < vp) {
				t.Errorf("seed %d: V = %.3g at the start (%g, %g), not below V = %.3g at the platform", seed, v, s[0], s[1], vp)
			}
		}
	}
	m0, m1 := median(first), median(last)
	t.Logf("median latency, first %d trials %.1f s, last %d %.1f s (straight swim %.1f s)", k, m0, k, m1, mp.StraightLatency())
	if !(m1 < 0.75*m0) {
		t.Fatalf("no learning: median latency %.1f s in the first %d trials, %.1f s in the last %d", m0, k, m1, k)
	}
}

// StepCritic is the agent's own δ over the environment step, ∫δ dt, plus
// the pulse r − V of a rewarded end, and V at the step's end.
func TestFremauxStepCriticIsItsOwn(t *testing.T) {
	a, e := newTestFremaux(t, defaultFremaux(t), 5)
	sum := 0.0
	a.trace = func(_, _, delta, _ float64) { sum += delta * a.dtMs / 1000 }
	x, y := make([]float64, e.Features()), make([]float64, e.Features())
	rng := rand.New(rand.NewPCG(5, 1))
	e.Reset(0, rng, x)
	a.Begin()
	for k := range 5 {
		sum = 0
		act := a.Act(x, rng)
		e.Step(act, rng, y)
		v := a.mod.V
		r, end := 0.0, k == 4
		if end {
			r = 1
		}
		a.Learn(x, act, r, y, end, 0)
		want := sum
		if end {
			want += r - v
		}
		d, gotV := a.StepCritic()
		if math.Abs(d-want) > 1e-12 || gotV != v || sum == 0 {
			t.Fatalf("step %d: StepCritic = (%g, %g), want (%g, %g) (∫δ dt %g)", k, d, gotV, want, v, sum)
		}
		x, y = y, x
	}
}

// The agent runs only circuits of the shape it knows, and says which part
// is missing at its key circuit.
func TestFremauxRefusesOtherCircuits(t *testing.T) {
	src, _ := circuits.Builtin("fremaux_maze")
	for _, c := range []struct {
		name, want string
		edit       func(s *circuits.Spec)
	}{
		{"no critic", "[modulator] of kind continuous_td", func(s *circuits.Spec) {
			s.Modulator = circuits.Spec{}.Defaults().Modulator
			for i := range s.Projections {
				s.Projections[i].Learn, s.Projections[i].TDLTP = "", circuits.ProjectionSpec{}.Defaults().TDLTP
			}
		}},
		{"critic and actor as one", "two populations", func(s *circuits.Spec) { s.Readout.Population = "critic" }},
		{"actor's PSP unlike the critic's", "share tau_m_ms", func(s *circuits.Spec) { s.Populations[2].Escape.TauMMs = 30 }},
		{"no TD-LTP onto the actor", "projection \"place_actor\" is not one", func(s *circuits.Spec) { s.Projections[1].To = "critic" }},
	} {
		s, err := circuits.Parse("fremaux_maze.toml", src)
		if err != nil {
			t.Fatal(err)
		}
		c.edit(s)
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: the edit makes an invalid circuit: %v", c.name, err)
		}
		p := FremauxParams{CircuitAgent: CircuitAgent{Circuit: "x", spec: s, file: "x.toml"}}
		if err := p.check(121, 8, 1, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	p := defaultFremaux(t)
	if err := p.check(25, 8, 1, 1); err == nil || !strings.Contains(err.Error(), "number 121, the environment has 25 features") {
		t.Errorf("121 place cells for 25 features: got %v", err)
	}
}
