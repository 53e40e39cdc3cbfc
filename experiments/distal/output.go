package distal

import (
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/stats"
)

// RunSummary is one run in summary.json; null marks what does not apply
// (or a run that did not finish).
type RunSummary struct {
	Rule                     string   `json:"rule"`
	Condition                string   `json:"condition"`
	Seed                     int      `json:"seed"`
	Done                     bool     `json:"done"`
	SpikeCount               *int64   `json:"spike_count"`
	MeanRateHz               *float64 `json:"mean_rate_hz"`
	SimSeconds               *float64 `json:"sim_seconds"`
	SimulatedSeconds         float64  `json:"simulated_seconds"`
	WMax                     float64  `json:"w_max"`
	RewardedPre              *int     `json:"rewarded_pre"`
	RewardedPost             *int     `json:"rewarded_post"`
	RewardedWeight           *float64 `json:"rewarded_weight"`
	RewardedWeightLast       *float64 `json:"rewarded_weight_last"`
	LastS                    float64  `json:"last_s"`
	RewardedWeightPercentile *float64 `json:"rewarded_weight_percentile"`
	MeanOtherWeight          *float64 `json:"mean_other_weight"`
	MedianOtherWeight        *float64 `json:"median_other_weight"`
	FractionOtherAbove90pct  *float64 `json:"fraction_other_above_90pct"`
	Rewards                  *int     `json:"rewards"`
	Pairings                 *int     `json:"pairings"`
	WallSeconds              *float64 `json:"wall_seconds"`
}

// ConditionSummary aggregates the finished runs of one condition over seeds
// (medians; for an even count, the mean of the two middle values).
type ConditionSummary struct {
	N                              int      `json:"n"`
	MedianRewardedWeight           *float64 `json:"median_rewarded_weight"`
	MedianRewardedWeightLast       *float64 `json:"median_rewarded_weight_last"`
	MedianRewardedWeightPercentile *float64 `json:"median_rewarded_weight_percentile"`
	MedianMeanOtherWeight          *float64 `json:"median_mean_other_weight"`
	MedianMedianOtherWeight        *float64 `json:"median_median_other_weight"`
	MedianFractionOtherAbove90pct  *float64 `json:"median_fraction_other_above_90pct"`
	MedianRewards                  *float64 `json:"median_rewards"`
	MedianSimSeconds               *float64 `json:"median_sim_seconds"`
	MedianWallSeconds              *float64 `json:"median_wall_seconds"`
}

// RuleSummary aggregates the runs of the rule.
type RuleSummary struct {
	N           int                         `json:"n"`
	ByCondition map[string]ConditionSummary `json:"by_condition"`
}

// Check is one criterion of the distal-reward result, evaluated on one run.
type Check struct {
	Condition string  `json:"condition"`
	Seed      int     `json:"seed"`
	What      string  `json:"what"`
	Value     float64 `json:"value"`
	Bound     string  `json:"bound"`
	Pass      bool    `json:"pass"`
}

// Summary is summary.json.
type Summary struct {
	Experiment string                 `json:"experiment"`
	Note       string                 `json:"note"`
	Runs       []RunSummary           `json:"runs"`
	ByRule     map[string]RuleSummary `json:"by_rule"`
	Checks     []Check                `json:"checks"`
}

func fp(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func ip(x int) *int { return &x }

// Summarize builds summary.json.
func Summarize(r *Result) Summary {
	spec := r.Spec
	wmax := spec.Network.WMax
	s := Summary{Experiment: spec.Name, ByRule: map[string]RuleSummary{},
		Note: "weights are the excitatory synapses (exc→exc and exc→inh); 'other' = all of them but the rewarded one; " +
			"rewarded_weight_last = mean weight of the rewarded synapse over the last last_s seconds (sampled every ms); " +
			"percentile = 100·(#others below + #others equal/2)/#others; sim_seconds = wall time of the simulation loop; " +
			"checks are the criteria of the distal-reward result (Izhikevich 2007, Fig. 1), meant for the full 3600 s run"}
	n := float64(spec.Network.NExc + spec.Network.NInh)
	byCond := map[string][]*RunResult{}
	var order []string
	done := 0
	for i := range r.Runs {
		x := &r.Runs[i]
		rs := RunSummary{Rule: Rule, Condition: x.Condition, Seed: x.Seed, Done: x.Done, WMax: wmax,
			SimulatedSeconds: spec.DurationS, LastS: min(spec.Record.LastS, spec.DurationS)}
		if x.Done {
			done++
			sc := x.SpikesExc + x.SpikesInh
			rs.SpikeCount = &sc
			rs.MeanRateHz = fp(float64(sc) / n / spec.DurationS)
			rs.SimSeconds, rs.WallSeconds = fp(x.SimSeconds), fp(x.WallSeconds)
			rs.RewardedPre, rs.RewardedPost = ip(x.Pre), ip(x.Post)
			rs.RewardedWeight, rs.RewardedWeightLast = fp(x.RewardedWeight), fp(x.RewardedWeightLast)
			rs.RewardedWeightPercentile = fp(x.Percentile)
			rs.MeanOtherWeight, rs.MedianOtherWeight = fp(x.MeanOther), fp(x.MedianOther)
			rs.FractionOtherAbove90pct = fp(x.FracOtherAbove90)
			rs.Pairings = ip(x.Pairings)
			if x.Reward {
				rs.Rewards = ip(x.Rewards)
			}
			if _, ok := byCond[x.Condition]; !ok {
				order = append(order, x.Condition)
			}
			byCond[x.Condition] = append(byCond[x.Condition], x)
			s.Checks = append(s.Checks, checks(x, wmax)...)
		}
		s.Runs = append(s.Runs, rs)
	}
	rule := RuleSummary{N: done, ByCondition: map[string]ConditionSummary{}}
	for _, c := range order {
		runs := byCond[c]
		col := func(f func(*RunResult) float64) *float64 {
			xs := make([]float64, len(runs))
			for i, x := range runs {
				xs[i] = f(x)
			}
			return fp(stats.Median(xs))
		}
		cs := ConditionSummary{N: len(runs),
			MedianRewardedWeight:           col(func(x *RunResult) float64 { return x.RewardedWeight }),
			MedianRewardedWeightLast:       col(func(x *RunResult) float64 { return x.RewardedWeightLast }),
			MedianRewardedWeightPercentile: col(func(x *RunResult) float64 { return x.Percentile }),
			MedianMeanOtherWeight:          col(func(x *RunResult) float64 { return x.MeanOther }),
			MedianMedianOtherWeight:        col(func(x *RunResult) float64 { return x.MedianOther }),
			MedianFractionOtherAbove90pct:  col(func(x *RunResult) float64 { return x.FracOtherAbove90 }),
			MedianSimSeconds:               col(func(x *RunResult) float64 { return x.SimSeconds }),
			MedianWallSeconds:              col(func(x *RunResult) float64 { return x.WallSeconds }),
		}
		if runs[0].Reward {
			cs.MedianRewards = col(func(x *RunResult) float64 { return float64(x.Rewards) })
		}
		rule.ByCondition[c] = cs
	}
	if done > 0 {
		s.ByRule[Rule] = rule
	}
	if s.Checks == nil {
		s.Checks = []Check{}
	}
	return s
}

// checks evaluates the criteria of the distal-reward result on one finished run.
func checks(x *RunResult, wmax float64) []Check {
	c := func(what string, v float64, bound string, pass bool) Check {
		return Check{Condition: x.Condition, Seed: x.Seed, What: what, Value: v, Bound: bound, Pass: pass}
	}
	if !x.Reward {
		return []Check{c("rewarded_weight / w_max", x.RewardedWeight/wmax, "< 0.10", x.RewardedWeight < 0.1*wmax)}
	}
	return []Check{
		c("rewarded_weight_last / w_max", x.RewardedWeightLast/wmax, ">= 0.75", x.RewardedWeightLast >= 0.75*wmax),
		c("mean_other_weight / w_max", x.MeanOther/wmax, "in [0.10, 0.25]", x.MeanOther >= 0.1*wmax && x.MeanOther <= 0.25*wmax),
		c("median_other_weight / w_max", x.MedianOther/wmax, "< 0.125", x.MedianOther < 0.125*wmax),
		c("fraction_other_above_90pct", x.FracOtherAbove90, "< 0.08", x.FracOtherAbove90 < 0.08),
	}
}

// NewManifest fills manifest.json for a spec as its run starts.
func NewManifest(spec *Spec) output.Manifest {
	m := output.NewManifest(output.DistalReward, spec.Name, nil, time.Now())
	m.Resolved = resolved(spec)
	m.Streams = "ChaCha8 keyed by SHA-256(seed as 8 bytes little endian ‖ name), names: network, rewarded_synapse, thalamic, reward_delay; conditions of one seed share them"
	for i := range spec.Seeds {
		m.Seeds = append(m.Seeds, spec.Seed+i)
	}
	for _, c := range spec.Conditions {
		m.Conditions = append(m.Conditions, c.Name)
	}
	return m
}

// resolved renders the spec with the keys of its TOML file.
func resolved(spec *Spec) any { return output.Resolved(spec) }

// Write writes the result files into dir (created if needed):
// summary.json, synapse_traces.csv, weights_end.csv and
// network_rasters.csv (their columns: output.SynapseTraces,
// output.WeightsEnd, output.NetworkRasters). Runs that did
// not finish appear in summary.json with done = false and nothing else.
// (The runner writes manifest.json after them.)
func Write(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, output.SummaryFile), Summarize(r)); err != nil {
		return err
	}
	f := r.Spec.Record.Format
	if err := output.SynapseTraces.Write(dir, f, func(w *output.Rows) {
		for _, x := range r.Runs {
			for _, t := range x.Traces {
				w.Str(x.Condition)
				w.Int(x.Seed)
				for _, v := range [...]float64{t.TS, t.Dopamine, t.Eligibility, t.Weight, t.MeanExc} {
					w.Float(v)
				}
				w.End()
			}
		}
	}); err != nil {
		return err
	}
	if err := output.WeightsEnd.Write(dir, f, func(w *output.Rows) {
		for _, x := range r.Runs {
			for k, v := range x.Weights {
				rw := 0
				if k == x.Index {
					rw = 1
				}
				w.Str(x.Condition)
				w.Int(x.Seed)
				w.Int(int(x.WPre[k]))
				w.Int(int(x.WPost[k]))
				w.Float(v)
				w.Int(rw)
				w.End()
			}
		}
	}); err != nil {
		return err
	}
	if len(r.Spec.Record.Probes) > 0 {
		if err := output.Probes.Write(dir, f, func(w *output.Rows) {
			for _, x := range r.Runs {
				for _, p := range x.Probes {
					syn := x.Probed[p.Probe]
					w.Str(x.Condition)
					w.Int(x.Seed)
					w.Str(syn.Name)
					w.Int(int(syn.Pre))
					w.Int(int(syn.Post))
					for _, v := range [...]float64{p.TS, p.Dopamine, p.Eligibility, p.Weight} {
						w.Float(v)
					}
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	if err := output.NetworkRasters.Write(dir, f, func(w *output.Rows) {
		for _, x := range r.Runs {
			for _, sp := range [][]Spike{x.RasterFirst, x.RasterLast} {
				for _, s := range sp {
					w.Str(x.Condition)
					w.Int(x.Seed)
					w.Int(int(s.TMs))
					w.Int(int(s.Neuron))
					w.End()
				}
			}
		}
	}); err != nil {
		return err
	}
	return nil
}

// ff formats a float exactly (output.Float).
func ff(x float64) string { return output.Float(x) }

var (
	writeJSON = output.WriteJSON
	writeCSV  = output.WriteCSV
)
