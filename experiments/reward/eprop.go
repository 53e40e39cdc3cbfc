package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/param"
)

// EpropParams are the keys of the eprop agent.
type EpropParams struct {
	// CircuitAgent is the agent's circuit, of the shape the rule eprop
	// trains (docs/eprop.md): its input population, one block of neurons
	// per feature, receives x_i·input_scale; its readout has one unit per
	// action.
	CircuitAgent
	// LearningRate is η of Δw = −η·δ·ẽ, in (0, 1000].
	LearningRate float64 `toml:"learning_rate" check:"(0,1000]"`
	// Beta is the inverse temperature β of the softmax over the readout at
	// the end of the decision, in (0, 1000].
	Beta float64 `toml:"beta" check:"(0,1000]"`
	// InputScale is each input neuron's drive per unit of its feature
	// (for a poisson input, rate_hz_per_unit·drive Hz), in [0, 1e6].
	InputScale float64 `toml:"input_scale" check:"[0,1e6]"`
	// DecisionMs is how long the observation is presented before the
	// choice, in (0, 1e6] ms: the circuit runs from rest for that long.
	DecisionMs float64 `toml:"decision_ms" check:"(0,1e6],unit=ms"`
	// Feedback is how the choice's error reaches the recurrent neurons:
	// "random" (fixed random B) or "symmetric" (B = the readout weights'
	// transpose), as the rule eprop's key.
	Feedback string `toml:"feedback" check:"oneof=random|symmetric"`
	// FeedbackScale is the scale of a random B: N(0, scale²/n).
	FeedbackScale float64 `toml:"feedback_scale" check:"(0,1e6]"`
	// TraceDecay is λ, in [0, 1): the per-step decay of the action's
	// eligibility ẽ across the steps of an episode.
	TraceDecay float64 `toml:"trace_decay" check:"[0,1)"`
	// KeepState runs an episode as one sequence: the circuit and the
	// rule's eligibility traces start from rest at the episode's start and
	// carry on from step to step (a memory task); false starts every step
	// from rest (a bandit).
	KeepState bool `toml:"keep_state"`
	// ActOnFeature, if ≥ 0, is the feature whose steps are decisions: in a
	// step whose feature act_on_feature is 0 the circuit runs, the action
	// is 0 and no policy gradient is formed (the environment ignores the
	// action there). −1: every step is a decision.
	ActOnFeature int `toml:"act_on_feature" check:"[-1,1000000]"`
}

// Validate reports a key out of range.
func (p EpropParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p EpropParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

// ruleSpec is the rule eprop as the agent uses it: its feedback, plain
// gradient steps (the agent applies them), no regularisation.
func (p EpropParams) ruleSpec() train.Spec {
	s, _ := train.Defaults("eprop")
	rp := s.Params.(train.EpropParams)
	rp.Feedback, rp.FeedbackScale, rp.Optimizer, rp.CReg = p.Feedback, p.FeedbackScale, "sgd", 0
	s.Params, s.LearningRate = rp, p.LearningRate
	return s
}

func (p EpropParams) check(n, actions, episodes, maxSteps int) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	if err := p.ruleSpec().CheckCircuit(s); err != nil {
		msg := err.Error()
		if pe, ok := err.(*param.Error); ok {
			msg = pe.Msg
		}
		return param.New(fmt.Sprintf("circuit %s: %s", p.file, msg), "circuit")
	}
	in, _ := s.PopulationIndex(s.Input)
	out, _ := s.PopulationIndex(s.Readout.Population)
	switch {
	case s.Populations[in].Size%n != 0:
		return param.New(fmt.Sprintf("the input population %q of %s has %d neurons, not a multiple of the environment's %d features", s.Input, p.file, s.Populations[in].Size, n), "circuit")
	case p.ActOnFeature >= n:
		return param.New(fmt.Sprintf("must name one of the environment's %d features (0 … %d) or be -1, got %d", n, n-1, p.ActOnFeature), "act_on_feature")
	case s.Populations[out].Size != actions:
		return param.New(fmt.Sprintf("the readout population %q of %s must have one unit per action (%d), got %d", s.Readout.Population, p.file, actions, s.Populations[out].Size), "circuit")
	}
	if steps := p.DecisionMs / s.DtMs * float64(episodes) * float64(maxSteps); steps > 1e10 {
		return param.New(fmt.Sprintf("%.3g circuit steps per run, more than 1e10", steps), "decision_ms")
	}
	return nil
}

// Reward-based e-prop (Bellec et al. 2020, its actor-critic form): the
// circuit sees the observation for decision_ms, the action is drawn from
// softmax(β·y) of the readout y at the end, and the rule eprop computes,
// forward in time, ∂(−log π_a)/∂w from every synapse's eligibility trace
// and the learning signal B·β(π − 1_a). The agent keeps it as the action's
// eligibility ẽ ← λ·ẽ + ∂(−log π_a)/∂w and applies the critic's δ:
// Δw = −η·δ·ẽ (the policy gradient with δ as the advantage). With
// keep_state the circuit and the rule's traces carry on from step to step
// of an episode (from rest at its start only), so that a decision's
// gradient reaches what the circuit saw steps before (a memory task).
var epropDef = AgentDef{
	Name: "eprop",
	Doc:  "reward-based e-prop: a spiking circuit (circuit file) chooses by softmax on its leaky readout; eligibility traces forward in time, the critic's δ as the third factor",
	Acts: true,
	Defaults: func() AgentParams {
		return EpropParams{LearningRate: 0.01, Beta: 1, InputScale: 1, DecisionMs: 100, Feedback: "random", FeedbackScale: 1, ActOnFeature: -1}
	},
	New: newEpropAgent,
}

type epropAgent struct {
	EpropParams
	c     *circuits.Circuit
	rule  *train.Eprop
	steps int
	block int       // input neurons per feature
	in    []float64 // the input drive
	pi    []float64
	g     []float64
	act   int
	skip  bool // this step is no decision (act_on_feature)
	rng   *rand.Rand
	tr    [][]float64 // ẽ per link
}

func newEpropAgent(p AgentParams, s Setup) (Agent, error) {
	ep := p.(EpropParams)
	c, err := ep.spec.Build(s.Rng)
	if err != nil {
		return nil, err
	}
	r, err := train.New(ep.ruleSpec(), c, s.Rng)
	if err != nil {
		return nil, err
	}
	n := c.Pops[c.In].Len()
	a := &epropAgent{EpropParams: ep, c: c, rule: r.(*train.Eprop), steps: max(1, int(math.Round(ep.DecisionMs/c.DtMs))),
		block: n / max(1, s.Features), in: make([]float64, n), pi: make([]float64, s.Actions), g: make([]float64, s.Actions)}
	for _, l := range c.Links {
		a.tr = append(a.tr, make([]float64, len(l.W)))
	}
	return a, nil
}

func (a *epropAgent) Begin() {
	for _, t := range a.tr {
		clear(t)
	}
	if a.KeepState {
		a.rule.Begin()
	}
}

// Trials, Steps, Input and StepLoss make the decision one sequence for the
// rule's pass: the observation held for its steps, the choice at the last.
func (a *epropAgent) Trials() int              { return 1 }
func (a *epropAgent) Steps() int               { return a.steps }
func (a *epropAgent) Input(_, _ int) []float64 { return a.in }
func (a *epropAgent) StepLoss(_, t int, y, g []float64) float64 {
	clear(g)
	if t != a.steps-1 {
		return 0
	}
	if a.skip {
		a.act = 0
		return 0
	}
	softmax(a.pi, a.Beta, y)
	a.act = sample(a.pi, a.rng)
	for k, p := range a.pi {
		g[k] = a.Beta * p // ∂(−log π_a)/∂y_k = β·(π_k − 1[k = a])
	}
	g[a.act] -= a.Beta
	return -math.Log(max(a.pi[a.act], 1e-300))
}

func (a *epropAgent) Act(x []float64, rng *rand.Rand) int {
	for i := range a.in {
		a.in[i] = x[i/a.block] * a.InputScale
	}
	a.rng = rng
	a.skip = a.ActOnFeature >= 0 && x[a.ActOnFeature] == 0
	a.c.ZeroGrad()
	if a.KeepState {
		a.rule.Continue(a)
	} else {
		a.rule.Pass(a)
	}
	for k, l := range a.c.Links {
		if !l.Plastic {
			continue
		}
		t := a.tr[k]
		for i, g := range l.Grad {
			t[i] = a.TraceDecay*t[i] + g
		}
	}
	return a.act
}

func (a *epropAgent) Learn(_ []float64, _ int, _ float64, _ []float64, _ bool, delta float64) {
	if delta == 0 {
		return
	}
	for k, l := range a.c.Links {
		if l.Plastic {
			l.Step(a.LearningRate*delta, a.tr[k])
		}
	}
}
