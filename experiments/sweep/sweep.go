// Package sweep is the kind of run of an experiment file with a [sweep]
// (Kind): it runs the experiment at every point, each point a job of the
// one runner (experiments/runner) and a whole training run in a directory
// of its own (DIR/points/ID, an ordinary training output), on this machine
// or as Slurm job arrays (Submit, whose array tasks run their points with
// Task and whose collecting job runs the kind in Collecting mode). Its
// result files gather the points: DIR/sweep.json (the points, their
// parameters and status), DIR/summary.json (each point's by_rule) and the
// figures of the headline metric against the swept parameters; the run
// store records every run of every point.
//
// A point's results depend only on its parameter values and seeds: the
// same whatever else is in the sweep and whichever backend runs it. Every
// level resumes: a finished point is not run again, an interrupted one
// continues from its journal, a failed one runs again.
package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/experiments/sweep/space"
	"github.com/dopa-sim/dopa/experiments/training"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
)

// Sweep is an experiment file with a [sweep], its overrides applied and
// every point checked.
type Sweep struct {
	// Source is the experiment file.
	Source *experiments.Source
	// Overrides are the command line's key=value overrides (--set, and
	// --seeds, --seed and --workers as keys), applied before a point's.
	Overrides []string
	// Base is the experiment with the overrides, before any point.
	Base *training.Plan
	// Points are the sweep's points, in order.
	Points []space.Point
	// Backend is where the points run ("local" if empty; "slurm"): the
	// manifest and the run store say it.
	Backend string
	// Collecting makes a job gather its point as its array task left it,
	// without running it: what the collecting job of a sweep on Slurm
	// does.
	Collecting bool

	workers int           // runs of a point at once (0: as the file says)
	status  []PointStatus // the points as Write gathered them
}

// Load reads a sweep from its source and checks it: every key is swept
// once (whatever its spelling), and every value of every
// [[sweep.param]] is checked by its own key, then every point's
// combination of values; a value or a point that cannot be run is an
// error located at its [[sweep.param]]. The checks cost one experiment
// check per value and per point: linear in the points.
//
// check false trusts the points (an array task runs points its submitter
// checked).
func Load(src *experiments.Source, overrides []string, check bool) (*Sweep, error) {
	s := &Sweep{Source: src, Overrides: overrides}
	base, err := s.plan(nil)
	if err != nil {
		return nil, err
	}
	s.Base = base
	s.Points = base.Spec.Sweep.Points()
	if !check {
		return s, nil
	}
	if err := s.checkKeys(); err != nil {
		return nil, err
	}
	// The points' plans are made from the file without its [sweep]: the
	// cost of each does not grow with the sweep.
	bare := *src
	bare.Doc = src.Doc.Without("sweep")
	c := checker{s: s, src: &bare}
	if err := c.values(); err != nil {
		return nil, err
	}
	if len(base.Spec.Sweep.Params) > 1 {
		if err := c.points(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkKeys refuses a key swept under two spellings
// ("rule.0.learning_rate" and "rule.dopamine.learning_rate"), or one that
// the experiment does not have.
func (s *Sweep) checkKeys() error {
	params := s.Base.Spec.Sweep.Params
	first := map[string]int{}
	for i, p := range params {
		canon, err := s.canonical(p.Key)
		if err != nil {
			return s.Source.Doc.Locate(param.New(err.Error(), "sweep", "param", i, "key"))
		}
		if j, dup := first[canon]; dup {
			return s.Source.Doc.Locate(param.New(fmt.Sprintf("%q is the key %q of [[sweep.param]] %d spelled another way: sweep it once", p.Key, params[j].Key, j+1), "sweep", "param", i, "key"))
		}
		first[canon] = i
	}
	// An override of a swept key would be overridden in turn by every
	// point: refused, not silently lost.
	for _, kv := range s.Overrides {
		k, _, _ := strings.Cut(kv, "=")
		canon, err := s.canonical(k)
		if err != nil {
			continue // not a key of the experiment: its own error comes when it is set
		}
		if j, swept := first[canon]; swept {
			return s.Source.Doc.Locate(param.New(fmt.Sprintf("--set %s: the sweep sets this key at every point; drop the --set or this parameter", kv), "sweep", "param", j, "key"))
		}
	}
	return nil
}

// canonical is the one spelling of a swept key (lists' elements by
// number), as Plan.Set routes it.
func (s *Sweep) canonical(key string) (string, error) {
	if ck, ok := strings.CutPrefix(key, "circuit."); ok {
		c, err := config.Canonical(&s.Base.Circuit, ck)
		return "circuit." + c, err
	}
	return config.Canonical(&s.Base.Spec, key)
}

// checker checks a sweep's values and points against its experiment.
type checker struct {
	s   *Sweep
	src *experiments.Source // the file without [sweep]
}

// plan is the experiment with the overrides and sets, checked.
func (c checker) plan(sets []string) error {
	p, err := training.LoadPlan(c.src)
	if err != nil {
		return err
	}
	for _, kv := range append(slices.Clone(c.s.Overrides), sets...) {
		if err := p.Set(kv); err != nil {
			return err
		}
	}
	return p.Validate()
}

// at locates a problem of parameter i at its values (or range).
func (c checker) at(i int, msg string) error {
	key := "values"
	if len(c.s.Base.Spec.Sweep.Params[i].Range) > 0 {
		key = "range"
	}
	return c.s.Source.Doc.Locate(param.New(msg, "sweep", "param", i, key))
}

// values checks every distinct value of every parameter by its own key,
// the other keys as the experiment has them.
func (c checker) values() error {
	for i := range c.s.Base.Spec.Sweep.Params {
		seen := map[string]bool{}
		for _, p := range c.s.Points {
			kv := p.Keys[i] + "=" + p.Values[i]
			if seen[kv] {
				continue
			}
			seen[kv] = true
			if err := c.plan([]string{kv}); err != nil {
				return c.at(i, fmt.Sprintf("value %s: %v", p.Values[i], err))
			}
		}
	}
	return nil
}

// points checks every point's combination of values (each value alone was
// checked): a point that fails is located at the parameter without whose
// value it passes, else at the last one.
func (c checker) points() error {
	for _, p := range c.s.Points {
		err := c.plan(p.Sets())
		if err == nil {
			continue
		}
		sets := p.Sets()
		k := len(sets) - 1
		for j := range sets {
			if c.plan(slices.Delete(slices.Clone(sets), j, j+1)) == nil {
				k = j
				break
			}
		}
		return c.at(k, fmt.Sprintf("point %s (%s): %v", p.ID, strings.Join(sets, ", "), err))
	}
	return nil
}

// plan returns the experiment with the overrides and then sets applied,
// validated.
func (s *Sweep) plan(sets []string) (*training.Plan, error) {
	p, err := training.LoadPlan(s.Source)
	if err != nil {
		return nil, err
	}
	for _, kv := range append(slices.Clone(s.Overrides), sets...) {
		if err := p.Set(kv); err != nil {
			return nil, err
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Point returns the point of that ID.
func (s *Sweep) Point(id string) (space.Point, bool) {
	for _, p := range s.Points {
		if p.ID == id {
			return p, true
		}
	}
	return space.Point{}, false
}

// PointDir is where a point's runs go.
func PointDir(dir, id string) string { return filepath.Join(dir, output.PointsDir, id) }

// errorFile holds why a point failed.
const errorFile = "error.txt"

// FailPointsEnv names points (comma-separated IDs) that fail on purpose:
// the tests' way to make a point fail. Never set it otherwise.
const FailPointsEnv = "DOPA_TEST_FAIL_POINTS"

// RunPoint runs one point into its directory: skipped if complete,
// continued if interrupted, run again if failed, its runs workers at a
// time (0: as the file says). A failure is written to the point's
// error.txt and returned.
func (s *Sweep) RunPoint(ctx context.Context, dir string, p space.Point, workers int) error {
	pd := PointDir(dir, p.ID)
	m, err := output.ReadManifest(pd)
	if err == nil && m.Complete {
		return nil
	}
	resume := err == nil
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return err
	}
	os.Remove(filepath.Join(pd, errorFile))
	fail := func(err error) error {
		output.WriteJSON(filepath.Join(pd, errorFile), err.Error())
		return fmt.Errorf("point %s: %w", p.ID, err)
	}
	if slices.Contains(strings.Split(os.Getenv(FailPointsEnv), ","), p.ID) {
		return fail(errors.New("failed on purpose (" + FailPointsEnv + ")"))
	}
	plan, err := s.plan(p.Sets())
	if err != nil {
		return fail(err)
	}
	if workers > 0 {
		plan.Spec.Workers = workers // never changes results
	}
	rs, _, err := plan.Execute(ctx, pd, training.Options{Overrides: append(slices.Clone(s.Overrides), p.Sets()...), Resume: resume})
	if err != nil && ctx.Err() == nil {
		return fail(err)
	}
	if err == nil {
		// A failed run fails its point: --resume runs the point again,
		// which reruns that run alone.
		var failed []string
		for _, r := range rs {
			if r.Failed() {
				failed = append(failed, r.Rule+" seed "+fmt.Sprint(r.Seed)+": "+r.Failure())
			}
		}
		if len(failed) > 0 {
			return fail(fmt.Errorf("%d of %d runs failed: %s", len(failed), len(rs), strings.Join(failed, "; ")))
		}
	}
	return err
}

// Task runs the points of those IDs one after another into dir, as an
// array task of a sweep on Slurm does: only into their directories. It
// goes on after a failed point; the error lists the failures.
func (s *Sweep) Task(ctx context.Context, dir string, ids []string, workers int) error {
	var failed []string
	for _, p := range s.Points {
		if !slices.Contains(ids, p.ID) {
			continue
		}
		err := s.RunPoint(ctx, dir, p, workers)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted in point %s: the finished runs are kept (--resume continues)", p.ID)
		}
		if err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d points failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// PointStatus is one point in sweep.json and summary.json.
type PointStatus struct {
	ID     string            `json:"id"`
	Params map[string]string `json:"params"`
	// Status is done, failed, interrupted (runs kept, not all finished) or
	// planned (nothing run yet).
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Dir    string `json:"dir"`
	// ByRule is the point's summary.json by_rule (done points).
	ByRule json.RawMessage `json:"by_rule,omitempty"`
	// Runs are the point's runs done of planned.
	RunsDone    int `json:"runs_done"`
	RunsPlanned int `json:"runs_planned"`
}

// Summary is summary.json of a sweep.
type Summary struct {
	Experiment string        `json:"experiment"`
	Keys       []string      `json:"keys"`   // the swept keys
	Metric     string        `json:"metric"` // the headline metric of the figures
	Points     []PointStatus `json:"points"`
}

// Status reads the state of every point from its directory.
func (s *Sweep) Status(dir string) []PointStatus {
	out := make([]PointStatus, len(s.Points))
	for i := range s.Points {
		out[i] = s.pointStatus(dir, i)
	}
	return out
}

// pointStatus reads the state of point i from its directory.
func (s *Sweep) pointStatus(dir string, i int) PointStatus {
	p := s.Points[i]
	ps := PointStatus{ID: p.ID, Params: map[string]string{}, Status: "planned", Dir: filepath.Join(output.PointsDir, p.ID)}
	for k, key := range p.Keys {
		ps.Params[key] = p.Values[k]
	}
	pd := PointDir(dir, p.ID)
	if b, err := os.ReadFile(filepath.Join(pd, errorFile)); err == nil {
		ps.Status = "failed"
		json.Unmarshal(b, &ps.Error)
	} else if m, err := output.ReadManifest(pd); err == nil {
		ps.RunsDone, ps.RunsPlanned = m.RunsDone, m.RunsPlanned
		ps.Status = "interrupted"
		if m.Complete {
			ps.Status = "done"
			var sum struct {
				ByRule json.RawMessage `json:"by_rule"`
			}
			if b, err := os.ReadFile(filepath.Join(pd, output.SummaryFile)); err == nil && json.Unmarshal(b, &sum) == nil {
				ps.ByRule = sum.ByRule
			}
		}
	}
	return ps
}

// gather writes the points' state into dir: summary.json (each point's
// by_rule) and sweep.json (the points and their state). It returns the
// states.
func (s *Sweep) gather(dir string) ([]PointStatus, error) {
	st := s.Status(dir)
	sum := Summary{Experiment: s.Base.Spec.Name, Metric: s.Base.HeadlineMetric(), Points: st}
	for _, p := range s.Base.Spec.Sweep.Params {
		sum.Keys = append(sum.Keys, p.Key)
	}
	if err := output.WriteJSON(filepath.Join(dir, output.SummaryFile), sum); err != nil {
		return st, err
	}
	// sweep.json: the points and their state (summary.json has their results).
	bare := make([]PointStatus, len(st))
	for i, p := range st {
		p.ByRule = nil
		bare[i] = p
	}
	return st, output.WriteJSON(filepath.Join(dir, output.SweepFile), bare)
}
