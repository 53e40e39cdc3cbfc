package reward

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
)

// Check is one [[check]]: a criterion that every finished run of an agent
// in a condition must meet, stated in the file beside the experiment it
// judges (the bars of a published result). summary.json lists every
// check on every run with its value and whether it passed, and dopa run
// prints how many passed. A check that fails is a result, not a failed
// run: the exit status does not change.
type Check struct {
	// Metric is a number of the runs: one of summary.json's run fields
	// (mean_return, delta_cs, optimal_choice_fraction, …, or a field the
	// agent reports, such as watched_weight_last).
	Metric string `toml:"metric"`
	// Bound is the criterion: ">= x", "> x", "<= x", "< x" or
	// "in [lo, hi]" (both ends included).
	Bound string `toml:"bound"`
	// Agent limits the check to the runs of the agent of that label (""
	// every agent).
	Agent string `toml:"agent"`
	// Condition limits it to one condition ("" every condition).
	Condition string `toml:"condition"`
}

// bound is a parsed Check.Bound.
type bound struct {
	op     string // ">=", ">", "<=", "<", "in"
	lo, hi float64
}

func parseBound(s string) (bound, error) {
	t := strings.TrimSpace(s)
	num := func(x string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%q is not a finite number", strings.TrimSpace(x))
		}
		return v, nil
	}
	if rest, ok := strings.CutPrefix(t, "in"); ok {
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "[") || !strings.HasSuffix(rest, "]") {
			return bound{}, fmt.Errorf("want \"in [lo, hi]\", got %q", s)
		}
		a, b, ok := strings.Cut(rest[1:len(rest)-1], ",")
		if !ok {
			return bound{}, fmt.Errorf("want \"in [lo, hi]\", got %q", s)
		}
		lo, err := num(a)
		if err != nil {
			return bound{}, err
		}
		hi, err := num(b)
		if err != nil {
			return bound{}, err
		}
		if lo > hi {
			return bound{}, fmt.Errorf("the range [%g, %g] is empty", lo, hi)
		}
		return bound{op: "in", lo: lo, hi: hi}, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(t, op); ok {
			v, err := num(rest)
			if err != nil {
				return bound{}, err
			}
			return bound{op: op, lo: v, hi: v}, nil
		}
	}
	return bound{}, fmt.Errorf("want \">= x\", \"> x\", \"<= x\", \"< x\" or \"in [lo, hi]\", got %q", s)
}

// holds reports whether v meets the bound (NaN never does).
func (b bound) holds(v float64) bool {
	switch b.op {
	case ">=":
		return v >= b.lo
	case ">":
		return v > b.lo
	case "<=":
		return v <= b.lo
	case "<":
		return v < b.lo
	}
	return v >= b.lo && v <= b.hi
}

// metricNames are the names a check may use: the run metrics, the
// environment's reported parameters and the fields the agents report.
func (s *Spec) metricNames() []string {
	var names []string
	for _, m := range metrics {
		names = append(names, m.name)
	}
	if d, ok := env.Lookup(s.Environment.Name); ok {
		if d.Reported != nil {
			for _, f := range d.Reported(s.Environment.Params) {
				names = append(names, f.Name)
			}
		}
		for _, m := range d.Measures {
			names = append(names, m.Name)
		}
	}
	for _, a := range s.Agents {
		if d, ok := lookupAgent(a.Name); ok {
			names = append(names, d.Reports...)
		}
	}
	return names
}

// validateChecks checks every [[check]] against the experiment.
func (s *Spec) validateChecks() error {
	if len(s.Checks) > maxChecks {
		return param.New(fmt.Sprintf("%d checks, more than %d", len(s.Checks), maxChecks), "check")
	}
	names := s.metricNames()
	for i, c := range s.Checks {
		if !slices.Contains(names, c.Metric) {
			return param.New(fmt.Sprintf("unknown metric %q; this experiment's runs carry %s", c.Metric, strings.Join(names, ", ")), "check", i, "metric")
		}
		if _, err := parseBound(c.Bound); err != nil {
			return param.New(err.Error(), "check", i, "bound")
		}
		if c.Agent != "" && !slices.ContainsFunc(s.Agents, func(a AgentSpec) bool { return a.ID() == c.Agent }) {
			return param.New(fmt.Sprintf("no agent is labelled %q", c.Agent), "check", i, "agent")
		}
		if c.Condition != "" && !slices.ContainsFunc(s.Conditions, func(x Condition) bool { return x.Name == c.Condition }) {
			return param.New(fmt.Sprintf("no condition is named %q", c.Condition), "check", i, "condition")
		}
	}
	return nil
}

const maxChecks = 1000

// verdict is one check on one run.
type verdict struct {
	check            Check
	agent, condition string
	seed             int
	value            float64
	pass             bool
}

// verdicts evaluates the checks on every finished run, in job order.
func (e *experiment) verdicts(rs []*RunResult) []verdict {
	var out []verdict
	for _, c := range e.spec.Checks {
		b, _ := parseBound(c.Bound)
		for i, j := range e.jobs {
			r := rs[i]
			if r == nil || r.Fail != "" || (c.Agent != "" && j.Agent.ID() != c.Agent) || (c.Condition != "" && j.Condition != c.Condition) {
				continue
			}
			v := r.value(c.Metric)
			out = append(out, verdict{check: c, agent: j.Agent.ID(), condition: j.Condition, seed: j.Seed, value: v, pass: b.holds(v)})
		}
	}
	return out
}

// value returns the run's number of that name: a run metric, a measure
// of the environment or a field of the agent, or a reported parameter
// (NaN: the run has none).
func (r *RunResult) value(name string) float64 {
	for _, m := range metrics {
		if m.name == name {
			return m.get(r)
		}
	}
	for _, fs := range [][]env.Field{r.Fields, r.Reported} {
		for _, f := range fs {
			if f.Name == name {
				return f.Value
			}
		}
	}
	return math.NaN()
}

// checksJSON is summary.json's "checks": one entry per check and run.
func checksJSON(vs []verdict) []output.Object {
	out := []output.Object{}
	for _, v := range vs {
		o := output.Object{}
		o.Add("metric", v.check.Metric)
		o.Add("bound", v.check.Bound)
		o.Add("agent", v.agent)
		o.Add("condition", v.condition)
		o.Add("seed", v.seed)
		o.Add("value", fp(v.value))
		o.Add("pass", v.pass)
		out = append(out, o)
	}
	return out
}

// printChecks says how many checks passed and lists those that did not.
func printChecks(w io.Writer, vs []verdict) {
	if len(vs) == 0 {
		return
	}
	pass := 0
	for _, v := range vs {
		if v.pass {
			pass++
		}
	}
	fmt.Fprintf(w, "checks: %d of %d pass (summary.json \"checks\")\n", pass, len(vs))
	for _, v := range vs {
		if !v.pass {
			val := "not measured"
			if !math.IsNaN(v.value) {
				val = fmt.Sprintf("%.4g", v.value)
			}
			fmt.Fprintf(w, "  fails: %s / %s seed %d: %s = %s, want %s\n", v.agent, v.condition, v.seed, v.check.Metric, val, v.check.Bound)
		}
	}
}
