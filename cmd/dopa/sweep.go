package main

import (
	"context"
	"encoding/json"
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
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/slurm"
)

// runSweep runs an experiment with a [sweep]: every point on this machine
// (--backend local) or as Slurm job arrays (--backend slurm). Array tasks
// call it back with --point (run those points) and the collecting job with
// --collect.
func runSweep(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	overrides := o.allOverrides()
	task := len(o.points) > 0 || o.collect
	if o.backend != "local" && o.backend != "slurm" {
		return usagef("--backend %q: want local or slurm", o.backend)
	}
	sw, err := sweep.Load(src, overrides, !task)
	if err != nil {
		return usageError{err}
	}
	if o.workers >= 0 {
		// Workers never change results: not an override of the points.
		if err := sw.Base.Set("workers=" + strconv.Itoa(o.workers)); err != nil {
			return usageError{err}
		}
	}
	start := time.Now()
	m := sweepManifest(src, sw, overrides, o.backend, start)
	if task {
		// An array task or the collecting job works in the directory of
		// the sweep it belongs to, and nowhere else: a directory of another
		// run (or of another sweep) is refused before anything is written.
		if o.out == "" {
			return usagef("--point and --collect need --out DIR: the sweep's directory")
		}
		old, err := sweepDir(o.out, m)
		if err != nil {
			return err
		}
		if o.collect {
			_, err = sw.Collect(ctx, o.out, old, o.store, o.backend)
			return err
		}
		for _, id := range o.points {
			if _, ok := sw.Point(id); !ok {
				return usagef("--point %s: no such point in the sweep", id)
			}
		}
		return sw.Local(ctx, o.out, o.points, nil)
	}
	if o.backend == "slurm" {
		// The cluster is asked before the directory is claimed: a backend
		// that cannot take the sweep leaves nothing behind.
		if err := slurmReady(ctx); err != nil {
			return err
		}
	}
	dir, old, err := claimSweep(o, m)
	if err != nil {
		return err
	}
	if old != nil && old.Complete {
		fmt.Fprintf(stderr, "dopa run: %s is complete; nothing to resume\n", dir)
		return nil
	}
	if old != nil {
		m.Start = old.Start
	}
	if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dopa run: sweep %s: %d points × %d rule variants × %d seeds, backend %s, into %s\n",
		sw.Base.Spec.Name, len(sw.Points), len(sw.Base.Spec.Variants()), sw.Base.Spec.Seeds, o.backend, dir)
	var runErr error
	switch o.backend {
	case "local":
		bar := progress(stderr, len(sw.Points), o.quiet)
		last := ""
		runErr = sw.Local(ctx, dir, nil, func(point string, n, of int) {
			if n == of && point != last {
				last = point
				bar.inc()
			}
		})
		bar.done()
	case "slurm":
		var submitted bool
		submitted, runErr = submitSweep(ctx, sw, dir, o, stdout, stderr)
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
		if o.detach || runErr != nil {
			return runErr
		}
	}
	if ctx.Err() != nil {
		// Interrupted: gather what is done, keep the rest for --resume.
		ctx = context.Background()
	}
	st, err := collected(ctx, sw, dir, m, o)
	if err != nil {
		return err
	}
	printPoints(stdout, st, sw)
	fmt.Fprintf(stdout, "wrote %s (%.1f s)\n", dir, time.Since(start).Seconds())
	return runErr
}

// collected returns the points' states: gathered here after a local
// sweep; read back after a Slurm sweep, whose collecting job gathered them.
func collected(ctx context.Context, sw *sweep.Sweep, dir string, m output.Manifest, o runOptions) ([]sweep.PointStatus, error) {
	if o.backend == "slurm" {
		return sw.Status(dir), nil
	}
	return sw.Collect(ctx, dir, m, o.store, o.backend)
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

// printPoints prints each point's parameters, status and the median
// headline metric of each rule.
func printPoints(w io.Writer, st []sweep.PointStatus, sw *sweep.Sweep) {
	metric := sw.Base.HeadlineMetric()
	var keys []string
	for _, p := range sw.Base.Spec.Sweep.Params {
		keys = append(keys, p.Key)
	}
	fmt.Fprintf(w, "%-12s %-40s %-11s median %s by rule\n", "point", strings.Join(keys, ", "), "status", metric)
	for _, p := range st {
		var vals []string
		for _, k := range keys {
			vals = append(vals, p.Params[k])
		}
		line := ""
		if p.ByRule != nil {
			var raw map[string]map[string]*float64
			if json.Unmarshal(p.ByRule, &raw) == nil {
				for _, r := range sw.Base.Spec.Variants() {
					if agg, ok := raw[r.Label]; ok {
						line += fmt.Sprintf(" %s %s", r.Label, training.Num(agg["median_"+metric]))
					}
				}
			}
		}
		fmt.Fprintf(w, "%-12s %-40s %-11s%s\n", p.ID, strings.Join(vals, ", "), p.Status, line)
	}
}

// claimSweep returns a sweep's directory, claimed before any work as the
// runner claims one, and with --resume the manifest of the sweep it
// continues (refused when its configuration differs).
func claimSweep(o runOptions, m output.Manifest) (string, *output.Manifest, error) {
	if o.out == "" {
		if o.resume {
			return "", nil, usagef("--resume needs --out DIR: the directory of the run to continue")
		}
		dir, err := runner.NewDir("out", m.Experiment, time.Now())
		if err != nil {
			return "", nil, usageError{err}
		}
		return dir, nil, nil
	}
	if o.resume && o.force {
		return "", nil, usagef("--resume continues the run in --out and --force replaces it: give one")
	}
	if !o.resume {
		if err := runner.Claim(o.out, o.force); err != nil {
			return "", nil, usageError{err}
		}
		return o.out, nil, nil
	}
	old, err := output.ReadManifest(o.out)
	if err != nil {
		return "", nil, usageError{fmt.Errorf("%w: %v", runner.ErrNotResumable, err)}
	}
	if old.Kind != output.Sweep {
		return "", nil, usagef("%v: %s holds a %s run, not a sweep", runner.ErrNotResumable, o.out, old.Kind)
	}
	if diff := runner.ConfigDiff(old, m); diff != "" {
		return "", nil, usagef("%v: %s holds a sweep of another configuration (%s); nothing was changed", runner.ErrNotResumable, o.out, diff)
	}
	return o.out, &old, output.CleanTemp(o.out)
}

// sweepManifest is the manifest of a sweep: its resolved configuration
// (the experiment before any point), seeds and backend.
func sweepManifest(src *experiments.Source, sw *sweep.Sweep, overrides []string, backend string, start time.Time) output.Manifest {
	m := output.NewManifest(output.Sweep, sw.Base.Spec.Name, overrides, start)
	m.File, m.CircuitFile, m.RunsPlanned = src.File, sw.Base.CircuitFile, len(sw.Points)
	m.Resolved = map[string]any{"experiment": output.Resolved(sw.Base.Spec), "circuit": output.Resolved(sw.Base.Circuit)}
	for i := range sw.Base.Spec.Seeds {
		m.Seeds = append(m.Seeds, sw.Base.Spec.Seed+i)
	}
	m.Streams = "backend " + backend
	return m
}

// sweepDir returns the manifest of the sweep in dir that an array task
// (--point) or the collecting job (--collect) works for: dir must hold a
// sweep, of this configuration. Anything else (no run, a run of another
// kind, another sweep) is refused with nothing touched.
func sweepDir(dir string, m output.Manifest) (output.Manifest, error) {
	old, err := output.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return old, usagef("%s holds no sweep (no %s): --point and --collect work in the directory of a sweep started by dopa run FILE --out DIR; nothing was written", dir, output.ManifestFile)
	}
	if err != nil {
		return old, usageError{err}
	}
	if old.Kind != output.Sweep {
		return old, usagef("%s holds a %s run, not a sweep: --point and --collect work only in the directory of their sweep; nothing was written", dir, old.Kind)
	}
	if diff := runner.ConfigDiff(old, m); diff != "" {
		return old, usagef("%s holds a sweep of another configuration (%s); --point and --collect work only in the directory of their sweep; nothing was written", dir, diff)
	}
	return old, nil
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
