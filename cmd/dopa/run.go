package main

import (
	"context"
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

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/kinds"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/runstore"
)

const runUsage = `Usage: dopa run [FILE] [flags]

Trains a circuit file (alone, with its [rule]) or an experiment file (its
rules compared over seeds) and writes manifest.json, summary.json,
metrics.csv, traces.csv, weights.csv (predictions.csv for forecasting,
rasters for spiking circuits) and plots/ into the output directory. FILE may also
name a built-in file: experiments/NAME (an experiment, "experiments/xor"),
circuits/NAME (a circuit alone, "circuits/xor"), or a bare NAME that only one
of them has ("xor_robustness", "cuba"). With no FILE, runs the built-in XOR
experiment. Nothing is written if the input is bad.

Flags:
`

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output directory (default out/NAME-TIMESTAMP)")
	seeds := fs.Int("seeds", 0, "number of seeds (overrides the file)")
	seed := fs.Int("seed", -1, "first seed (overrides the file)")
	workers := fs.Int("workers", -1, "runs trained at once, 0 = one per CPU (never changes results)")
	threads := fs.Int("threads", 0, "simulations: the threads one circuit steps on (the key threads; never changes results)")
	force := fs.Bool("force", false, "replace the run in an output directory that already holds one")
	backend := fs.String("backend", "local", "sweeps: where the points run, local or slurm")
	throttle := fs.Int("throttle", 0, "sweeps on Slurm: the most array tasks running at once (0: no limit)")
	perTask := fs.Int("points-per-task", 1, "sweeps on Slurm: points packed into one array task")
	detach := fs.Bool("detach", false, "sweeps on Slurm: return after submitting (the collecting job writes the results)")
	collect := fs.Bool("collect", false, "sweeps: gather the points in --out (what the collecting job runs)")
	storePath := fs.String("store", runstore.DefaultStore(), "the run store (SQLite) to record the runs in; off: none")
	var points multi
	fs.Var(&points, "point", "sweeps: run only this point (its ID) into --out, as an array task does (repeatable)")
	ckEvery := fs.Duration("checkpoint-every", runner.DefaultCheckpointEvery, "how often a long run of a rate circuit saves its state for --resume")
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
	if set["threads"] && (*threads < 1 || *threads > circuits.MaxThreads) {
		return usagef("--threads must be in [1, %d], got %d", circuits.MaxThreads, *threads)
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
	o := runOptions{out: *out, seed: *seed, seeds: *seeds, workers: *workers, threads: *threads, force: *force, resume: *resume, quiet: *quiet, overrides: sets,
		checkpointEvery: *ckEvery, backend: *backend, throttle: *throttle, pointsPerTask: *perTask, detach: *detach, collect: *collect, store: *storePath, points: points}
	if o.throttle < 0 || o.pointsPerTask < 1 {
		return usagef("--throttle must be >= 0 and --points-per-task >= 1, got %d and %d", o.throttle, o.pointsPerTask)
	}
	return runFile(ctx, src, o, stdout, stderr)
}

// runOptions are the flags of dopa run; seed and workers are -1 and seeds
// 0 when not given.
type runOptions struct {
	out                  string
	seed, seeds, workers int
	threads              int // 0: not given
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

// openSource reads and parses FILE once (a path, or a built-in experiment
// or circuit name; no FILE: the built-in XOR experiment) and tells its
// kind.
func openSource(file string) (*experiments.Source, error) {
	if file == "" {
		// The built-in XOR experiment, whatever files are around.
		data, _ := experiments.BuiltinData("xor")
		return experiments.OpenData("builtin:xor.toml", data)
	}
	return experiments.Open(file)
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
		fmt.Fprint(stderr, "Usage: dopa validate FILE\n\nChecks a file of any kind (and the circuit it names) without running it,\nas dopa run checks it, and describes it. FILE is a path or a built-in name\n(experiments/NAME, circuits/NAME). The kinds of file:\n"+kindList())
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
	what, err := validateFile(src)
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
		fmt.Fprint(stderr, "Usage: dopa plot DIR\n\n(Re)makes DIR/plots/ from the files of a finished run in DIR (its\nmanifest.json names its kind), whatever its kind:\n"+kindList())
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
	if o.threads > 0 {
		out = append(out, "threads="+strconv.Itoa(o.threads))
	}
	return out
}

// kindList lists the kinds of file and run, one a line, from the kinds
// registry: the help of validate and plot names every kind there is.
func kindList() string {
	var b strings.Builder
	for _, k := range kinds.All() {
		fmt.Fprintf(&b, "  %-14s %s\n", k.Name, k.Doc)
	}
	return b.String()
}
