package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/kinds"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/runstore"
	"github.com/dopa-sim/dopa/internal/output"
)

// runFile runs a source of any kind through the runner; a sweep on
// Slurm, and its array tasks and collecting job, go to runSweep.
func runFile(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	if src.Kind != output.Sweep && sweepFlags(o) {
		return usagef("--backend, --throttle, --points-per-task, --detach, --point and --collect are for sweeps; %s is a %s file", src.File, src.Kind)
	}
	if src.Kind == output.Sweep {
		if o.backend != "local" && o.backend != "slurm" {
			return usagef("--backend %q: want local or slurm", o.backend)
		}
		if o.backend == "slurm" || o.collect || len(o.points) > 0 {
			return runSweep(ctx, src, o, stdout, stderr)
		}
	}
	if o.threads > 0 && src.Kind != output.Simulation {
		return usagef("--threads is for simulations (a circuit file with task = \"simulate\"); %s is a %s file", src.File, src.Kind)
	}
	k, exp, err := kinds.Load(src, o.allOverrides())
	if err != nil {
		return usageError{err}
	}
	store, err := openStore(o.store)
	if err != nil {
		return err
	}
	start := time.Now()
	bar := progress(stderr, len(exp.Jobs()), o.quiet)
	rep, err := runner.Execute(ctx, k, exp, runner.Options{Dir: o.out, Overrides: o.allOverrides(), Resume: o.resume, Force: o.force,
		Workers: o.workers, CheckpointEvery: o.checkpointEvery, Progress: func(int, int) { bar.inc() }, Store: store})
	bar.done()
	if errors.Is(err, runner.ErrRefused) {
		return usageError{err}
	}
	if rep == nil {
		return err
	}
	if rep.AlreadyComplete {
		fmt.Fprintf(stderr, "dopa run: %s is complete; nothing to resume\n", rep.Dir)
		return nil
	}
	exp.Print(stdout, rep.Results)
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "dopa run: %s (the run's files are complete)\n", w)
	}
	fmt.Fprintf(stdout, "wrote %s (%d of %d runs, %.1f s)\n", rep.Dir, rep.Manifest.RunsDone, rep.Manifest.RunsPlanned, time.Since(start).Seconds())
	if rep.Failed > 0 {
		for _, r := range rep.Results {
			if r != nil && r.Failure() != "" {
				fmt.Fprintf(stderr, "dopa run: %s\n", r.Failure())
				break
			}
		}
		err = errors.Join(err, fmt.Errorf("%d of %d runs failed (each has its \"error\" in summary.json; --resume reruns them)", rep.Failed, rep.Manifest.RunsPlanned))
	}
	if rep.StoreErr != nil {
		err = errors.Join(err, fmt.Errorf("run store %s: %v: the runs were not recorded (their files are complete)", o.store, rep.StoreErr))
	}
	return err
}

// openStore opens the run store at path before any work ("off": none);
// a store that cannot be used refuses the run (exit 2).
func openStore(path string) (runner.Recorder, error) {
	rec, err := runstore.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("%w (--store off records nothing)", err)}
	}
	if rec == nil {
		return nil, nil // not a nil *Recorder in the interface
	}
	return rec, nil
}

// sweepFlags reports whether a flag that only sweeps take was given.
func sweepFlags(o runOptions) bool {
	return o.backend != "local" || o.throttle != 0 || o.pointsPerTask != 1 || o.detach || o.collect || len(o.points) > 0
}

// validateFile checks a source of any kind without running it and
// describes it.
func validateFile(src *experiments.Source) (string, error) {
	_, exp, err := kinds.Load(src, nil)
	if err != nil {
		return "", err
	}
	return "valid " + exp.Describe(), nil
}

// plotDir redraws the figures of the run in dir, whatever its kind (read
// from its manifest).
func plotDir(dir string) error {
	name, err := output.ReadKind(dir)
	if err != nil {
		return usageError{err}
	}
	k, ok := kinds.Of(name)
	if !ok {
		return usagef("%s holds a %s run: no kind of that name", dir, name)
	}
	err = k.Plot(dir)
	if errors.As(err, new(*output.ReadError)) {
		return usageError{err} // a damaged or missing file of the run is bad input
	}
	return err
}
