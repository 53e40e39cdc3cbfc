package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/distal"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/stats"
)

const runUsage = `Usage: dopa run [FILE] [flags]

Trains a circuit file (alone, with its [rule]) or an experiment file (its
rules compared over seeds) and writes manifest.json, summary.json,
metrics.csv, traces.csv, weights.csv (predictions.csv for forecasting,
rasters for spiking circuits) and plots/ into the output directory. FILE may also
name a built-in experiment ("xor", "xor_robustness"). With no FILE, runs the
built-in XOR experiment. Nothing is written if the input is bad.

Flags:
`

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output directory (default out/NAME-TIMESTAMP)")
	seeds := fs.Int("seeds", 0, "number of seeds (overrides the file)")
	seed := fs.Int("seed", -1, "first seed (overrides the file)")
	workers := fs.Int("workers", -1, "runs trained at once, 0 = one per CPU (never changes results)")
	force := fs.Bool("force", false, "write into an output directory that already holds results")
	quiet := fs.Bool("quiet", false, "no progress bar")
	var sets multi
	fs.Var(&sets, "set", "override a key, e.g. --set rule.dopamine.learning_rate=0.1 or --set circuit.population.hidden.size=8 (repeatable)")
	fs.Usage = func() { fmt.Fprint(stderr, runUsage); fs.PrintDefaults() }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("one FILE at most, got %q", pos)
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
	}
	if cs, name, ok, err := loadSimulation(file); ok || err != nil {
		if err != nil {
			return usageError{err}
		}
		return runSimulation(ctx, cs, name, simOptions{out: *out, seed: *seed, seeds: *seeds, force: *force, overrides: sets}, stdout, stderr)
	}
	if ds, name, ok, err := loadDistal(file); ok || err != nil {
		if err != nil {
			return usageError{err}
		}
		return runDistal(ctx, ds, name, simOptions{out: *out, seed: *seed, seeds: *seeds, force: *force, overrides: sets}, *workers, stdout, stderr)
	}
	plan, err := loadPlan(file)
	if err != nil {
		return usageError{err}
	}
	overrides := append([]string(nil), sets...)
	if *seeds > 0 {
		overrides = append(overrides, "seeds="+strconv.Itoa(*seeds))
	} else if *seeds < 0 {
		return usagef("--seeds must be >= 1, got %d", *seeds)
	}
	if *seed >= 0 {
		overrides = append(overrides, "seed="+strconv.Itoa(*seed))
	}
	if *workers >= 0 {
		overrides = append(overrides, "workers="+strconv.Itoa(*workers))
	}
	if err := plan.Validate(); err != nil {
		return usageError{err}
	}
	for _, kv := range overrides {
		if err := plan.Set(kv); err != nil {
			return usageError{err}
		}
	}
	if err := plan.Validate(); err != nil {
		return usagef("after the overrides %q: %v", overrides, err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", plan.Spec.Name+"-"+time.Now().Format("20060102-150405"))
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil && !*force {
		return usagef("%s already holds results (manifest.json); choose another --out or pass --force", dir)
	}

	start := time.Now()
	jobs := plan.Jobs()
	bar := progress(stderr, len(jobs), *quiet)
	results := plan.Run(ctx, func(int, *experiments.Result) { bar.inc() })
	bar.done()
	interrupted := ctx.Err() != nil

	m := plan.NewManifest(overrides, start)
	m.End, m.Interrupted, m.RunsPlanned = time.Now().UTC(), interrupted, len(jobs)
	for _, r := range results {
		if r.Done {
			m.RunsDone++
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sum := plan.Summarize(results)
	if err := experiments.WriteResults(dir, m, sum, results); err != nil {
		return err
	}
	if m.RunsDone > 0 {
		if err := plots.Write(dir); err != nil {
			fmt.Fprintf(stderr, "dopa run: plots: %v\n", err)
		}
		if err := plots.WriteRasters(dir); err != nil {
			fmt.Fprintf(stderr, "dopa run: rasters: %v\n", err)
		}
	}
	printSummary(stdout, sum)
	failed := 0
	for _, r := range results {
		if r.Done && r.Err != "" {
			if failed == 0 {
				fmt.Fprintf(stderr, "dopa run: %s seed %d: %s\n", r.Rule, r.Seed, r.Err)
			}
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "dopa run: %d runs failed (each has an \"error\" in summary.json); their metrics are kept up to the failure\n", failed)
	}
	fmt.Fprintf(stdout, "wrote %s (%d of %d runs, %.1f s)\n", dir, m.RunsDone, len(jobs), time.Since(start).Seconds())
	if interrupted {
		return fmt.Errorf("interrupted: kept the %d finished runs in %s", m.RunsDone, dir)
	}
	return nil
}

// loadPlan loads FILE, a built-in experiment name, or (no FILE) the
// built-in XOR experiment.
func loadPlan(file string) (*experiments.Plan, error) {
	if file == "" {
		return experiments.Builtin("xor")
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if p, berr := experiments.Builtin(file); berr == nil {
			return p, nil
		}
	}
	return experiments.Load(file)
}

func printSummary(w io.Writer, s experiments.Summary) {
	if s.Criterion.LossBelow == 0 {
		fmt.Fprintf(w, "%-22s %4s %12s %18s %14s %12s\n", "rule", "n", "test NRMSE", "IQR", "free-run NRMSE", "valid (λt)")
		for _, r := range s.Rules {
			b := s.ByRule[r]
			fmt.Fprintf(w, "%-22s %4d %12s %18s %14s %12s\n", r, b.N, num(b.MedianTestNRMSE),
				num(b.Q25TestNRMSE)+"–"+num(b.Q75TestNRMSE), num(b.MedianFreeRunNRMSE), num(b.MedianValidTimeLyapunov))
		}
		fmt.Fprintln(w, "NRMSE = RMSE / std of the target over the test segment (medians over seeds)")
	} else {
		fmt.Fprintf(w, "%-22s %4s %7s %14s %14s %12s\n", "rule", "n", "solved", "median trials", "IQR trials", "median loss")
		for _, r := range s.Rules {
			b := s.ByRule[r]
			fmt.Fprintf(w, "%-22s %4d %6.0f%% %14s %14s %12s\n", r, b.N, 100**b.SolvedFraction, num(b.MedianTrialsToCriterion),
				num(b.Q25TrialsToCriterion)+"–"+num(b.Q75TrialsToCriterion), num(b.MedianFinalLoss))
		}
	}
	printComparisons(w, s)
}

// maxPrintedRules bounds the rules whose pairwise comparisons are printed;
// summary.json always has them all.
const maxPrintedRules = 6

// printComparisons prints each rule against the rules listed before it.
func printComparisons(w io.Writer, s experiments.Summary) {
	if len(s.Comparisons) == 0 {
		return
	}
	if len(s.Rules) > maxPrintedRules {
		fmt.Fprintf(w, "%d pairwise comparisons of the %d rules: summary.json \"comparisons\"\n", len(s.Comparisons), len(s.Rules))
		return
	}
	fmt.Fprintf(w, "comparisons by %s (wins: share of run pairs in which the rule's value is lower; p: two-sided Mann-Whitney U, permutation test)\n", s.Comparisons[0].Metric)
	for _, c := range s.Comparisons {
		fmt.Fprintf(w, "  %-20s vs %-20s wins %4.0f%%  p %s\n", c.Rule, c.Against, 100*c.Wins, pValue(c))
	}
}

// pValue prints a p-value; a sampled one that no relabelling reached is a
// bound.
func pValue(c experiments.Comparison) string {
	if !c.Exact && c.P <= 1.5/(1+stats.Permutations) {
		return fmt.Sprintf("< %.0e", 1.5/(1+stats.Permutations))
	}
	return "= " + strconv.FormatFloat(c.P, 'g', 2, 64)
}

func num(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'g', 4, 64)
}

type bar struct {
	p *mpb.Progress
	b *mpb.Bar
}

// progress shows a bar on a terminal and nothing otherwise (cluster logs
// stay clean).
func progress(w io.Writer, n int, quiet bool) *bar {
	f, ok := w.(*os.File)
	if quiet || !ok {
		return &bar{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &bar{}
	}
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	b := p.AddBar(int64(n), mpb.PrependDecorators(decor.Name("runs "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)))
	return &bar{p, b}
}

func (b *bar) inc() {
	if b.b != nil {
		b.b.Increment()
	}
}

func (b *bar) done() {
	if b.p != nil {
		b.b.Abort(false)
		b.p.Wait()
	}
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: dopa validate FILE\n\nChecks a circuit or experiment file (and the circuit it names) without running it.\n")
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one FILE, got %d arguments", len(pos))
	}
	if cs, _, ok, err := loadSimulation(pos[0]); ok || err != nil {
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintf(stdout, "%s: valid circuit %q (task simulate, %g ms at dt = %g ms)\n", pos[0], cs.Name, cs.DurationMs, cs.DtMs)
		return nil
	}
	if ds, _, ok, err := loadDistal(pos[0]); ok || err != nil {
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintf(stdout, "%s: valid distal-reward experiment (%d runs: conditions × seeds)\n", pos[0], len(ds.Jobs()))
		return nil
	}
	plan, err := experiments.Load(pos[0])
	if err != nil {
		return usageError{err}
	}
	if err := plan.Validate(); err != nil {
		return usageError{err}
	}
	kind := "experiment"
	if plan.File == "" {
		kind = "circuit"
	}
	fmt.Fprintf(stdout, "%s: valid %s %q (circuit %q, %d rule variants × %d seeds)\n", pos[0], kind, plan.Spec.Name, plan.Circuit.Name, len(plan.Spec.Variants()), plan.Spec.Seeds)
	return nil
}

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: dopa plot DIR\n\n(Re)makes DIR/plots/ from the files of a run in DIR: metrics.csv, traces.csv,\nsummary.json and the rest of a training run; spikes.csv and states.csv of a\nsimulation; manifest.json, traces.csv, weights_end.csv and raster.csv of a\ndistal-reward run.\n")
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DIR, got %d arguments", len(pos))
	}
	if _, err := os.Stat(filepath.Join(pos[0], "metrics.csv")); err != nil {
		if _, serr := os.Stat(filepath.Join(pos[0], experiments.SpikesFile)); serr == nil {
			if err := plots.WriteSimulation(pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(pos[0], "plots"))
			return nil
		}
		if _, derr := os.Stat(filepath.Join(pos[0], "weights_end.csv")); derr == nil {
			r, err := distal.ReadResult(pos[0])
			if err != nil {
				return err
			}
			if err := distal.WritePlots(pos[0], r); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(pos[0], "plots"))
			return nil
		}
		return usagef("%s: not a dopa output directory (no metrics.csv)", pos[0])
	}
	if err := plots.Write(pos[0]); err != nil {
		return err
	}
	if err := plots.WriteRasters(pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(pos[0], "plots"))
	return nil
}
