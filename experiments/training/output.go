package training

import (
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/dopa-sim/dopa/experiments/raster"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/output"
)

// NewManifest fills manifest.json for the plan.
func (p *Plan) NewManifest(overrides []string, start time.Time) output.Manifest {
	m := output.NewManifest(output.Training, p.Spec.Name, overrides, start)
	m.File, m.CircuitFile = p.File, p.CircuitFile
	m.Resolved = map[string]any{"experiment": output.Resolved(p.Spec), "circuit": output.Resolved(p.Circuit)}
	m.Workers = p.Spec.Workers
	if m.Workers == 0 {
		m.Workers = runtime.GOMAXPROCS(0)
	}
	for i := range p.Spec.Seeds {
		m.Seeds = append(m.Seeds, p.Spec.Seed+i)
	}
	return m
}

// Summary is summary.json of a training run. Every run carries the same
// fields (null where they do not apply): rule, seed, final_loss, solved,
// the yes/no metrics of every registered task, trials_to_criterion,
// epochs_to_criterion, trials, epochs, the numeric metrics of every
// registered task, wall_seconds, error, spike_count, sim_seconds. by_rule
// aggregates them over seeds (medians; quartiles where a metric asks for
// them; fractions of yes).
type Summary struct {
	Experiment string                   `json:"experiment"`
	Criterion  Criterion                `json:"criterion"`
	Note       string                   `json:"note"`
	Rules      []string                 `json:"rules"`
	Runs       []output.Object          `json:"runs"`
	ByRule     map[string]output.Object `json:"by_rule"`
	// Comparisons sets every rule against each rule listed before it.
	Comparisons []Comparison `json:"comparisons"`
	// Task is the task the runs learned.
	Task *task.Def `json:"-"`
}

func fptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// summaryFractions and summaryNumbers are the metrics every run of a
// training summary carries (metricFields), fixed once the registry is.
var summaryFractions, summaryNumbers = metricFields()

// metricFields splits the metrics of every registered task into yes/no
// metrics and numbers, each in registry order.
func metricFields() (fractions, numbers []task.Metric) {
	for _, m := range task.AllMetrics() {
		if m.Fraction {
			fractions = append(fractions, m)
		} else {
			numbers = append(numbers, m)
		}
	}
	return fractions, numbers
}

// Summarize builds summary.json from the finished runs. Medians of trials
// and epochs to criterion count an unsolved run as never reaching it (+∞):
// they are null when half the runs or more did not solve. A diverged run
// has no metrics (null) and counts as the worst in every median and
// comparison. A failed run (an error other than a divergence: it never
// produced a result, and --resume runs it again) is listed in runs with
// its error and null metrics, and left out of by_rule (n counts the runs
// that produced a result) and of the comparisons.
func (p *Plan) Summarize(results []Result) Summary {
	s := Summary{Experiment: p.Spec.Name, Criterion: p.Spec.Criterion, ByRule: map[string]output.Object{}, Task: p.task,
		Note: "trials = forward passes of the circuit over the task's batch (for xor, all four patterns), counted for every pass a rule uses to learn; epochs = learning updates; medians of *_to_criterion count unsolved runs as +inf"}
	criterion := p.Spec.Criterion.Active()
	fractions, numbers := summaryFractions, summaryNumbers
	declared := func(m task.Metric) bool { _, ok := p.task.Metric(m.Name); return ok }
	byRule := map[string][]Result{}
	for _, r := range results {
		if !r.Done {
			continue
		}
		if _, ok := byRule[r.Rule]; !ok {
			s.Rules = append(s.Rules, r.Rule)
		}
		s.Runs = append(s.Runs, RunObject(r, criterion, declared))
		if r.Failed() {
			if _, ok := byRule[r.Rule]; !ok {
				byRule[r.Rule] = nil
			}
			continue
		}
		byRule[r.Rule] = append(byRule[r.Rule], r)
	}
	for rule, rs := range byRule {
		var trials, epochs, loss, wall []float64
		solved := 0
		for _, r := range rs {
			if r.Solved {
				solved++
				trials = append(trials, float64(r.TrialsToCriterion))
				epochs = append(epochs, float64(r.EpochsToCriterion))
			} else {
				trials = append(trials, math.Inf(1))
				epochs = append(epochs, math.Inf(1))
			}
			loss = appendMetric(loss, r.FinalLoss, task.FinalLoss)
			wall = append(wall, r.WallSeconds)
		}
		var o output.Object
		o.Add("n", len(rs))
		var solvedFrac *float64
		if criterion && len(rs) > 0 {
			solvedFrac = fptr(float64(solved) / float64(len(rs)))
		}
		o.Add("solved_fraction", solvedFrac)
		for _, m := range fractions {
			yes, of := 0, 0
			for _, r := range rs {
				v, ok := r.Values[m.Name]
				switch {
				case !ok || !declared(m):
				case r.Diverged:
					of++ // the worst: no
				case !math.IsNaN(v):
					of++
					if v != 0 {
						yes++
					}
				}
			}
			var f *float64
			if of > 0 {
				f = fptr(float64(yes) / float64(of))
			}
			o.Add(m.Name+"_fraction", f)
		}
		var mt, qt1, qt3, me *float64
		if criterion {
			mt, qt1, qt3, me = fptr(quantile(0.5, trials)), fptr(quantile(0.25, trials)), fptr(quantile(0.75, trials)), fptr(quantile(0.5, epochs))
		}
		o.Add("median_trials_to_criterion", mt)
		o.Add("q25_trials_to_criterion", qt1)
		o.Add("q75_trials_to_criterion", qt3)
		o.Add("median_epochs_to_criterion", me)
		o.Add("median_final_loss", fptr(quantile(0.5, loss)))
		for _, m := range numbers {
			var xs []float64
			if declared(m) {
				for _, r := range rs {
					xs = appendMetric(xs, r.Values[m.Name], m)
				}
			}
			o.Add("median_"+m.Name, fptr(quantile(0.5, xs)))
			if m.Quartiles {
				o.Add("q25_"+m.Name, fptr(quantile(0.25, xs)))
				o.Add("q75_"+m.Name, fptr(quantile(0.75, xs)))
			}
		}
		o.Add("median_wall_seconds", fptr(quantile(0.5, wall)))
		s.ByRule[rule] = o
	}
	s.Comparisons = p.compare(s.Rules, byRule)
	return s
}

// runObject is one run of summary.json: the same fields, in the same
// order, for every run of every task (null where they do not apply);
// declared says which metrics the run's task reports.
func RunObject(r Result, criterion bool, declared func(task.Metric) bool) output.Object {
	fractions, numbers := summaryFractions, summaryNumbers
	var o output.Object
	o.Add("rule", r.Rule)
	o.Add("seed", r.Seed)
	o.Add("final_loss", fptr(r.FinalLoss))
	var solved *bool
	if criterion {
		solved = &r.Solved
	}
	o.Add("solved", solved)
	for _, m := range fractions {
		var yes *bool
		if v, ok := r.Values[m.Name]; ok && declared(m) && !math.IsNaN(v) && r.Err == "" {
			b := v != 0
			yes = &b
		}
		o.Add(m.Name, yes)
	}
	var tc, ec *int
	if r.Solved {
		tc, ec = &r.TrialsToCriterion, &r.EpochsToCriterion
	}
	o.Add("trials_to_criterion", tc)
	o.Add("epochs_to_criterion", ec)
	o.Add("trials", r.Trials)
	o.Add("epochs", r.Epochs)
	for _, m := range numbers {
		var v *float64
		if x, ok := r.Values[m.Name]; ok && declared(m) && r.Err == "" {
			v = fptr(x)
		}
		o.Add(m.Name, v)
	}
	o.Add("wall_seconds", r.WallSeconds)
	var errp *string
	if r.Err != "" {
		errp = &r.Err
	}
	o.Add("error", errp)
	var spikes *int64
	var simSec *float64
	if r.SpikeCount >= 0 {
		spikes, simSec = &r.SpikeCount, &r.SimSeconds
	}
	o.Add("spike_count", spikes)
	o.Add("sim_seconds", simSec)
	return o
}

// appendMetric adds a run's metric; a run without a value (NaN: it
// diverged) counts as the worst value, so that it can only worsen a median.
func appendMetric(xs []float64, x float64, m task.Metric) []float64 {
	if math.IsNaN(x) {
		return append(xs, m.Worst())
	}
	return append(xs, x)
}

// quantile returns the p-quantile of xs (+Inf allowed) by gonum's
// empirical (step) definition; NaN for no data.
func quantile(p float64, xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(p, stat.Empirical, s, nil)
}

// WriteResults writes summary.json, metrics.csv, traces.csv, weights.csv
// (unless record.weights = false), predictions.csv and rasters (where
// there are any) into dir (which must exist), each atomically, the tables
// in record.format. The runner writes manifest.json after them.
func WriteResults(dir string, s Summary, results []Result, rec Record) error {
	if err := writeJSON(filepath.Join(dir, output.SummaryFile), s); err != nil {
		return err
	}
	f := rec.Format
	if err := output.Metrics.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, row := range r.Metrics {
				w.Str(r.Rule)
				w.Int(r.Seed)
				w.Int(row.Epoch)
				w.Int(row.Trials)
				w.Float(row.Loss)
				w.End()
			}
		}
	}); err != nil {
		return err
	}
	if rec.Weights {
		if err := writeWeights(dir, f, results); err != nil {
			return err
		}
	}
	if err := writePredictions(dir, f, results); err != nil {
		return err
	}
	if err := writeRasters(dir, f, results); err != nil {
		return err
	}
	if err := writeDiagnostics(dir, f, results); err != nil {
		return err
	}
	if err := writeEligibility(dir, f, results, rec.Synapses); err != nil {
		return err
	}
	if err := output.Traces.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, t := range r.Traces {
				w.Str(r.Rule)
				w.Int(r.Seed)
				w.Int(t.Epoch)
				w.Int(t.Trials)
				for _, v := range [...]float64{t.Reward, t.Expectation, t.RPE, t.Dopamine, t.LearningRate, t.EligibilityRMS, t.WeightRMS} {
					w.Float(v)
				}
				w.End()
			}
		}
	}); err != nil {
		return err
	}
	return nil
}

// writeWeights writes weights.csv: the plastic synapses of the traced
// runs before and after training, one row per synapse (pre = -1 for a
// bias).
func writeWeights(dir string, f output.Format, results []Result) error {
	return output.Weights.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, s := range r.Weights {
				nw := s.NPre * s.NPost
				for k, x := range s.W {
					pre, post := k%s.NPre, k/s.NPre
					if k >= nw {
						pre, post = -1, k-nw
					}
					w.Str(r.Rule)
					w.Int(r.Seed)
					w.Str(s.When)
					w.Str(s.Projection)
					w.Int(pre)
					w.Int(post)
					w.Float(x)
					w.End()
				}
			}
		}
	})
}

// writePredictions writes predictions.csv (forecasting tasks): the
// forecasts of the traced seeds beside the truth, in the series' units.
func writePredictions(dir string, f output.Format, results []Result) error {
	any := false
	for _, r := range results {
		any = any || len(r.Prediction.Step) > 0
	}
	if !any {
		return nil
	}
	return output.Predictions.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			p := r.Prediction
			for d := range p.Target {
				for i, step := range p.Step {
					w.Str(r.Rule)
					w.Int(r.Seed)
					w.Int(step)
					w.Int(d)
					w.Float(p.Target[d][i])
					w.Float(p.OneStep[d][i])
					w.Float(p.FreeRun[d][i])
					w.End()
				}
			}
		}
	})
}

var writeJSON = output.WriteJSON

// writeRasters writes rasters.csv (spiking circuits on xor, traced seeds):
// the spikes of one trial per pattern before and after learning.
func writeRasters(dir string, f output.Format, results []Result) error {
	any := false
	for _, r := range results {
		any = any || len(r.Rasters) > 0
	}
	if !any {
		return nil
	}
	err := output.Rasters.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, ra := range r.Rasters {
				raster.Write(w, ra, func() {
					w.Str(r.Rule)
					w.Int(r.Seed)
					w.Str(ra.Label)
				})
			}
		}
	})
	if err != nil {
		return err
	}
	return output.RasterTrials.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, ra := range r.Rasters {
				for k, m := range ra.Marks {
					end := ra.Steps
					if k+1 < len(ra.Marks) {
						end = ra.Marks[k+1]
					}
					w.Str(r.Rule)
					w.Int(r.Seed)
					w.Str(ra.Label)
					w.Float(float64(m) * ra.DtMs)
					w.Float(float64(end) * ra.DtMs)
					w.Str(ra.Inputs[k])
					w.End()
				}
			}
		}
	})
}

// writeDiagnostics writes diagnostics.csv (record.diagnostics_every > 0):
// rule,seed,epoch,trials,name,value, one row per measure.
func writeDiagnostics(dir string, f output.Format, results []Result) error {
	any := false
	for _, r := range results {
		any = any || len(r.Diagnostics) > 0
	}
	if !any {
		return nil
	}
	return output.Diagnostics.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, d := range r.Diagnostics {
				w.Str(r.Rule)
				w.Int(r.Seed)
				w.Int(d.Epoch)
				w.Int(d.Trials)
				w.Str(d.Name)
				w.Float(d.Value)
				w.End()
			}
		}
	})
}

// writeEligibility writes eligibility.csv (record.synapse, rules that
// record it): per recorded update and watched synapse, its eligibility
// and learning signal at every step of the batch's first sequence.
func writeEligibility(dir string, f output.Format, results []Result, ws []WatchedSynapse) error {
	any := false
	for _, r := range results {
		any = any || len(r.Eligibility) > 0
	}
	if !any {
		return nil
	}
	return output.Eligibility.Write(dir, f, func(w *output.Rows) {
		for _, r := range results {
			for _, e := range r.Eligibility {
				s := ws[e.Synapse]
				for n, v := range e.Elig {
					w.Str(r.Rule)
					w.Int(r.Seed)
					w.Int(e.Epoch)
					w.Int(e.Trials)
					w.Str(s.Projection)
					w.Int(s.Pre)
					w.Int(s.Post)
					w.Int(n)
					w.Float(v)
					w.Float(e.Signal[n])
					w.End()
				}
			}
		}
	})
}
