package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParamSet is a named set of parameter overrides (key = value, the form of
// --set), saved from the live view and loaded into a new run.
type ParamSet struct {
	Name    string
	Values  map[string]string
	Source  string // the circuit or experiment file it applies to
	Notes   string
	Created time.Time // first saved
	Updated time.Time // last saved
}

// SaveParamSet saves ps under its name, replacing the values and notes of
// a set saved before under that name (its Created time stays).
func (s *Store) SaveParamSet(ctx context.Context, ps ParamSet) error {
	if strings.TrimSpace(ps.Name) == "" {
		return errors.New("store: a parameter set needs a name")
	}
	for k := range ps.Values {
		if k == "" {
			return fmt.Errorf("store: parameter set %q: empty parameter name", ps.Name)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	now := fmtTime(time.Now())
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO param_sets (name, created, updated, source, notes) VALUES (?,?,?,?,?)
		ON CONFLICT(name) DO UPDATE SET updated = excluded.updated, source = excluded.source, notes = excluded.notes
		RETURNING id`, ps.Name, now, now, ps.Source, ps.Notes).Scan(&id)
	if err != nil {
		return fmt.Errorf("store: saving parameter set %q: %w", ps.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM param_set_values WHERE set_id = ?`, id); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, k := range sortedKeys(ps.Values) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO param_set_values (set_id, key, value) VALUES (?,?,?)`,
			id, k, ps.Values[k]); err != nil {
			return fmt.Errorf("store: saving parameter set %q: %w", ps.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// LoadParamSet returns the set saved under name (ErrNotFound if none).
func (s *Store) LoadParamSet(ctx context.Context, name string) (ParamSet, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ParamSet{}, fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	ps := ParamSet{Name: name, Values: map[string]string{}}
	var id int64
	var created, updated sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT id, created, updated, source, notes FROM param_sets WHERE name = ?`, name).
		Scan(&id, &created, &updated, &ps.Source, &ps.Notes)
	if errors.Is(err, sql.ErrNoRows) {
		return ParamSet{}, fmt.Errorf("store: parameter set %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return ParamSet{}, fmt.Errorf("store: %w", err)
	}
	ps.Created, ps.Updated = parseTime(created), parseTime(updated)
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM param_set_values WHERE set_id = ?`, id)
	if err != nil {
		return ParamSet{}, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return ParamSet{}, fmt.Errorf("store: %w", err)
		}
		ps.Values[k] = v
	}
	return ps, rows.Err()
}

// ListParamSets returns every saved set (without its values), by name.
func (s *Store) ListParamSets(ctx context.Context) ([]ParamSet, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, created, updated, source, notes FROM param_sets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []ParamSet
	for rows.Next() {
		var ps ParamSet
		var created, updated sql.NullString
		if err := rows.Scan(&ps.Name, &created, &updated, &ps.Source, &ps.Notes); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		ps.Created, ps.Updated = parseTime(created), parseTime(updated)
		out = append(out, ps)
	}
	return out, rows.Err()
}

// DeleteParamSet removes the set saved under name (ErrNotFound if none).
func (s *Store) DeleteParamSet(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM param_sets WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: parameter set %q: %w", name, ErrNotFound)
	}
	return nil
}
