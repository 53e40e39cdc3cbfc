package distal

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
)

// RunKind is the kind of a distal-reward file (kind = "distal_reward"):
// every condition and seed, each a run of its own, checkpointed.
var RunKind = runner.Kind{
	Name: output.DistalReward,
	Doc:  "the distal-reward experiment of Izhikevich 2007 (kind = \"distal_reward\"): conditions × seeds",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		spec, err := FromDoc(src.Doc)
		if err != nil {
			return nil, err
		}
		if err := runner.SetEach(overrides, spec.Set); err != nil {
			return nil, err
		}
		return &experiment{spec: spec, file: src.File}, nil
	},
	Example: runner.Example{File: "izhikevich2007", Overrides: []string{"duration_s=3", "seeds=2"}},
	Plot: func(dir string) error {
		r, err := ReadResult(dir)
		if err != nil {
			return err
		}
		return WritePlots(dir, r)
	},
}

type experiment struct {
	spec *Spec
	file string
}

func (e *experiment) Manifest() output.Manifest {
	m := NewManifest(e.spec)
	m.File = e.file
	return m
}

func (e *experiment) Describe() string {
	return fmt.Sprintf("distal-reward experiment %q (%d runs: %d conditions × %d seeds, %g s each)", e.spec.Name, len(e.spec.Jobs()),
		len(e.spec.Conditions), e.spec.Seeds, e.spec.DurationS)
}

func (e *experiment) Jobs() []string {
	var names []string
	for _, j := range e.spec.Jobs() {
		names = append(names, j.Condition.Name+" seed "+strconv.Itoa(j.Seed))
	}
	return names
}

func (e *experiment) Workers() int { return 0 }

func (e *experiment) Run(ctx context.Context, i int, ck runner.Checkpoint) (runner.Result, bool, error) {
	r, err := runOne(ctx, e.spec, e.spec.Jobs()[i], ck)
	if err != nil {
		return nil, false, err
	}
	return &r, r.Done, nil
}

func (e *experiment) NewResult(int) runner.Result { return new(RunResult) }

// Failure: a distal-reward run that finished did not fail (a fault stops
// the whole experiment).
func (*RunResult) Failure() string { return "" }

// result gathers the runner's results into a Result, in job order.
func (e *experiment) result(m *output.Manifest, rs []runner.Result) *Result {
	jobs := e.spec.Jobs()
	r := &Result{Spec: e.spec, Runs: make([]RunResult, len(jobs))}
	if m != nil {
		r.Workers, r.Start, r.End, r.Interrupted = m.Workers, m.Start, m.End, !m.Complete
	}
	for i, x := range rs {
		if x == nil {
			j := jobs[i]
			r.Runs[i] = RunResult{Condition: j.Condition.Name, Reward: j.Condition.Reward, Seed: j.Seed}
			continue
		}
		r.Runs[i] = *x.(*RunResult)
	}
	return r
}

func (e *experiment) Write(dir string, m *output.Manifest, rs []runner.Result) error {
	return Write(dir, e.result(m, rs))
}

func (e *experiment) Print(w io.Writer, rs []runner.Result) {
	s := Summarize(e.result(nil, rs))
	last := fmt.Sprintf("rewarded w (last %g s)", e.spec.Record.LastS)
	fmt.Fprintf(w, "%-10s %5s %10s %22s %10s %12s %12s\n", "condition", "seed", "spikes", last, "rank (%)", "others mean", "others med")
	for _, r := range s.Runs {
		if !r.Done {
			continue
		}
		fmt.Fprintf(w, "%-10s %5d %10s %22s %10s %12s %12s\n", r.Condition, r.Seed, inum(r.SpikeCount), fnum(r.RewardedWeightLast),
			fnum(r.RewardedWeightPercentile), fnum(r.MeanOtherWeight), fnum(r.MedianOtherWeight))
	}
	failed := 0
	for _, c := range s.Checks {
		if !c.Pass {
			failed++
		}
	}
	fmt.Fprintf(w, "checks of the distal-reward result: %d of %d pass (summary.json \"checks\")\n", len(s.Checks)-failed, len(s.Checks))
}

func (e *experiment) Records(rs []runner.Result) []runner.Record {
	var recs []runner.Record
	for _, x := range rs {
		if x == nil {
			continue
		}
		r := x.(*RunResult)
		recs = append(recs, runner.Record{Rule: r.Condition, Seed: r.Seed, Metric: "rewarded_weight_last", Value: r.RewardedWeightLast,
			WallSeconds: r.WallSeconds})
	}
	return recs
}

func inum(p *int64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatInt(*p, 10)
}

func fnum(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'g', 4, 64)
}
