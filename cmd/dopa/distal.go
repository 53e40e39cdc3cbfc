package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/distal"
	"github.com/dopa-sim/dopa/internal/output"
)

// runDistal runs a distal-reward experiment (both conditions, all seeds)
// and writes its outputs; an interrupted run keeps what it finished.
func runDistal(ctx context.Context, src *experiments.Source, o runOptions, stdout, stderr io.Writer) error {
	spec, err := distal.FromDoc(src.Doc)
	if err != nil {
		return usageError{err}
	}
	file, workers := src.File, o.workers
	overrides := o.allOverrides()
	if err := setEach(overrides, spec.Set); err != nil {
		return err
	}
	if done, err := alreadyComplete(o); done || err != nil {
		return err
	}
	dir, err := claimDir(o, spec.Name, output.DistalReward)
	if err != nil {
		return err
	}
	if workers < 0 {
		workers = 0
	}
	start := time.Now()
	if !o.resume {
		// A manifest from the start: a run killed before it ends can be
		// resumed (the journal holds its finished runs and checkpoints).
		m := output.NewManifest(output.DistalReward, spec.Name, overrides, start)
		m.File, m.RunsPlanned = file, len(spec.Jobs())
		if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil {
			return err
		}
	}
	res, runErr := distal.RunWith(ctx, spec, workers, distal.Options{Dir: dir, CheckpointEvery: o.checkpointEvery})
	if res == nil {
		return runErr
	}
	if err := distal.WriteWith(dir, res, file, overrides); err != nil {
		return err
	}
	if runErr == nil {
		if err := os.RemoveAll(filepath.Join(dir, output.JournalDir)); err != nil {
			return err
		}
	}
	s := distal.Summarize(res)
	fmt.Fprintf(stdout, "%-10s %5s %10s %22s %10s %12s %12s\n", "condition", "seed", "spikes", "rewarded w (last 600 s)", "rank (%)", "others mean", "others med")
	for _, r := range s.Runs {
		if !r.Done {
			continue
		}
		fmt.Fprintf(stdout, "%-10s %5d %10s %22s %10s %12s %12s\n", r.Condition, r.Seed, inum(r.SpikeCount), num(r.RewardedWeightLast600s),
			num(r.RewardedWeightPercentile), num(r.MeanOtherWeight), num(r.MedianOtherWeight))
	}
	failed := 0
	for _, c := range s.Checks {
		if !c.Pass {
			failed++
		}
	}
	fmt.Fprintf(stdout, "checks of the issue's criteria: %d of %d pass (summary.json \"checks\")\n", len(s.Checks)-failed, len(s.Checks))
	fmt.Fprintf(stdout, "wrote %s (%.1f s)\n", dir, time.Since(start).Seconds())
	if runErr != nil {
		return fmt.Errorf("interrupted: kept the finished runs in %s", dir)
	}
	return nil
}

func inum(p *int64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatInt(*p, 10)
}

func cutKV(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], i > 0
		}
	}
	return "", "", false
}
