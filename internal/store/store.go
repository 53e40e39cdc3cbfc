// Package store is dopa's run store: one SQLite file (pure-Go driver
// modernc.org/sqlite, no cgo) that indexes every run and sweep point (its
// parameters, seed, status, headline metric and output directory) and keeps
// named parameter sets for the live view.
//
// Several processes on one machine may write the same store at once (the
// tasks of a Slurm job array on one node, a sweep and a live view): the
// file is in WAL mode, every write transaction takes the write lock at its
// start, and a writer waits up to the busy timeout for another. SQLite's
// locking needs a local file system: on a cluster, keep the store on the
// submitting machine and record results from there (or from the collecting
// job), not from tasks on other nodes over NFS.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Status is the state of a run.
type Status string

// The states of a run.
const (
	Planned     Status = "planned"
	Running     Status = "running"
	Done        Status = "done"
	Failed      Status = "failed"
	Interrupted Status = "interrupted"
)

func (s Status) valid() bool {
	switch s {
	case Planned, Running, Done, Failed, Interrupted:
		return true
	}
	return false
}

// ErrNotFound is returned for a run or parameter set that is not in the
// store.
var ErrNotFound = errors.New("not found")

// BusyTimeout is how long a write waits for another writer's lock.
const BusyTimeout = 30 * time.Second

// Store is an open run store; safe for use by several goroutines.
type Store struct {
	db   *sql.DB
	path string
}

// ErrNotStore is the error of a file that is not a dopa run store: an
// SQLite database of another program, or not a database at all. Open and
// OpenReadOnly find it by reading, before any write.
var ErrNotStore = errors.New("not a dopa run store")

// uri is path as an SQLite URI, so that SQLite applies its own parameters
// (mode=ro, immutable=1).
func uri(path string) string { return "file:" + strings.ReplaceAll(path, "%", "%25") }

// inspect reads, read-only and without changing the file, whether path
// holds a dopa store: fresh when there is nothing yet (no file, an empty
// one, a database without tables or version), an error wrapping
// ErrNotStore when it holds something else.
func inspect(path string) (fresh bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, err
	case fi.IsDir():
		return false, fmt.Errorf("%w: %s is a directory", ErrNotStore, path)
	case fi.Size() == 0:
		return true, nil
	}
	var v int
	var tables []string
	_, err = readOnly(path, func(db *sql.DB) error {
		if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tables = append(tables, t)
		}
		return rows.Err()
	})
	if err != nil {
		return false, fmt.Errorf("%w: %s cannot be read as SQLite (%v)", ErrNotStore, path, err)
	}
	if v == 0 && len(tables) == 0 {
		return true, nil
	}
	if v == 0 || !slices.Contains(tables, "runs") || !slices.Contains(tables, "run_params") {
		return false, fmt.Errorf("%w: %s is an SQLite database of another program (user_version %d, tables: %s); dopa leaves it as it is", ErrNotStore, path, v, strings.Join(tables, ", "))
	}
	return false, nil
}

// readOnly runs f on the database at path opened read-only. With no
// write-ahead log beside it (no writer at work, every change in the file
// itself), the file is read as immutable: without any lock or side file,
// so also in a directory this process may not write. With one, it is
// opened mode=ro (SQLite then reads the log, which needs its -shm file),
// and as immutable where that fails. It returns the data source name
// that worked.
func readOnly(path string, f func(*sql.DB) error) (string, error) {
	qs := []string{"?mode=ro&immutable=1"}
	if _, err := os.Stat(path + "-wal"); err == nil {
		qs = []string{"?mode=ro", "?mode=ro&immutable=1"}
	}
	var errs []error
	for _, q := range qs {
		dsn := uri(path) + q
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return "", err
		}
		err = f(db)
		db.Close()
		if err == nil {
			return dsn, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// Open opens the store at path, creating it when it does not exist, and
// brings its schema up to date. A file that is not a dopa store is
// refused (ErrNotStore) before anything is written to it.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: bad path %q", path)
	}
	if _, err := inspect(path); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing store for reading (Query, Version,
// ListParamSets, ...): it writes nothing, not even a lock or a WAL
// file, so a store in a directory this process may not write can be
// listed. Its schema must be this dopa's.
func OpenReadOnly(path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: bad path %q", path)
	}
	fresh, err := inspect(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if fresh {
		return nil, fmt.Errorf("store %s: %w: it holds no runs yet", path, ErrNotStore)
	}
	dsn, err := readOnly(path, func(db *sql.DB) error {
		var v int
		if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v != len(migrations) {
			return fmt.Errorf("schema version %d, this dopa reads %d: open it once for writing (dopa run) to migrate it, or use the dopa that wrote it", v, len(migrations))
		}
		return db.QueryRow("SELECT count(*) FROM runs").Scan(new(int))
	})
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Version returns the store's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (s *Store) migrate() error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this dopa's (%d): use a newer dopa", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrating schema %d to %d: %w", v, v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return err
	}
	return tx.Commit()
}

// Run is one run: one seed of one rule of one experiment (or sweep point).
type Run struct {
	ID         int64
	Kind       string // what made it: "run", "sweep", "live", ...
	Experiment string
	Rule       string
	Seed       int64
	SweepID    int64  // 0: not part of a sweep
	PointID    string // the sweep point's stable identity
	Status     Status
	Error      string
	Started    time.Time // zero: not started
	Ended      time.Time // zero: not ended
	OutDir     string
	// Metric names the headline metric (e.g. "trials_to_criterion",
	// "test_nrmse"); MetricValue is its value, NaN when there is none.
	Metric      string
	MetricValue float64
	WallSeconds float64 // NaN: unknown
	// Params are the run's parameters, key = value as text (the keys of
	// --set); values that read as numbers can be compared with < and >.
	Params  map[string]string
	Created time.Time
}

const timeFormat = time.RFC3339Nano

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(ns sql.NullString) time.Time {
	if !ns.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(timeFormat, ns.String)
	return t
}

func nullFloat(f float64) any {
	if math.IsNaN(f) {
		return nil
	}
	return f
}

func fromNull(nf sql.NullFloat64) float64 {
	if !nf.Valid {
		return math.NaN()
	}
	return nf.Float64
}

// number reads a parameter value as a number, for value_num.
func number(v string) any {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) {
		return nil
	}
	return f
}

// RecordRun adds a run with its parameters and sets r.ID (and r.Created).
// An empty Status means Planned.
func (s *Store) RecordRun(ctx context.Context, r *Run) error {
	return s.RecordRuns(ctx, []*Run{r})
}

// RecordRuns adds several runs in one transaction (a sweep's plan): all or
// none are recorded.
func (s *Store) RecordRuns(ctx context.Context, runs []*Run) error {
	return s.ReplaceRuns(ctx, "", runs)
}

// ReplaceRuns records runs in one transaction after removing the runs
// recorded before with the out directory outDir ("": none are removed),
// so that a run continued with --resume, or a sweep collected again, is
// recorded once.
func (s *Store) ReplaceRuns(ctx context.Context, outDir string, runs []*Run) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if outDir != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM run_params WHERE run_id IN (SELECT id FROM runs WHERE out_dir = ?)`, outDir); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE out_dir = ?`, outDir); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	insRun, err := tx.PrepareContext(ctx, `INSERT INTO runs
		(kind, experiment, rule, seed, sweep_id, point_id, status, error, started, ended,
		 out_dir, metric, metric_value, wall_seconds, created)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer insRun.Close()
	insParam, err := tx.PrepareContext(ctx, `INSERT INTO run_params (run_id, key, value, value_num) VALUES (?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer insParam.Close()
	now := time.Now().UTC()
	for _, r := range runs {
		if r.Status == "" {
			r.Status = Planned
		}
		if !r.Status.valid() {
			return fmt.Errorf("store: run status %q: want planned, running, done, failed or interrupted", r.Status)
		}
		var sweep any
		if r.SweepID != 0 {
			sweep = r.SweepID
		}
		res, err := insRun.ExecContext(ctx, r.Kind, r.Experiment, r.Rule, r.Seed, sweep, r.PointID,
			string(r.Status), r.Error, fmtTime(r.Started), fmtTime(r.Ended), r.OutDir, r.Metric,
			nullFloat(r.MetricValue), nullFloat(r.WallSeconds), fmtTime(now))
		if err != nil {
			return fmt.Errorf("store: recording run: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		for _, k := range sortedKeys(r.Params) {
			if k == "" {
				return errors.New("store: empty parameter name")
			}
			v := r.Params[k]
			if _, err := insParam.ExecContext(ctx, id, k, v, number(v)); err != nil {
				return fmt.Errorf("store: recording parameter %s: %w", k, err)
			}
		}
		r.ID, r.Created = id, now
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Update changes a run after it was recorded. Status is always written;
// the other fields only when set (non-empty, non-zero, not NaN).
type Update struct {
	Status      Status
	Error       string
	Started     time.Time
	Ended       time.Time
	OutDir      string
	Metric      string
	MetricValue float64 // NaN or 0 with Metric == "": unchanged
	WallSeconds float64 // NaN or 0: unchanged
}

// UpdateStatus sets a run's status and error text; it stamps the start
// time when the run starts running and the end time when it ends (done,
// failed, interrupted).
func (s *Store) UpdateStatus(ctx context.Context, id int64, st Status, errText string) error {
	u := Update{Status: st, Error: errText}
	switch st {
	case Running:
		u.Started = time.Now()
	case Done, Failed, Interrupted:
		u.Ended = time.Now()
	}
	return s.UpdateRun(ctx, id, u)
}

// UpdateRun applies u to the run id.
func (s *Store) UpdateRun(ctx context.Context, id int64, u Update) error {
	if !u.Status.valid() {
		return fmt.Errorf("store: run status %q: want planned, running, done, failed or interrupted", u.Status)
	}
	set := []string{"status = ?", "error = ?"}
	args := []any{string(u.Status), u.Error}
	if !u.Started.IsZero() {
		set, args = append(set, "started = ?"), append(args, fmtTime(u.Started))
	}
	if !u.Ended.IsZero() {
		set, args = append(set, "ended = ?"), append(args, fmtTime(u.Ended))
	}
	if u.OutDir != "" {
		set, args = append(set, "out_dir = ?"), append(args, u.OutDir)
	}
	if u.Metric != "" {
		set, args = append(set, "metric = ?", "metric_value = ?"), append(args, u.Metric, nullFloat(u.MetricValue))
	}
	if !math.IsNaN(u.WallSeconds) && u.WallSeconds != 0 {
		set, args = append(set, "wall_seconds = ?"), append(args, u.WallSeconds)
	}
	args = append(args, id)
	res, err := s.db.ExecContext(ctx, "UPDATE runs SET "+strings.Join(set, ", ")+" WHERE id = ?", args...)
	if err != nil {
		return fmt.Errorf("store: updating run %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	return nil
}

// GetRun returns the run id with its parameters.
func (s *Store) GetRun(ctx context.Context, id int64) (Run, error) {
	runs, err := s.query(ctx, "runs.id = ?", []any{id}, 0)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	return runs[0], nil
}
