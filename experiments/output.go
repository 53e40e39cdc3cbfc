package experiments

import (
	"bufio"
	"embed"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/dopa-sim/dopa/internal/outfmt"

	"github.com/dopa-sim/dopa/circuits"
)

//go:embed *.toml
var builtinFS embed.FS

// Version is dopa's version, written into every manifest.
var Version = "0.1.0-dev"

// Manifest is manifest.json: everything needed to reproduce a run.
type Manifest struct {
	Experiment  string    `json:"experiment"`
	File        string    `json:"file,omitempty"`
	CircuitFile string    `json:"circuit_file"`
	Overrides   []string  `json:"overrides"`
	Seeds       []int     `json:"seeds"`
	Resolved    any       `json:"resolved"` // the experiment and circuit with every default filled in
	Version     string    `json:"dopa_version"`
	VCS         string    `json:"vcs_revision,omitempty"`
	GoVersion   string    `json:"go_version"`
	Platform    string    `json:"platform"`
	Workers     int       `json:"workers"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Interrupted bool      `json:"interrupted"`
	RunsDone    int       `json:"runs_done"`
	RunsPlanned int       `json:"runs_planned"`
}

// NewManifest fills a manifest for the plan.
func (p *Plan) NewManifest(overrides []string, start time.Time) Manifest {
	m := Manifest{Experiment: p.Spec.Name, File: p.File, CircuitFile: p.CircuitFile, Overrides: overrides,
		Resolved: map[string]any{"experiment": resolved(p.Spec), "circuit": resolved(p.Circuit)},
		Version:  Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Workers: p.Spec.Workers, Start: start.UTC()}
	if m.Overrides == nil {
		m.Overrides = []string{}
	}
	if m.Workers == 0 {
		m.Workers = runtime.GOMAXPROCS(0)
	}
	for i := range p.Spec.Seeds {
		m.Seeds = append(m.Seeds, p.Spec.Seed+i)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				m.VCS = s.Value
			}
		}
	}
	return m
}

// resolved renders a spec with the keys of its TOML file (outfmt.Resolved).
func resolved(v any) any { return outfmt.Resolved(v) }

// RunSummary is one run in summary.json. Fields that do not apply are null.
type RunSummary struct {
	Rule              string   `json:"rule"`
	Seed              int      `json:"seed"`
	FinalLoss         *float64 `json:"final_loss"`
	Solved            *bool    `json:"solved"`
	AllCorrect        *bool    `json:"all_correct"`
	TrialsToCriterion *int     `json:"trials_to_criterion"`
	EpochsToCriterion *int     `json:"epochs_to_criterion"`
	Trials            int      `json:"trials"`
	Epochs            int      `json:"epochs"`
	TestNRMSE         *float64 `json:"test_nrmse"`
	FreeRunNRMSE      *float64 `json:"free_run_nrmse"`
	ValidTimeLyapunov *float64 `json:"valid_time_lyapunov"`
	WallSeconds       float64  `json:"wall_seconds"`
	Error             *string  `json:"error"`
	SpikeCount        *int64   `json:"spike_count"` // spiking circuits: spikes over the run
	SimSeconds        *float64 `json:"sim_seconds"` // spiking circuits: wall time of the training loop
}

// RuleSummary aggregates the runs of one rule over seeds.
type RuleSummary struct {
	N                       int      `json:"n"`
	SolvedFraction          *float64 `json:"solved_fraction"`
	AllCorrectFraction      *float64 `json:"all_correct_fraction"`
	MedianTrialsToCriterion *float64 `json:"median_trials_to_criterion"`
	Q25TrialsToCriterion    *float64 `json:"q25_trials_to_criterion"`
	Q75TrialsToCriterion    *float64 `json:"q75_trials_to_criterion"`
	MedianEpochsToCriterion *float64 `json:"median_epochs_to_criterion"`
	MedianFinalLoss         *float64 `json:"median_final_loss"`
	MedianTestNRMSE         *float64 `json:"median_test_nrmse"`
	Q25TestNRMSE            *float64 `json:"q25_test_nrmse"`
	Q75TestNRMSE            *float64 `json:"q75_test_nrmse"`
	MedianFreeRunNRMSE      *float64 `json:"median_free_run_nrmse"`
	MedianValidTimeLyapunov *float64 `json:"median_valid_time_lyapunov"`
	MedianWallSeconds       float64  `json:"median_wall_seconds"`
}

// Summary is summary.json.
type Summary struct {
	Experiment string                 `json:"experiment"`
	Criterion  Criterion              `json:"criterion"`
	Note       string                 `json:"note"`
	Rules      []string               `json:"rules"`
	Runs       []RunSummary           `json:"runs"`
	ByRule     map[string]RuleSummary `json:"by_rule"`
	// Comparisons sets every rule against each rule listed before it.
	Comparisons []Comparison `json:"comparisons"`
}

func fptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Summarize builds summary.json from the finished runs. Medians of trials
// and epochs to criterion count an unsolved run as never reaching it (+∞):
// they are null when half the runs or more did not solve.
func (p *Plan) Summarize(results []Result) Summary {
	s := Summary{Experiment: p.Spec.Name, Criterion: p.Spec.Criterion, ByRule: map[string]RuleSummary{},
		Note: "trials = forward passes of the circuit over the task's batch (for xor, all four patterns), counted for every pass a rule uses to learn; epochs = learning updates; medians of *_to_criterion count unsolved runs as +inf"}
	byRule := map[string][]Result{}
	for _, r := range results {
		if !r.Done {
			continue
		}
		if _, ok := byRule[r.Rule]; !ok {
			s.Rules = append(s.Rules, r.Rule)
		}
		byRule[r.Rule] = append(byRule[r.Rule], r)
		rs := RunSummary{Rule: r.Rule, Seed: r.Seed, FinalLoss: fptr(r.FinalLoss), Trials: r.Trials, Epochs: r.Epochs,
			TestNRMSE: fptr(r.TestNRMSE), FreeRunNRMSE: fptr(r.FreeRunNRMSE), ValidTimeLyapunov: fptr(r.ValidTimeLyapunov), WallSeconds: r.WallSeconds}
		if p.Spec.Criterion.LossBelow > 0 {
			solved := r.Solved
			rs.Solved = &solved
		}
		if r.Of > 0 {
			ok := r.Correct == r.Of
			rs.AllCorrect = &ok
		}
		if r.Solved {
			t, e := r.TrialsToCriterion, r.EpochsToCriterion
			rs.TrialsToCriterion, rs.EpochsToCriterion = &t, &e
		}
		if r.Err != "" {
			e := r.Err
			rs.Error = &e
		}
		if r.SpikeCount >= 0 {
			n, sec := r.SpikeCount, r.SimSeconds
			rs.SpikeCount, rs.SimSeconds = &n, &sec
		}
		s.Runs = append(s.Runs, rs)
	}
	for rule, rs := range byRule {
		var trials, epochs, loss, nrmse, free, valid, wall []float64
		solved, correct, classified := 0, 0, 0
		for _, r := range rs {
			if r.Solved {
				solved++
				trials = append(trials, float64(r.TrialsToCriterion))
				epochs = append(epochs, float64(r.EpochsToCriterion))
			} else {
				trials = append(trials, math.Inf(1))
				epochs = append(epochs, math.Inf(1))
			}
			if r.Of > 0 {
				classified++
				if r.Correct == r.Of {
					correct++
				}
			}
			if !math.IsNaN(r.FinalLoss) {
				loss = append(loss, r.FinalLoss)
			} else {
				loss = append(loss, math.Inf(1))
			}
			if p.Spec.Task != "xor" {
				nrmse = appendMetric(nrmse, r.TestNRMSE)
				free = appendMetric(free, r.FreeRunNRMSE)
				if p.Spec.Task == "lorenz" {
					valid = appendMetric(valid, r.ValidTimeLyapunov)
				}
			}
			wall = append(wall, r.WallSeconds)
		}
		agg := RuleSummary{N: len(rs), MedianFinalLoss: fptr(quantile(0.5, loss)), MedianWallSeconds: quantile(0.5, wall),
			MedianTestNRMSE: fptr(quantile(0.5, nrmse)), Q25TestNRMSE: fptr(quantile(0.25, nrmse)), Q75TestNRMSE: fptr(quantile(0.75, nrmse)),
			MedianFreeRunNRMSE: fptr(quantile(0.5, free)), MedianValidTimeLyapunov: fptr(quantile(0.5, valid))}
		if p.Spec.Criterion.LossBelow > 0 {
			agg.SolvedFraction = fptr(float64(solved) / float64(len(rs)))
			agg.MedianTrialsToCriterion, agg.Q25TrialsToCriterion = fptr(quantile(0.5, trials)), fptr(quantile(0.25, trials))
			agg.Q75TrialsToCriterion, agg.MedianEpochsToCriterion = fptr(quantile(0.75, trials)), fptr(quantile(0.5, epochs))
		}
		if classified > 0 {
			agg.AllCorrectFraction = fptr(float64(correct) / float64(classified))
		}
		s.ByRule[rule] = agg
	}
	s.Comparisons = p.compare(s.Rules, byRule)
	return s
}

// appendMetric adds a run's metric; a diverged run (NaN) counts as +Inf,
// so that it can only raise a median.
func appendMetric(xs []float64, x float64) []float64 {
	if math.IsNaN(x) {
		return append(xs, math.Inf(1))
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

// WriteResults writes manifest.json, summary.json, metrics.csv and
// traces.csv into dir (which must exist).
func WriteResults(dir string, m Manifest, s Summary, results []Result) error {
	if err := writeJSON(filepath.Join(dir, "manifest.json"), m); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), s); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "metrics.csv"), "rule,seed,epoch,trials,loss", func(w *bufio.Writer) {
		for _, r := range results {
			for _, row := range r.Metrics {
				fmt.Fprintf(w, "%s,%d,%d,%d,%s\n", r.Rule, r.Seed, row.Epoch, row.Trials, ff(row.Loss))
			}
		}
	}); err != nil {
		return err
	}
	if err := writeWeights(dir, results); err != nil {
		return err
	}
	if err := writePredictions(dir, results); err != nil {
		return err
	}
	if err := writeRasters(dir, results); err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, "traces.csv"), "rule,seed,epoch,trials,reward,expectation,rpe,dopamine,learning_rate,eligibility_rms,weight_rms", func(w *bufio.Writer) {
		for _, r := range results {
			for _, t := range r.Traces {
				fmt.Fprintf(w, "%s,%d,%d,%d,%s,%s,%s,%s,%s,%s,%s\n", r.Rule, r.Seed, t.Epoch, t.Trials, ff(t.Reward), ff(t.Expectation),
					ff(t.RPE), ff(t.Dopamine), ff(t.LearningRate), ff(t.EligibilityRMS), ff(t.WeightRMS))
			}
		}
	})
}

// writeWeights writes weights.csv: the plastic synapses of the traced
// runs before and after training, one row per synapse (pre = -1 for a
// bias).
func writeWeights(dir string, results []Result) error {
	return writeCSV(filepath.Join(dir, "weights.csv"), "rule,seed,when,projection,pre,post,weight", func(w *bufio.Writer) {
		for _, r := range results {
			for _, s := range r.Weights {
				nw := s.NPre * s.NPost
				for k, x := range s.W {
					pre, post := k%s.NPre, k/s.NPre
					if k >= nw {
						pre, post = -1, k-nw
					}
					fmt.Fprintf(w, "%s,%d,%s,%s,%d,%d,%s\n", r.Rule, r.Seed, s.When, s.Projection, pre, post, ff(x))
				}
			}
		}
	})
}

// writePredictions writes predictions.csv (forecasting tasks): the
// forecasts of the traced seeds beside the truth, in the series' units.
func writePredictions(dir string, results []Result) error {
	any := false
	for _, r := range results {
		any = any || len(r.Prediction.Step) > 0
	}
	if !any {
		return nil
	}
	return writeCSV(filepath.Join(dir, "predictions.csv"), "rule,seed,step,dim,target,one_step,free_run", func(w *bufio.Writer) {
		for _, r := range results {
			p := r.Prediction
			for d := range p.Target {
				for i, step := range p.Step {
					fmt.Fprintf(w, "%s,%d,%d,%d,%s,%s,%s\n", r.Rule, r.Seed, step, d, ff(p.Target[d][i]), ff(p.OneStep[d][i]), ff(p.FreeRun[d][i]))
				}
			}
		}
	})
}

// ff formats a float exactly (outfmt.Float).
func ff(x float64) string { return outfmt.Float(x) }

var (
	writeJSON = outfmt.WriteJSON
	writeCSV  = outfmt.WriteCSV
)

// writeRasters writes rasters.csv (spiking circuits on xor, traced seeds):
// the spikes of one trial per pattern before and after learning.
func writeRasters(dir string, results []Result) error {
	any := false
	for _, r := range results {
		any = any || len(r.Rasters) > 0
	}
	if !any {
		return nil
	}
	err := writeCSV(filepath.Join(dir, RastersFile), "rule,seed,phase,time_ms,population,neuron", func(w *bufio.Writer) {
		for _, r := range results {
			for _, ra := range r.Rasters {
				writeSpikes(w, fmt.Sprintf("%s,%d,%s,", r.Rule, r.Seed, ra.Label), ra)
			}
		}
	})
	if err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, RasterTrialsFile), "rule,seed,phase,start_ms,end_ms,input", func(w *bufio.Writer) {
		for _, r := range results {
			for _, ra := range r.Rasters {
				for k, m := range ra.Marks {
					end := ra.Steps
					if k+1 < len(ra.Marks) {
						end = ra.Marks[k+1]
					}
					fmt.Fprintf(w, "%s,%d,%s,%s,%s,\"%s\"\n", r.Rule, r.Seed, ra.Label, ff(float64(m)*ra.DtMs), ff(float64(end)*ra.DtMs), ra.Inputs[k])
				}
			}
		}
	})
}

// Files of a simulation (and rasters.csv of a spiking training run).
const (
	SpikesFile  = "spikes.csv"  // time_ms,population,neuron
	StatesFile  = "states.csv"  // time_ms, then one column per monitored neuron
	RastersFile = "rasters.csv" // rule,seed,phase,time_ms,population,neuron
	// RasterTrialsFile marks the trials of the rasters: one row per trial.
	RasterTrialsFile = "raster_trials.csv" // rule,seed,phase,start_ms,end_ms,input
	LayoutFile       = "populations.csv"
)

func writeSpikes(w *bufio.Writer, prefix string, ra Raster) {
	for _, sp := range ra.Spikes {
		fmt.Fprintf(w, "%s%s,%s,%d\n", prefix, ff(float64(sp.Step+1)*ra.DtMs), ra.PopNames[sp.Pop], sp.Neuron)
	}
}

// SimSummary is summary.json of a simulation.
type SimSummary struct {
	Experiment string                   `json:"experiment"`
	Task       string                   `json:"task"`
	Seed       int                      `json:"seed"`
	DtMs       float64                  `json:"dt_ms"`
	Steps      int                      `json:"steps"`
	DurationMs float64                  `json:"duration_ms"` // simulated
	SpikeCount int64                    `json:"spike_count"`
	SimSeconds float64                  `json:"sim_seconds"` // wall time of the simulation loop, construction excluded
	Done       bool                     `json:"done"`
	ByPop      map[string]PopSimSummary `json:"by_population"`
	Runs       []RunSummary             `json:"runs"`
}

// PopSimSummary is one population of a simulation.
type PopSimSummary struct {
	Size       int     `json:"size"`
	SpikeCount int64   `json:"spike_count"`
	RateHz     float64 `json:"rate_hz"` // mean rate per neuron
}

// WriteSimulation writes manifest.json, summary.json, spikes.csv (every
// spike: time_ms of the end of its step, population, neuron),
// populations.csv (name, size, dt_ms, steps) and, with [[record]]
// monitors, states.csv into dir (which must exist).
func WriteSimulation(dir string, m Manifest, cs *circuits.Spec, sim *Simulation) error {
	ra := sim.Raster
	sum := SimSummary{Experiment: cs.Name, Task: "simulate", Seed: sim.Seed, DtMs: cs.DtMs, Steps: sim.Steps,
		DurationMs: float64(sim.Steps) * cs.DtMs, SpikeCount: sim.SpikeCount, SimSeconds: sim.SimSeconds, Done: sim.Done,
		ByPop: map[string]PopSimSummary{}}
	counts := make([]int64, len(ra.PopNames))
	for _, sp := range ra.Spikes {
		counts[sp.Pop]++
	}
	for i, n := range ra.PopNames {
		rate := 0.0
		if sim.Steps > 0 {
			rate = float64(counts[i]) / float64(ra.PopSizes[i]) / (float64(sim.Steps) * cs.DtMs / 1000)
		}
		sum.ByPop[n] = PopSimSummary{Size: ra.PopSizes[i], SpikeCount: counts[i], RateHz: rate}
	}
	n, sec := sim.SpikeCount, sim.SimSeconds
	sum.Runs = []RunSummary{{Rule: "none", Seed: sim.Seed, Trials: 0, Epochs: 0, WallSeconds: sim.SimSeconds, SpikeCount: &n, SimSeconds: &sec}}
	if err := writeJSON(filepath.Join(dir, "manifest.json"), m); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), sum); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, LayoutFile), "population,size,dt_ms,steps", func(w *bufio.Writer) {
		for i, n := range ra.PopNames {
			fmt.Fprintf(w, "%s,%d,%s,%d\n", n, ra.PopSizes[i], ff(cs.DtMs), sim.Steps)
		}
	}); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, SpikesFile), "time_ms,population,neuron", func(w *bufio.Writer) {
		writeSpikes(w, "", ra)
	}); err != nil {
		return err
	}
	if len(sim.Columns) == 0 {
		return nil
	}
	return writeCSV(filepath.Join(dir, StatesFile), "time_ms,"+strings.Join(sim.Columns, ","), func(w *bufio.Writer) {
		k := len(sim.Columns)
		for t := 0; t*k < len(sim.States); t++ {
			w.WriteString(ff(float64(t+1) * cs.DtMs))
			for _, v := range sim.States[t*k : (t+1)*k] {
				w.WriteByte(',')
				w.WriteString(ff(v))
			}
			w.WriteByte('\n')
		}
	})
}

// SimManifest fills manifest.json for a simulation of cs.
func SimManifest(cs *circuits.Spec, file string, overrides []string, seed int, start time.Time) Manifest {
	m := Manifest{Experiment: cs.Name, CircuitFile: file, Overrides: overrides, Seeds: []int{seed},
		Resolved: map[string]any{"circuit": resolved(*cs)}, Version: Version, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Workers: 1, Start: start.UTC(), RunsPlanned: 1}
	if m.Overrides == nil {
		m.Overrides = []string{}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				m.VCS = s.Value
			}
		}
	}
	return m
}
