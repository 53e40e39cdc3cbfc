package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

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
		Criterion Criterion                    `json:"criterion"`
		Runs      []map[string]json.RawMessage `json:"runs"`
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

// RecordDir records a finished training run in dir in the store at path
// ("off": nothing is recorded).
func RecordDir(ctx context.Context, path, dir string, params map[string]string) error {
	if path == "off" {
		return nil
	}
	m, err := output.ReadManifest(dir)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, output.SummaryFile))
	if err != nil {
		return err
	}
	abs, st, err := OpenStore(path, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	status := store.Done
	if !m.Complete {
		status = store.Interrupted
	}
	return RecordSummary(ctx, st, StoreRecord{Kind: "run", Experiment: m.Experiment, OutDir: abs, Params: params, Status: status}, b, true)
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
