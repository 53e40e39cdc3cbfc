// Package env holds the environments a circuit acts in, for reinforcement
// in closed loop, and their registry.
//
// An episode is a sequence of steps. Reset starts it and writes the first
// observation's features; each Step takes the circuit's action, moves the
// environment, writes the next observation's features and returns an
// Outcome: the reward delivered on entering the new state, whether the
// episode ended, and what the state means for the metrics (a conditioned
// stimulus, a reward, an omitted reward; whether the action was the best
// one). Observations are feature vectors (the state representation a
// critic and an actor read); spiking circuits encode them into input
// populations.
//
// Every environment is deterministic given the random stream it is handed
// and bounds its episodes (MaxSteps), whatever its parameters.
package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/dopa-sim/dopa/internal/param"
)

// ParamError is the error of a parameter out of range.
type ParamError = param.Error

// Mark says what a step means for the metrics of conditioning.
type Mark uint8

const (
	// None: nothing of note.
	None Mark = iota
	// CS: the conditioned stimulus came on at this step.
	CS
	// US: the reward (unconditioned stimulus) was delivered at this step.
	US
	// Omitted: the reward was due at this step and did not come.
	Omitted
)

var markNames = [...]string{None: "", CS: "cs", US: "us", Omitted: "omitted"}

// String returns the mark as outputs spell it ("" for None).
func (m Mark) String() string {
	if int(m) < len(markNames) {
		return markNames[m]
	}
	return fmt.Sprintf("Mark(%d)", int(m))
}

// Outcome is what one step returns.
type Outcome struct {
	// Reward is delivered on entering the new state.
	Reward float64
	// End: the episode ended (the new state is terminal; its features are
	// all zero).
	End bool
	// Mark says what the new state means for conditioning metrics.
	Mark Mark
	// Optimal is 1 if the action was a best one, 0 if not, −1 where the
	// environment has no notion of a best action.
	Optimal int8
	// Regret is the expected reward lost by the action against the best
	// one (NaN where not defined).
	Regret float64
}

// Env is an environment, made for one run.
type Env interface {
	// Features is the length of an observation.
	Features() int
	// Actions is the number of actions; 0 means actions are ignored (a
	// Pavlovian task: the circuit only predicts).
	Actions() int
	// MaxSteps bounds the steps of an episode.
	MaxSteps() int
	// Reset starts episode number episode (0, 1, …) and writes its first
	// observation into x.
	Reset(episode int, rng *rand.Rand, x []float64)
	// Step takes action a (ignored if Actions is 0), writes the next
	// observation into x and returns the outcome. It allocates nothing.
	Step(a int, rng *rand.Rand, x []float64) Outcome
}

// Params are an environment's own keys, inline in the [environment] table
// beside its name. Values, not pointers, are stored.
type Params interface {
	// Validate reports a key out of range as a *ParamError whose path is
	// relative to the [environment] table.
	Validate() error
}

// Field is a number of the environment's parameters that summaries report
// beside every run (reward_probability).
type Field struct {
	Name  string
	Value float64
}

// Def is one environment: everything the program knows about it. A new
// environment is a file that defines its Def (and its Env type) plus one
// line in the registry below.
type Def struct {
	// Name is the environment's name in files and outputs.
	Name string
	// Doc is one line for people, with its conventions.
	Doc string
	// Defaults returns its keys with their defaults.
	Defaults func() Params
	// New makes the environment of one run from validated parameters.
	New func(p Params) (Env, error)
	// Reported lists parameters that summaries carry beside every run.
	Reported func(p Params) []Field
	// StepMs, if not 0, is the duration of a step (ms) the environment's
	// times are counted in (its delays and intervals are in steps): a run
	// must step it at that duration (critic.step_ms). An environment
	// whose step is one of its keys says so through Stepped instead.
	StepMs float64
	// Measures are numbers of a whole run that the environment defines
	// (the maze's final latency, the cart-pole's balanced fraction):
	// summaries carry them beside every run, and by agent and condition
	// their median and quartiles over seeds.
	Measures []Measure
	// Solved, if not nil, tells whether an episode of steps steps and
	// return ret solved the task (the cart-pole's: it lasted the
	// horizon): what a reward file's stop_after_solved counts.
	Solved func(p Params, steps int, ret float64) bool
}

// Measure is a number of a run, computed from its episodes.
type Measure struct {
	Name, Doc string
	// Of computes it from the steps and the return of every episode, in
	// order (NaN where it does not apply).
	Of func(p Params, steps []int, returns []float64) float64
}

// Stepped is implemented by the parameters of an environment whose step
// duration is one of its keys (its physics depends on it): a run must
// step it at StepMs (critic.step_ms).
type Stepped interface {
	StepMs() float64
}

// Bounded is implemented by the parameters of an environment that knows a
// lower bound on the expected regret of any learner after n episodes
// (NaN where it does not apply).
type Bounded interface {
	RegretBound(n int) float64
}

var registry = []*Def{&conditioningDef, &banditDef, &gridDef, &pavlovianDef, &distalDef, &mazeDef, &cartPoleDef, &acrobotDef, &evidenceDef}

// Lookup returns the environment of that name.
func Lookup(name string) (*Def, bool) {
	for _, d := range registry {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// All lists the registered environments.
func All() []*Def { return append([]*Def(nil), registry...) }

// Unknown is the message for an unregistered name.
func Unknown(name string) string {
	names := make([]string, len(registry))
	for i, d := range registry {
		names[i] = fmt.Sprintf("%q", d.Name)
	}
	return fmt.Sprintf("unknown environment %q (want %s)", name, strings.Join(names, ", "))
}

func bad(format string, v any, path ...any) error {
	return param.New(fmt.Sprintf(format, v), path...)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
