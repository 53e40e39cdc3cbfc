package experiments

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
	"gonum.org/v1/gonum/stat"
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

// resolved renders a spec with the keys of its TOML file: encoded to TOML,
// decoded to a map, non-finite numbers spelled as TOML spells them.
func resolved(v any) any {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return err.Error()
	}
	var m map[string]any
	if _, err := toml.Decode(b.String(), &m); err != nil {
		return err.Error()
	}
	return jsonSafe(m)
}

func jsonSafe(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonSafe(x)
		}
	case []any:
		for i, x := range v {
			v[i] = jsonSafe(x)
		}
	case []map[string]any:
		for i, x := range v {
			v[i] = jsonSafe(x).(map[string]any)
		}
	case float64:
		switch {
		case math.IsInf(v, 1):
			return "inf"
		case math.IsInf(v, -1):
			return "-inf"
		case math.IsNaN(v):
			return "nan"
		}
	}
	return v
}

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
	if err := writePredictions(dir, results); err != nil {
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

// ff formats a float exactly (shortest representation that round-trips).
func ff(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func writeCSV(path, header string, rows func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString(header + "\n")
	rows(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
