package env

import (
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// EvidenceParams are the keys of the evidence-accumulation environment:
// the task of Bellec et al. (2020, Fig. 3) and NEST's e-prop
// classification example (after Morcos & Harvey 2016), with the reward
// only for the right decision at the end.
//
// An episode is a sequence of steps (each as long as the agent makes it:
// the eprop agent's decision_ms). Cues come first: for each of Cues cues,
// SpacingSteps steps of silence, then CueSteps steps of the cue on the
// left or the right. The episode favours one side, drawn at random; each
// cue goes to the other side with probability ProbGroup. Then DelaySteps
// steps of silence, then RecallSteps steps of the recall cue; the action
// of the last recall step is the decision (0 left, 1 right), rewarded
// with Reward if it names the side that had more cues (the right one on
// a tie), 0 if not, and the episode ends. Actions before it are ignored.
//
// Features: left cue, right cue, recall cue (1 while on, else 0) and a
// background feature always at Background — an eprop agent with
// input_scale 40 and 10 input neurons per feature makes them the 40-Hz
// cue groups and the 10-Hz background of NEST's example.
type EvidenceParams struct {
	// Cues is the number of cues, in [1, 100].
	Cues int `toml:"cues" check:"[1,100]"`
	// CueSteps is the length of one cue, in steps, in [1, 10000].
	CueSteps int `toml:"cue_steps" check:"[1,10000]"`
	// SpacingSteps is the silence before each cue, in steps, in [0, 10000].
	SpacingSteps int `toml:"spacing_steps" check:"[0,10000]"`
	// DelaySteps is the silence between the last cue and the recall cue,
	// in steps, in [0, 100000].
	DelaySteps int `toml:"delay_steps" check:"[0,100000]"`
	// RecallSteps is the length of the recall cue, in steps, in [1, 10000];
	// the decision is its last step's action.
	RecallSteps int `toml:"recall_steps" check:"[1,10000]"`
	// ProbGroup is the probability that a cue goes to the side the episode
	// does not favour, in [0, 0.5].
	ProbGroup float64 `toml:"prob_group" check:"[0,0.5]"`
	// Background is the background feature's value, in [0, 1].
	Background float64 `toml:"background" check:"[0,1]"`
	// Reward is the reward of a right decision.
	Reward float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
}

// Validate reports a key out of range.
func (p EvidenceParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if n := p.Steps(); n > 1000000 {
		return bad("an episode of %d steps is more than 10⁶", n, "delay_steps")
	}
	return nil
}

// Steps is the length of an episode, in steps.
func (p EvidenceParams) Steps() int {
	return p.Cues*(p.SpacingSteps+p.CueSteps) + p.DelaySteps + p.RecallSteps
}

var evidenceDef = Def{
	Name: "evidence",
	Doc:  "evidence accumulation (Bellec et al. 2020; NEST's e-prop example): 7 cues on the left or right, a delay, a recall cue; reward only for naming the side of the majority at the end",
	Defaults: func() Params {
		return EvidenceParams{Cues: 7, CueSteps: 2, SpacingSteps: 1, DelaySteps: 21, RecallSteps: 3, ProbGroup: 0.3, Background: 0.25, Reward: 1}
	},
	New: func(p Params) (Env, error) {
		ep := p.(EvidenceParams)
		return &evidence{EvidenceParams: ep, cue: make([]int, ep.Cues)}, nil
	},
	Reported: func(p Params) []Field {
		ep := p.(EvidenceParams)
		return []Field{{"cues", float64(ep.Cues)}, {"delay_steps", float64(ep.DelaySteps)}}
	},
}

type evidence struct {
	EvidenceParams
	cue   []int // the side of each cue (0 left, 1 right)
	label int   // the side of the majority
	k     int   // the step under way
}

func (e *evidence) Features() int { return 4 }
func (e *evidence) Actions() int  { return 2 }
func (e *evidence) MaxSteps() int { return e.Steps() }

// Label returns the side of the majority of the episode under way.
func (e *evidence) Label() int { return e.label }

func (e *evidence) Reset(_ int, rng *rand.Rand, x []float64) {
	major := rng.IntN(2)
	right := 0
	for i := range e.cue {
		e.cue[i] = major
		if rng.Float64() < e.ProbGroup {
			e.cue[i] = 1 - major
		}
		right += e.cue[i]
	}
	e.label = 0
	if 2*right > e.Cues {
		e.label = 1
	}
	e.k = 0
	e.observe(x)
}

// observe writes the features of step k.
func (e *evidence) observe(x []float64) {
	clear(x)
	x[3] = e.Background
	cue := e.CueSteps + e.SpacingSteps
	switch k := e.k; {
	case k >= e.Steps()-e.RecallSteps:
		x[2] = 1
	case k < e.Cues*cue && k%cue >= e.SpacingSteps:
		x[e.cue[k/cue]] = 1
	}
}

func (e *evidence) Step(a int, _ *rand.Rand, x []float64) Outcome {
	if e.k < e.Steps()-1 {
		e.k++
		e.observe(x)
		return Outcome{Optimal: -1, Regret: math.NaN()}
	}
	clear(x)
	o := Outcome{End: true, Regret: e.Reward}
	if a == e.label {
		o.Reward, o.Optimal, o.Regret = e.Reward, 1, 0
	}
	return o
}
