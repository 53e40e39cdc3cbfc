package training

import (
	"fmt"
	"io"
	"strconv"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/stats"
)

// PrintSummary prints a training summary for a person: each rule's
// headline numbers, then the comparisons.
func PrintSummary(w io.Writer, s Summary) {
	if s.Criterion.LossBelow == 0 {
		// The task's metrics, headline first (with its quartiles).
		var ms []task.Metric
		if h, ok := s.Task.Metric(s.Task.Headline); ok {
			ms = append(ms, h)
		}
		for _, m := range s.Task.Metrics {
			if m.Name != s.Task.Headline {
				ms = append(ms, m)
			}
		}
		fmt.Fprintf(w, "%-22s %4s", "rule", "n")
		for _, m := range ms {
			fmt.Fprintf(w, " %14s", m.Label)
			if m.Quartiles {
				fmt.Fprintf(w, " %18s", "IQR")
			}
		}
		fmt.Fprintln(w)
		for _, r := range s.Rules {
			b := s.ByRule[r]
			fmt.Fprintf(w, "%-22s %4s", r, Num(b.Num("n")))
			for _, m := range ms {
				if m.Fraction {
					fmt.Fprintf(w, " %14s", Num(b.Num(m.Name+"_fraction")))
					continue
				}
				fmt.Fprintf(w, " %14s", Num(b.Num("median_"+m.Name)))
				if m.Quartiles {
					fmt.Fprintf(w, " %18s", Num(b.Num("q25_"+m.Name))+"–"+Num(b.Num("q75_"+m.Name)))
				}
			}
			fmt.Fprintln(w)
		}
		if s.Task.Note != "" {
			fmt.Fprintln(w, s.Task.Note)
		}
	} else {
		fmt.Fprintf(w, "%-22s %4s %7s %14s %14s %12s\n", "rule", "n", "solved", "median trials", "IQR trials", "median loss")
		for _, r := range s.Rules {
			b := s.ByRule[r]
			solved := 0.0
			if f := b.Num("solved_fraction"); f != nil {
				solved = *f
			}
			fmt.Fprintf(w, "%-22s %4s %6.0f%% %14s %14s %12s\n", r, Num(b.Num("n")), 100*solved, Num(b.Num("median_trials_to_criterion")),
				Num(b.Num("q25_trials_to_criterion"))+"–"+Num(b.Num("q75_trials_to_criterion")), Num(b.Num("median_final_loss")))
		}
	}
	printComparisons(w, s)
}

// maxPrintedRules bounds the rules whose pairwise comparisons are printed;
// summary.json always has them all.
const maxPrintedRules = 6

// printComparisons prints each rule against the rules listed before it.
func printComparisons(w io.Writer, s Summary) {
	if len(s.Comparisons) == 0 {
		return
	}
	if len(s.Rules) > maxPrintedRules {
		fmt.Fprintf(w, "%d pairwise comparisons of the %d rules: summary.json \"comparisons\"\n", len(s.Comparisons), len(s.Rules))
		return
	}
	fmt.Fprintf(w, "comparisons by %s (wins: share of run pairs in which the rule's value is better; p: two-sided Mann-Whitney U, permutation test)\n", s.Comparisons[0].Metric)
	for _, c := range s.Comparisons {
		fmt.Fprintf(w, "  %-20s vs %-20s wins %4.0f%%  p %s\n", c.Rule, c.Against, 100*c.Wins, PValue(c))
	}
}

// PValue prints a p-value; a sampled one that no relabelling reached is a
// bound.
func PValue(c Comparison) string {
	if !c.Exact && c.P <= 1.5/(1+stats.Permutations) {
		return fmt.Sprintf("< %.0e", 1.5/(1+stats.Permutations))
	}
	return "= " + strconv.FormatFloat(c.P, 'g', 2, 64)
}

// Num prints a number of a summary, "—" for none.
func Num(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'g', 4, 64)
}
