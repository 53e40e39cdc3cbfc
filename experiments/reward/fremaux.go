package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// FremauxParams are the keys of the fremaux agent: the spiking
// actor-critic of Frémaux, Sprekeler & Gerstner (2013) in continuous time,
// declared whole in its circuit file (circuits/fremaux_maze.toml).
//
// The circuit has an input population of Poisson place cells (one per
// feature of the observation, firing at rate_hz_per_unit·x_j), a critic
// and an actor of escape-noise neurons (model "escape", with the same PSP
// kernel), a continuous_td [modulator] reading V from the critic, TD-LTP
// projections (learn = "td_ltp") from the place cells onto the critic and
// onto the actor (the readout), and optionally a ring projection of the
// actor onto itself. The TD error is Doya's (2000) continuous one,
//
//	δ(t) = r(t) − V(t)/τ_r + dV/dt,
//
// and both projections learn by TD-LTP gated by it:
//
//	dw_ij/dt = η·δ(t)·E_ij(t),  E_ij = κ * (Y_i·(ε * X_j)).
//
// The action of an environment step is the heading nearest to the
// population vector Σ_k n_k·(cos θ_k, sin θ_k) of the actor's spike
// counts n_k in that step, θ_k = 2πk/N_a (uniform at random if it is
// zero). A reward r of the environment is a pulse r·δ_Dirac at the end of
// its step; at an episode's end V falls to 0 (a pulse −V in δ); each
// weight then changes by η·(r − V)·E_ij. The network simulates
// critic.step_ms / dt_ms steps per environment step; a weight change also
// changes the PSP it carries (the PSP is w(t)·(ε * X_j)).
type FremauxParams struct {
	// CircuitAgent is the agent's circuit (circuits/fremaux_maze.toml).
	CircuitAgent
	// SettleMs (ms) runs the network this long at the start of every
	// episode, the input held at the first observation, with no learning
	// and no action, so that the critic's filtered rate, V, starts the
	// episode at the value of its first state rather than rising from
	// rest (a rise dV/dt > 0 that δ would read as a reward); 0: none.
	SettleMs float64 `toml:"settle_ms" check:"[0,1e5],unit=ms"`
	// Readout is how the actor's spikes of a step become the action:
	// "heading", the heading 2πk/A nearest to the population vector's
	// direction (A actions: the maze's swimming directions); "force",
	// actions read as A levels of a graded force from −1 (action 0) to +1
	// (action A−1), actor neuron k preferring the level −cos θ_k, and the
	// action the level nearest to the spike-count-weighted mean of the
	// preferred levels, −Σ_k n_k·cos θ_k / Σ_k n_k (the cart-pole's
	// force_levels; with 2 actions both readouts choose alike but in exact
	// ties).
	Readout string `toml:"readout" check:"oneof=heading|force"`
	// AnnealS (s of simulated time) anneals the learning: every trial
	// runs both projections' TD-LTP at η·1/(1 + T/AnnealS), T the
	// simulated time of all the agent's trials before it (settling
	// aside), so that the weights move less once trials last long;
	// 0: never (η throughout).
	AnnealS float64 `toml:"anneal_s" check:"[0,1e9],unit=s,note=0: never"`
}

// Defaults run the built-in circuit fremaux_maze.
func (FremauxParams) Defaults() FremauxParams {
	return FremauxParams{CircuitAgent: CircuitAgent{Circuit: "fremaux_maze"}, Readout: "heading"}
}

// Validate reports an empty circuit key or a settle_ms out of range.
func (p FremauxParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p FremauxParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

// fremauxRoles are the parts of a Frémaux circuit, found in its spec.
type fremauxRoles struct {
	place, critic, actor int // population indices
	toCritic, toActor    int // projection indices (TD-LTP)
	ring                 int // projection index of the actor's ring, −1 for none
}

// roles finds the parts of the circuit and checks its shape.
func (p FremauxParams) roles() (*circuits.Spec, fremauxRoles, error) {
	s, err := p.circuit()
	if err != nil {
		return nil, fremauxRoles{}, err
	}
	bad := func(msg string, a ...any) error {
		return param.New(fmt.Sprintf("circuit %s: ", p.file)+fmt.Sprintf(msg, a...)+" (the fremaux agent: circuits/fremaux_maze.toml)", "circuit")
	}
	r := fremauxRoles{ring: -1}
	var ok bool
	if r.place, ok = s.PopulationIndex(s.Input); !ok || s.Populations[r.place].Model != "poisson" {
		return nil, r, bad("its input must be a poisson population (the place cells)")
	}
	if s.Modulator.Kind != "continuous_td" {
		return nil, r, bad("it needs a [modulator] of kind continuous_td (the critic)")
	}
	r.critic, _ = s.PopulationIndex(s.Modulator.Population)
	if r.actor, ok = s.PopulationIndex(s.Readout.Population); !ok {
		return nil, r, bad("its readout must name the actor population")
	}
	if r.actor == r.critic {
		return nil, r, bad("the actor (readout) and the critic ([modulator]) must be two populations")
	}
	for _, i := range []int{r.critic, r.actor} {
		if m := s.Populations[i]; m.Model != "escape" {
			return nil, r, bad("population %q must be escape (it is %s)", m.Name, m.Model)
		}
	}
	if a, c := s.Populations[r.actor].Escape, s.Populations[r.critic].Escape; a.TauMMs != c.TauMMs || a.TauSMs != c.TauSMs {
		return nil, r, bad("critic and actor must share tau_m_ms and tau_s_ms (their TD-LTP reads one PSP per place cell)")
	}
	r.toCritic, r.toActor = -1, -1
	for i, pr := range s.Projections {
		from, _ := s.PopulationIndex(pr.From)
		to, _ := s.PopulationIndex(pr.To)
		switch {
		case pr.Learn == "td_ltp" && from == r.place && to == r.critic && r.toCritic < 0:
			r.toCritic = i
		case pr.Learn == "td_ltp" && from == r.place && to == r.actor && r.toActor < 0:
			r.toActor = i
		case pr.Pattern == "ring" && from == r.actor && to == r.actor && r.ring < 0:
			r.ring = i
		default:
			return nil, r, bad("projection %q is not one the agent runs (TD-LTP from the input to the critic and to the actor, a ring of the actor)", pr.Label())
		}
	}
	if r.toCritic < 0 || r.toActor < 0 {
		return nil, r, bad("it needs TD-LTP projections (learn = \"td_ltp\") from %q to the critic and to the actor", s.Input)
	}
	if len(s.Populations) != 3 {
		return nil, r, bad("it has %d populations: the agent runs three (place cells, critic, actor)", len(s.Populations))
	}
	return s, r, nil
}

// checkStep: an environment step must be a whole number of the
// circuit's dt_ms.
func (p FremauxParams) checkStep(stepMs float64) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	k := stepMs / s.DtMs
	if math.Abs(k-math.Round(k)) > 1e-9*k || math.Round(k) < 1 || k > 1e6 {
		return param.New(fmt.Sprintf("critic.step_ms = %g is not a whole number (1 to 10⁶) of circuit %s's dt_ms = %g", stepMs, p.file, s.DtMs), "circuit")
	}
	return nil
}

// check tells whether the circuit fits the environment.
func (p FremauxParams) check(features, actions, episodes, maxSteps int) error {
	s, r, err := p.roles()
	if err != nil {
		return err
	}
	if actions < 2 {
		return param.New(fmt.Sprintf("the fremaux agent chooses a heading: the environment must take at least 2 actions, it takes %d", actions), "circuit")
	}
	if n := s.Populations[r.place].Size; n != features {
		return param.New(fmt.Sprintf("circuit %s: the place cells (%q) number %d, the environment has %d features", p.file, s.Input, n, features), "circuit")
	}
	if rate := s.Populations[r.place].RateHzPerUnit; rate*s.DtMs/1000 > 1 {
		return param.New(fmt.Sprintf("circuit %s: place cells at %g Hz per unit fire more than once per step of %g ms", p.file, rate, s.DtMs), "circuit")
	}
	return nil
}

var fremauxDef = AgentDef{
	Name:     "fremaux",
	Doc:      "spiking actor-critic in continuous time (Frémaux, Sprekeler & Gerstner 2013; circuit file): place cells, a critic population coding V, δ = r − V/τ_r + dV/dt, a ring actor, TD-LTP",
	Acts:     true,
	Defaults: func() AgentParams { return FremauxParams{}.Defaults() },
	New:      newFremaux,
}

type fremaux struct {
	FremauxParams
	c                  *circuits.Circuit
	dtMs               float64
	actions            int
	place              *neuron.Poisson
	critic, actor      *neuron.Escape
	links              [2]*synapse.TDLTP // onto the critic, onto the actor
	ring               []float64         // N_a × N_a lateral weights (post-major), nil for none
	mod                *modulator.ContinuousTD
	chunk              synapse.TDChunk
	placeRate, pspArea float64
	cosK, sinK         []float64
	heading            []int      // the heading nearest to each actor neuron's direction
	dm, ds             float64    // the PSP's decays per step
	steps, maxChunk    int        // substeps per environment step; per flush
	settle             int        // substeps of settle_ms
	eta0               [2]float64 // the projections' TD-LTP η (anneal_s)
	livedS             float64    // simulated time of the trials so far (s; anneal_s)
	fresh              bool       // no Act yet in this episode
	frozen             bool       // settling: no eligibility, no δ
	xa, xb, eps        []float64
	counts, mf         []float64
	stepDelta, stepV   float64 // ∫δ dt over the environment step (with its pulse), V at its end
	// trace, when non-nil, receives V, dV/dt, δ and r of every substep
	// (tests).
	trace func(v, vdot, delta, r float64)
}

func newFremaux(p AgentParams, s Setup) (Agent, error) {
	fp := p.(FremauxParams)
	if err := fp.checkStep(s.StepMs); err != nil {
		return nil, err
	}
	if err := fp.check(s.Features, s.Actions, 1, 1); err != nil {
		return nil, err
	}
	spec, r, _ := fp.roles()
	c, err := spec.Build(s.Rng)
	if err != nil {
		return nil, param.New(err.Error(), "circuit")
	}
	a := &fremaux{FremauxParams: fp, c: c, dtMs: spec.DtMs, actions: s.Actions,
		place: c.Pops[r.place].(*neuron.Poisson), critic: c.Pops[r.critic].(*neuron.Escape), actor: c.Pops[r.actor].(*neuron.Escape)}
	a.mod, err = modulator.NewContinuousTD(spec.Modulator.ContinuousTDParams, a.critic.Len(), spec.DtMs)
	if err != nil {
		return nil, param.New(err.Error(), "circuit")
	}
	nPlace := s.Features
	a.xa, a.xb, a.eps = make([]float64, nPlace), make([]float64, nPlace), make([]float64, nPlace)
	// The circuit's dense links are its projections, in order.
	link := func(i int) circuits.Link {
		k := 0
		for _, pr := range spec.Projections[:i] {
			if pr.Connectivity == "dense" {
				k++
			}
		}
		return c.Links[k]
	}
	for k, i := range [2]int{r.toCritic, r.toActor} {
		pr, post := spec.Projections[i], a.critic
		if k == 1 {
			post = a.actor
		}
		l := link(i)
		a.links[k], err = synapse.NewTDLTP(l.Weights(), l.NPre, l.NPost, pr.TDLTP, pr.WMin, pr.WMax)
		if err != nil {
			return nil, param.New(err.Error(), "circuit")
		}
		a.links[k].PreA, a.links[k].PreB, a.links[k].PostA, a.links[k].PostB = a.xa, a.xb, post.A, post.B
		if pr.TDLTP.Center {
			post.Prob = make([]float64, post.Len())
		}
	}
	a.eta0 = [2]float64{a.links[0].Eta, a.links[1].Eta}
	if r.ring >= 0 {
		a.ring = link(r.ring).Weights()
	}
	na := a.actor.Len()
	a.cosK, a.sinK, a.heading = make([]float64, na), make([]float64, na), make([]int, na)
	for k := range na {
		th := 2 * math.Pi * float64(k) / float64(na)
		a.cosK[k], a.sinK[k] = math.Cos(th), math.Sin(th)
		a.heading[k] = nearestHeading(th, s.Actions)
	}
	e := a.critic.EscapeParams
	a.placeRate, a.pspArea = spec.Populations[r.place].RateHzPerUnit, e.PSPArea()
	a.dm, a.ds = math.Exp(-spec.DtMs/e.TauMMs), math.Exp(-spec.DtMs/e.TauSMs)
	da, db := a.mod.Decays()
	a.chunk = synapse.NewTDChunk(da, db, a.mod.Norm(), spec.DtMs/1000)
	a.steps = int(math.Round(s.StepMs / spec.DtMs))
	a.settle = int(math.Round(fp.SettleMs / spec.DtMs))
	// A flush every at most 4·ν_κ keeps d^{−s} below e⁴.
	a.maxChunk = max(1, min(a.steps, int(4*a.mod.NuKappaMs/spec.DtMs)))
	a.counts = make([]float64, na)
	a.mf = make([]float64, max(a.critic.Len(), na))
	a.Begin()
	return a, nil
}

// nearestHeading is the action whose heading 2πk/n is nearest to th.
func nearestHeading(th float64, n int) int {
	k := int(math.Round(th / (2 * math.Pi / float64(n))))
	return ((k % n) + n) % n
}

// forceLevel is the action of the level nearest to f ∈ [−1, 1] among n
// levels spread from −1 (action 0) to +1 (action n−1); a tie goes to the
// higher level.
func forceLevel(f float64, n int) int {
	k := int(math.Floor((f+1)/2*float64(n-1) + 0.5))
	return min(max(k, 0), n-1)
}

// Begin starts an episode from rest: no spikes in memory, no eligibility.
func (a *fremaux) Begin() {
	a.place.Reset()
	a.critic.Reset()
	a.actor.Reset()
	for _, l := range a.links {
		l.Reset()
	}
	clear(a.xa)
	clear(a.xb)
	a.mod.Reset()
	a.chunk.Start()
	a.fresh = true
	if a.AnnealS > 0 {
		for k, l := range a.links {
			l.Eta = a.eta0[k] / (1 + a.livedS/a.AnnealS)
		}
	}
}

// Act runs the network for one environment step with the place cells
// driven by x and returns the heading of the actor's population vector.
func (a *fremaux) Act(x []float64, rng *rand.Rand) int {
	if a.fresh && a.settle > 0 {
		a.frozen = true
		for range a.settle {
			a.step(x, 0)
		}
		a.frozen = false
	}
	a.fresh = false
	clear(a.counts)
	a.stepDelta = 0
	for range a.steps {
		a.step(x, 0)
	}
	a.livedS += float64(a.steps) * a.dtMs / 1000
	a.flush()
	a.stepV = a.mod.V
	return a.choose(rng)
}

// choose reads the action from the actor's spike counts of the step.
func (a *fremaux) choose(rng *rand.Rand) int {
	vx, vy, n := 0.0, 0.0, 0.0
	for k, c := range a.counts {
		vx += c * a.cosK[k]
		vy += c * a.sinK[k]
		n += c
	}
	if a.Readout == "force" {
		if n == 0 {
			return rng.IntN(a.actions)
		}
		return forceLevel(-vx/n, a.actions)
	}
	if vx == 0 && vy == 0 {
		return rng.IntN(a.actions)
	}
	return nearestHeading(math.Atan2(vy, vx), a.actions)
}

// step advances the network by dt with the place cells at x and the
// reward rate r (1/s).
func (a *fremaux) step(x []float64, r float64) {
	// Place cells: decay their PSP traces, draw their spikes, which reach
	// critic and actor in the same step.
	for j := range a.xa {
		a.xa[j] *= a.dm
		a.xb[j] *= a.ds
	}
	copy(a.place.Input(), x)
	a.place.Step(a.dtMs)
	for _, j := range a.place.Spikes() {
		a.xa[j]++
		a.xb[j]++
		a.links[0].Transmit(int(j), a.critic.Input())
		a.links[1].Transmit(int(j), a.actor.Input())
	}
	for j := range a.eps {
		a.eps[j] = a.xa[j] - a.xb[j]
	}
	a.critic.Step(a.dtMs)
	a.actor.Step(a.dtMs)
	if !a.frozen {
		a.links[0].Eligible(a.critic.Spikes(), a.eps, &a.chunk)
		a.links[1].Eligible(a.actor.Spikes(), a.eps, &a.chunk)
		a.links[0].Expect(a.critic.Prob, a.eps, &a.chunk)
		a.links[1].Expect(a.actor.Prob, a.eps, &a.chunk)
	}
	// The actor's spikes start their PSPs on the ring now: the next step
	// sees them at ε(dt).
	na := a.actor.Len()
	for _, k := range a.actor.Spikes() {
		a.counts[k]++
		if a.ring != nil {
			for m := range na {
				a.actor.AddPSP(m, a.ring[m*na+int(k)])
			}
		}
	}
	d := a.mod.Step(len(a.critic.Spikes()), r)
	if a.frozen {
		return
	}
	a.stepDelta += d * a.chunk.DtS
	if a.trace != nil {
		a.trace(a.mod.V, a.mod.VDot, d, r)
	}
	a.chunk.Add(d)
	if a.chunk.S >= a.maxChunk {
		a.flush()
	}
}

// flush applies the weight changes of the chunk and starts the next one.
func (a *fremaux) flush() {
	if a.chunk.S == 0 {
		return
	}
	for _, l := range a.links {
		l.Flush(&a.chunk)
	}
	a.chunk.Start()
}

// Learn takes the environment's reward and end: the network learns
// online in Act; here the reward pulse and, at an episode's end on
// reward, the fall of V to 0. The run's critic's δ is not used: the
// agent carries its own critic (its circuit's [modulator]).
func (a *fremaux) Learn(_ []float64, _ int, r float64, _ []float64, end bool, _ float64) {
	d := r
	if end && r != 0 {
		d -= a.mod.V
	}
	if d != 0 {
		for _, l := range a.links {
			l.Pulse(d, a.chunk.Norm)
		}
	}
	a.stepDelta += d
}

// StepCritic (ownCritic) is the agent's δ integrated over the last
// environment step, its pulse included (reward units: the δ its weights
// changed by), and V at the step's end: what steps.csv and the live view
// show of this agent.
func (a *fremaux) StepCritic() (delta, value float64) { return a.stepDelta, a.stepV }

// meanRates writes the mean-field rate (Hz) of every neuron of l's
// population with the place cells at x held still: u_i = Σ_j w_ij·rate·x_j·∫ε,
// the mean PSP of Poisson input, ρ_i = ρ0·exp((u_i − θ)/Δu) (the lateral
// and refractory terms and the fluctuations of u aside).
func (a *fremaux) meanRates(l *synapse.TDLTP, post *neuron.Escape, x, rates []float64) {
	area := a.pspArea * a.placeRate
	for i := range l.NPost {
		rates[i] = post.Rate(l.Drive(i, x) * area)
	}
}

// MapValue is the critic's mean-field V in the state x, nu·mean ρ + v0
// (meanRates), for the value map.
func (a *fremaux) MapValue(x []float64) float64 {
	rates := a.mf[:a.critic.Len()]
	a.meanRates(a.links[0], a.critic, x, rates)
	sum := 0.0
	for _, r := range rates {
		sum += r
	}
	return a.mod.Value(sum / float64(len(rates)))
}

// Policy (Chooser) writes, for every heading, the share of the actor's
// mean-field rate carried by the neurons nearest to it: the direction the
// feedforward drive favours in the state x.
func (a *fremaux) Policy(x, pi []float64) {
	rates := a.mf[:a.actor.Len()]
	a.meanRates(a.links[1], a.actor, x, rates)
	clear(pi)
	sum := 0.0
	for k, r := range rates {
		pi[a.heading[k]] += r
		sum += r
	}
	for k := range pi {
		pi[k] /= sum
	}
}
