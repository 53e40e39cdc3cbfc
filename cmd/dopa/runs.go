package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments/runstore"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/stats"
	"github.com/dopa-sim/dopa/internal/store"
)

const runsUsage = `Usage: dopa runs [flags]
       dopa runs --compare POINT_A POINT_B [flags]

Lists the runs of the run store (every dopa run and sweep records its runs
there), filtered, as a table, CSV or JSON. With --compare, sets the runs of
two sweep points against each other, rule by rule, by their headline metric:
the share of run pairs in which A's value is better and the two-sided
Mann-Whitney p-value (as dopa run prints them).

Filters: --kind training|simulation|memory|reward|sweep, --experiment NAME, --rule NAME, --status
done|failed|interrupted|..., --point ID, --where KEY=VALUE (also !=, <,
<=, >, >=; numbers compare as numbers; repeatable), --limit N. --where
matches the parameters a run recorded: its --set overrides and its sweep
point's values, not the values its file sets; a run that did not set the
key does not match.

Flags:
`

func cmdRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("runs", flag.ContinueOnError)
	fset.SetOutput(stderr)
	path := fset.String("store", runstore.DefaultStore(), "the run store (SQLite)")
	kind := fset.String("kind", "", "only runs of this kind (training, simulation, memory, reward, sweep)")
	exp := fset.String("experiment", "", "only runs of this experiment")
	rule := fset.String("rule", "", "only runs of this rule")
	status := fset.String("status", "", "only runs in this state (done, failed, interrupted, running, planned)")
	point := fset.String("point", "", "only runs of this sweep point")
	format := fset.String("format", "table", "table, csv or json")
	limit := fset.Int("limit", 0, "at most this many runs (0: all)")
	compare := fset.Bool("compare", false, "compare the runs of the two sweep points given as arguments")
	var where multi
	fset.Var(&where, "where", "a parameter condition, e.g. rule.dopamine.learning_rate<0.5 (repeatable)")
	fset.Usage = func() { fmt.Fprint(stderr, runsUsage); fset.PrintDefaults() }
	pos, err := parseInterleaved(fset, args)
	if err != nil {
		return err
	}
	f := store.Filter{Kind: *kind, Experiment: *exp, Rule: *rule, PointID: *point, Limit: *limit}
	if *limit < 0 {
		return usagef("--limit must be >= 0, got %d", *limit)
	}
	if *status != "" {
		f.Status = []store.Status{store.Status(*status)}
	}
	for _, w := range where {
		c, err := store.ParseCond(w)
		if err != nil {
			return usagef("--where %q: %v", w, err)
		}
		f.Params = append(f.Params, c)
	}
	switch {
	case *compare && len(pos) != 2:
		return usagef("--compare takes two sweep points, got %d arguments", len(pos))
	case !*compare && len(pos) > 0:
		return usagef("unexpected arguments %q (filters are flags)", pos)
	case *format != "table" && *format != "csv" && *format != "json":
		return usagef("--format %q: want table, csv or json", *format)
	}
	if _, err := os.Stat(*path); errors.Is(err, fs.ErrNotExist) {
		return usagef("no run store at %s (runs are recorded there by dopa run; --store names another)", *path)
	}
	// Listing and comparing only read: the store is opened read-only
	// (a store in a read-only directory can be listed), and a file that is
	// not a dopa store is refused unchanged.
	st, err := store.OpenReadOnly(*path)
	if errors.Is(err, store.ErrNotStore) {
		return usagef("--store %s: %v", *path, err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if *compare {
		return comparePoints(ctx, st, f, pos[0], pos[1], stdout)
	}
	runs, err := st.Query(ctx, f)
	if err != nil {
		return usageError{err}
	}
	return printRuns(stdout, runs, *format)
}

// printRuns writes the runs as a table, CSV or JSON.
func printRuns(w io.Writer, runs []store.Run, format string) error {
	var keys []string
	for _, r := range runs {
		for k := range r.Params {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	header := append([]string{"id", "kind", "experiment", "rule", "seed", "point", "status", "metric", "value", "wall_seconds", "out_dir", "error"}, keys...)
	row := func(r store.Run) []string {
		out := []string{strconv.FormatInt(r.ID, 10), r.Kind, r.Experiment, r.Rule, strconv.FormatInt(r.Seed, 10), r.PointID, string(r.Status),
			r.Metric, fnum(r.MetricValue), fnum(r.WallSeconds), r.OutDir, r.Error}
		for _, k := range keys {
			out = append(out, r.Params[k])
		}
		return out
	}
	switch format {
	case "json":
		type jr struct {
			ID          int64             `json:"id"`
			Kind        string            `json:"kind"`
			Experiment  string            `json:"experiment"`
			Rule        string            `json:"rule"`
			Seed        int64             `json:"seed"`
			Point       string            `json:"point"`
			Status      string            `json:"status"`
			Metric      string            `json:"metric"`
			Value       *float64          `json:"value"`
			WallSeconds *float64          `json:"wall_seconds"`
			OutDir      string            `json:"out_dir"`
			Error       string            `json:"error"`
			Params      map[string]string `json:"params"`
		}
		out := []jr{}
		for _, r := range runs {
			out = append(out, jr{r.ID, r.Kind, r.Experiment, r.Rule, r.Seed, r.PointID, string(r.Status), r.Metric, nptr(r.MetricValue), nptr(r.WallSeconds), r.OutDir, r.Error, r.Params})
		}
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, r := range runs {
			cw.Write(row(r))
		}
		cw.Flush()
		return cw.Error()
	}
	rows := [][]string{header}
	for _, r := range runs {
		rows = append(rows, row(r))
	}
	width := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	fmt.Fprintf(w, "%d runs\n", len(runs))
	return nil
}

// comparePoints sets the runs of point a against those of point b, for
// every rule both have, by their headline metric.
func comparePoints(ctx context.Context, st *store.Store, f store.Filter, a, b string, w io.Writer) error {
	get := func(id string) (map[string][]store.Run, error) {
		g := f
		g.PointID = id
		runs, err := st.Query(ctx, g)
		if err != nil {
			return nil, err
		}
		if len(runs) == 0 {
			return nil, usagef("no runs of point %s in the store (with these filters)", id)
		}
		// One point, one configuration: runs of the same point ID recorded
		// by other experiments (or other overrides) are another sample.
		configs := map[string]bool{}
		for _, r := range runs {
			configs[configOf(r)] = true
		}
		if len(configs) > 1 {
			names := slices.Sorted(maps.Keys(configs))
			return nil, usagef("point %s has runs of %d configurations, which are not one sample: %s; narrow with --experiment or --where", id, len(configs), strings.Join(names, "; "))
		}
		by := map[string][]store.Run{}
		for _, r := range runs {
			by[r.Rule] = append(by[r.Rule], r)
		}
		return by, nil
	}
	ra, err := get(a)
	if err != nil {
		return err
	}
	rb, err := get(b)
	if err != nil {
		return err
	}
	var rules []string
	for r := range ra {
		if _, ok := rb[r]; ok {
			rules = append(rules, r)
		}
	}
	slices.Sort(rules)
	if len(rules) == 0 {
		return usagef("points %s and %s have no rule in common", a, b)
	}
	fmt.Fprintf(w, "%s against %s (wins: share of run pairs in which %s's value is better; p: two-sided Mann-Whitney U, permutation test)\n", a, b, a)
	for _, rule := range rules {
		metric := ra[rule][0].Metric
		va, vb := oriented(ra[rule], metric), oriented(rb[rule], metric)
		wins, p, exact := stats.MannWhitney(va, vb)
		fmt.Fprintf(w, "  %-20s by %-22s n %d vs %d  wins %4.0f%%  p %s\n", rule, metric, len(va), len(vb), 100*wins,
			training.PValue(training.Comparison{P: p, Exact: exact}))
	}
	return nil
}

// oriented returns the runs' metric values so that lower is better; a run
// without a value counts as the worst.
func oriented(runs []store.Run, metric string) []float64 {
	higher := false
	for _, m := range task.AllMetrics() {
		if m.Name == metric {
			higher = m.HigherIsBetter
		}
	}
	out := make([]float64, len(runs))
	for i, r := range runs {
		v := r.MetricValue
		switch {
		case math.IsNaN(v):
			v = math.Inf(1)
		case higher:
			v = -v
		}
		out[i] = v
	}
	return out
}

func fnum(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

func nptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// configOf names a run's configuration: its experiment and its parameters
// but those that choose seeds or workers, not what a run computes.
func configOf(r store.Run) string {
	var kv []string
	for k, v := range r.Params {
		if k != "seed" && k != "seeds" && k != "workers" {
			kv = append(kv, k+"="+v)
		}
	}
	slices.Sort(kv)
	return r.Experiment + " (" + strings.Join(kv, ", ") + ")"
}
