package reward

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// AgentParams are an agent's own keys, inline in its [[agent]] table.
// Values, not pointers, are stored.
type AgentParams interface {
	// Validate reports a key out of range as a *param.Error whose path is
	// relative to the agent's table.
	Validate() error
}

// Agent acts in an environment and learns from the critic's δ, for one
// run. Its methods allocate nothing.
type Agent interface {
	// Begin starts an episode.
	Begin()
	// Act chooses an action in the state with features x.
	Act(x []float64, rng *rand.Rand) int
	// Learn takes the step from the state x: action a earned reward r and
	// led to the state y (end: the episode ended there); delta is the
	// critic's prediction error on that step, the dopamine signal.
	Learn(x []float64, a int, r float64, y []float64, end bool, delta float64)
}

// Chooser is implemented by an agent that can say how it would choose in
// a state without acting or learning (the actor_critic agent): Policy
// writes the probability of every action in the state x into pi. The
// value map (record.value_map) draws its preferred direction from it.
type Chooser interface {
	Policy(x, pi []float64)
}

// AgentDef is one agent: everything the program knows about it. A new
// agent is a file that defines its AgentDef (and its Agent type) plus one
// line in the registry below.
type AgentDef struct {
	// Name is the agent's name in files and outputs.
	Name string
	// Doc is one line for people.
	Doc string
	// Acts: the agent chooses actions (it needs an environment that takes
	// them); otherwise only the critic learns (Pavlovian tasks).
	Acts bool
	// ActsOptionally: the agent runs in environments with and without
	// actions (a network that the environment stimulates, and whose action,
	// where there is one, reports what it did); Acts is then ignored. Its
	// Act is called only where the environment takes actions.
	ActsOptionally bool
	// Reports lists the fields the agent may report (Reporter), for the
	// checks that name them.
	Reports []string
	// Defaults returns its keys with their defaults.
	Defaults func() AgentParams
	// New makes the agent of one run from validated parameters.
	New func(p AgentParams, s Setup) (Agent, error)
}

// Setup is what an agent is made for: the environment's sizes, the run's
// random stream for the agent's construction, and the dopamine the
// critic's δ drives.
type Setup struct {
	// Features is the length of an observation; Actions the number of
	// actions.
	Features, Actions int
	// Rng is the agent's stream (its construction and its choices).
	Rng *rand.Rand
	// Dopamine are the parameters of the dopamine level δ drives.
	Dopamine modulator.PulsedParams
	// StepMs is the duration of one step (critic.step_ms); RunMs the
	// duration of the run, episodes × the environment's bound on their
	// steps × StepMs (exact for environments whose episodes all have that
	// length).
	StepMs, RunMs float64
}

// Reporter is implemented by an agent that measures something of its own
// (a network's responses, a synapse's weight). Report is called once, at
// the end of a run; summary.json carries its fields beside the run's
// metrics and, in by_rule, their median and quartiles over seeds.
type Reporter interface {
	Report() []env.Field
}

var agents = []*AgentDef{&criticDef, &actorCriticDef, &aseDef, &rateDef, &spikingDef, &networkDef, &qLearningDef, &randomDef, &epropDef, &fremauxDef, &potjansDef}

// Agents lists the registered agents.
func Agents() []*AgentDef { return append([]*AgentDef(nil), agents...) }

func lookupAgent(name string) (*AgentDef, bool) {
	for _, d := range agents {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

func unknownAgent(name string) string {
	names := make([]string, len(agents))
	for i, d := range agents {
		names[i] = fmt.Sprintf("%q", d.Name)
	}
	return fmt.Sprintf("unknown agent %q (want %s)", name, strings.Join(names, ", "))
}

// noParams is the keys of an agent without keys of its own.
type noParams struct{}

func (noParams) Validate() error { return nil }

// The critic alone: a Pavlovian subject that only predicts.
var criticDef = AgentDef{
	Name:     "critic",
	Doc:      "no actor: the TD critic alone learns to predict reward (Pavlovian tasks)",
	Defaults: func() AgentParams { return noParams{} },
	New:      func(AgentParams, Setup) (Agent, error) { return passive{}, nil },
}

type passive struct{}

func (passive) Begin()                                                  {}
func (passive) Act([]float64, *rand.Rand) int                           { return 0 }
func (passive) Learn([]float64, int, float64, []float64, bool, float64) {}

// ActorCriticParams are the keys of the rate actor.
type ActorCriticParams struct {
	// LearningRate is η of the three-factor rule Δθ = η·δ·e, > 0.
	LearningRate float64 `toml:"learning_rate" check:"(0,1000]"`
	// Beta is the inverse temperature β of the softmax choice, > 0.
	Beta float64 `toml:"beta" check:"(0,1000]"`
	// TraceDecay is the per-step decay λ_a of the eligibility trace e, in [0, 1).
	TraceDecay float64 `toml:"trace_decay" check:"[0,1)"`
	// WMax bounds every weight to [−w_max, w_max] (0: unbounded), as
	// synapses are bounded: a preference cannot grow without limit, so a
	// choice that was once bad can be tried again after a reversal.
	WMax float64 `toml:"w_max" check:"[0,1e6],note=0: unbounded"`
	// Post is the postsynaptic factor of the eligibility: "deviation"
	// (1[a chosen] − π_a: the policy gradient, Williams 1992) or "chosen"
	// (1[a chosen]: a Hebbian pre × post term).
	Post string `toml:"post" check:"oneof=deviation|chosen"`
}

// Validate reports a key out of range.
func (p ActorCriticParams) Validate() error {
	return param.Check(p)
}

// The rate actor of an actor-critic (Barto, Sutton & Anderson 1983): one
// rate unit per action, its drive h_a = Σ_i θ_ai·x_i, the action sampled
// from softmax(β·h). Each synapse θ_ai keeps an eligibility
//
//	e_ai ← λ_a·e_ai + post_a·x_i
//
// and the three-factor rule Δθ_ai = η·δ·e_ai applies the critic's δ; the
// weights stay within [−w_max, w_max] if w_max > 0.
var actorCriticDef = AgentDef{
	Name: "actor_critic",
	Doc:  "rate actor: softmax choice, eligibility pre × post, three-factor rule Δθ = η·δ·e with the critic's δ",
	Acts: true,
	Defaults: func() AgentParams {
		return ActorCriticParams{LearningRate: 0.1, Beta: 1, Post: "deviation"}
	},
	New: func(p AgentParams, s Setup) (Agent, error) {
		ap := p.(ActorCriticParams)
		n, actions := s.Features, s.Actions
		return &actorCritic{ActorCriticParams: ap, n: n, theta: make([]float64, n*actions),
			e: make([]float64, n*actions), pi: make([]float64, actions)}, nil
	},
}

type actorCritic struct {
	ActorCriticParams
	n        int
	theta, e []float64 // actions × n, row-major
	pi       []float64 // the policy in the state it last acted in
}

func (a *actorCritic) Begin() { clear(a.e) }

// policy writes softmax(β·h) for the state x into a.pi.
func (a *actorCritic) policy(x []float64) {
	for k := range a.pi {
		h := 0.0
		row := a.theta[k*a.n : (k+1)*a.n]
		for i, xi := range x[:a.n] {
			h += row[i] * xi
		}
		a.pi[k] = h
	}
	softmax(a.pi, a.Beta, a.pi)
}

// Policy writes softmax(β·h) for the state x into pi (Chooser), leaving
// the state the agent acted in untouched.
func (a *actorCritic) Policy(x, pi []float64) {
	for k := range pi {
		h := 0.0
		row := a.theta[k*a.n : (k+1)*a.n]
		for i, xi := range x[:a.n] {
			h += row[i] * xi
		}
		pi[k] = h
	}
	softmax(pi, a.Beta, pi)
}

// softmax writes p_k = exp(β·h_k) / Σ_j exp(β·h_j) into p (p may be h).
func softmax(p []float64, beta float64, h []float64) {
	m := math.Inf(-1)
	for _, v := range h {
		m = max(m, beta*v)
	}
	sum := 0.0
	for k, v := range h {
		p[k] = math.Exp(beta*v - m)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
}

func (a *actorCritic) Act(x []float64, rng *rand.Rand) int {
	a.policy(x)
	return sample(a.pi, rng)
}

func (a *actorCritic) Learn(x []float64, act int, _ float64, _ []float64, _ bool, delta float64) {
	for k := range a.pi {
		post := 0.0
		if k == act {
			post = 1
		}
		if a.Post == "deviation" {
			post -= a.pi[k]
		}
		row := a.e[k*a.n : (k+1)*a.n]
		th := a.theta[k*a.n : (k+1)*a.n]
		for i, xi := range x[:a.n] {
			row[i] = a.TraceDecay*row[i] + post*xi
			th[i] += a.LearningRate * delta * row[i]
			if a.WMax > 0 {
				th[i] = max(-a.WMax, min(a.WMax, th[i]))
			}
		}
	}
}

// sample draws an index with the probabilities p (summing to 1).
func sample(p []float64, rng *rand.Rand) int {
	u := rng.Float64()
	acc := 0.0
	for k, q := range p {
		acc += q
		if u < acc {
			return k
		}
	}
	return len(p) - 1
}

// QLearningParams are the keys of Q-learning.
type QLearningParams struct {
	// Alpha is the learning rate α, in (0, 1].
	Alpha float64 `toml:"alpha" check:"(0,1]"`
	// Gamma is the discount γ, in [0, 1].
	Gamma float64 `toml:"gamma" check:"[0,1]"`
	// Policy is "epsilon_greedy" or "softmax".
	Policy string `toml:"policy" check:"oneof=epsilon_greedy|softmax"`
	// Epsilon is the exploration probability of epsilon_greedy, in [0, 1].
	Epsilon float64 `toml:"epsilon" check:"[0,1]"`
	// Beta is the inverse temperature of softmax, > 0.
	Beta float64 `toml:"beta" check:"(0,1000]"`
	// Init is the initial value of every Q (optimistic above the rewards:
	// every action gets tried early).
	Init float64 `toml:"init" check:"finite,[-1e6,1e6]"`
}

// Validate reports a key out of range.
func (p QLearningParams) Validate() error {
	return param.Check(p)
}

// Tabular Q-learning (Watkins 1989), the baseline: Q(x, a) = Σ_i q_ai·x_i
// (a table when x is one-hot), updated by its own error
// δ_Q = r + γ·max_a′ Q(y, a′) − Q(x, a) (0 for the max at an episode's
// end), not by the critic's.
var qLearningDef = AgentDef{
	Name: "q_learning",
	Doc:  "tabular Q-learning (the baseline): its own error r + γ·max Q(y) − Q(x, a), epsilon-greedy or softmax choice",
	Acts: true,
	Defaults: func() AgentParams {
		return QLearningParams{Alpha: 0.1, Gamma: 0.9, Policy: "epsilon_greedy", Epsilon: 0.1, Beta: 1}
	},
	New: func(p AgentParams, s Setup) (Agent, error) {
		n, actions := s.Features, s.Actions
		qp := p.(QLearningParams)
		l := &qLearner{QLearningParams: qp, n: n, q: make([]float64, n*actions), v: make([]float64, actions)}
		for i := range l.q {
			l.q[i] = qp.Init
		}
		return l, nil
	},
}

type qLearner struct {
	QLearningParams
	n int
	q []float64 // actions × n
	v []float64 // Q of every action in a state, scratch
}

func (l *qLearner) Begin() {}

func (l *qLearner) values(x []float64) []float64 {
	for k := range l.v {
		s := 0.0
		row := l.q[k*l.n : (k+1)*l.n]
		for i, xi := range x[:l.n] {
			s += row[i] * xi
		}
		l.v[k] = s
	}
	return l.v
}

// greedy returns a best action, ties broken at random.
func greedy(v []float64, rng *rand.Rand) int {
	best, ties := 0, 0
	for k, q := range v {
		switch {
		case q > v[best]:
			best, ties = k, 1
		case q == v[best]:
			ties++
			if rng.IntN(ties) == 0 {
				best = k
			}
		}
	}
	return best
}

func (l *qLearner) Act(x []float64, rng *rand.Rand) int {
	v := l.values(x)
	if l.Policy == "softmax" {
		softmax(v, l.Beta, v)
		return sample(v, rng)
	}
	if rng.Float64() < l.Epsilon {
		return rng.IntN(len(v))
	}
	return greedy(v, rng)
}

func (l *qLearner) Learn(x []float64, a int, r float64, y []float64, end bool, _ float64) {
	target := r
	if !end {
		v := l.values(y)
		m := v[0]
		for _, q := range v {
			m = max(m, q)
		}
		target += l.Gamma * m
	}
	row := l.q[a*l.n : (a+1)*l.n]
	qa := 0.0
	for i, xi := range x[:l.n] {
		qa += row[i] * xi
	}
	d := l.Alpha * (target - qa)
	for i, xi := range x[:l.n] {
		row[i] += d * xi
	}
}

// The random agent: uniform choices, the floor every learner must beat.
var randomDef = AgentDef{
	Name:     "random",
	Doc:      "uniform random choices: the chance level",
	Acts:     true,
	Defaults: func() AgentParams { return noParams{} },
	New:      func(_ AgentParams, s Setup) (Agent, error) { return randomAgent(s.Actions), nil },
}

type randomAgent int

func (randomAgent) Begin()                                                  {}
func (r randomAgent) Act(_ []float64, rng *rand.Rand) int                   { return rng.IntN(int(r)) }
func (randomAgent) Learn([]float64, int, float64, []float64, bool, float64) {}
