package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Cond is a condition on one parameter of a run: Key Op Value, with Op one
// of =, !=, <, <=, >, >=. = and != compare numbers as numbers when Value
// reads as one ("0.10" = "0.1"), else as text; the others need a number. A
// run without the parameter matches no condition on it.
type Cond struct {
	Key   string
	Op    string
	Value string
}

func (c Cond) String() string { return c.Key + c.Op + c.Value }

// ParseCond reads "key=value", "key!=value", "key<value", "key<=value",
// "key>value" or "key>=value" (the form of dopa runs --where).
func ParseCond(s string) (Cond, error) {
	i := strings.IndexAny(s, "=!<>")
	if i <= 0 {
		return Cond{}, fmt.Errorf("condition %q: want KEY=VALUE, KEY<VALUE, KEY>VALUE (or !=, <=, >=)", s)
	}
	key, rest := strings.TrimSpace(s[:i]), s[i:]
	op := rest[:1]
	if len(rest) > 1 && rest[1] == '=' && op != "=" {
		op = rest[:2]
	}
	if op == "!" {
		return Cond{}, fmt.Errorf("condition %q: '!' must be followed by '='", s)
	}
	c := Cond{Key: key, Op: op, Value: strings.TrimSpace(rest[len(op):])}
	return c, c.check()
}

func (c Cond) check() error {
	switch c.Op {
	case "=", "!=":
	case "<", "<=", ">", ">=":
		if number(c.Value) == nil {
			return fmt.Errorf("condition %s: %q is not a number", c, c.Value)
		}
	default:
		return fmt.Errorf("condition %s: unknown operator %q", c, c.Op)
	}
	if c.Key == "" {
		return fmt.Errorf("condition %s: no parameter name", c)
	}
	return nil
}

// sql returns the condition as a WHERE term on runs and its arguments.
func (c Cond) sql() (string, []any) {
	col, val := "value_num", number(c.Value)
	if val == nil {
		col, val = "value", c.Value
	}
	return "runs.id IN (SELECT run_id FROM run_params WHERE key = ? AND " + col + " " + c.Op + " ?)",
		[]any{c.Key, val}
}

// Filter selects runs; empty fields select everything.
type Filter struct {
	Kind       string
	Experiment string
	Rule       string
	Status     []Status // any of these
	SweepID    int64
	PointID    string
	Seed       *int64
	Params     []Cond // all of these
	Limit      int    // 0: no limit
}

// Query returns the runs that match f, oldest first, with their
// parameters.
func (s *Store) Query(ctx context.Context, f Filter) ([]Run, error) {
	var where []string
	var args []any
	eq := func(col string, v any) {
		where = append(where, col+" = ?")
		args = append(args, v)
	}
	if f.Kind != "" {
		eq("runs.kind", f.Kind)
	}
	if f.Experiment != "" {
		eq("runs.experiment", f.Experiment)
	}
	if f.Rule != "" {
		eq("runs.rule", f.Rule)
	}
	if f.SweepID != 0 {
		eq("runs.sweep_id", f.SweepID)
	}
	if f.PointID != "" {
		eq("runs.point_id", f.PointID)
	}
	if f.Seed != nil {
		eq("runs.seed", *f.Seed)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			if !st.valid() {
				return nil, fmt.Errorf("store: run status %q: want planned, running, done, failed or interrupted", st)
			}
			ph[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "runs.status IN ("+strings.Join(ph, ",")+")")
	}
	for _, c := range f.Params {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		w, a := c.sql()
		where = append(where, w)
		args = append(args, a...)
	}
	cond := "1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	return s.query(ctx, cond, args, f.Limit)
}

const runColumns = `runs.id, runs.kind, runs.experiment, runs.rule, runs.seed, runs.sweep_id,
	runs.point_id, runs.status, runs.error, runs.started, runs.ended, runs.out_dir, runs.metric,
	runs.metric_value, runs.wall_seconds, runs.created`

func (s *Store) query(ctx context.Context, where string, args []any, limit int) ([]Run, error) {
	sel := "SELECT runs.id FROM runs WHERE " + where + " ORDER BY runs.id"
	if limit > 0 {
		sel += " LIMIT " + strconv.Itoa(limit)
	}
	// One read transaction, so that runs and parameters agree.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT "+runColumns+" FROM runs WHERE runs.id IN ("+sel+") ORDER BY runs.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: query: %w", err)
	}
	var runs []Run
	index := map[int64]int{}
	for rows.Next() {
		var r Run
		var sweep sql.NullInt64
		var status string
		var started, ended, created sql.NullString
		var mv, ws sql.NullFloat64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Experiment, &r.Rule, &r.Seed, &sweep, &r.PointID,
			&status, &r.Error, &started, &ended, &r.OutDir, &r.Metric, &mv, &ws, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: query: %w", err)
		}
		r.SweepID, r.Status = sweep.Int64, Status(status)
		r.Started, r.Ended, r.Created = parseTime(started), parseTime(ended), parseTime(created)
		r.MetricValue, r.WallSeconds = fromNull(mv), fromNull(ws)
		r.Params = map[string]string{}
		index[r.ID] = len(runs)
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("store: query: %w", err)
	}
	rows.Close()
	if len(runs) == 0 {
		return nil, nil
	}
	prow, err := tx.QueryContext(ctx, "SELECT run_id, key, value FROM run_params WHERE run_id IN ("+sel+")", args...)
	if err != nil {
		return nil, fmt.Errorf("store: query: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var id int64
		var k, v string
		if err := prow.Scan(&id, &k, &v); err != nil {
			return nil, fmt.Errorf("store: query: %w", err)
		}
		if i, ok := index[id]; ok {
			runs[i].Params[k] = v
		}
	}
	if err := prow.Err(); err != nil {
		return nil, fmt.Errorf("store: query: %w", err)
	}
	return runs, nil
}
