package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/store"
)

// runMemory runs a memory study (every rule, mode, size, load and seed,
// and the capacities it asks for) and writes its outputs; an interrupted
// study keeps the runs it finished.
func runMemory(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	f, err := memory.FromDoc(src.Doc)
	if err != nil {
		return usageError{err}
	}
	overrides := o.allOverrides()
	if err := setEach(overrides, f.Set); err != nil {
		return err
	}
	if done, err := alreadyComplete(o); done || err != nil {
		return err
	}
	dir, err := claimDir(o, f.Name, output.Memory)
	if err != nil {
		return err
	}
	workers := max(o.workers, 0)
	start := time.Now()
	nl, nc := f.Planned()
	bar := progress(stderr, nl+nc, o.quiet)
	res, runErr := memory.RunFile(ctx, f, workers, bar.inc)
	bar.done()
	if res == nil {
		return runErr
	}
	if err := memory.Write(dir, res, src.File, overrides); err != nil {
		return err
	}
	if err := recordMemory(dir, o.store, f.Name, res, overrides); err != nil {
		fmt.Fprintf(stderr, "dopa run: run store %s: %v (the run's files are complete)\n", o.store, err)
	}
	printMemory(stdout, res)
	for _, c := range res.Capacities {
		if c.Done {
			fmt.Fprintf(stdout, "capacity %-10s %-14s n=%-6d seed %-5d M_%g = %d (%.4f bit/synapse)\n", c.Rule, c.Mode, c.N, c.Seed, c.Eps, c.Capacity, c.BitsPerSynapse)
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%.1f s)\n", dir, time.Since(start).Seconds())
	if runErr != nil {
		return fmt.Errorf("interrupted: kept the finished runs in %s", dir)
	}
	return nil
}

// printMemory prints the finished runs, averaged over seeds: one line per
// size, load, rule and mode.
func printMemory(w io.Writer, res *memory.Outcome) {
	type key struct {
		n, M       int
		rule, mode string
	}
	var keys []key
	type acc struct{ seeds, eps, perfect, fp, bits float64 }
	sums := map[key]*acc{}
	for _, r := range res.Runs {
		if !r.Done {
			continue
		}
		k := key{r.N, r.M, r.Rule, r.Mode}
		a, ok := sums[k]
		if !ok {
			a = &acc{}
			sums[k] = a
			keys = append(keys, k)
		}
		a.seeds++
		a.eps += r.OutputNoise
		a.perfect += r.PerfectRecallFraction
		a.fp += r.FalseRate
		a.bits += r.BitsPerSynapse
	}
	slices.SortStableFunc(keys, func(a, b key) int { return cmp.Or(a.n-b.n, a.M-b.M) })
	fmt.Fprintf(w, "%-10s %-14s %6s %6s %5s %9s %9s %9s %9s   (means over seeds)\n", "rule", "mode", "n", "M", "seeds", "ε", "perfect", "false/fp", "bits/syn")
	for _, k := range keys {
		a := sums[k]
		fmt.Fprintf(w, "%-10s %-14s %6d %6d %5d %9.4f %9.3f %9.2e %9.4f\n", k.rule, k.mode, k.n, k.M, int(a.seeds), a.eps/a.seeds, a.perfect/a.seeds, a.fp/a.seeds, a.bits/a.seeds)
	}
}

// validateMemory checks a memory study without running it.
func validateMemory(src *experiments.Source) (string, error) {
	f, err := memory.FromDoc(src.Doc)
	if err != nil {
		return "", err
	}
	nl, nc := f.Planned()
	what := fmt.Sprintf("valid memory study %q (%d runs: %d rules × %d modes × %d sizes × %d loads × %d seeds", f.Name,
		nl*len(f.Modes), len(f.Rules), len(f.Modes), len(f.Patterns.N), len(f.Loads()), f.Seeds)
	if nc > 0 {
		what += fmt.Sprintf("; %d capacity searches at ε = %g", nc, f.Capacity.Eps)
	}
	return what + ")", nil
}

// plotMemory redraws the figures of a memory study from its files.
func plotMemory(dir string) error {
	runs, caps, err := memory.ReadRuns(dir)
	if err != nil {
		return err
	}
	return memory.WritePlots(dir, runs, caps)
}

// recordMemory records every finished run of a memory study in the run
// store: its rule (RULE/MODE), seed, n and M as parameters, its output
// noise as the headline metric.
func recordMemory(dir, path, name string, res *memory.Outcome, overrides []string) error {
	if path == "off" {
		return nil
	}
	abs, st, err := experiments.OpenStore(path, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	var runs []*store.Run
	for _, r := range res.Runs {
		if !r.Done {
			continue
		}
		params := overrideMap(overrides)
		params["n"], params["patterns"], params["mode"] = strconv.Itoa(r.N), strconv.Itoa(r.M), r.Mode
		runs = append(runs, &store.Run{Kind: "memory", Experiment: name, Rule: r.Rule + "/" + r.Mode, Seed: int64(r.Seed),
			Status: store.Done, OutDir: abs, Metric: "output_noise", MetricValue: r.OutputNoise, WallSeconds: r.WallSeconds, Params: params})
	}
	return st.ReplaceRuns(context.Background(), abs, runs)
}
