package memory

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/dopa-sim/dopa/synapse"
)

// Mode is a way of retrieving: the number of steps and whether the noise
// is re-estimated at each (ANE).
type Mode struct {
	Name        string
	Steps       int
	UntilStable bool
	ANE         bool
}

// StudyModes are the retrieval modes the study compares: one step with
// the true (fixed) noise model, iterative with the fixed model, and
// iterative with adaptive noise estimation, and one step with ANE.
var StudyModes = []Mode{
	{Name: "one-step", Steps: 1},
	{Name: "one-step+ane", Steps: 1, ANE: true},
	{Name: "iterative", Steps: 5, UntilStable: true},
	{Name: "iterative+ane", Steps: 5, UntilStable: true, ANE: true},
}

// StudyRow is the result of one rule, mode, load and seed.
type StudyRow struct {
	Rule string
	Mode string
	M    int
	Seed uint64
	Result
}

// Study runs every rule in every mode at every load for every seed, from
// the base configuration (its Rule, Steps, UntilStable, ANE and M are
// overridden). For a seed and load all rules and modes see the same
// patterns and queries. Rows come in the order seed, load, rule, mode.
func Study(base Config, rules []synapse.MemoryRule, modes []Mode, loads []int, seeds []uint64) ([]StudyRow, error) {
	var rows []StudyRow
	for _, seed := range seeds {
		for _, M := range loads {
			for _, rule := range rules {
				cfg := base
				cfg.M, cfg.Rule = M, rule
				mem, err := Store(cfg, seed)
				if err != nil {
					return nil, err
				}
				for _, md := range modes {
					mem.Steps, mem.UntilStable, mem.ANE = md.Steps, md.UntilStable, md.ANE
					r, err := mem.Measure(seed)
					if err != nil {
						return nil, fmt.Errorf("%v %s M=%d seed %d: %w", rule, md.Name, M, seed, err)
					}
					r.Epsilon = nil
					rows = append(rows, StudyRow{Rule: rule.String(), Mode: md.Name, M: M, Seed: seed, Result: r})
				}
			}
		}
	}
	return rows, nil
}

// StudySummary is the mean over seeds of one rule, mode and load.
type StudySummary struct {
	Rule, Mode   string
	M            int
	Seeds        int
	OutputNoise  float64 // mean over seeds of the mean ε
	SE           float64 // standard error over seeds
	Perfect      float64 // mean perfect-recall fraction
	Bits         float64 // mean bits per synapse
	BestOfLoad   bool    // lowest OutputNoise at this load among all rules and modes
	WinsOverSeed int     // seeds in which this rule and mode had the lowest ε at this load
}

// Summarize averages study rows over seeds, in the order load, rule, mode.
func Summarize(rows []StudyRow) []StudySummary {
	type key struct {
		rule, mode string
		M          int
	}
	var keys []key
	vals := map[key][]StudyRow{}
	for _, r := range rows {
		k := key{r.Rule, r.Mode, r.M}
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = append(vals[k], r)
	}
	slices.SortStableFunc(keys, func(a, b key) int { return a.M - b.M })
	// per load and seed: the lowest ε
	type ls struct {
		M    int
		seed uint64
	}
	best := map[ls]float64{}
	for _, r := range rows {
		k := ls{r.M, r.Seed}
		if b, ok := best[k]; !ok || r.OutputNoise < b {
			best[k] = r.OutputNoise
		}
	}
	var out []StudySummary
	for _, k := range keys {
		rs := vals[k]
		s := StudySummary{Rule: k.rule, Mode: k.mode, M: k.M, Seeds: len(rs)}
		var e2 float64
		for _, r := range rs {
			s.OutputNoise += r.OutputNoise
			e2 += r.OutputNoise * r.OutputNoise
			s.Perfect += r.PerfectRecallFraction
			s.Bits += r.BitsPerSynapse
			if r.OutputNoise == best[ls{r.M, r.Seed}] {
				s.WinsOverSeed++
			}
		}
		f := float64(len(rs))
		s.OutputNoise /= f
		s.Perfect /= f
		s.Bits /= f
		s.SE = sem(e2/f-s.OutputNoise*s.OutputNoise, len(rs))
		out = append(out, s)
	}
	for M := range func(yield func(int) bool) {
		seen := map[int]bool{}
		for _, s := range out {
			if !seen[s.M] {
				seen[s.M] = true
				if !yield(s.M) {
					return
				}
			}
		}
	} {
		b := math.Inf(1)
		for _, s := range out {
			if s.M == M {
				b = math.Min(b, s.OutputNoise)
			}
		}
		for i := range out {
			if out[i].M == M && out[i].OutputNoise == b {
				out[i].BestOfLoad = true
			}
		}
	}
	return out
}

// WriteSummary prints the summary as an aligned table.
func WriteSummary(w io.Writer, sum []StudySummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "M\trule\tmode\tε mean\t± se\tperfect\tbits/syn\tseed wins\tbest")
	for _, s := range sum {
		mark := ""
		if s.BestOfLoad {
			mark = "*"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.4f\t%.4f\t%.3f\t%.4f\t%d/%d\t%s\n", s.M, s.Rule, s.Mode, s.OutputNoise, s.SE, s.Perfect, s.Bits, s.WinsOverSeed, s.Seeds, mark)
	}
	return tw.Flush()
}
