package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/distal"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/experiments/sweep"
	"github.com/dopa-sim/dopa/internal/output"
)

// kind is what the program does with each kind of run: a new kind is one
// entry here (and its output.Kind).
type kind struct {
	// run runs a source of the kind and writes its output directory.
	run func(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error
	// validate checks a source without running it and describes it.
	validate func(src *experiments.Source) (string, error)
	// plot redraws the figures of an output directory of the kind.
	plot func(dir string) error
}

var kinds = map[output.Kind]kind{
	output.Training: {run: runTraining, validate: validateTraining, plot: func(dir string) error {
		if err := plots.Write(dir); err != nil {
			return err
		}
		return plots.WriteRasters(dir)
	}},
	output.Simulation: {run: runSimulation, validate: func(src *experiments.Source) (string, error) {
		cf, err := experiments.LoadSimulation(src)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("valid circuit %q (task simulate, %g ms at dt = %g ms)", cf.Name, cf.DurationMs, cf.DtMs), nil
	}, plot: plots.WriteSimulation},
	output.Sweep: {run: runSweep, validate: func(src *experiments.Source) (string, error) {
		sw, err := sweep.Load(src, nil, true)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("valid sweep %q (%s × %s × %s)", sw.Base.Spec.Name, count(len(sw.Points), "point"), count(len(sw.Base.Spec.Variants()), "rule variant"), count(sw.Base.Spec.Seeds, "seed")), nil
	}, plot: sweep.WritePlots},
	output.DistalReward: {run: runDistal, validate: func(src *experiments.Source) (string, error) {
		ds, err := distal.FromDoc(src.Doc)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("valid distal-reward experiment (%d runs: conditions × seeds)", len(ds.Jobs())), nil
	}, plot: func(dir string) error {
		r, err := distal.ReadResult(dir)
		if err != nil {
			return err
		}
		return distal.WritePlots(dir, r)
	}},
	output.Memory: {run: runMemory, validate: validateMemory, plot: plotMemory},
}

// kindOf returns what the program does with the source's kind.
func kindOf(src *experiments.Source) kind { return kinds[src.Kind] }

func validateTraining(src *experiments.Source) (string, error) {
	plan, err := experiments.LoadPlan(src)
	if err != nil {
		return "", err
	}
	if err := plan.Validate(); err != nil {
		return "", err
	}
	what := "experiment"
	if plan.File == "" {
		what = "circuit"
	}
	return fmt.Sprintf("valid %s %q (circuit %q, %s × %s)", what, plan.Spec.Name, plan.Circuit.Name, count(len(plan.Spec.Variants()), "rule variant"), count(plan.Spec.Seeds, "seed")), nil
}

// plotDir redraws the figures of the run in dir, whatever its kind (read
// from its manifest).
func plotDir(dir string) error {
	k, err := output.ReadKind(dir)
	if err != nil {
		return usageError{err}
	}
	err = kinds[k].plot(dir)
	if errors.As(err, new(*output.ReadError)) {
		return usageError{err} // a damaged or missing file of the run is bad input
	}
	return err
}

// count renders n and noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
