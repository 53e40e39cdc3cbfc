package training

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments/sweep/space"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/pathname"
)

// Spec is an experiment as declared in a TOML experiment file.
type Spec struct {
	// Name identifies the experiment in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// Circuit is a built-in circuit name ("xor") or a path to a circuit
	// file, relative to the experiment file.
	Circuit string `toml:"circuit" check:"set,note=a built-in circuit name or a file path"`
	// Task is the task the circuit learns, a registered task name
	// (task.Names).
	Task string `toml:"task"`
	// TaskParams are the task's own keys, inline (data_seed, [forecast],
	// [mackey_glass], [lorenz] for the forecasting tasks). The keys of
	// another task are unknown keys.
	task.Params
	// Seeds is the number of seeds (runs per rule).
	Seeds int `toml:"seeds" check:"[1,100000]"`
	// Seed is the first seed; runs use Seed, Seed+1, …
	Seed int `toml:"seed" check:"[0,2147483647]"`
	// MaxTrials stops a run after this many trials (forward passes over
	// the task's batch).
	MaxTrials int `toml:"max_trials" check:"[1,2⁴⁰]"`
	// Workers is the number of runs trained at once; 0 means one per CPU.
	// It never changes results.
	Workers int `toml:"workers" check:"[0,4096]"`
	// Criterion says when a run has solved the task.
	Criterion Criterion `toml:"criterion"`
	// Rules are the learning rules to compare.
	Rules []RuleEntry `toml:"rule"`
	// Record says what is written besides the summary.
	Record Record `toml:"record"`
	// Sweep runs the experiment at every point of a parameter sweep (each
	// point in a directory of its own; docs/sweeps.md).
	Sweep space.Spec `toml:"sweep"`
}

// Criterion is the stopping criterion of a run.
type Criterion struct {
	// LossBelow: a run is solved when the unperturbed loss drops below it;
	// 0 means train for MaxTrials.
	LossBelow float64 `toml:"loss_below" json:"loss_below" check:"finite,>=0"`
	// TestErrorBelow: a run is solved when the task's held-out test error
	// (a fraction), measured every record.diagnostics_every updates, is
	// below it (NEST's and Bellec et al.'s early stopping: error <
	// stop_crit); 0 means no such criterion. Needs a task that reports
	// test_error while training (mnist, evidence).
	TestErrorBelow float64 `toml:"test_error_below" json:"test_error_below,omitempty" check:"[0,1]"`
}

// Active says whether a run can be solved (a criterion is set).
func (c Criterion) Active() bool { return c.LossBelow > 0 || c.TestErrorBelow > 0 }

// Record chooses what goes into metrics.csv and traces.csv.
type Record struct {
	// Every logs one metrics row every this many learning updates (the
	// first and last update are always logged).
	Every int `toml:"every" check:">=1"`
	// TraceSeeds is the number of seeds per rule (the first ones) whose
	// modulator traces are written, one row per update.
	TraceSeeds int `toml:"trace_seeds" check:">=0"`
	// DiagnosticsEvery writes diagnostics.csv every this many updates (and
	// after the last): the task's held-out measure (test error, NSE) and
	// the rule's own (the credit rules' alignment with backprop); 0: none.
	DiagnosticsEvery int `toml:"diagnostics_every" check:">=0"`
	// Weights writes weights.csv: every plastic synapse of the traced
	// runs before and after training (one row per synapse: 785 000 rows a
	// run for a 784-1000-10 network, 43 MB).
	Weights bool `toml:"weights"`
	// Format is the format of the tables: "csv" (the default), "npz"
	// (NumPy: one .npz file per table) or "both" (docs/python.md).
	Format output.Format `toml:"format"`
	// Synapses ([[record.synapse]]) lists synapses whose eligibility
	// trace and learning signal the traced seeds of a rule that records
	// them (eprop) write to eligibility.csv: every step of the first
	// sequence of the batch, at the updates SynapsesEvery picks. At most
	// maxWatched. Other rules record nothing.
	Synapses []WatchedSynapse `toml:"synapse"`
	// SynapsesEvery records the watched synapses at the first update and
	// then every this many updates, ≥ 1 (default 10).
	SynapsesEvery int `toml:"synapses_every"`
}

// WatchedSynapse chooses one synapse of a dense projection.
type WatchedSynapse struct {
	// Projection is the projection's name (its name key, or FROM_TO).
	Projection string `toml:"projection"`
	// Pre and Post are the presynaptic and postsynaptic neurons, from 0.
	Pre  int `toml:"pre"`
	Post int `toml:"post"`
}

// maxWatched bounds [[record.synapse]]: each writes a row per step of a
// sequence at every recorded update.
const maxWatched = 100

// RuleEntry is one rule of the comparison: a rule with its parameters,
// optionally swept.
type RuleEntry struct {
	// Label names the entry in outputs, messages and --set keys instead of
	// the rule's name ("" for the name): give one to compare a rule with
	// itself under other parameters (label = "ndi-2").
	Label string `toml:"label"`
	train.Spec
	// Sweep runs the rule once per listed learning rate, labelled
	// RULE@RATE (e.g. dopamine@0.03).
	Sweep Sweep `toml:"sweep"`
}

// Sweep lists values a rule parameter takes.
type Sweep struct {
	LearningRate []float64 `toml:"learning_rate" check:"finite,>0"`
}

// Defaults returns an experiment of one seed, 40 000 trials at most and
// the XOR criterion, on task (whose keys get their defaults).
func (Spec) Defaults(taskName string) Spec {
	s := Spec{Task: taskName, Seeds: 1, Seed: 1, MaxTrials: 40000, Criterion: Criterion{LossBelow: 0.01}, Record: Record{Every: 10, TraceSeeds: 1, Weights: true, Format: output.CSV, SynapsesEvery: 10},
		Sweep: space.Spec{Mode: "grid", Seed: 1}}
	if d, ok := task.Lookup(taskName); ok {
		s.Params = d.Defaults()
	}
	return s
}

// Variant is a rule of the comparison after sweeps are expanded.
type Variant struct {
	Label string // rule name, or RULE@RATE for a sweep
	Rule  train.Spec
	Entry int // index of the [[rule]] entry it comes from
}

// Variants expands the sweeps.
func (s *Spec) Variants() []Variant {
	var out []Variant
	for i, e := range s.Rules {
		label := e.Name
		if e.Label != "" {
			label = e.Label
		}
		if len(e.Sweep.LearningRate) == 0 {
			out = append(out, Variant{Label: label, Rule: e.Spec, Entry: i})
			continue
		}
		for _, lr := range e.Sweep.LearningRate {
			r := e.Spec
			r.LearningRate = lr
			out = append(out, Variant{Label: label + "@" + strconv.FormatFloat(lr, 'g', -1, 64), Rule: r, Entry: i})
		}
	}
	return out
}

// checkLabel accepts "" (no label) or a name of letters, digits and
// . _ + - (at most 40), which outputs, file names and --set keys carry
// as they are.
func checkLabel(l string) error {
	if l == "" {
		return nil
	}
	ok := len(l) <= 40 && !strings.ContainsAny(l[:1], ".+-")
	for _, c := range l {
		ok = ok && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._+-", c))
	}
	if !ok {
		return param.New(fmt.Sprintf("must be at most 40 letters, digits and . _ + - (not first: . + -), got %q", l), "label")
	}
	return nil
}

// Bounds on what one experiment may ask for, so that a slip in a number is
// refused instead of running for days or allocating without end (those of
// one key are in its check tag: seeds, max_trials, workers).
const (
	maxSeeds = 100000 // seeds of one experiment (the seeds key's bound; a sweep multiplies them)
	maxRules = 1000   // rule variants, sweeps expanded
)

// Validate checks the experiment's own keys (not the circuit's); errors
// are *param.Error locating the key.
func (s *Spec) Validate() error {
	fe := func(msg string, path ...any) error { return param.New(msg, path...) }
	switch {
	case pathname.Check(s.Name) != nil:
		// The name names output directories (dopa run, the live page).
		return fe(pathname.Check(s.Name).Error(), "name")
	case s.Params == nil:
		return fe(task.UnknownTask(s.Task), "task")
	case param.Check(s) != nil:
		return param.Check(s)
	case param.Check(s.Criterion) != nil:
		return param.Under(param.Check(s.Criterion), "criterion")
	case param.Check(s.Record) != nil:
		return param.Under(param.Check(s.Record), "record")
	case s.Record.Format.Check() != nil:
		return fe(s.Record.Format.Check().Error(), "record", "format")
	case s.Record.SynapsesEvery < 1:
		return fe(fmt.Sprintf("must be >= 1, got %d", s.Record.SynapsesEvery), "record", "synapses_every")
	case len(s.Record.Synapses) > maxWatched:
		return fe(fmt.Sprintf("at most %d synapses, got %d", maxWatched, len(s.Record.Synapses)), "record", "synapse")
	case len(s.Rules) == 0:
		return fe("an experiment needs at least one [[rule]]", "rule")
	case s.Criterion.TestErrorBelow > 0 && s.Record.DiagnosticsEvery == 0:
		return fe("needs record.diagnostics_every > 0: the test error is measured at the diagnostics", "criterion", "test_error_below")
	}
	for i, w := range s.Record.Synapses {
		switch {
		case w.Projection == "":
			return fe("must name a projection", "record", "synapse", i, "projection")
		case w.Pre < 0:
			return fe(fmt.Sprintf("must be >= 0, got %d", w.Pre), "record", "synapse", i, "pre")
		case w.Post < 0:
			return fe(fmt.Sprintf("must be >= 0, got %d", w.Post), "record", "synapse", i, "post")
		}
	}
	if err := s.Params.Validate(); err != nil {
		return err
	}
	if err := s.Sweep.Validate(); err != nil {
		return err
	}
	labels := map[string]bool{}
	for i, e := range s.Rules {
		if err := e.Spec.Validate(); err != nil {
			return param.Under(err, "rule", i)
		}
		if err := checkLabel(e.Label); err != nil {
			return param.Under(err, "rule", i)
		}
		if err := param.Check(e.Sweep); err != nil {
			return param.Under(err, "rule", i, "sweep")
		}
	}
	vs := s.Variants()
	if len(vs) > maxRules {
		return fe(fmt.Sprintf("%d rule variants (sweeps expanded), more than %d", len(vs), maxRules), "rule")
	}
	if n := int64(len(vs)) * int64(s.Seeds); n > maxSeeds*10 {
		return fe(fmt.Sprintf("%d rule variants × %d seeds = %d runs, more than %d", len(vs), s.Seeds, n, maxSeeds*10), "seeds")
	}
	for _, v := range vs {
		if labels[v.Label] {
			return fe(fmt.Sprintf("rule %q appears twice; sweep it, or give one entry a label (label = \"%s-2\")", v.Label, v.Label), "rule", v.Entry, "name")
		}
		labels[v.Label] = true
	}
	return nil
}
