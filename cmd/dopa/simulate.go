package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/internal/output"
)

// runSimulation runs a task = "simulate" circuit: one seed, no learning.
func runSimulation(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	cf, err := experiments.LoadSimulation(src)
	if err != nil {
		return usageError{err}
	}
	cs, file := &cf.Spec, src.File
	if o.seeds > 1 {
		return usagef("%s simulates one seed (task = \"simulate\"); use --seed S instead of --seeds", file)
	}
	overrides := append([]string(nil), o.overrides...)
	if err := setEach(o.overrides, cf.Set); err != nil {
		return err
	}
	if err := cf.Validate(); err != nil {
		return usagef("after the overrides %q: %v", overrides, err)
	}
	seed := 1
	if o.seed >= 0 {
		seed = o.seed
		overrides = append(overrides, fmt.Sprintf("seed=%d", seed))
	}
	if done, err := alreadyComplete(o); done || err != nil {
		return err
	}
	dir, err := claimDir(o, cs.Name, output.Simulation)
	if err != nil {
		return err
	}
	start := time.Now()
	sim, err := experiments.Simulate(ctx, cf, seed)
	if err != nil {
		return err
	}
	m := experiments.SimManifest(cf, file, overrides, seed, start)
	m.End, m.Interrupted, m.Complete = time.Now().UTC(), !sim.Done, sim.Done
	if sim.Done {
		m.RunsDone = 1
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := experiments.WriteSimulation(dir, m, cf, sim); err != nil {
		return err
	}
	if err := plots.WriteSimulation(dir); err != nil {
		fmt.Fprintf(stderr, "dopa run: plots: %v\n", err)
	}
	neurons := 0
	for _, p := range cs.Populations {
		neurons += p.Size
	}
	ms := float64(sim.Steps) * cs.DtMs
	fmt.Fprintf(stdout, "%s: %d spikes in %g ms simulated (%d neurons, %.3g Hz per neuron); simulation loop %.3f s\n",
		cs.Name, sim.SpikeCount, ms, neurons, float64(sim.SpikeCount)/float64(neurons)/(ms/1000), sim.SimSeconds)
	fmt.Fprintf(stdout, "wrote %s\n", dir)
	if !sim.Done {
		return fmt.Errorf("interrupted after %g ms: kept what was simulated in %s", ms, dir)
	}
	return nil
}
