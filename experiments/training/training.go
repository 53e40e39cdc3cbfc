package training

import (
	"context"
	"errors"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
)

// TrainingKind is the kind of an experiment file (rules compared over seeds on
// a task) or of a circuit file that trains alone with its [rule].
var TrainingKind = runner.Kind{
	Name: output.Training,
	Doc:  "rules compared over seeds on a task (an experiment file, or a circuit file with its [rule])",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		p, err := LoadPlan(experiments.SourceOf(src, output.Training))
		if err != nil {
			return nil, err
		}
		if err := p.Override(overrides); err != nil {
			return nil, err
		}
		return p.Experiment(), nil
	},
	Example: runner.Example{File: "experiments/mackey_glass", Overrides: []string{"seeds=3", "max_trials=1500"}},
	Plot: func(dir string) error {
		return errors.Join(plots.Write(dir), plots.WriteRasters(dir))
	},
}

// Override applies key=value overrides to a validated plan and validates
// the result; an error names the override.
func (p *Plan) Override(overrides []string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for _, kv := range overrides {
		if err := p.Set(kv); err != nil {
			return err
		}
	}
	if len(overrides) == 0 {
		return nil
	}
	if err := p.Validate(); err != nil {
		return &experiments.OverrideError{Overrides: overrides, Err: err}
	}
	return nil
}

// Experiment returns the plan as the runner runs it: one job per rule
// variant and seed.
func (p *Plan) Experiment() runner.Experiment { return training{p} }

type training struct{ p *Plan }

func (t training) Manifest() output.Manifest { return t.p.NewManifest(nil, time.Now()) }

func (t training) Describe() string {
	what := "experiment"
	if t.p.File == "" {
		what = "circuit"
	}
	return what + " " + strconv.Quote(t.p.Spec.Name) + " (circuit " + strconv.Quote(t.p.Circuit.Name) + ", " +
		Count(len(t.p.Spec.Variants()), "rule variant") + " × " + Count(t.p.Spec.Seeds, "seed") + ")"
}

func (t training) Jobs() []string {
	var names []string
	for _, j := range t.p.Jobs() {
		names = append(names, j.Variant.Label+" seed "+strconv.Itoa(j.Seed))
	}
	return names
}

func (t training) Workers() int { return t.p.Spec.Workers }

func (t training) Run(ctx context.Context, i int, ck runner.Checkpoint) (runner.Result, bool, error) {
	j := t.p.Jobs()[i]
	if err := t.p.prepare(); err != nil {
		return &Result{Rule: j.Variant.Label, Seed: j.Seed, Err: err.Error(), Done: true}, true, nil
	}
	r, err := t.p.runOne(ctx, ck, j)
	if err != nil {
		return nil, false, err
	}
	return &r, r.Done, nil
}

func (t training) NewResult(int) runner.Result { return new(Result) }

// results returns the results in job order, a not-done one where a job
// did not finish.
func (t training) results(rs []runner.Result) []Result {
	jobs := t.p.Jobs()
	out := make([]Result, len(jobs))
	for i, r := range rs {
		if r == nil {
			out[i] = Result{Rule: jobs[i].Variant.Label, Seed: jobs[i].Seed}
			continue
		}
		out[i] = *r.(*Result)
	}
	return out
}

func (t training) Write(dir string, m *output.Manifest, rs []runner.Result) error {
	results := t.results(rs)
	return WriteResults(dir, t.p.Summarize(results), results, t.p.Spec.Record)
}

func (t training) Print(w io.Writer, rs []runner.Result) {
	PrintSummary(w, t.p.Summarize(t.results(rs)))
}

func (t training) Records(rs []runner.Result) []runner.Record {
	metric := t.p.HeadlineMetric()
	var recs []runner.Record
	for _, r := range t.results(rs) {
		if !r.Done {
			continue
		}
		v := math.NaN()
		switch metric {
		case "trials_to_criterion":
			if r.Solved {
				v = float64(r.TrialsToCriterion)
			}
		case "final_loss":
			v = r.FinalLoss
		default:
			if x, ok := r.Values[metric]; ok {
				v = x
			}
		}
		recs = append(recs, runner.Record{Rule: r.Rule, Seed: r.Seed, Metric: metric, Value: v, WallSeconds: r.WallSeconds,
			Error: r.Err, Failed: r.Err != ""})
	}
	return recs
}

// Failure says why a run failed: an error other than a divergence (a
// divergence is a result; a failure runs again on resume).
func (r *Result) Failure() string {
	if r.Diverged {
		return ""
	}
	return r.Err
}

// Failed reports a run that ended with an error other than a divergence.
func (r *Result) Failed() bool { return r.Failure() != "" }

// Options say how Execute treats its output directory.
type Options struct {
	// Overrides are the command line's key=value overrides, recorded in
	// the manifest.
	Overrides []string
	// Resume continues the run in the directory (runner.Options.Resume).
	Resume bool
	// Done is called after every finished run.
	Done func(done, planned int)
	// CheckpointEvery is how often a long run checkpoints (0: the
	// runner's default).
	CheckpointEvery time.Duration
}

// Execute runs the plan durably into dir with the one runner (no run
// store, no figures): what a sweep's point and a live recording do.
func (p *Plan) Execute(ctx context.Context, dir string, o Options) ([]Result, output.Manifest, error) {
	// The task's shared data are made here, once, before the workers
	// start: a plan that was never validated has none yet, and its runs
	// would make them concurrently.
	if err := p.prepare(); err != nil {
		return nil, output.Manifest{}, err
	}
	k := TrainingKind
	k.Plot = func(string) error { return nil }
	rep, err := runner.Execute(ctx, k, p.Experiment(), runner.Options{Dir: dir, Overrides: o.Overrides, Resume: o.Resume, Workers: -1, Progress: o.Done,
		CheckpointEvery: o.CheckpointEvery})
	if rep == nil {
		return nil, output.Manifest{}, err
	}
	return training{p}.results(rep.Results), rep.Manifest, err
}

// Count renders n and noun, in the plural unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
