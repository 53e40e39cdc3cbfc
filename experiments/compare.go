package experiments

import (
	"math"

	"github.com/dopa-sim/dopa/internal/stats"
)

// Comparison is one rule against another over their runs, in summary.json
// ("comparisons"). Lower values of Metric are better.
type Comparison struct {
	Rule    string `json:"rule"`
	Against string `json:"against"`
	// Metric is the per-run value compared: "test_nrmse" (forecasting),
	// "trials_to_criterion" (a criterion is set; an unsolved run counts as
	// +inf) or "final_loss"; a diverged run counts as +inf.
	Metric string `json:"metric"`
	// Wins is the fraction of (run of Rule, run of Against) pairs in which
	// Rule's value is lower, ties counting ½ (the Mann-Whitney U over
	// n·n_against).
	Wins float64 `json:"wins"`
	// P is the two-sided p-value of the Mann-Whitney U by permutation.
	P float64 `json:"p"`
	// Exact says whether P enumerated every relabelling of the runs (else
	// it comes from stats.Permutations relabellings of a fixed stream).
	Exact bool `json:"exact"`
}

// metricName is the per-run value by which the plan's rules are compared.
func (p *Plan) metricName() string {
	switch {
	case p.Spec.Task != "xor":
		return "test_nrmse"
	case p.Spec.Criterion.LossBelow > 0:
		return "trials_to_criterion"
	}
	return "final_loss"
}

// metricValue is a run's value of metricName; +Inf for a run that did not
// get one (unsolved, diverged).
func (p *Plan) metricValue(r Result) float64 {
	var v float64
	switch p.metricName() {
	case "test_nrmse":
		v = r.TestNRMSE
	case "trials_to_criterion":
		if !r.Solved {
			return math.Inf(1)
		}
		v = float64(r.TrialsToCriterion)
	default:
		v = r.FinalLoss
	}
	if math.IsNaN(v) {
		return math.Inf(1)
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
