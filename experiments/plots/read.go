package plots

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/dopa-sim/dopa/internal/output"
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

// key reads the row's rule (non-empty) and seed.
func key(t *output.Table) (runKey, error) {
	rule := t.Str("rule")
	if rule == "" {
		return runKey{}, fmt.Errorf("%s line %d: empty rule", t.Name, t.Line)
	}
	seed, err := t.Int("seed")
	return runKey{rule, seed}, err
}

// readMetrics reads a metrics.csv file. Runs are returned in order of first
// appearance, each sorted by trials.
func readMetrics(path string) ([]*run, error) {
	var runs []*run
	index := make(map[runKey]*run)
	_, err := output.Metrics.ReadAt(path, path, false, func(t *output.Table) error {
		k, err := key(t)
		if err != nil {
			return err
		}
		trials, err := t.Float("trials")
		if err != nil {
			return err
		}
		if math.IsNaN(trials) || math.IsInf(trials, 0) || trials < 0 {
			return fmt.Errorf("%s line %d: bad trials %q", path, t.Line, t.Str("trials"))
		}
		loss, err := t.Float("loss")
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
	_, err := output.Traces.ReadAt(path, path, true, func(t *output.Table) error {
		k, err := key(t)
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
		x, err := t.Float("trials")
		if err != nil {
			return err
		}
		tr.trials = append(tr.trials, x)
		for i, c := range traceColumns {
			v, err := t.Float(c)
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
func readSummary(path string) (_ *summary, err error) {
	defer func() { err = output.AsReadError(err) }()
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
