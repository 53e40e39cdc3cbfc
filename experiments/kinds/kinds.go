// Package kinds is the registry of the kinds of run: the one list that
// dopa run, validate, plot and serve find a kind in. A new kind is one
// entry here (docs/architecture.md).
package kinds

import (
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/experiments/reward"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/simulation"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// registry lists the kinds that the runner runs.
var registry = []runner.Kind{
	training.TrainingKind,
	simulation.SimulationKind,
	memory.RunKind,
	reward.RunKind,
	sweep.Kind,
}

// All returns the registered kinds.
func All() []runner.Kind { return registry }

// Of returns the kind of that name.
func Of(name output.Kind) (runner.Kind, bool) {
	for _, k := range registry {
		if k.Name == name {
			return k, true
		}
	}
	return runner.Kind{}, false
}

// Load loads a source with the kind it declares (experiments.Open decides
// which), overrides applied.
func Load(src *experiments.Source, overrides []string) (runner.Kind, runner.Experiment, error) {
	k, ok := Of(src.Kind)
	if !ok {
		return k, nil, &NotRunnerError{Kind: src.Kind}
	}
	exp, err := k.Load(runner.Source{File: src.File, Doc: src.Doc}, overrides)
	return k, exp, err
}

// NotRunnerError is a kind that no entry of the registry runs.
type NotRunnerError struct{ Kind output.Kind }

func (e *NotRunnerError) Error() string {
	return "a " + string(e.Kind) + " file is not a kind of run dopa knows"
}
