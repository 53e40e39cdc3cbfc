// Package runstore records runs in the run store (internal/store): the
// runner's Recorder, and the records of a training summary (a sweep's
// points).
package runstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/store"
)

// DefaultStore is the run store used when none is named: $DOPA_STORE, or
// runs.db in the user's data directory ($XDG_DATA_HOME/dopa, else
// ~/.local/share/dopa). "off" records nothing.
func DefaultStore() string {
	if p := os.Getenv("DOPA_STORE"); p != "" {
		return p
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "off"
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "dopa", "runs.db")
}

// SummaryRecords returns the runs of a training summary.json (the file's
// bytes) as the run store records them: each with its headline metric,
// the one its comparisons use, and failed when it has an error.
func SummaryRecords(summary []byte) ([]runner.Record, error) {
	var s struct {
		Comparisons []struct {
			Metric string `json:"metric"`
		} `json:"comparisons"`
		Criterion struct {
			LossBelow      float64 `json:"loss_below"`
			TestErrorBelow float64 `json:"test_error_below"`
		} `json:"criterion"`
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal(summary, &s); err != nil {
		return nil, fmt.Errorf("run store: summary: %w", err)
	}
	metric := "final_loss"
	if len(s.Comparisons) > 0 {
		metric = s.Comparisons[0].Metric
	} else if s.Criterion.LossBelow > 0 || s.Criterion.TestErrorBelow > 0 {
		metric = "trials_to_criterion"
	}
	var recs []runner.Record
	for _, r := range s.Runs {
		rec := runner.Record{Metric: metric, Value: math.NaN()}
		json.Unmarshal(r["rule"], &rec.Rule)
		json.Unmarshal(r["seed"], &rec.Seed)
		json.Unmarshal(r["wall_seconds"], &rec.WallSeconds)
		var x *float64
		if json.Unmarshal(r[metric], &x) == nil && x != nil {
			rec.Value = *x
		}
		var errText *string
		if json.Unmarshal(r["error"], &errText) == nil && errText != nil {
			rec.Error, rec.Failed = *errText, true
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// OpenStore opens the run store at path (creating its directory) and
// returns dir as the absolute path runs are recorded with.
func OpenStore(path, dir string) (string, *store.Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", nil, err
	}
	st, err := store.Open(path)
	return abs, st, err
}

// Recorder records the runs of the runner (runner.Recorder) in the store
// at Path.
type Recorder struct {
	Path string
}

// Open checks that the store at path can be opened and written before any
// work ("off": nil, nothing is recorded). A run that could not be recorded
// at its end is a failure; this refuses it before it starts instead.
func Open(path string) (*Recorder, error) {
	if path == "off" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("run store %s: %w", path, err)
	}
	st, err := store.Open(path)
	if err != nil {
		return nil, fmt.Errorf("run store %s: %w", path, err)
	}
	return &Recorder{Path: path}, st.Close()
}

// Record replaces the runs recorded for dir by recs: each with the
// manifest's overrides and its own parameters, the status failed (it
// failed or diverged), interrupted (the run in dir was interrupted) or
// done. Runs of sweep points are recorded as runs of their point, in the
// sweep of dir (recorded once, with its points in the order they come).
func (r *Recorder) Record(ctx context.Context, m output.Manifest, dir string, recs []runner.Record) error {
	abs, st, err := OpenStore(r.Path, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	sweepID, err := sweepOf(ctx, st, m, abs, recs)
	if err != nil {
		return err
	}
	status := store.Done
	if m.Interrupted {
		status = store.Interrupted
	}
	runs := make([]*store.Run, 0, len(recs))
	for _, x := range recs {
		params := map[string]string{}
		for _, kv := range m.Overrides {
			k, v, _ := strings.Cut(kv, "=")
			params[k] = v
		}
		maps.Copy(params, x.Params)
		s := status
		if x.Failed {
			s = store.Failed
		}
		run := &store.Run{Kind: string(m.Kind), Experiment: m.Experiment, Rule: x.Rule, Seed: int64(x.Seed), Status: s,
			Error: x.Error, OutDir: abs, Metric: x.Metric, MetricValue: x.Value, WallSeconds: x.WallSeconds, Params: params, Ended: m.End}
		if x.Point != "" {
			run.SweepID, run.PointID = sweepID, x.Point
		}
		runs = append(runs, run)
	}
	return st.ReplaceRuns(ctx, abs, runs)
}

// sweepOf returns the sweep of dir in the store, recording it with the
// points of recs when it is not there yet (0: recs hold no point). Its
// backend is what the manifest's streams name ("backend slurm").
func sweepOf(ctx context.Context, st *store.Store, m output.Manifest, abs string, recs []runner.Record) (int64, error) {
	var points []store.Point
	seen := map[string]bool{}
	for _, x := range recs {
		if x.Point != "" && !seen[x.Point] {
			seen[x.Point] = true
			points = append(points, store.Point{ID: x.Point, Position: len(points), Params: x.Params})
		}
	}
	if len(points) == 0 {
		return 0, nil
	}
	sw, err := st.SweepByOutDir(ctx, abs)
	if errors.Is(err, store.ErrNotFound) {
		backend, _ := strings.CutPrefix(m.Streams, "backend ")
		sw = store.Sweep{Name: m.Experiment, Experiment: m.Experiment, File: m.File, Backend: backend, OutDir: abs}
		err = st.CreateSweep(ctx, &sw, points)
	}
	return sw.ID, err
}
