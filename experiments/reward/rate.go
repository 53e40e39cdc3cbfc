package reward

import (
	"fmt"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
)

// RateParams are the keys of the rate agent.
type RateParams struct {
	// CircuitAgent is the agent's circuit, of rate populations. Its input
	// population has one unit per feature, its readout population one per
	// action; its plastic dense projections learn.
	CircuitAgent
	// LearningRate is η of the three-factor rule Δw = η·δ·e, in (0, 1000].
	LearningRate float64 `toml:"learning_rate" check:"(0,1000]"`
	// Beta is the inverse temperature β of the softmax choice, in (0, 1000].
	Beta float64 `toml:"beta" check:"(0,1000]"`
	// Post is the postsynaptic factor of a readout unit's eligibility:
	// "deviation" (1[a chosen] − π_a) or "chosen" (1[a chosen]). Units of
	// other populations pair their own rate (Hebbian).
	Post string `toml:"post" check:"oneof=deviation|chosen"`
}

// Validate reports a key out of range.
func (p RateParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p RateParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

func (p RateParams) check(n, actions, _, _ int) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	size := map[string]int{}
	for _, q := range s.Populations {
		if q.Model != "rate" {
			return param.New(fmt.Sprintf("circuit %s: population %q is %s; the rate agent runs rate populations (a spiking circuit is the spiking agent's)", p.file, q.Name, q.Model), "circuit")
		}
		size[q.Name] = q.Size
	}
	plastic := false
	for _, q := range s.Projections {
		plastic = plastic || q.Connectivity == "dense" && q.Plastic
	}
	switch {
	case s.Input == "" || size[s.Input] != n:
		return param.New(fmt.Sprintf("circuit %s: the input population must have one unit per feature (%d), got %d", p.file, n, size[s.Input]), "circuit")
	case s.Readout.Population == "" || size[s.Readout.Population] != actions:
		return param.New(fmt.Sprintf("circuit %s: the readout population must have one unit per action (%d), got %d", p.file, actions, size[s.Readout.Population]), "circuit")
	case !plastic:
		return param.New(fmt.Sprintf("circuit %s has no plastic dense projection: nothing would learn", p.file), "circuit")
	}
	return nil
}

// The rate agent: a circuit of rate populations (a circuit file) that
// reads the observation, chooses by softmax(β·readout), and learns by a
// rate three-factor rule on its plastic dense projections: every synapse
// keeps an eligibility e ← k·e + post·pre (k = exp(−trial/τ_e) of the
// projection's tau_e_ms; post is 1[a chosen] − π_a, or 1[a chosen], for
// the readout, the post rate elsewhere), and Δw = η·δ·e with the critic's
// δ (synapse.Dense.Pair and Apply).
var rateDef = AgentDef{
	Name: "rate",
	Doc:  "a rate circuit (circuit file): softmax choice on its readout, a rate three-factor rule Δw = η·δ·e on its plastic dense projections",
	Acts: true,
	Defaults: func() AgentParams {
		return RateParams{LearningRate: 0.1, Beta: 1, Post: "deviation"}
	},
	New: newRate,
}

type rateAgent struct {
	RateParams
	c    *circuits.Circuit
	pi   []float64
	post [][]float64 // per dense link, its postsynaptic factors
}

func newRate(p AgentParams, s Setup) (Agent, error) {
	rp := p.(RateParams)
	c, err := rp.spec.Build(s.Rng)
	if err != nil {
		return nil, err
	}
	a := &rateAgent{RateParams: rp, c: c, pi: make([]float64, s.Actions), post: make([][]float64, len(c.Links))}
	for i, l := range c.Links {
		a.post[i] = make([]float64, l.NPost)
	}
	return a, nil
}

func (a *rateAgent) Begin() {}

func (a *rateAgent) Act(x []float64, rng *rand.Rand) int {
	softmax(a.pi, a.Beta, a.c.Trial(x))
	return sample(a.pi, rng)
}

func (a *rateAgent) Learn(_ []float64, act int, _ float64, _ []float64, _ bool, delta float64) {
	trial := a.c.TrialMs()
	for i := range a.c.Links {
		l := &a.c.Links[i]
		if !l.Plastic {
			continue
		}
		post := a.post[i]
		if l.Post == a.c.Out {
			for k := range post {
				post[k] = 0
				if k == act {
					post[k] = 1
				}
				if a.Post == "deviation" {
					post[k] -= a.pi[k]
				}
			}
		} else {
			copy(post, a.c.Pops[l.Post].Output())
		}
		l.Pair(trial, post, a.c.Pops[l.Pre].Output())
		l.Apply(a.LearningRate, delta, 0)
	}
}
