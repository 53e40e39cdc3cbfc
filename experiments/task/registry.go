package task

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/circuits"
)

// Params are a task's own keys in an experiment file, inline beside the
// experiment's (data_seed, [forecast], [mackey_glass], ...). A key of
// another task is an unknown key. Values, not pointers, are stored.
type Params interface {
	// Validate reports a parameter out of range as a *ParamError whose
	// path is relative to the experiment file's top level.
	Validate() error
}

// NoParams is the Params of a task without keys of its own.
type NoParams struct{}

// Validate accepts the empty set of keys.
func (NoParams) Validate() error { return nil }

// Metric is a number a task reports of a trained circuit (Eval.Metrics),
// summarised over seeds in summary.json.
type Metric struct {
	// Name is the metric's key in summary.json ("test_nrmse"); by_rule
	// carries median_NAME (and q25_NAME, q75_NAME with Quartiles), or
	// NAME_fraction for a Fraction.
	Name string
	// Label heads the metric's column in the table dopa run prints.
	Label string
	// HigherIsBetter says the metric's direction; a run without a value
	// (diverged) counts as the worst value.
	HigherIsBetter bool
	// Fraction: the metric is a yes (1) or no (0) per run, summarised as
	// the fraction of runs with yes.
	Fraction bool
	// Quartiles: by_rule also carries its 25 % and 75 % quantiles.
	Quartiles bool
}

// Worst returns the value a run without one counts as.
func (m Metric) Worst() float64 {
	if m.HigherIsBetter {
		return negInf
	}
	return posInf
}

// Maker makes a fresh task for one run.
type Maker func() (Task, error)

// Def is one task: everything the program knows about it. A new task is a
// file that defines its Def (and its Task type) plus one line in the
// registry below, or, outside this package (a program embedding dopa, a
// test's task), a call of Register.
type Def struct {
	// Name is the task's name in files and outputs.
	Name string
	// Doc is one line for people, with the task's conventions.
	Doc string
	// Defaults returns the task's own keys with their defaults.
	Defaults func() Params
	// Prepare makes what every run of an experiment shares (a data set, a
	// series) once, from validated parameters, and returns the maker of
	// each run's task.
	Prepare func(p Params) (Maker, error)
	// Fits, if set, checks that a circuit fits the task without making
	// its data: set by a task whose Prepare is costly (a large data set),
	// so that validating a file stays fast and small; its Prepare then
	// runs when the first run needs its task. Without Fits, validation
	// prepares the data, makes a task and calls its Check.
	Fits func(p Params, c *circuits.Circuit) error
	// Metrics are what Evaluate reports besides the loss, in the order
	// outputs list them.
	Metrics []Metric
	// Headline is the metric by which runs are compared when no loss
	// criterion is set ("final_loss" or one of Metrics). With a criterion,
	// runs are compared by the trials they needed to reach it.
	Headline string
	// Note is printed under the table of results (the metrics'
	// conventions), if not empty.
	Note string
	// Alone is the budget of a circuit file run alone on the task (an
	// experiment file sets its own).
	Alone Budget
	// Forecast: the task trains on windows of a series (forecasting); it
	// is neither Sequential nor Supervised, so a rule that needs an error
	// at every step of a trial (e-prop) cannot learn it.
	Forecast bool
}

// Budget is how long a run trains.
type Budget struct {
	// MaxTrials stops a run after this many trials.
	MaxTrials int
	// LossBelow: a run is solved when its unperturbed loss drops below
	// it; 0 trains for MaxTrials.
	LossBelow float64
}

// registry lists every task, in the order docs list them.
var registry = []*Def{&xorDef, &mackeyGlassDef, &lorenzDef, &regressionDef, &mnistDef, &sinesDef, &evidenceDef}

// Register adds a task after the built-in ones; call it from an init
// function. It panics if the Def lacks a name, its defaults or Prepare, or
// if its name is taken: a task is registered once.
func Register(d *Def) {
	if d.Name == "" || d.Defaults == nil || d.Prepare == nil {
		panic(fmt.Sprintf("task.Register: task %q lacks a name, defaults or Prepare", d.Name))
	}
	if _, ok := Lookup(d.Name); ok {
		panic(fmt.Sprintf("task.Register: task %q is registered already", d.Name))
	}
	registry = append(registry, d)
}

// Lookup returns the task of that name.
func Lookup(name string) (*Def, bool) {
	for _, d := range registry {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// Tasks lists every registered task.
func Tasks() []*Def { return slices.Clone(registry) }

// Names lists the task names, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, d := range registry {
		out[i] = d.Name
	}
	return out
}

// UnknownTask is the message for a task name that is not registered;
// extra lists names that are valid in the same place besides the tasks
// (such as "simulate" in a circuit file).
func UnknownTask(name string, extra ...string) string {
	names := append(Names(), extra...)
	return fmt.Sprintf("unknown task %q (want %s)", name, strings.Join(names[:len(names)-1], ", ")+" or "+names[len(names)-1])
}

// Metric returns the definition of a metric of the task; the loss
// ("final_loss") is every task's.
func (d *Def) Metric(name string) (Metric, bool) {
	if name == FinalLoss.Name {
		return FinalLoss, true
	}
	for _, m := range d.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// FinalLoss is the loss on the task's training set after training, which
// every task reports (Eval.Loss).
var FinalLoss = Metric{Name: "final_loss", Label: "median loss"}

// AllMetrics lists the metrics of every registered task once, in registry
// order: the fields every run of a training summary carries (null where
// the run's task does not report them).
func AllMetrics() []Metric {
	var out []Metric
	seen := map[string]bool{}
	for _, d := range registry {
		for _, m := range d.Metrics {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m)
			}
		}
	}
	return out
}

var (
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
)
