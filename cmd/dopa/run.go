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
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/output"
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
	force := fs.Bool("force", false, "replace the run in an output directory that already holds one")
	backend := fs.String("backend", "local", "sweeps: where the points run, local or slurm")
	throttle := fs.Int("throttle", 0, "sweeps on Slurm: the most array tasks running at once (0: no limit)")
	perTask := fs.Int("points-per-task", 1, "sweeps on Slurm: points packed into one array task")
	detach := fs.Bool("detach", false, "sweeps on Slurm: return after submitting (the collecting job writes the results)")
	collect := fs.Bool("collect", false, "sweeps: gather the points in --out (what the collecting job runs)")
	storePath := fs.String("store", experiments.DefaultStore(), "the run store (SQLite) to record the runs in; off: none")
	var points multi
	fs.Var(&points, "point", "sweeps: run only this point (its ID) into --out, as an array task does (repeatable)")
	ckEvery := fs.Duration("checkpoint-every", experiments.DefaultCheckpointEvery, "how often a long run of a rate circuit saves its state for --resume")
	resume := fs.Bool("resume", false, "continue the interrupted or partly failed run in --out DIR, rerunning only what is missing or failed")
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["seeds"] && *seeds < 1 {
		return usagef("--seeds must be >= 1, got %d", *seeds)
	}
	if set["seed"] && *seed < 0 {
		return usagef("--seed must be >= 0, got %d", *seed)
	}
	if set["workers"] && *workers < 0 {
		return usagef("--workers must be >= 0 (0: one per CPU), got %d", *workers)
	}
	if !set["seed"] {
		*seed = -1
	}
	if !set["workers"] {
		*workers = -1
	}
	src, err := openSource(file)
	if err != nil {
		return usageError{err}
	}
	o := runOptions{out: *out, seed: *seed, seeds: *seeds, workers: *workers, force: *force, resume: *resume, quiet: *quiet, overrides: sets,
		checkpointEvery: *ckEvery, backend: *backend, throttle: *throttle, pointsPerTask: *perTask, detach: *detach, collect: *collect, store: *storePath, points: points}
	if o.throttle < 0 || o.pointsPerTask < 1 {
		return usagef("--throttle must be >= 0 and --points-per-task >= 1, got %d and %d", o.throttle, o.pointsPerTask)
	}
	return kindOf(src).run(ctx, src, o, stdout, stderr)
}

// runOptions are the flags of dopa run; seed and workers are -1 and seeds
// 0 when not given.
type runOptions struct {
	out                  string
	seed, seeds, workers int
	force, resume, quiet bool
	overrides            []string
	// Sweeps.
	backend                 string
	throttle, pointsPerTask int
	detach, collect         bool
	points                  []string
	// store is the run store's path ("off": none).
	store string
	// checkpointEvery is how often a long run saves its state.
	checkpointEvery time.Duration
}

// runTraining trains a plan (an experiment file, or a circuit file alone)
// and writes its outputs.
func runTraining(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	plan, err := experiments.LoadPlan(src)
	if err != nil {
		return usageError{err}
	}
	overrides := o.allOverrides()
	if o.workers >= 0 {
		overrides = append(overrides, "workers="+strconv.Itoa(o.workers))
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
	dir, err := claimDir(o, plan.Spec.Name, output.Training)
	if err != nil {
		return err
	}
	start := time.Now()
	jobs := plan.Jobs()
	bar := progress(stderr, len(jobs), o.quiet)
	results, m, runErr := plan.Execute(ctx, dir, experiments.Options{Overrides: overrides, Resume: o.resume, Force: o.force,
		CheckpointEvery: o.checkpointEvery, Done: func(int, int) { bar.inc() }})
	bar.done()
	if errors.Is(runErr, experiments.ErrNotResumable) {
		return usageError{runErr}
	}
	if results == nil {
		return runErr
	}
	sum := plan.Summarize(results)
	if err := experiments.RecordDir(context.Background(), o.store, dir, overrideMap(overrides)); err != nil {
		fmt.Fprintf(stderr, "dopa run: run store %s: %v (the run's files are complete)\n", o.store, err)
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
	return runErr
}

// claimDir returns the output directory of a run, ready before any work:
// --out (claimed: empty, or replaced with --force, or continued with
// --resume) or a new out/NAME-TIMESTAMP directory of its own.
func claimDir(o runOptions, name string, kind output.Kind) (string, error) {
	if o.out == "" {
		if o.resume {
			return "", usagef("--resume needs --out DIR: the directory of the run to continue")
		}
		dir, err := experiments.NewDir("out", name, time.Now())
		if err != nil {
			return "", err
		}
		return dir, nil
	}
	if o.resume && o.force {
		return "", usagef("--resume continues the run in --out and --force replaces it: give one")
	}
	if err := experiments.Claim(o.out, kind, o.resume, o.force); err != nil {
		return "", usageError{err}
	}
	return o.out, nil
}

// openSource reads and parses FILE once (a path, or a built-in experiment
// or circuit name; no FILE: the built-in XOR experiment) and tells its
// kind.
func openSource(file string) (*experiments.Source, error) {
	if file == "" {
		file = "xor"
		if _, err := os.Stat(file); err == nil {
			// A file named xor in the working directory is not the default.
			data, _ := experiments.BuiltinData(file)
			return experiments.OpenData("builtin:xor.toml", data)
		}
	}
	return experiments.Open(file)
}

func printSummary(w io.Writer, s experiments.Summary) {
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
			fmt.Fprintf(w, "%-22s %4s", r, num(b.Num("n")))
			for _, m := range ms {
				if m.Fraction {
					fmt.Fprintf(w, " %14s", num(b.Num(m.Name+"_fraction")))
					continue
				}
				fmt.Fprintf(w, " %14s", num(b.Num("median_"+m.Name)))
				if m.Quartiles {
					fmt.Fprintf(w, " %18s", num(b.Num("q25_"+m.Name))+"–"+num(b.Num("q75_"+m.Name)))
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
			fmt.Fprintf(w, "%-22s %4s %6.0f%% %14s %14s %12s\n", r, num(b.Num("n")), 100*solved, num(b.Num("median_trials_to_criterion")),
				num(b.Num("q25_trials_to_criterion"))+"–"+num(b.Num("q75_trials_to_criterion")), num(b.Num("median_final_loss")))
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
	fmt.Fprintf(w, "comparisons by %s (wins: share of run pairs in which the rule's value is better; p: two-sided Mann-Whitney U, permutation test)\n", s.Comparisons[0].Metric)
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
	src, err := experiments.Open(pos[0])
	if err != nil {
		return usageError{err}
	}
	what, err := kindOf(src).validate(src)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(stdout, "%s: %s\n", pos[0], what)
	return nil
}

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: dopa plot DIR\n\n(Re)makes DIR/plots/ from the files of a run in DIR: metrics.csv, traces.csv,\nsummary.json and the rest of a training run; spikes.csv and states.csv of a\nsimulation; manifest.json, traces.csv, weights_end.csv and rasters.csv of a\ndistal-reward run.\n")
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DIR, got %d arguments", len(pos))
	}
	if err := plotDir(pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(pos[0], "plots"))
	return nil
}

// alreadyComplete reports, for --resume of a kind that reruns as a whole
// (a simulation, the distal-reward runs), whether the run in --out is
// complete: then there is nothing to do.
func alreadyComplete(o runOptions) (bool, error) {
	if !o.resume || o.out == "" {
		return false, nil
	}
	m, err := output.ReadManifest(o.out)
	if err != nil {
		return false, usageError{fmt.Errorf("%w: %v", experiments.ErrNotResumable, err)}
	}
	if m.Complete {
		fmt.Fprintf(os.Stderr, "dopa run: %s is complete; nothing to resume\n", o.out)
		return true, nil
	}
	return false, nil
}

// overrideMap turns key=value overrides into the parameters a run is
// recorded with in the run store.
func overrideMap(kvs []string) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// allOverrides returns the --set overrides followed by --seeds and --seed as
// keys, where given.
func (o runOptions) allOverrides() []string {
	out := append([]string(nil), o.overrides...)
	if o.seeds > 0 {
		out = append(out, "seeds="+strconv.Itoa(o.seeds))
	}
	if o.seed >= 0 {
		out = append(out, "seed="+strconv.Itoa(o.seed))
	}
	return out
}

// setEach applies key=value overrides with set (a kind's own Set); a bad
// one is a usage error.
func setEach(overrides []string, set func(key, value string) error) error {
	for _, kv := range overrides {
		k, v, found := cutKV(kv)
		if !found {
			return usagef("--set %q: want key=value", kv)
		}
		if err := set(k, v); err != nil {
			return usageError{err}
		}
	}
	return nil
}
