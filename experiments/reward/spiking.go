package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
)

// SpikingParams are the keys of the spiking agent.
type SpikingParams struct {
	// CircuitAgent is the agent's circuit. Its input population receives
	// the observation, its readout population is split into one group of
	// neurons per action, and its plastic sparse projections learn by
	// R-STDP gated by the dopamine δ drives.
	CircuitAgent
	// InputScale is the drive of an input neuron per unit of its feature:
	// the input population is split into one block per feature, and each
	// neuron of block i receives x_i·input_scale every step of the decision
	// (for a poisson population, rate_hz_per_unit·drive Hz).
	InputScale float64 `toml:"input_scale" check:"[0,1e6]"`
	// DecisionMs is how long the observation is presented before the
	// choice (ms): the action is the group that fired most in that time,
	// ties broken at random.
	DecisionMs float64 `toml:"decision_ms" check:"(0,1e6],unit=ms"`
	// FeedbackMs is how long, after the choice, the cue stays on while the
	// chosen group receives feedback_drive (a corollary discharge of the
	// action: its neurons fire with the cue, so that the eligibility of its
	// synapses records the choice), in ms; 0: no feedback.
	FeedbackMs float64 `toml:"feedback_ms" check:"[0,1e6],unit=ms"`
	// FeedbackDrive is the drive added every step of the feedback to each
	// neuron of the chosen group (in the units of the readout population's
	// input), >= 0.
	FeedbackDrive float64 `toml:"feedback_drive" check:"[0,1e6]"`
	// RewardMs is how long the circuit runs on without input after the
	// choice (ms): the dopamine of the outcome acts on the eligibility left
	// by the decision.
	RewardMs float64 `toml:"reward_ms" check:"[0,1e6],unit=ms"`

	// Normalize rescales, after every trial, the outgoing weights of each
	// presynaptic neuron of every plastic projection to the sum they had
	// at the start (presynaptic synaptic scaling): what one action's
	// synapses gain, the others lose, so that the action groups compete
	// for the input.
	Normalize bool `toml:"normalize"`
}

// Validate reports a key out of range.
func (p SpikingParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p SpikingParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

// check tells whether the circuit fits an environment of n features and
// the given actions, and bounds its cost.
func (p SpikingParams) check(n, actions, episodes, maxSteps int) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	pop := func(name string) *circuits.PopulationSpec {
		if i, ok := s.PopulationIndex(name); ok {
			return &s.Populations[i]
		}
		return nil
	}
	in, out := pop(s.Input), pop(s.Readout.Population)
	switch {
	case in == nil:
		return param.New(fmt.Sprintf("circuit %s has no input population (input = ...)", p.file), "circuit")
	case out == nil:
		return param.New(fmt.Sprintf("circuit %s has no readout population ([readout] population = ...)", p.file), "circuit")
	case out.Model != "lif" && out.Model != "izhikevich":
		return param.New(fmt.Sprintf("the readout population %q of %s must spike (it is %s)", out.Name, p.file, out.Model), "circuit")
	case in.Size%n != 0:
		return param.New(fmt.Sprintf("the input population %q of %s has %d neurons, not a multiple of the environment's %d features", in.Name, p.file, in.Size, n), "circuit")
	case out.Size%actions != 0:
		return param.New(fmt.Sprintf("the readout population %q of %s has %d neurons, not a multiple of the environment's %d actions", out.Name, p.file, out.Size, actions), "circuit")
	case !s.PlasticSparse():
		return param.New(fmt.Sprintf("circuit %s has no plastic sparse projection: nothing would learn", p.file), "circuit")
	}
	steps := (p.DecisionMs + p.FeedbackMs + p.RewardMs) / s.DtMs * float64(episodes) * float64(maxSteps)
	if steps > 1e10 {
		return param.New(fmt.Sprintf("%.3g circuit steps per run, more than 1e10", steps), "decision_ms")
	}
	return nil
}

// The spiking agent: a circuit of spiking neurons that sees the
// observation as input rates, chooses by the spike counts of its action
// groups, and learns by R-STDP: its plastic synapses keep an eligibility
// trace of their spike pairings, and the dopamine pulse of the critic's δ,
// delivered at the choice, turns eligibility into weight change.
var spikingDef = AgentDef{
	Name: "spiking",
	Doc:  "a spiking circuit (circuit file): rate-coded input, choice by the most active action group, R-STDP gated by the critic's δ",
	Acts: true,
	Defaults: func() AgentParams {
		return SpikingParams{InputScale: 1, DecisionMs: 100, FeedbackMs: 0, FeedbackDrive: 0, RewardMs: 300}
	},
	New: newSpiking,
}

type spiking struct {
	SpikingParams
	c        *circuits.Circuit
	da       *modulator.Pulsed
	drive    []float64 // input of the input population during the decision
	none     []float64 // no input
	counts   []int     // spikes per action group in the decision
	group    int       // neurons per action group
	block    int       // input neurons per feature
	decision int       // steps of the decision
	feedback int       // steps of the feedback
	rest     int       // steps after the choice
	out      neuron.Spiking
	rng      *rand.Rand
	sums     [][]float64 // per plastic link, the initial outgoing weight sum of each pre neuron
	links    []*circuits.SparseLink
}

func newSpiking(p AgentParams, s Setup) (Agent, error) {
	sp := p.(SpikingParams)
	c, err := sp.spec.Build(s.Rng)
	if err != nil {
		return nil, err
	}
	da, err := modulator.NewPulsed(s.Dopamine)
	if err != nil {
		return nil, err
	}
	for _, l := range c.PlasticLinks() {
		if l.STDP.EventDriven {
			da.Subscribe(l)
		}
	}
	a := &spiking{SpikingParams: sp, c: c, da: da, counts: make([]int, s.Actions), rng: s.Rng,
		drive: make([]float64, c.Pops[c.In].Len()), none: make([]float64, c.Pops[c.In].Len()),
		out: c.Pops[c.Out].(neuron.Spiking)}
	a.group = a.out.Len() / s.Actions
	a.block = len(a.drive) / s.Features
	a.decision = max(1, int(math.Round(sp.DecisionMs/c.DtMs)))
	a.feedback = int(math.Round(sp.FeedbackMs / c.DtMs))
	a.rest = int(math.Round(sp.RewardMs / c.DtMs))
	a.links = c.PlasticLinks()
	if sp.Normalize {
		for _, l := range a.links {
			sum := make([]float64, l.NPre)
			for j := range sum {
				for k := l.RowPtr[j]; k < l.RowPtr[j+1]; k++ {
					sum[j] += l.W[k]
				}
			}
			a.sums = append(a.sums, sum)
		}
	}
	return a, nil
}

func (a *spiking) Begin() {}

// step advances the circuit and its plasticity by one step with input x.
func (a *spiking) step(x []float64) {
	d := a.da.Level()
	a.c.Step(x)
	a.da.Step(a.c.DtMs)
	a.c.Plasticity(a.da.T, d)
}

func (a *spiking) Act(x []float64, rng *rand.Rand) int {
	for i := range a.drive {
		a.drive[i] = x[i/a.block] * a.InputScale
	}
	clear(a.counts)
	for range a.decision {
		a.step(a.drive)
		for _, i := range a.out.Spikes() {
			a.counts[int(i)/a.group]++
		}
	}
	best, ties := 0, 0
	for k, n := range a.counts {
		switch {
		case n > a.counts[best]:
			best, ties = k, 1
		case n == a.counts[best]:
			ties++
			if rng.IntN(ties) == 0 {
				best = k
			}
		}
	}
	in := a.c.Pops[a.c.Out].Input()
	for range a.feedback {
		for i := best * a.group; i < (best+1)*a.group; i++ {
			in[i] += a.FeedbackDrive
		}
		a.step(a.drive)
	}
	return best
}

func (a *spiking) Learn(_ []float64, _ int, _ float64, _ []float64, _ bool, delta float64) {
	a.da.Reward(delta)
	for range a.rest {
		a.step(a.none)
	}
	if a.Normalize {
		for i, l := range a.links {
			for j, want := range a.sums[i] {
				lo, hi := l.RowPtr[j], l.RowPtr[j+1]
				sum := 0.0
				for _, w := range l.W[lo:hi] {
					sum += w
				}
				if sum <= 0 {
					continue
				}
				f := want / sum
				for k := lo; k < hi; k++ {
					l.W[k] = min(max(l.W[k]*f, l.WMin), l.WMax)
				}
			}
		}
	}
}
