package plots

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// GridPoints is the number of geometrically spaced trial counts onto which
// [LossCurves] resamples the runs of each rule (evenly spaced on the log
// trials axis of the loss figure).
const GridPoints = 200

// LossFloor is the lowest the log loss axis of the loss figure goes;
// smaller losses, including zero, are drawn at the bottom of the axis.
const LossFloor = 1e-12

// Curve summarises the loss of one rule over its seeds on a common grid of
// trial counts. See the package documentation for how runs are resampled
// and how diverged runs count.
type Curve struct {
	Rule  string
	Seeds int // number of (rule, seed) runs in metrics.csv

	// Trials is the grid: GridPoints geometrically spaced trial counts
	// (a constant ratio between neighbours) from max(first, 1) to the last
	// logged trial count of the rule, where first is the first logged trial
	// count; a single point if the two coincide or the last is below 1.
	// Every grid value is >= 1, so it can be drawn on a log axis; values
	// within a relative 1e-9 of a whole number are rounded to it, so that
	// e.g. the grid from 1 to 100 with 3 points is exactly 1, 10, 100.
	Trials []float64

	// Median, Q25 and Q75 are the 50th, 25th and 75th percentiles of the
	// loss over seeds at each grid point. They are +Inf where enough runs
	// have diverged and NaN where no run of the rule has been logged yet.
	Median, Q25, Q75 []float64
}

// LossCurves reads DIR/metrics.csv and returns one Curve per rule, in the
// order used for the figures: rules sorted by label, with numeric suffixes
// after '@' compared as numbers (so dopamine@0.003 comes before
// dopamine@0.01).
func LossCurves(dir string) ([]Curve, error) {
	runs, err := readMetrics(filepath.Join(dir, metricsFile))
	if err != nil {
		return nil, err
	}
	return lossCurves(runs, GridPoints), nil
}

// lossCurves groups runs by rule and computes their quantile curves on a
// grid of n points per rule.
func lossCurves(runs []*run, n int) []Curve {
	byRule := make(map[string][]*run)
	var rules []string
	for _, r := range runs {
		if _, ok := byRule[r.rule]; !ok {
			rules = append(rules, r.rule)
		}
		byRule[r.rule] = append(byRule[r.rule], r)
	}
	slices.SortFunc(rules, compareRules)

	curves := make([]Curve, 0, len(rules))
	for _, rule := range rules {
		rs := byRule[rule]
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range rs {
			lo = min(lo, r.trials[0])
			hi = max(hi, r.trials[len(r.trials)-1])
		}
		// Rows logged at trial 0 are carried forward to the first grid
		// point, 1, which the log axis can show.
		lo = max(lo, 1)
		hi = max(hi, lo)
		grid := logspace(lo, hi, n)
		series := make([][]float64, len(rs))
		for i, r := range rs {
			series[i] = resample(r.trials, r.loss, grid)
		}
		q25, med, q75 := quartiles(series, len(grid))
		curves = append(curves, Curve{
			Rule:   rule,
			Seeds:  len(rs),
			Trials: grid,
			Median: med,
			Q25:    q25,
			Q75:    q75,
		})
	}
	return curves
}

// logspace returns n geometrically spaced values from lo to hi inclusive
// (0 < lo <= hi), or just lo if lo == hi or n < 2. Values within a relative
// 1e-9 of a whole number are rounded to it, so that trial counts the grid
// is meant to hit exactly (powers of ten, say) are not missed by rounding
// errors when runs are resampled.
func logspace(lo, hi float64, n int) []float64 {
	if lo == hi || n < 2 {
		return []float64{lo}
	}
	g := make([]float64, n)
	ratio := hi / lo
	for i := range g {
		v := lo * math.Pow(ratio, float64(i)/float64(n-1))
		if r := math.Round(v); math.Abs(v-r) <= 1e-9*v {
			v = r
		}
		g[i] = v
	}
	g[0], g[n-1] = lo, hi
	return g
}

// resample returns, for every x of the ascending grid, the last loss logged
// at trials <= x (trials ascending). Non-finite losses become +Inf (a
// diverged run ranks worst) and grid points before the first logged trial
// count are NaN (no data).
func resample(trials, loss, grid []float64) []float64 {
	out := make([]float64, len(grid))
	j := 0 // number of samples with trials <= x
	for i, x := range grid {
		for j < len(trials) && trials[j] <= x {
			j++
		}
		switch {
		case j == 0:
			out[i] = math.NaN()
		case math.IsNaN(loss[j-1]) || math.IsInf(loss[j-1], 0):
			out[i] = math.Inf(1)
		default:
			out[i] = loss[j-1]
		}
	}
	return out
}

// quartiles returns the 25th, 50th and 75th percentiles (stat.Empirical)
// at each of the n points over the series, ignoring NaN (missing) values.
// Points where every series is NaN give NaN.
func quartiles(series [][]float64, n int) (q25, med, q75 []float64) {
	q25 = make([]float64, n)
	med = make([]float64, n)
	q75 = make([]float64, n)
	vals := make([]float64, 0, len(series))
	for i := range n {
		vals = vals[:0]
		for _, s := range series {
			if !math.IsNaN(s[i]) {
				vals = append(vals, s[i])
			}
		}
		if len(vals) == 0 {
			q25[i], med[i], q75[i] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		slices.Sort(vals)
		q25[i] = stat.Quantile(0.25, stat.Empirical, vals, nil)
		med[i] = stat.Quantile(0.5, stat.Empirical, vals, nil)
		q75[i] = stat.Quantile(0.75, stat.Empirical, vals, nil)
	}
	return q25, med, q75
}

// compareRules orders rule labels by the part before the last '@' and then
// by the part after it: numbers in increasing order, then other suffixes
// in byte order.
func compareRules(a, b string) int {
	pa, sa, oka := cutLast(a, "@")
	pb, sb, okb := cutLast(b, "@")
	if !oka || !okb || pa != pb {
		return strings.Compare(a, b)
	}
	fa, erra := strconv.ParseFloat(sa, 64)
	fb, errb := strconv.ParseFloat(sb, 64)
	switch {
	case erra == nil && errb == nil && fa < fb:
		return -1
	case erra == nil && errb == nil && fa > fb:
		return 1
	case erra == nil && errb != nil: // numbers before other suffixes
		return -1
	case erra != nil && errb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// Decimate thins the points (x[i], y[i]), x ascending, for drawing: the
// range [xmin, xmax] is split into cols equal bins and in each bin only the
// points with the smallest and the largest y are kept, in their original
// order, so that the drawn envelope is unchanged. Series with at most
// 2*cols points are returned as they are.
func Decimate(x, y []float64, xmin, xmax float64, cols int) (dx, dy []float64) {
	if len(x) <= 2*cols || cols < 1 || !(xmax > xmin) {
		return x, y
	}
	dx = make([]float64, 0, 2*cols+2)
	dy = make([]float64, 0, 2*cols+2)
	bin := func(v float64) int {
		b := int(float64(cols) * (v - xmin) / (xmax - xmin))
		return min(max(b, 0), cols-1)
	}
	lo, hi := 0, 0 // indices of the min and max y in the current bin
	cur := bin(x[0])
	flush := func() {
		a, b := min(lo, hi), max(lo, hi)
		dx, dy = append(dx, x[a]), append(dy, y[a])
		if b != a {
			dx, dy = append(dx, x[b]), append(dy, y[b])
		}
	}
	for i := 1; i < len(x); i++ {
		if b := bin(x[i]); b != cur {
			flush()
			cur, lo, hi = b, i, i
			continue
		}
		if y[i] < y[lo] {
			lo = i
		}
		if y[i] > y[hi] {
			hi = i
		}
	}
	flush()
	return dx, dy
}
