package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/slurm"
)

// runSweep runs a sweep where the runner does not: on Slurm (--backend
// slurm: the points go to job arrays and a collecting job gathers them),
// and the work of its array tasks (--point) and of its collecting job
// (--collect). On this machine a sweep is a kind like any other (runFile).
func runSweep(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	overrides := o.allOverrides()
	task := len(o.points) > 0 || o.collect
	sw, err := sweep.Load(src, overrides, !task)
	if err != nil {
		return usageError{err}
	}
	sw.Backend = o.backend
	if task {
		return sweepTask(ctx, sw, o)
	}
	// The cluster is asked before the directory is claimed: a backend that
	// cannot take the sweep leaves nothing behind.
	if err := slurmReady(ctx); err != nil {
		return err
	}
	start := time.Now()
	m := sw.Manifest()
	m.Overrides, m.Start, m.RunsPlanned = overrides, start.UTC(), len(sw.Points)
	dir, old, err := runner.ClaimRun(runner.Options{Dir: o.out, Resume: o.resume, Force: o.force}, m)
	if err != nil {
		return usageError{err}
	}
	if old != nil && old.Complete {
		fmt.Fprintf(stderr, "dopa run: %s is complete; nothing to resume\n", dir)
		return nil
	}
	if old != nil {
		m.Start = old.Start
		if err := output.CleanTemp(dir); err != nil {
			return err
		}
	}
	// The manifest first, as the runner writes it: the collecting job
	// checks that it gathers this sweep, and writes the sweep's files.
	if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dopa run: sweep %s: %d points × %d rule variants × %d seeds, backend %s, into %s\n",
		sw.Base.Spec.Name, len(sw.Points), len(sw.Base.Spec.Variants()), sw.Base.Spec.Seeds, o.backend, dir)
	submitted, runErr := submitSweep(ctx, sw, dir, o, stdout, stderr)
	if !submitted && old == nil {
		// Nothing reached the cluster: the directory is left as it was
		// found, so that the same command can be given again.
		if err := output.Clean(dir); err != nil {
			runErr = errors.Join(runErr, err)
		}
		if o.out == "" {
			os.Remove(dir)
		}
	}
	if o.detach || !submitted {
		return runErr
	}
	sw.PrintStatus(stdout, sw.Status(dir))
	fmt.Fprintf(stdout, "wrote %s (%.1f s)\n", dir, time.Since(start).Seconds())
	return runErr
}

// sweepTask is the work of an array task (--point: run those points) or
// of the collecting job (--collect: gather the points through the runner,
// which writes the sweep's files, its manifest and the run store). Either
// works in the directory of the sweep it belongs to, and nowhere else: a
// directory of another run (or of another sweep) is refused before
// anything is written.
func sweepTask(ctx context.Context, sw *sweep.Sweep, o runOptions) error {
	if o.out == "" {
		return usagef("--point and --collect need --out DIR: the sweep's directory")
	}
	const where = "--point and --collect work only in the directory of their sweep; nothing was written"
	_, err := runner.Check(o.out, sw.Manifest())
	if errors.As(err, new(*runner.ManifestError)) && errors.Is(err, fs.ErrNotExist) {
		return usagef("%s holds no sweep (no %s): --point and --collect work in the directory of a sweep started by dopa run FILE --out DIR; nothing was written", o.out, output.ManifestFile)
	}
	if err != nil {
		return usagef("%v; %s", err, where)
	}
	if !o.collect {
		for _, id := range o.points {
			if _, ok := sw.Point(id); !ok {
				return usagef("--point %s: no such point in the sweep", id)
			}
		}
		return sw.Task(ctx, o.out, o.points, max(o.workers, 0))
	}
	store, err := openStore(o.store)
	if err != nil {
		return err
	}
	sw.Collecting = true
	rep, err := runner.Execute(ctx, sweep.Kind, sw, runner.Options{Dir: o.out, Overrides: o.allOverrides(), Resume: true, Workers: o.workers, Store: store})
	if errors.Is(err, runner.ErrRefused) {
		return usageError{err}
	}
	if err == nil && rep.StoreErr != nil {
		err = fmt.Errorf("run store %s: %v: the runs were not recorded (their files are complete)", o.store, rep.StoreErr)
	}
	// Points that failed or did not finish are the sweep's state, not the
	// collecting job's failure: sweep.json says which.
	return err
}

// submitSweep submits the sweep to Slurm and, unless --detach, waits for
// the collecting job.
func submitSweep(ctx context.Context, sw *sweep.Sweep, dir string, o runOptions, stdout, stderr io.Writer) (submitted bool, err error) {
	prog, err := os.Executable()
	if err != nil {
		return false, err
	}
	file := sw.Source.File
	if name, ok := strings.CutPrefix(file, "builtin:"); ok {
		file = "experiments/" + strings.TrimSuffix(name, ".toml") // a sweep is an experiment
	} else if file, err = filepath.Abs(file); err != nil {
		return false, err
	}
	storePath := o.store
	if storePath != "off" {
		if storePath, err = filepath.Abs(storePath); err != nil {
			return false, err
		}
	}
	var env []string
	if os.Getenv("DOPA_AS_MAIN") != "" { // the tests run their own binary as dopa
		env = append(env, "DOPA_AS_MAIN=1")
	}
	if v := os.Getenv(sweep.FailPointsEnv); v != "" {
		env = append(env, sweep.FailPointsEnv+"="+v)
	}
	c := slurm.New()
	array, coll, err := sw.Submit(ctx, c, dir, sweep.SlurmOptions{Program: prog, Env: env, File: file, PointsPerTask: o.pointsPerTask,
		Throttle: o.throttle, Workers: max(o.workers, 0), Store: storePath})
	if array == nil && coll == nil {
		return false, err
	}
	if err != nil {
		return true, err
	}
	if array != nil {
		fmt.Fprintf(stderr, "dopa run: submitted %d array tasks (job %s, throttle %d) and the collecting job %s\n", array.Tasks, strings.Join(array.IDs, ","), o.throttle, strings.Join(coll.IDs, ","))
	}
	if o.detach {
		fmt.Fprintf(stdout, "submitted; the collecting job %s writes %s when every point has ended\n", strings.Join(coll.IDs, ","), dir)
		return true, nil
	}
	if array != nil {
		if _, err := c.Wait(ctx, array); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "dopa run: stopped waiting; the jobs go on (scancel %s)\n", strings.Join(append(array.IDs, coll.IDs...), " "))
			}
			return true, err
		}
	}
	ts, err := c.Wait(ctx, coll)
	if err != nil {
		return true, err
	}
	if len(ts) == 1 && !ts[0].OK() {
		return true, fmt.Errorf("the collecting job failed: %v", ts[0].Err())
	}
	var failed []string
	for _, p := range sw.Status(dir) {
		if p.Status != "done" {
			failed = append(failed, p.ID+": "+p.Status+" "+p.Error)
		}
	}
	if len(failed) > 0 {
		return true, errors.New(strconv.Itoa(len(failed)) + " points not done: " + strings.Join(failed, "; ") + " (--resume reruns them)")
	}
	return true, nil
}

// slurmReady checks that Slurm can take a sweep: sbatch on PATH and a
// controller that answers. A missing sbatch is bad input (exit 2); a
// controller that does not answer is a failure (exit 1).
func slurmReady(ctx context.Context) error {
	if !slurm.Available() {
		return usagef("--backend slurm: sbatch is not on PATH; nothing was written")
	}
	if _, err := slurm.New().Config(ctx); err != nil {
		return fmt.Errorf("--backend slurm: the cluster does not answer (%v); nothing was written", err)
	}
	return nil
}
