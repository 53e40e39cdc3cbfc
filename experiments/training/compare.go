package training

import (
	"math"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/stats"
)

// Comparison is one rule against another over their runs, in summary.json
// ("comparisons"). Lower values of Metric are better.
type Comparison struct {
	Rule    string `json:"rule"`
	Against string `json:"against"`
	// Metric is the per-run value compared: "trials_to_criterion" when a
	// loss criterion is set (an unsolved run counts as never reaching it),
	// else the task's headline metric ("final_loss", "test_nrmse", ...); a
	// run without a value counts as the worst.
	Metric string `json:"metric"`
	// Wins is the fraction of (run of Rule, run of Against) pairs in which
	// Rule's value is better, ties counting ½ (the Mann-Whitney U over
	// n·n_against).
	Wins float64 `json:"wins"`
	// P is the two-sided p-value of the Mann-Whitney U by permutation.
	P float64 `json:"p"`
	// Exact says whether P enumerated every relabelling of the runs (else
	// it comes from stats.Permutations relabellings of a fixed stream).
	Exact bool `json:"exact"`
}

// HeadlineMetric is the per-run value by which the plan's rules are
// compared: with a loss criterion, the trials to reach it; without, the
// task's headline metric.
func (p *Plan) HeadlineMetric() string { return p.metricName() }

func (p *Plan) metricName() string {
	if p.Spec.Criterion.Active() {
		return "trials_to_criterion"
	}
	return p.task.Headline
}

// metricValue is a run's value of metricName, oriented so that lower is
// better; +Inf for a run that did not get one (unsolved, diverged).
func (p *Plan) metricValue(r Result) float64 {
	name := p.metricName()
	if name == "trials_to_criterion" {
		if !r.Solved {
			return math.Inf(1)
		}
		return float64(r.TrialsToCriterion)
	}
	m, _ := p.task.Metric(name)
	v := r.FinalLoss
	if name != task.FinalLoss.Name {
		v = r.Values[name]
	}
	switch {
	case math.IsNaN(v):
		return math.Inf(1)
	case m.HigherIsBetter:
		return -v
	}
	return v
}

// compare sets every rule against every rule declared before it (the
// baselines come first in an experiment file).
func (p *Plan) compare(rules []string, byRule map[string][]Result) []Comparison {
	values := map[string][]float64{}
	for _, rule := range rules {
		for _, r := range byRule[rule] {
			values[rule] = append(values[rule], p.metricValue(r))
		}
	}
	var out []Comparison
	for j, rule := range rules {
		for _, against := range rules[:j] {
			wins, pv, exact := stats.MannWhitney(values[rule], values[against])
			out = append(out, Comparison{Rule: rule, Against: against, Metric: p.metricName(), Wins: wins, P: pv, Exact: exact})
		}
	}
	return out
}
