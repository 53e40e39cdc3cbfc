package reward

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/race"
)

// cartPoleFremaux builds the fremaux agent of circuits/fremaux_cartpole.toml
// on the default cart-pole, settling settleMs at the start of a trial.
func cartPoleFremaux(t *testing.T, settleMs float64, seed uint64) (*fremaux, env.Env) {
	t.Helper()
	p := FremauxParams{CircuitAgent: CircuitAgent{Circuit: "fremaux_cartpole"}, SettleMs: settleMs, Readout: "heading"}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.read(""); err != nil {
		t.Fatal(err)
	}
	d, _ := env.Lookup("cartpole")
	e, err := d.New(d.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	ag, err := newFremaux(p, Setup{Features: e.Features(), Actions: e.Actions(), Rng: rand.New(rand.NewPCG(seed, 2)), StepMs: 20})
	if err != nil {
		t.Fatal(err)
	}
	return ag.(*fremaux), e
}

// settle_ms runs the network before the first step of a trial without
// learning: no weight moves and no δ is taken while it settles, and V
// starts the trial near the value of the first state instead of at rest
// (v0), where it starts without it.
func TestFremauxSettles(t *testing.T) {
	for _, settle := range []float64{0, 500} {
		a, e := cartPoleFremaux(t, settle, 3)
		x := make([]float64, e.Features())
		e.Reset(0, rand.New(rand.NewPCG(3, 1)), x)
		w0 := [2][]float64{slices.Clone(a.links[0].W), slices.Clone(a.links[1].W)}
		a.Begin()
		// Settling alone changes no weight and gathers no δ.
		a.frozen = true
		for range a.settle {
			a.step(x, 0)
		}
		a.frozen = false
		a.flush()
		for k := range a.links {
			if !slices.Equal(a.links[k].W, w0[k]) {
				t.Fatalf("settle_ms = %g: projection %d's weights moved while settling", settle, k)
			}
		}
		if a.chunk.S != 0 || a.stepDelta != 0 {
			t.Fatalf("settle_ms = %g: δ gathered while settling (chunk of %d steps, ∫δ = %g)", settle, a.chunk.S, a.stepDelta)
		}
		// Through Act: the settling steps are not traced (no δ), and V
		// at the first traced step has risen from rest only with settling.
		a.Begin()
		var n int
		first := 0.0
		a.trace = func(v, _, _, _ float64) {
			if n == 0 {
				first = v
			}
			n++
		}
		a.Act(x, rand.New(rand.NewPCG(3, 3)))
		if n != a.steps {
			t.Fatalf("settle_ms = %g: %d steps traced in the first Act, want %d", settle, n, a.steps)
		}
		v0 := a.mod.V0
		if risen := first - v0; (settle > 0) != (risen > 0.2) {
			t.Fatalf("settle_ms = %g: V = %.3f at the first step, v0 = %g", settle, first, v0)
		}
	}
}

// The spiking actor-critic learns the cart-pole: over 60 trials on 2
// seeds, each seed's last 15 trials last on average at least twice as
// long as random pushes' trials on the same cart-pole and at least twice
// its own first 15. Not under -race: it simulates several minutes of the
// network.
func TestFremauxLearnsTheCartPole(t *testing.T) {
	if race.Enabled {
		t.Skip("several simulated minutes: too slow under -race")
	}
	const trials, k = 60, 15
	mean := func(s []int) float64 {
		sum := 0
		for _, v := range s {
			sum += v
		}
		return float64(sum) / float64(len(s))
	}
	for seed := range uint64(2) {
		a, e := cartPoleFremaux(t, 500, seed)
		x, y := make([]float64, e.Features()), make([]float64, e.Features())
		rng := rand.New(rand.NewPCG(seed, 1))
		var steps, random []int
		for trial := range trials {
			e.Reset(trial, rng, x)
			a.Begin()
			for n := 1; ; n++ {
				act := a.Act(x, rng)
				o := e.Step(act, rng, y)
				a.Learn(x, act, o.Reward, y, o.End, 0)
				x, y = y, x
				if o.End {
					steps = append(steps, n)
					break
				}
			}
		}
		for trial := range trials {
			e.Reset(trial, rng, x)
			for n := 1; ; n++ {
				if e.Step(rng.IntN(2), rng, x).End {
					random = append(random, n)
					break
				}
			}
		}
		first, last, r := mean(steps[:k]), mean(steps[trials-k:]), mean(random)
		t.Logf("seed %d: mean trial %.1f steps in the first %d trials, %.1f in the last %d; random %.1f", seed, first, k, last, k, r)
		if !(last >= 2*r && last >= 2*first) {
			t.Fatalf("seed %d: the last %d trials last %.1f steps on average: not 2× random's %.1f and its own first %.1f", seed, k, last, r, first)
		}
	}
}

// readout = "force": the action is the level nearest to the spike-weighted
// mean of the actor neurons' preferred levels −cos θ_k; with two actions
// it chooses as the heading readout does.
func TestFremauxForceReadout(t *testing.T) {
	for _, c := range []struct {
		f    float64
		n    int
		want int
	}{{-1, 21, 0}, {1, 21, 20}, {0, 21, 10}, {0.049, 21, 10}, {0.051, 21, 11}, {-0.2, 2, 0}, {0.2, 2, 1}, {-1, 5, 0}, {0.6, 5, 3}} {
		if got := forceLevel(c.f, c.n); got != c.want {
			t.Errorf("forceLevel(%g, %d) = %d, want %d", c.f, c.n, got, c.want)
		}
	}
	a, _ := cartPoleFremaux(t, 0, 1)
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 200 {
		// A bump of spikes somewhere on the ring, and some noise.
		clear(a.counts)
		centre := rng.IntN(len(a.counts))
		for k := range a.counts {
			d := min((k-centre+len(a.counts))%len(a.counts), (centre-k+len(a.counts))%len(a.counts))
			if d < 10 {
				a.counts[k] = float64(rng.IntN(3))
			} else if rng.IntN(20) == 0 {
				a.counts[k] = 1
			}
		}
		a.counts[centre]++
		a.actions, a.Readout = 2, "heading"
		h := a.choose(rng)
		a.Readout = "force"
		if f := a.choose(rng); f != h {
			t.Fatalf("trial %d: 2 actions, the force readout chose %d, the heading readout %d", trial, f, h)
		}
		a.actions = 21
		mean, n := 0.0, 0.0
		for k, c := range a.counts {
			mean -= c * math.Cos(2*math.Pi*float64(k)/float64(len(a.counts)))
			n += c
		}
		if got, want := a.choose(rng), int(math.Round((mean/n+1)*10)); got != want {
			t.Fatalf("trial %d: 21 levels, chose %d, want %d (mean preferred level %g)", trial, got, want, mean/n)
		}
	}
}

// anneal_s: every trial's TD-LTP runs at η/(1 + T/anneal_s), T the
// simulated time of the trials before it; without it η stays.
func TestFremauxAnneals(t *testing.T) {
	for _, anneal := range []float64{0, 0.5} {
		a, e := cartPoleFremaux(t, 100, 5)
		a.AnnealS = anneal
		eta := [2]float64{a.links[0].Eta, a.links[1].Eta}
		rng := rand.New(rand.NewPCG(5, 1))
		x := make([]float64, e.Features())
		steps := 0
		for trial := range 3 {
			e.Reset(trial, rng, x)
			a.Begin()
			for {
				steps++
				o := e.Step(a.Act(x, rng), rng, x)
				a.Learn(nil, 0, o.Reward, x, o.End, 0)
				if o.End {
					break
				}
			}
		}
		a.Begin()
		lived := float64(steps) * 0.02
		for k, l := range a.links {
			want := eta[k]
			if anneal > 0 {
				want = eta[k] / (1 + lived/anneal)
			}
			if math.Abs(l.Eta-want) > 1e-12*want || want <= 0 {
				t.Fatalf("anneal_s = %g: projection %d's η = %g after %d steps (%g s), want %g", anneal, k, l.Eta, steps, lived, want)
			}
		}
	}
}

// BenchmarkFremauxCartPoleStep times one 20-ms step of the cart-pole with
// the 1225 place cells of docs/reference/fremaux_cartpole_place5.toml
// (Act, the cart-pole's step, Learn; learning on; a trial restarted from
// rest when it ends, settling aside); sim_s/s is simulated seconds per
// second.
func BenchmarkFremauxCartPoleStep(b *testing.B) {
	d, _ := env.Lookup("cartpole")
	cp := d.Defaults().(env.CartPoleParams)
	cp.Encoding, cp.ForceLevels, cp.PlaceX, cp.PlaceV = "place", 21, 5, 5
	e, err := d.New(cp)
	if err != nil {
		b.Fatal(err)
	}
	p := FremauxParams{CircuitAgent: CircuitAgent{Circuit: "../../docs/reference/fremaux_cartpole_place5.toml"}, Readout: "force"}
	if err := p.read(""); err != nil {
		b.Fatal(err)
	}
	ag, err := newFremaux(p, Setup{Features: e.Features(), Actions: e.Actions(), Rng: rand.New(rand.NewPCG(1, 2)), StepMs: 20})
	if err != nil {
		b.Fatal(err)
	}
	benchSteps(b, ag, e, 0.02)
}
