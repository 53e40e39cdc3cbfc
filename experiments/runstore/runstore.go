// Package runstore records runs in the run store (internal/store): the
// runner's Recorder, and the records of a sweep's points.
package runstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// StoreRecord names what a set of runs is recorded as in the run store.
type StoreRecord struct {
	Kind       string            // "run" or "sweep"
	Experiment string            // the experiment's name
	OutDir     string            // the directory the runs' files are in (absolute)
	SweepID    int64             // 0: not part of a sweep
	PointID    string            // the sweep point
	Params     map[string]string // the overrides (--set and the point's) as key = value
	Status     store.Status      // of every run
	Error      string
}

// RecordSummary records the runs of a training summary.json (the file's
// bytes) in the store at path, replacing what was recorded before for the
// same out directory and point. Each run carries its headline metric: the
// one its comparisons use.
func RecordSummary(ctx context.Context, st *store.Store, rec StoreRecord, summary []byte, replace bool) error {
	var s struct {
		Comparisons []struct {
			Metric string `json:"metric"`
		} `json:"comparisons"`
		Criterion struct {
			LossBelow float64 `json:"loss_below"`
		} `json:"criterion"`
		Runs []map[string]json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal(summary, &s); err != nil {
		return fmt.Errorf("run store: summary: %w", err)
	}
	metric := "final_loss"
	if len(s.Comparisons) > 0 {
		metric = s.Comparisons[0].Metric
	} else if s.Criterion.LossBelow > 0 {
		metric = "trials_to_criterion"
	}
	var runs []*store.Run
	for _, r := range s.Runs {
		var rule string
		var seed int64
		var wall float64
		json.Unmarshal(r["rule"], &rule)
		json.Unmarshal(r["seed"], &seed)
		json.Unmarshal(r["wall_seconds"], &wall)
		v := math.NaN()
		var x *float64
		if json.Unmarshal(r[metric], &x) == nil && x != nil {
			v = *x
		}
		var errText *string
		json.Unmarshal(r["error"], &errText)
		run := &store.Run{Kind: rec.Kind, Experiment: rec.Experiment, Rule: rule, Seed: seed, SweepID: rec.SweepID, PointID: rec.PointID,
			Status: rec.Status, Error: rec.Error, OutDir: rec.OutDir, Metric: metric, MetricValue: v, WallSeconds: wall,
			Params: rec.Params, Ended: time.Now()}
		if errText != nil && run.Error == "" {
			run.Error = *errText
		}
		runs = append(runs, run)
	}
	if !replace {
		return st.RecordRuns(ctx, runs)
	}
	return st.ReplaceRuns(ctx, rec.OutDir, runs)
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
// failed or diverged), interrupted (the run in dir is not complete) or
// done.
func (r *Recorder) Record(ctx context.Context, m output.Manifest, dir string, recs []runner.Record) error {
	abs, st, err := OpenStore(r.Path, dir)
	if err != nil {
		return err
	}
	defer st.Close()
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
		runs = append(runs, &store.Run{Kind: string(m.Kind), Experiment: m.Experiment, Rule: x.Rule, Seed: int64(x.Seed), Status: s,
			Error: x.Error, OutDir: abs, Metric: x.Metric, MetricValue: x.Value, WallSeconds: x.WallSeconds, Params: params, Ended: m.End})
	}
	return st.ReplaceRuns(ctx, abs, runs)
}
