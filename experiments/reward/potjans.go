package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/param"
)

// PotjansParams are the keys of the potjans agent: the spiking
// actor-critic of Potjans, Diesmann & Morrison (2011), whose critic,
// ventral pallidum and dopamine neurons are populations of its circuit,
// so that its TD error is the dopamine population's rate less its
// baseline, bounded below by that baseline.
//
// The circuit has populations named state (its input: one block of
// neurons per feature), critic, actor (its readout: one group per
// action), vp and da, and plastic sparse projections from state to critic
// and from state to actor; the others are its fixed wiring (critic ⊣ vp ⊣
// da, critic ⊣ da delayed by a window). The agent drives vp and da
// tonically and da with the reward, and changes the plastic weights by
// its own three-factor rule (not R-STDP): Δw = η·δ̂·e.
type PotjansParams struct {
	// CircuitAgent is the agent's circuit (circuits/potjans_grid.toml).
	CircuitAgent
	// InputScale is the drive of a state neuron per unit of its feature:
	// neuron j of block i receives x_i·input_scale every step (a poisson
	// population fires at rate_hz_per_unit times that).
	InputScale float64 `toml:"input_scale" check:"[0,1e6]"`
	// WindowMs is how long each state is presented (ms): the agent is in a
	// state for one window, the actor group that fires most in it is the
	// move, and the dopamine rate over the window after a move is the TD
	// error of that move.
	WindowMs float64 `toml:"window_ms" check:"(0,1e5],unit=ms"`
	// VPDrive is the tonic drive of every vp neuron, every step, in the
	// units of the population's input (Hz with rate_hz_per_unit = 1).
	VPDrive float64 `toml:"vp_drive" check:"[0,1e6]"`
	// DADrive is the tonic drive of every da neuron (as vp_drive); with the
	// pallidal inhibition it sets the dopamine baseline rate.
	DADrive float64 `toml:"da_drive" check:"[0,1e6]"`
	// RewardDrive is the drive added to every da neuron, every step of the
	// window that follows a move, per unit of the move's reward. The
	// dopamine rate per unit of TD error, κ (Hz), is measured before the
	// first episode as the rate at rest with a reward of 1 less the
	// baseline (near rate_hz_per_unit·reward_drive; less, as the noisy
	// drive of a neuron near its baseline is rectified), and
	// δ̂ = (ν_da − ν_baseline)/κ.
	RewardDrive float64 `toml:"reward_drive" check:"(0,1e6]"`
	// CriticRate is η_c: a state → critic weight changes by
	// η_c·δ̂·c_j/c̄ after a move, c_j the spikes its pre neuron fired in the
	// window of the state left and c̄ the expected count at feature 1.
	CriticRate float64 `toml:"critic_rate" check:"[0,1000]"`
	// ActorRate is η_a: likewise for the state → actor weights onto the
	// group of the move made (the other groups' weights do not change).
	ActorRate float64 `toml:"actor_rate" check:"[0,1000]"`
	// ActorPost is the actor rule's postsynaptic factor: "chosen", 1 for
	// the neurons of the group of the move made and 0 for the others (only
	// the chosen group's weights change), or "deviation", 1[chosen group]
	// − π̂ of the neuron's group, π̂ the group's share of the actor's spikes
	// in the window (1/actions when it fired none): the chosen group's
	// weights gain what the others lose, in proportion to how much they
	// fired (the spiking counterpart of the policy gradient).
	ActorPost string `toml:"actor_post" check:"oneof=chosen|deviation"`
	// Explore is the probability that a move is drawn uniformly among the
	// actions instead of being the most active group's: exploration that
	// the choice by spike counts alone loses once one group's weights
	// dominate a state (dopa's addition; see docs/reward.md).
	Explore float64 `toml:"explore" check:"[0,1]"`
	// BaselineMs is how long the circuit runs at rest before the first
	// episode (ms), twice: the dopamine baseline rate ν_baseline (the rate
	// δ̂ is counted from) is measured over the first, the rate with a
	// reward of 1 (for κ) over the second.
	BaselineMs float64 `toml:"baseline_ms" check:"(0,1e7],unit=ms"`
}

// Defaults are those of circuits/potjans_grid.toml.
func (PotjansParams) Defaults() PotjansParams {
	return PotjansParams{InputScale: 1, WindowMs: 25, VPDrive: 100, DADrive: 39, RewardDrive: 20, CriticRate: 0.2, ActorRate: 0.5, ActorPost: "deviation", Explore: 0.05, BaselineMs: 10000}
}

// Validate reports a key out of range.
func (p PotjansParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p PotjansParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

// potjansRoles are the populations the agent's circuit must have, in the
// order of potjansNet's indices.
var potjansRoles = [...]string{"state", "critic", "actor", "vp", "da"}

// check tells whether the circuit has the populations and plastic
// projections the agent needs and fits an environment of n features and
// the given actions, and bounds its cost.
func (p PotjansParams) check(n, actions, episodes, maxSteps int) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for _, role := range potjansRoles {
		i, ok := s.PopulationIndex(role)
		if !ok {
			return param.New(fmt.Sprintf("circuit %s has no population %q (the potjans agent needs state, critic, actor, vp and da)", p.file, role), "circuit")
		}
		if m := s.Populations[i].Model; m != "poisson" {
			return param.New(fmt.Sprintf("population %q of %s must be poisson (it is %s)", role, p.file, m), "circuit")
		}
		idx[role] = i
	}
	switch {
	case s.Input != "state":
		return param.New(fmt.Sprintf("the input of circuit %s must be its population state (it is %q)", p.file, s.Input), "circuit")
	case s.Populations[idx["state"]].Size%n != 0:
		return param.New(fmt.Sprintf("population state of %s has %d neurons, not a multiple of the environment's %d features", p.file, s.Populations[idx["state"]].Size, n), "circuit")
	case s.Populations[idx["actor"]].Size%actions != 0:
		return param.New(fmt.Sprintf("population actor of %s has %d neurons, not a multiple of the environment's %d actions", p.file, s.Populations[idx["actor"]].Size, actions), "circuit")
	}
	for _, to := range []string{"critic", "actor"} {
		found := false
		for _, pr := range s.Projections {
			if pr.From == "state" && pr.To == to && pr.Connectivity == "sparse" && pr.Plastic {
				found = true
			}
		}
		if !found {
			return param.New(fmt.Sprintf("circuit %s has no plastic sparse projection from state to %s", p.file, to), "circuit")
		}
	}
	if _, err := p.latency(s); err != nil {
		return err
	}
	steps := (p.WindowMs/s.DtMs)*float64(episodes)*float64(maxSteps+1) + 2*p.BaselineMs/s.DtMs
	if steps > 1e10 {
		return param.New(fmt.Sprintf("%.3g circuit steps per run, more than 1e10", steps), "window_ms")
	}
	return nil
}

// latency returns the steps from a change of state to its arrival at the
// dopamine neurons through the fast path (state → critic → vp → da, the
// sum of the three projections' delays), and checks that the slow path
// (state → critic → da) arrives one window later: the critic → da delay
// is the window plus the delays of critic → vp and vp → da.
func (p PotjansParams) latency(s *circuits.Spec) (int, error) {
	delay := func(from, to string) (int, error) {
		for _, pr := range s.Projections {
			if pr.From == from && pr.To == to {
				if pr.Connectivity != "sparse" || pr.DelayMaxSteps > 0 {
					return 0, param.New(fmt.Sprintf("projection %s → %s of %s must be sparse with one delay (delay_steps)", from, to, p.file), "circuit")
				}
				return pr.DelaySteps, nil
			}
		}
		return 0, param.New(fmt.Sprintf("circuit %s has no projection from %s to %s", p.file, from, to), "circuit")
	}
	var d [4]int
	for i, ft := range [...][2]string{{"state", "critic"}, {"critic", "vp"}, {"vp", "da"}, {"critic", "da"}} {
		v, err := delay(ft[0], ft[1])
		if err != nil {
			return 0, err
		}
		d[i] = v
	}
	w := int(math.Round(p.WindowMs / s.DtMs))
	if w < 1 || math.Abs(float64(w)*s.DtMs-p.WindowMs) > 1e-9*p.WindowMs {
		return 0, param.New(fmt.Sprintf("must be a whole number of the circuit's dt_ms = %g, got %g", s.DtMs, p.WindowMs), "window_ms")
	}
	if d[3] != w+d[1]+d[2] {
		return 0, param.New(fmt.Sprintf("the critic → da delay of %s (%d steps) must be the window (%d steps) plus the critic → vp and vp → da delays (%d): the two paths would not meet", p.file, d[3], w, d[1]+d[2]), "window_ms")
	}
	if lat := d[0] + d[1] + d[2]; lat >= w {
		return 0, param.New(fmt.Sprintf("must be longer than the fast path's %d steps", lat), "window_ms")
	}
	return d[0] + d[1] + d[2], nil
}

// The potjans agent: the spiking actor-critic of Potjans, Diesmann &
// Morrison (2011). Its TD error is formed by its circuit, not by the
// reward file's critic (whose δ it ignores): the dopamine neurons'
// rate over the window after a move, less their baseline rate, per κ.
var potjansDef = AgentDef{
	Name:     "potjans",
	Doc:      "Potjans et al. 2011 (circuit file): striatal critic and actor, a ventral pallidum/dopamine circuit whose rate above or below its low baseline is the TD error, dopamine-gated plasticity",
	Acts:     true,
	Reports:  []string{"da_baseline_hz", "da_hz_per_unit", "delta_floor", "delta_mean"},
	Defaults: func() AgentParams { return PotjansParams{}.Defaults() },
	New:      newPotjans,
}

type potjans struct {
	PotjansParams
	c                           *circuits.Circuit
	state, critic, actor, vp, d int // population indices
	toCritic, toActor           *circuits.SparseLink
	drive, none                 []float64 // the state population's drive: in a state, at rest
	cur, prev, prev2            []float64 // state spikes per neuron in this window and the two before
	acts                        []int     // actor spikes per group in this window
	block, group, window, lat   int       // state neurons per feature, actor neurons per action, steps per window, of the fast path
	norm                        float64   // 1/c̄: expected state spikes of a neuron at feature 1 in a window
	baseline, kappa             float64   // ν_baseline (Hz, measured), κ (Hz per unit δ)
	ready                       bool      // cur and acts hold the window of the state Act is asked about
	// A move's dopamine window runs from step lat of the window of the
	// state entered to step lat of the next: pending says a move awaits
	// the first lat steps of the next window, with its reward r, action
	// and the dopamine spikes counted so far.
	pending  bool
	r        float64
	act, nDA int
	share    []float64 // π̂ of every group in the window of the state the pending move left
	actsPrev []int     // actor spikes per group in the window before this one
	sumDelta float64
	nDelta   int
	last     float64 // δ̂ of the last move completed
}

func newPotjans(p AgentParams, s Setup) (Agent, error) {
	pp := p.(PotjansParams)
	c, err := pp.spec.Build(s.Rng)
	if err != nil {
		return nil, err
	}
	a := &potjans{PotjansParams: pp, c: c}
	for i, role := range potjansRoles {
		k, ok := pp.spec.PopulationIndex(role)
		if !ok {
			return nil, fmt.Errorf("circuit %s has no population %q", pp.file, role)
		}
		*[...]*int{&a.state, &a.critic, &a.actor, &a.vp, &a.d}[i] = k
	}
	for k := range c.Sparse {
		l := &c.Sparse[k]
		switch {
		case l.Plastic && l.Pre == a.state && l.Post == a.critic:
			a.toCritic = l
		case l.Plastic && l.Pre == a.state && l.Post == a.actor:
			a.toActor = l
		}
	}
	if a.toCritic == nil || a.toActor == nil {
		return nil, fmt.Errorf("circuit %s has no plastic projection from state to critic or to actor", pp.file)
	}
	nState := c.Pops[a.state].Len()
	a.drive, a.none = make([]float64, nState), make([]float64, nState)
	a.cur, a.prev, a.prev2 = make([]float64, nState), make([]float64, nState), make([]float64, nState)
	if a.lat, err = pp.latency(pp.spec); err != nil {
		return nil, err
	}
	a.acts, a.actsPrev, a.share = make([]int, s.Actions), make([]int, s.Actions), make([]float64, s.Actions)
	a.block, a.group = nState/s.Features, c.Pops[a.actor].Len()/s.Actions
	a.window = max(1, int(math.Round(pp.WindowMs/c.DtMs)))
	a.norm = 1 / (pp.spec.Populations[a.state].RateHzPerUnit * pp.InputScale * float64(a.window) * c.DtMs / 1000)
	// The baseline, the dopamine rate at rest (no state, no reward), and κ,
	// the rate a reward of 1 adds at rest.
	rest := max(1, int(math.Round(pp.BaselineMs/c.DtMs)))
	hz := func(r float64) float64 {
		n := 0
		for range rest {
			n += a.step(a.none, r)
		}
		return float64(n) / (float64(c.Pops[a.d].Len()) * float64(rest) * c.DtMs / 1000)
	}
	a.baseline = hz(0)
	if a.kappa = hz(1) - a.baseline; a.kappa <= 0 {
		return nil, fmt.Errorf("circuit %s: a reward of 1 does not raise the dopamine rate (%g Hz at rest): raise reward_drive", pp.file, a.baseline)
	}
	return a, nil
}

// step advances the circuit by one step with the state drive x and a
// reward r into the dopamine neurons; it counts the state and actor
// spikes and returns the dopamine spikes.
func (a *potjans) step(x []float64, r float64) int {
	for i, in := 0, a.c.Pops[a.vp].Input(); i < len(in); i++ {
		in[i] += a.VPDrive
	}
	da := a.DADrive + a.RewardDrive*r
	for i, in := 0, a.c.Pops[a.d].Input(); i < len(in); i++ {
		in[i] += da
	}
	a.c.Step(x)
	for _, j := range a.c.SpikesOf(a.state) {
		a.cur[j]++
	}
	for _, j := range a.c.SpikesOf(a.actor) {
		a.acts[int(j)/a.group]++
	}
	return len(a.c.SpikesOf(a.d))
}

// present runs one window in the state x (nil: no state). Its first lat
// steps complete the pending move (its reward into the dopamine neurons,
// then its plasticity); with move, the steps from lat on start the
// dopamine window of the move into x (reward r, action act). The state
// spikes of the two windows before are kept in prev and prev2.
func (a *potjans) present(x []float64, move bool, r float64, act int) {
	in := a.none
	if x != nil {
		in = a.drive
		for i := range in {
			in[i] = x[i/a.block] * a.InputScale
		}
	}
	a.prev2, a.prev, a.cur = a.prev, a.cur, a.prev2
	clear(a.cur)
	a.acts, a.actsPrev = a.actsPrev, a.acts
	clear(a.acts)
	for k := range a.window {
		if k == a.lat {
			if a.pending {
				a.complete()
			}
			a.pending, a.r, a.act, a.nDA = move, r, act, 0
			if move { // the shares of the window the move left (the one before this)
				total := 0
				for _, n := range a.actsPrev {
					total += n
				}
				for g, n := range a.actsPrev {
					if total == 0 {
						a.share[g] = 1 / float64(len(a.share))
					} else {
						a.share[g] = float64(n) / float64(total)
					}
				}
			}
		}
		reward := 0.0
		if a.pending {
			reward = a.r
		}
		if n := a.step(in, reward); a.pending {
			a.nDA += n
		}
	}
}

// complete reads the pending move's δ̂ from its dopamine spikes and
// changes the weights from the state it left (the window before the one
// under way: prev2) to the critic and to the group of its action.
func (a *potjans) complete() {
	hz := float64(a.nDA) / (float64(a.c.Pops[a.d].Len()) * float64(a.window) * a.c.DtMs / 1000)
	delta := (hz - a.baseline) / a.kappa
	a.last = delta
	a.sumDelta += delta
	a.nDelta++
	a.update(a.toCritic, a.CriticRate*delta, 0, a.c.Pops[a.critic].Len())
	if a.ActorPost == "chosen" {
		a.update(a.toActor, a.ActorRate*delta, a.act*a.group, (a.act+1)*a.group)
	} else {
		for g, pi := range a.share {
			post := -pi
			if g == a.act {
				post = 1 - pi
			}
			a.update(a.toActor, a.ActorRate*delta*post, g*a.group, (g+1)*a.group)
		}
	}
	a.pending = false
}

func (a *potjans) Begin() { a.ready = false }

func (a *potjans) Act(x []float64, rng *rand.Rand) int {
	if !a.ready {
		a.present(x, false, 0, 0)
	}
	a.ready = false
	if a.Explore > 0 && rng.Float64() < a.Explore {
		return rng.IntN(len(a.acts))
	}
	best, ties := 0, 0
	for k, n := range a.acts {
		switch {
		case n > a.acts[best]:
			best, ties = k, 1
		case n == a.acts[best]:
			ties++
			if rng.IntN(ties) == 0 {
				best = k
			}
		}
	}
	return best
}

// Learn presents the state entered (nothing after the end of an episode),
// which starts the dopamine window of the move (the reward into the
// dopamine neurons); the move's δ̂ and its plasticity complete in the
// first steps of the next window (present).
func (a *potjans) Learn(_ []float64, act int, r float64, y []float64, end bool, _ float64) {
	next := y
	if end {
		next = nil
	}
	a.present(next, true, r, act)
	a.ready = !end
}

// update adds g·c_j/c̄ to the weight of every synapse of l from a state
// neuron j that fired in the window left (prev2) onto a post neuron in
// [lo, hi).
func (a *potjans) update(l *circuits.SparseLink, g float64, lo, hi int) {
	if g == 0 {
		return
	}
	for j, c := range a.prev2 {
		if c == 0 {
			continue
		}
		dw := g * c * a.norm
		for k := l.RowPtr[j]; k < l.RowPtr[j+1]; k++ {
			if post := int(l.Sparse.Post[k]); post >= lo && post < hi {
				l.W[k] = min(max(l.W[k]+dw, l.WMin), l.WMax)
			}
		}
	}
}

// Report gives the measured dopamine baseline, κ, the floor of the TD
// error they imply (ν_baseline/κ: δ̂ ≥ −floor, since a rate is ≥ 0) and
// the mean δ̂ over the run.
func (a *potjans) Report() []env.Field {
	mean := math.NaN()
	if a.nDelta > 0 {
		mean = a.sumDelta / float64(a.nDelta)
	}
	return []env.Field{{Name: "da_baseline_hz", Value: a.baseline}, {Name: "da_hz_per_unit", Value: a.kappa},
		{Name: "delta_floor", Value: a.baseline / a.kappa}, {Name: "delta_mean", Value: mean}}
}
