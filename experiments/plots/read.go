package plots

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// runKey identifies one run.
type runKey struct {
	rule string
	seed int
}

// run is the loss series of one (rule, seed), sorted by trials.
type run struct {
	runKey
	trials []float64
	loss   []float64
}

// csvTable reads a CSV file with a header line and gives access to fields
// by column name, reporting errors with the file name and line number.
type csvTable struct {
	name string // file name used in error messages
	r    *csv.Reader
	cols map[string]int
	n    int      // number of header fields
	rec  []string // current record
	line int      // line of the current record
}

func openTable(name string, rd io.Reader, required ...string) (*csvTable, error) {
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = true
	hdr, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header line", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &csvTable{name: name, r: r, cols: make(map[string]int), n: len(hdr)}
	for i, h := range hdr {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := t.cols[h]; dup {
			return nil, fmt.Errorf("%s line 1: duplicate column %q", name, h)
		}
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s line 1: missing column %q (header %q)", name, c, strings.Join(hdr, ","))
		}
	}
	return t, nil
}

// next advances to the next record. It returns false at the end of the file
// or on error; err is nil at the end of the file.
func (t *csvTable) next() (ok bool, err error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return false, fmt.Errorf("%s line %d: %v", t.name, pe.StartLine, pe.Err)
		}
		return false, fmt.Errorf("%s: %w", t.name, err)
	}
	t.rec = rec
	t.line, _ = t.r.FieldPos(0)
	if len(rec) != t.n {
		return false, fmt.Errorf("%s line %d: %d fields, want %d as in the header", t.name, t.line, len(rec), t.n)
	}
	return true, nil
}

// readTable calls row for every record of the CSV file at path (named name
// in errors) after checking its required columns. A missing file is an
// error, or, when optional, calls nothing and reports found = false.
func readTable(path, name string, optional bool, required []string, row func(t *csvTable) error) (found bool, err error) {
	f, err := os.Open(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	t, err := openTable(name, f, required...)
	if err != nil {
		return true, err
	}
	for {
		ok, err := t.next()
		if err != nil || !ok {
			return true, err
		}
		if err := row(t); err != nil {
			return true, err
		}
	}
}

// key reads the row's rule (non-empty) and seed.
func (t *csvTable) key() (runKey, error) {
	rule := t.str("rule")
	if rule == "" {
		return runKey{}, fmt.Errorf("%s line %d: empty rule", t.name, t.line)
	}
	seed, err := t.intField("seed")
	return runKey{rule, seed}, err
}

func (t *csvTable) str(col string) string {
	return strings.TrimSpace(t.rec[t.cols[col]])
}

func (t *csvTable) intField(col string) (int, error) {
	s := t.str(col)
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s line %d: bad %s %q", t.name, t.line, col, s)
	}
	return v, nil
}

// float parses a float; NaN and Inf spellings accepted by strconv are allowed.
func (t *csvTable) floatField(col string) (float64, error) {
	s := t.str(col)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%s line %d: bad %s %q", t.name, t.line, col, s)
	}
	return v, nil
}

// readMetrics reads a metrics.csv file. Runs are returned in order of first
// appearance, each sorted by trials.
func readMetrics(path string) ([]*run, error) {
	var runs []*run
	index := make(map[runKey]*run)
	_, err := readTable(path, path, false, []string{"rule", "seed", "trials", "loss"}, func(t *csvTable) error {
		k, err := t.key()
		if err != nil {
			return err
		}
		trials, err := t.floatField("trials")
		if err != nil {
			return err
		}
		if math.IsNaN(trials) || math.IsInf(trials, 0) || trials < 0 {
			return fmt.Errorf("%s line %d: bad trials %q", path, t.line, t.str("trials"))
		}
		loss, err := t.floatField("loss")
		if err != nil {
			return err
		}
		r := index[k]
		if r == nil {
			r = &run{runKey: k}
			index[k] = r
			runs = append(runs, r)
		}
		r.trials = append(r.trials, trials)
		r.loss = append(r.loss, loss)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	for _, r := range runs {
		sortByX(r.trials, r.loss)
	}
	return runs, nil
}

// sortByX sorts x ascending (stably) and permutes ys alongside, unless x is
// already sorted.
func sortByX(x []float64, ys ...[]float64) {
	if slices.IsSorted(x) {
		return
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	for _, s := range append([][]float64{x}, ys...) {
		tmp := make([]float64, len(s))
		for i, j := range idx {
			tmp[i] = s[j]
		}
		copy(s, tmp)
	}
}

// traceColumns are the traces.csv columns drawn in the modulator figure,
// top to bottom.
var traceColumns = []string{"rpe", "dopamine", "learning_rate", "weight_rms"}

// trace holds the modulator trace of one (rule, seed).
type trace struct {
	runKey
	trials []float64
	values [][]float64 // one slice per traceColumns entry
}

// readTraces reads traces.csv, keeping for every rule only the first seed
// found for it. A missing file gives (nil, nil).
func readTraces(path string) ([]*trace, error) {
	var traces []*trace
	first := make(map[string]*trace)
	_, err := readTable(path, path, true, append([]string{"rule", "seed", "trials"}, traceColumns...), func(t *csvTable) error {
		k, err := t.key()
		if err != nil {
			return err
		}
		tr := first[k.rule]
		if tr == nil {
			tr = &trace{runKey: k, values: make([][]float64, len(traceColumns))}
			first[k.rule] = tr
			traces = append(traces, tr)
		}
		if tr.seed != k.seed {
			return nil
		}
		x, err := t.floatField("trials")
		if err != nil {
			return err
		}
		tr.trials = append(tr.trials, x)
		for i, c := range traceColumns {
			v, err := t.floatField(c)
			if err != nil {
				return err
			}
			tr.values[i] = append(tr.values[i], v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, tr := range traces {
		sortByX(tr.trials, tr.values...)
	}
	return traces, nil
}

// summary holds the parts of summary.json the figures use.
type summary struct {
	Criterion *struct {
		LossBelow *float64 `json:"loss_below"`
		// LossBelowGo is the key encoding/json uses for a Go field
		// LossBelow without a json tag; accepted as well.
		LossBelowGo *float64 `json:"LossBelow"`
	} `json:"criterion"`
	ByRule map[string]struct {
		N              *int     `json:"n"`
		SolvedFraction *float64 `json:"solved_fraction"`
	} `json:"by_rule"`
}

// criterion returns the loss criterion and whether there is a usable one
// (positive and finite; 0 means "no criterion").
func (s *summary) criterion() (float64, bool) {
	if s == nil || s.Criterion == nil {
		return 0, false
	}
	v := s.Criterion.LossBelow
	if v == nil {
		v = s.Criterion.LossBelowGo
	}
	if v == nil {
		return 0, false
	}
	return *v, *v > 0 && !math.IsInf(*v, 0)
}

// readSummary reads summary.json. A missing file gives (nil, nil).
func readSummary(path string) (*summary, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
