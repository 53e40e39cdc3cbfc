package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/runstore"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// Kind is the kind of an experiment file with a [sweep]: one job per
// point, each a whole training run in DIR/points/ID.
var Kind = runner.Kind{
	Name: output.Sweep,
	Doc:  "an experiment file with a [sweep]: every point a training run, in DIR/points/ID",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		s, err := Load(experiments.SourceOf(src, output.Sweep), overrides, true)
		if err != nil {
			return nil, err
		}
		return s, nil
	},
	Plot: WritePlots,
	// 9 points of 2 seeds, each run to its last trial: about 3 s.
	Example: runner.Example{File: "experiments/xor_sweep", Overrides: []string{"seeds=2", "max_trials=6000", "criterion.loss_below=0"}},
}

// PointResult is what the job of one point produced: the point's runs as
// the run store records them, or why the point failed.
type PointResult struct {
	ID   string
	Err  string
	Runs []runner.Record
}

// Failure says why the point failed: it runs again on --resume.
func (r *PointResult) Failure() string { return r.Err }

// Manifest is the sweep's manifest: the experiment before any point,
// resolved, its seeds and the backend.
func (s *Sweep) Manifest() output.Manifest {
	m := output.NewManifest(output.Sweep, s.Base.Spec.Name, nil, time.Now())
	m.File, m.CircuitFile = s.Source.File, s.Base.CircuitFile
	m.Resolved = map[string]any{"experiment": output.Resolved(s.Base.Spec), "circuit": output.Resolved(s.Base.Circuit)}
	for i := range s.Base.Spec.Seeds {
		m.Seeds = append(m.Seeds, s.Base.Spec.Seed+i)
	}
	m.Streams = "backend " + s.backend()
	return m
}

func (s *Sweep) backend() string {
	if s.Backend == "" {
		return "local"
	}
	return s.Backend
}

// Describe says what the sweep runs.
func (s *Sweep) Describe() string {
	return fmt.Sprintf("sweep %q (%s × %s × %s)", s.Base.Spec.Name, training.Count(len(s.Points), "point"),
		training.Count(len(s.Base.Spec.Variants()), "rule variant"), training.Count(s.Base.Spec.Seeds, "seed"))
}

// Jobs are the points.
func (s *Sweep) Jobs() []string {
	jobs := make([]string, len(s.Points))
	for i, p := range s.Points {
		jobs[i] = "point " + p.ID
	}
	return jobs
}

// Workers is the file's worker count: how many runs of a point run at
// once (the points run one after another: runner.Nested).
func (s *Sweep) Workers() int { return s.Base.Spec.Workers }

// SetWorkers sets how many runs of a point run at once.
func (s *Sweep) SetWorkers(n int) { s.workers = n }

// Run runs point i into DIR/points/ID (continuing it from its own journal
// if it was interrupted), or, Collecting, reads it as its task left it.
// Interrupted, the point keeps its finished runs and the job is not done.
func (s *Sweep) Run(ctx context.Context, i int, ck runner.Checkpoint) (runner.Result, bool, error) {
	if ck.Dir == "" {
		return nil, false, errors.New("a sweep's point runs into an output directory, and the run has none")
	}
	p := s.Points[i]
	if s.Collecting {
		st := s.pointStatus(ck.Dir, i)
		switch st.Status {
		case "done":
			return s.result(ck.Dir, p.ID, ""), true, nil
		case "failed":
			return s.result(ck.Dir, p.ID, st.Error), true, nil
		}
		// Its task did not finish it: failed here, so that the sweep is not
		// complete and --resume runs it.
		return s.result(ck.Dir, p.ID, fmt.Sprintf("point %s: %s (its array task did not finish it; --resume runs it)", p.ID, st.Status)), true, nil
	}
	err := s.RunPoint(ctx, ck.Dir, p, s.workers)
	if ctx.Err() != nil {
		return nil, false, nil
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return s.result(ck.Dir, p.ID, msg), true, nil
}

// result is the job's result of the point id: its runs, read from its
// summary.json (none if it has none), failed with msg if msg is not "".
func (s *Sweep) result(dir, id, msg string) *PointResult {
	r := &PointResult{ID: id, Err: msg}
	if b, err := os.ReadFile(filepath.Join(PointDir(dir, id), output.SummaryFile)); err == nil {
		r.Runs, _ = runstore.SummaryRecords(b)
	}
	return r
}

// NewResult returns a point's result to decode from the journal.
func (s *Sweep) NewResult(int) runner.Result { return new(PointResult) }

// Write gathers the points into dir: summary.json and sweep.json.
func (s *Sweep) Write(dir string, m *output.Manifest, rs []runner.Result) error {
	st, err := s.gather(dir)
	s.status = st
	return err
}

// Print prints each point's parameters, status and the median headline
// metric of each rule.
func (s *Sweep) Print(w io.Writer, rs []runner.Result) { s.PrintStatus(w, s.status) }

// PrintStatus prints the points' states (Status).
func (s *Sweep) PrintStatus(w io.Writer, st []PointStatus) {
	metric := s.Base.HeadlineMetric()
	var keys []string
	for _, p := range s.Base.Spec.Sweep.Params {
		keys = append(keys, p.Key)
	}
	fmt.Fprintf(w, "%-12s %-40s %-11s median %s by rule\n", "point", strings.Join(keys, ", "), "status", metric)
	for _, p := range st {
		var vals []string
		for _, k := range keys {
			vals = append(vals, p.Params[k])
		}
		line := ""
		if p.ByRule != nil {
			var raw map[string]map[string]*float64
			if json.Unmarshal(p.ByRule, &raw) == nil {
				for _, r := range s.Base.Spec.Variants() {
					if agg, ok := raw[r.Label]; ok {
						line += fmt.Sprintf(" %s %s", r.Label, training.Num(agg["median_"+metric]))
					}
				}
			}
		}
		fmt.Fprintf(w, "%-12s %-40s %-11s%s\n", p.ID, strings.Join(vals, ", "), p.Status, line)
	}
}

// Records are the runs of every finished point, each recorded as a run of
// its point with the point's values as parameters; the runs of a failed
// point are failed. (A point's own training run records nothing: each run
// is recorded once, here.)
func (s *Sweep) Records(rs []runner.Result) []runner.Record {
	var out []runner.Record
	for i, r := range rs {
		if r == nil {
			continue
		}
		pr := r.(*PointResult)
		p := s.Points[i]
		for _, x := range pr.Runs {
			x.Point = p.ID
			x.Params = map[string]string{}
			for k, key := range p.Keys {
				x.Params[key] = p.Values[k]
			}
			if pr.Err != "" {
				x.Failed, x.Error = true, pr.Err
			}
			out = append(out, x)
		}
	}
	return out
}
