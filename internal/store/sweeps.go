package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sweep is a parameter sweep: a set of points, each run with several
// seeds (the runs carry the sweep's ID and their point's ID).
type Sweep struct {
	ID         int64
	Name       string
	Experiment string
	File       string // the experiment file it came from
	Backend    string // "local", "slurm", ...
	OutDir     string
	Created    time.Time
	Notes      string
}

// Point is one point of a sweep: its stable identity (derived from its
// parameter values by the caller) and its parameter values.
type Point struct {
	ID       string
	Position int // order in the sweep
	Params   map[string]string
}

// CreateSweep records a sweep with its points in one transaction and sets
// sw.ID and sw.Created.
func (s *Store) CreateSweep(ctx context.Context, sw *Sweep, points []Point) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	res, err := tx.ExecContext(ctx, `INSERT INTO sweeps (name, experiment, file, backend, out_dir, created, notes)
		VALUES (?,?,?,?,?,?,?)`, sw.Name, sw.Experiment, sw.File, sw.Backend, sw.OutDir, fmtTime(now), sw.Notes)
	if err != nil {
		return fmt.Errorf("store: recording sweep: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := addPoints(ctx, tx, id, points); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	sw.ID, sw.Created = id, now
	return nil
}

func addPoints(ctx context.Context, tx *sql.Tx, sweep int64, points []Point) error {
	insP, err := tx.PrepareContext(ctx, `INSERT INTO points (sweep_id, point_id, position) VALUES (?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer insP.Close()
	insV, err := tx.PrepareContext(ctx, `INSERT INTO point_params (sweep_id, point_id, key, value) VALUES (?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer insV.Close()
	for _, p := range points {
		if p.ID == "" {
			return errors.New("store: sweep point without an identity")
		}
		if _, err := insP.ExecContext(ctx, sweep, p.ID, p.Position); err != nil {
			return fmt.Errorf("store: sweep point %s: %w", p.ID, err)
		}
		for _, k := range sortedKeys(p.Params) {
			if _, err := insV.ExecContext(ctx, sweep, p.ID, k, p.Params[k]); err != nil {
				return fmt.Errorf("store: sweep point %s: %w", p.ID, err)
			}
		}
	}
	return nil
}

// GetSweep returns the sweep id.
func (s *Store) GetSweep(ctx context.Context, id int64) (Sweep, error) {
	var sw Sweep
	var created sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, name, experiment, file, backend, out_dir, created, notes
		FROM sweeps WHERE id = ?`, id).Scan(&sw.ID, &sw.Name, &sw.Experiment, &sw.File, &sw.Backend,
		&sw.OutDir, &created, &sw.Notes)
	if errors.Is(err, sql.ErrNoRows) {
		return Sweep{}, fmt.Errorf("store: sweep %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Sweep{}, fmt.Errorf("store: %w", err)
	}
	sw.Created = parseTime(created)
	return sw, nil
}

// Points returns the points of a sweep in their order.
func (s *Store) Points(ctx context.Context, sweep int64) ([]Point, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.point_id, p.position, v.key, v.value
		FROM points p LEFT JOIN point_params v ON v.sweep_id = p.sweep_id AND v.point_id = p.point_id
		WHERE p.sweep_id = ? ORDER BY p.position, p.point_id, v.key`, sweep)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var id string
		var pos int
		var k, v sql.NullString
		if err := rows.Scan(&id, &pos, &k, &v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Point{ID: id, Position: pos, Params: map[string]string{}})
		}
		if k.Valid {
			out[len(out)-1].Params[k.String] = v.String
		}
	}
	return out, rows.Err()
}

// SweepByOutDir returns the sweep most recently recorded with that out
// directory, or ErrNotFound.
func (s *Store) SweepByOutDir(ctx context.Context, outDir string) (Sweep, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM sweeps WHERE out_dir = ? ORDER BY id DESC LIMIT 1`, outDir).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Sweep{}, ErrNotFound
	}
	if err != nil {
		return Sweep{}, fmt.Errorf("store: %w", err)
	}
	return s.GetSweep(ctx, id)
}
