package reward

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
)

// RunKind is the kind of a reward file (kind = "reward"): every condition,
// agent and seed, each a run of its own.
var RunKind = runner.Kind{
	Name: output.Reward,
	Doc:  "agents acting in an environment with a TD critic's error as dopamine (kind = \"reward\"): conditions × agents × seeds",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		spec, err := FromDoc(src.Doc)
		if err != nil {
			return nil, err
		}
		if err := runner.SetEach(overrides, spec.Override); err != nil {
			return nil, err
		}
		return newExperiment(spec, src.File)
	},
	Example: runner.Example{File: "conditioning", Overrides: []string{"episodes=60", "seeds=2"}},
	Plot: func(dir string) error {
		rs, err := readResults(dir)
		if err != nil {
			return err
		}
		return writePlots(dir, rs)
	},
}

// Override is Set, refusing the keys that choose what a table means
// (the environment's and an agent's name): another file, not an override.
func (s *Spec) Override(path, value string) error {
	k := strings.ToLower(strings.TrimSpace(path))
	if k == "environment.name" || (strings.HasPrefix(k, "agent.") && strings.HasSuffix(k, ".name")) || k == "kind" {
		return &config.Error{Key: "--set " + path, Msg: "chooses what the table means and cannot be overridden: write it in the file"}
	}
	return s.Set(path, value)
}

type experiment struct {
	spec  *Spec
	file  string
	conds []string
	jobs  []Job
}

func newExperiment(spec *Spec, file string) (*experiment, error) {
	names, specs, err := spec.conditions()
	if err != nil {
		return nil, err
	}
	e := &experiment{spec: spec, file: file, conds: names}
	for c := range names {
		cs := &specs[c]
		for _, a := range cs.Agents {
			for i := range cs.Seeds {
				e.jobs = append(e.jobs, Job{Condition: names[c], Agent: a, Seed: cs.Seed + i, spec: cs})
			}
		}
	}
	return e, nil
}

func (e *experiment) Manifest() output.Manifest {
	m := output.NewManifest(output.Reward, e.spec.Name, nil, time.Now())
	m.File = e.file
	m.Resolved = output.Resolved(e.spec)
	m.Streams = "PCG seeded by (seed, 1) for the environment and (seed, 2) for the agent; agents and conditions of one seed share them"
	for i := range e.spec.Seeds {
		m.Seeds = append(m.Seeds, e.spec.Seed+i)
	}
	m.Conditions = slices.Clone(e.conds)
	return m
}

func (e *experiment) Describe() string {
	return fmt.Sprintf("reward experiment %q in environment %q (%s: %s × %s × %s, %s each)",
		e.spec.Name, e.spec.Environment.Name, count(len(e.jobs), "run"), count(len(e.conds), "condition"), count(len(e.spec.Agents), "agent"),
		count(e.spec.Seeds, "seed"), count(e.spec.Episodes, "episode"))
}

func (e *experiment) Jobs() []string {
	names := make([]string, len(e.jobs))
	for i, j := range e.jobs {
		names[i] = fmt.Sprintf("%s %s seed %d", j.Agent.ID(), j.Condition, j.Seed)
	}
	return names
}

func (e *experiment) Workers() int { return 0 }

func (e *experiment) Run(ctx context.Context, i int, _ runner.Checkpoint) (runner.Result, bool, error) {
	r, done, err := Run(ctx, e.jobs[i])
	if err != nil || !done {
		return nil, false, err
	}
	return &r, true, nil
}

func (e *experiment) NewResult(int) runner.Result { return new(RunResult) }

func results(rs []runner.Result) []*RunResult {
	out := make([]*RunResult, len(rs))
	for i, r := range rs {
		if r != nil {
			out[i] = r.(*RunResult)
		}
	}
	return out
}

func (e *experiment) Write(dir string, _ *output.Manifest, rs []runner.Result) error {
	return e.write(dir, results(rs))
}

// Print prints one line per agent and condition: medians over seeds and,
// in brackets, the 25 % and 75 % quantiles.
func (e *experiment) Print(w io.Writer, rs []runner.Result) {
	s := e.Summary(results(rs))
	by, _ := s.Get("by_rule")
	var cols []metric
	for _, m := range e.allMetrics(results(rs)) {
		for _, ro := range by.(output.Object) {
			bc, _ := ro.Value.(output.Object).Get("by_condition")
			for _, c := range bc.(output.Object) {
				if c.Value.(output.Object).Num("median_"+m.name) != nil && !slices.ContainsFunc(cols, func(x metric) bool { return x.name == m.name }) {
					cols = append(cols, m)
				}
			}
		}
	}
	fmt.Fprintf(w, "%-16s %-14s %4s", "agent", "condition", "n")
	if e.stops() {
		fmt.Fprintf(w, " %6s", "solved")
	}
	for _, m := range cols {
		fmt.Fprintf(w, " %28s", m.name)
	}
	fmt.Fprintln(w)
	// measured counts, per agent, condition and metric, the runs whose
	// value is defined (a run that never balanced has no trials_to_balance).
	rsx := results(rs)
	measured := func(agent, cond string, m metric) int {
		k := 0
		for i, j := range e.jobs {
			if r := rsx[i]; r != nil && r.Fail == "" && j.Agent.ID() == agent && j.Condition == cond && !math.IsNaN(m.get(r)) {
				k++
			}
		}
		return k
	}
	partial := false
	for _, ro := range by.(output.Object) {
		bc, _ := ro.Value.(output.Object).Get("by_condition")
		for _, c := range bc.(output.Object) {
			st := c.Value.(output.Object)
			n, _ := st.Get("n")
			fmt.Fprintf(w, "%-16s %-14s %4d", ro.Key, c.Key, n)
			if f := st.Num("solved_fraction"); f != nil {
				fmt.Fprintf(w, " %6s", fmt.Sprintf("%d/%d", int(math.Round(*f*float64(n.(int)))), n))
			} else if e.stops() {
				fmt.Fprintf(w, " %6s", "—")
			}
			for _, m := range cols {
				cell := spread(st, m.name)
				if k := measured(ro.Key, c.Key, m); k > 0 && k < n.(int) {
					cell += fmt.Sprintf(" (%d/%d)", k, n)
					partial = true
				}
				fmt.Fprintf(w, " %28s", cell)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "median [25 %, 75 %] over seeds; δ in units of reward over the last", e.spec.Record.DeltaLast,
		"episodes, returns and choices over the last", e.spec.Record.Last)
	if partial {
		fmt.Fprintln(w, "(k/n): the median is over the k of n runs in which the measure is defined (say, that balanced the pole at all)")
	}
	printChecks(w, e.verdicts(results(rs)))
}

func spread(st output.Object, name string) string {
	med := st.Num("median_" + name)
	if med == nil {
		return "—"
	}
	g := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.3g", *p)
	}
	return fmt.Sprintf("%s [%s, %s]", g(med), g(st.Num("q25_"+name)), g(st.Num("q75_"+name)))
}

// Records: one per run; its headline is the optimal-choice fraction where
// the environment judges choices, else δ at the CS where there is a CS,
// else the mean return.
func (e *experiment) Records(rs []runner.Result) []runner.Record {
	var recs []runner.Record
	for i, x := range rs {
		if x == nil {
			continue
		}
		r := x.(*RunResult)
		rule := r.Agent
		if len(e.conds) > 1 {
			rule += "/" + r.Condition
		}
		rec := runner.Record{Rule: rule, Seed: r.Seed, WallSeconds: r.WallSeconds, Error: r.Fail, Failed: r.Fail != "",
			Params: map[string]string{"condition": e.jobs[i].Condition}}
		switch {
		case !math.IsNaN(r.OptimalFraction):
			rec.Metric, rec.Value = "optimal_choice_fraction", r.OptimalFraction
		case !math.IsNaN(r.DeltaCS):
			rec.Metric, rec.Value = "delta_cs", r.DeltaCS
		default:
			rec.Metric, rec.Value = "mean_return", r.MeanReturn
		}
		recs = append(recs, rec)
	}
	return recs
}

// Labels names the runs of one seed, as dopa serve offers them: the agent's
// label, followed by "/CONDITION" when the file has conditions.
func (s *Spec) Labels() []string {
	e, err := newExperiment(s, s.file)
	if err != nil {
		return nil
	}
	var out []string
	for _, j := range e.jobs {
		if j.Seed != s.Seed {
			continue
		}
		out = append(out, e.label(j))
	}
	return out
}

// label is a job's name in Labels.
func (e *experiment) label(j Job) string {
	if len(e.spec.Conditions) == 0 {
		return j.Agent.ID()
	}
	return j.Agent.ID() + "/" + j.Condition
}

// Job returns the job of that label (Labels) and seed.
func (s *Spec) Job(label string, seed int) (Job, bool) {
	e, err := newExperiment(s, s.file)
	if err != nil {
		return Job{}, false
	}
	for _, j := range e.jobs {
		if e.label(j) == label {
			j.Seed = seed
			return j, true
		}
	}
	return Job{}, false
}

// count says "1 run", "2 runs".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
