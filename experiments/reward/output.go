package reward

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/output"
)

// metric is a number of a run that summary.json carries and by_rule
// summarises over seeds (median and quartiles).
type metric struct {
	name string
	get  func(*RunResult) float64
}

var metrics = []metric{
	{"mean_return", func(r *RunResult) float64 { return r.MeanReturn }},
	{"delta_cs", func(r *RunResult) float64 { return r.DeltaCS }},
	{"delta_us", func(r *RunResult) float64 { return r.DeltaUS }},
	{"delta_omitted", func(r *RunResult) float64 { return r.DeltaOmitted }},
	{"optimal_choice_fraction", func(r *RunResult) float64 { return r.OptimalFraction }},
	{"regret", func(r *RunResult) float64 { return r.Regret }},
	{"regret_bound", func(r *RunResult) float64 { return r.RegretBound }},
}

// episodesToSolved is the number of episodes a run took to meet
// stop_after_solved (NaN: it did not).
var episodesToSolved = metric{"episodes_to_solved", func(r *RunResult) float64 {
	if !r.Solved {
		return math.NaN()
	}
	return float64(len(r.Episodes))
}}

// stops says whether a run of the experiment may stop once it solved the
// task (stop_after_solved).
func (e *experiment) stops() bool {
	return slices.ContainsFunc(e.jobs, func(j Job) bool { return j.spec.StopAfterSolved > 0 })
}

// allMetrics returns metrics, episodes_to_solved where a run may stop
// once it solved the task, and the fields the agents reported
// (Reporter), in the order they first appear.
func (e *experiment) allMetrics(rs []*RunResult) []metric {
	out := slices.Clone(metrics)
	if e.stops() {
		out = append(out, episodesToSolved)
	}
	for _, r := range rs {
		if r == nil {
			continue
		}
		for _, f := range r.Fields {
			if slices.ContainsFunc(out, func(m metric) bool { return m.name == f.Name }) {
				continue
			}
			name := f.Name
			out = append(out, metric{name, func(r *RunResult) float64 { return r.value(name) }})
		}
	}
	return out
}

func fp(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// quantile returns the q-quantile of sorted xs by linear interpolation
// between order statistics (NaN for none).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// note states the conventions of summary.json.
const note = "delta_cs, delta_us and delta_omitted are the critic's δ (units of reward) on entering the CS step, the US step of rewarded trials " +
	"and the US step of unrewarded trials, means over the last record.delta_last episodes; mean_return and optimal_choice_fraction " +
	"are over the last record.last episodes; regret is the expected reward lost against the best choice, summed over the run; " +
	"regret_bound is the asymptotic lower bound of Lai & Robbins (1985) on the expected regret of any consistent learner after as many trials " +
	"(stationary bandits only); " +
	"by_rule gives the median and the 25 % and 75 % quantiles over seeds of the runs that finished without failing"

// noteSolved states the fields of a file with stop_after_solved.
const noteSolved = "; solved says the run stopped because stop_after_solved episodes in a row solved the task, " +
	"episodes_to_solved is then its number of episodes and solved_fraction the fraction of a rule's runs that did"

// Summary builds summary.json from the results (nil: not finished).
func (e *experiment) Summary(rs []*RunResult) output.Object {
	metrics := e.allMetrics(rs)
	var runs []output.Object
	byRule := output.Object{}
	for _, a := range e.spec.Agents {
		byCond := output.Object{}
		n := 0
		for _, c := range e.conds {
			var done []*RunResult
			stops := false // this condition's runs may stop solved
			for i, j := range e.jobs {
				if j.Agent.ID() == a.ID() && j.Condition == c {
					stops = stops || j.spec.StopAfterSolved > 0
					if rs[i] != nil && rs[i].Fail == "" {
						done = append(done, rs[i])
					}
				}
			}
			n += len(done)
			st := output.Object{}
			st.Add("n", len(done))
			if stops {
				k := 0
				for _, r := range done {
					if r.Solved {
						k++
					}
				}
				st.Add("solved_fraction", fp(float64(k)/float64(len(done))))
			}
			for _, m := range metrics {
				var xs []float64
				for _, r := range done {
					if v := m.get(r); !math.IsNaN(v) {
						xs = append(xs, v)
					}
				}
				slices.Sort(xs)
				st.Add("median_"+m.name, fp(quantile(xs, 0.5)))
				st.Add("q25_"+m.name, fp(quantile(xs, 0.25)))
				st.Add("q75_"+m.name, fp(quantile(xs, 0.75)))
			}
			byCond.Add(c, st)
		}
		ro := output.Object{}
		ro.Add("n", n)
		ro.Add("by_condition", byCond)
		byRule.Add(a.ID(), ro)
	}
	for i, j := range e.jobs {
		o := output.Object{}
		o.Add("rule", j.Agent.ID())
		o.Add("agent", j.Agent.Name)
		o.Add("condition", j.Condition)
		o.Add("seed", j.Seed)
		r := rs[i]
		o.Add("done", r != nil)
		if r == nil {
			runs = append(runs, o)
			continue
		}
		o.Add("failed", r.Fail != "")
		if r.Fail != "" {
			o.Add("error", r.Fail)
		}
		o.Add("episodes", len(r.Episodes))
		if j.spec.StopAfterSolved > 0 {
			o.Add("solved", r.Solved)
		}
		for _, m := range metrics {
			o.Add(m.name, fp(m.get(r)))
		}
		for _, f := range r.Reported {
			o.Add(f.Name, fp(f.Value))
		}
		o.Add("wall_seconds", fp(r.WallSeconds))
		runs = append(runs, o)
	}
	s := output.Object{}
	s.Add("experiment", e.spec.Name)
	s.Add("environment", e.spec.Environment.Name)
	if e.stops() {
		s.Add("note", note+noteSolved)
	} else {
		s.Add("note", note)
	}
	s.Add("runs", runs)
	s.Add("by_rule", byRule)
	if len(e.spec.Checks) > 0 {
		s.Add("checks", checksJSON(e.verdicts(rs)))
	}
	return s
}

// write writes summary.json, episodes.csv and steps.csv into dir.
func (e *experiment) write(dir string, rs []*RunResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := output.WriteJSON(filepath.Join(dir, output.SummaryFile), e.Summary(rs)); err != nil {
		return err
	}
	f := e.spec.Record.Format
	if err := output.Episodes.Write(dir, f, func(w *output.Rows) {
		for _, r := range rs {
			if r == nil {
				continue
			}
			for k, ep := range r.Episodes {
				w.Str(r.Agent)
				w.Str(r.Condition)
				w.Int(r.Seed)
				w.Int(k)
				w.Float(ep.Return)
				w.Int(ep.Steps)
				w.Int(ep.Action)
				w.Float(ep.Optimal) // NaN: empty (Column.EmptyNaN)
				w.Float(ep.Regret)
				w.End()
			}
		}
	}); err != nil {
		return err
	}
	if err := writeRecordings(dir, f, rs); err != nil {
		return err
	}
	if err := e.writePaths(dir, rs); err != nil {
		return err
	}
	if e.spec.Record.StepsEvery == 0 {
		return nil
	}
	return output.Steps.Write(dir, f, func(w *output.Rows) {
		for _, r := range rs {
			if r == nil {
				continue
			}
			for _, s := range r.Steps {
				w.Str(r.Agent)
				w.Str(r.Condition)
				w.Int(r.Seed)
				w.Int(s.Episode)
				w.Int(s.K)
				for _, v := range [...]float64{s.Reward, s.Delta, s.Value, s.Dopamine} {
					w.Float(v)
				}
				w.Int(s.Action)
				w.Str(s.Mark.String())
				w.End()
			}
		}
	})
}

// writePaths writes trajectories.csv, value_map.csv and arena.csv when a
// condition records trajectories or value maps (record.trajectories,
// record.value_map), and nothing otherwise.
func (e *experiment) writePaths(dir string, rs []*RunResult) error {
	var arenas []string // the conditions, in order
	specs := map[string]*Spec{}
	for _, j := range e.jobs {
		if _, ok := specs[j.Condition]; !ok && (len(j.spec.Record.Trajectories) > 0 || j.spec.Record.ValueMap > 0) {
			if _, ok := j.spec.Environment.Params.(env.Spatial); ok {
				specs[j.Condition] = j.spec
				arenas = append(arenas, j.Condition)
			}
		}
	}
	if len(arenas) == 0 {
		return nil
	}
	f := e.spec.Record.Format
	if err := output.Arena.Write(dir, f, func(w *output.Rows) {
		for _, c := range arenas {
			a := specs[c].Environment.Params.(env.Spatial).Arena()
			shape := func(name string, x, y, size float64) {
				w.Str(c)
				w.Str(name)
				w.Float(x)
				w.Float(y)
				w.Float(size)
				w.End()
			}
			switch a.Shape {
			case "pool":
				shape("pool", 0, 0, a.Radius)
				shape("platform", a.Platform[0], a.Platform[1], a.PlatformRadius)
			case "grid":
				shape("grid", float64(a.Width), float64(a.Height), 1)
				for _, wl := range a.Walls {
					shape("wall", float64(wl[0]), float64(wl[1]), 1)
				}
				shape("goal", float64(a.Goal[0]), float64(a.Goal[1]), 1)
			}
			for _, s := range a.Starts {
				shape("start", s[0], s[1], 0)
			}
		}
	}); err != nil {
		return err
	}
	maps, paths := false, false
	for _, c := range arenas {
		maps = maps || specs[c].Record.ValueMap > 0
		paths = paths || len(specs[c].Record.Trajectories) > 0
	}
	if maps {
		if err := output.ValueMap.Write(dir, f, func(w *output.Rows) {
			for _, r := range rs {
				if r == nil {
					continue
				}
				for _, p := range r.Map {
					w.Str(r.Agent)
					w.Str(r.Condition)
					w.Int(r.Seed)
					for _, v := range [...]float64{p.X, p.Y, p.Value, p.PX, p.PY} {
						w.Float(v)
					}
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	if !paths {
		return nil
	}
	return output.Trajectories.Write(dir, f, func(w *output.Rows) {
		for _, r := range rs {
			if r == nil {
				continue
			}
			for _, p := range r.Path {
				w.Str(r.Agent)
				w.Str(r.Condition)
				w.Int(r.Seed)
				w.Int(p.Episode)
				w.Int(p.K)
				w.Float(p.X)
				w.Float(p.Y)
				w.End()
			}
		}
	})
}

// maxCoord bounds the numbers of trajectories.csv and value_map.csv that
// dopa plot accepts (an arena's positions, V and directions).
const maxCoord = 1e6

// readResults reads episodes.csv and steps.csv of dir back into results,
// one per rule, condition and seed in file order (for dopa plot).
func readResults(dir string) ([]*RunResult, error) {
	var rs []*RunResult
	index := map[string]*RunResult{}
	get := func(t *output.Table) (*RunResult, error) {
		seed, err := t.Int("seed")
		if err != nil {
			return nil, err
		}
		key := t.Str("rule") + "\x00" + t.Str("condition") + "\x00" + strconv.Itoa(seed)
		r, ok := index[key]
		if !ok {
			r = &RunResult{Agent: t.Str("rule"), Condition: t.Str("condition"), Seed: seed}
			index[key] = r
			rs = append(rs, r)
		}
		return r, nil
	}
	num := func(t *output.Table, col string) (float64, error) {
		if t.Str(col) == "" {
			return math.NaN(), nil
		}
		return t.Float(col)
	}
	if _, err := output.Episodes.Read(dir, false, func(t *output.Table) error {
		r, err := get(t)
		if err != nil {
			return err
		}
		var ep Episode
		if ep.Return, err = t.Float("return"); err != nil {
			return err
		}
		if ep.Steps, err = t.Int("steps"); err != nil {
			return err
		}
		if ep.Action, err = t.Int("action"); err != nil {
			return err
		}
		if ep.Optimal, err = num(t, "optimal"); err != nil {
			return err
		}
		r.Episodes = append(r.Episodes, ep)
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := output.Steps.Read(dir, true, func(t *output.Table) error {
		r, err := get(t)
		if err != nil {
			return err
		}
		var s Step
		if s.Episode, err = t.Int("episode"); err != nil {
			return err
		}
		if s.K, err = t.Int("step"); err != nil {
			return err
		}
		for _, f := range []struct {
			col string
			dst *float64
		}{{"reward", &s.Reward}, {"delta", &s.Delta}, {"value", &s.Value}, {"dopamine", &s.Dopamine}} {
			if *f.dst, err = t.Float(f.col); err != nil {
				return err
			}
		}
		switch t.Str("mark") {
		case "cs":
			s.Mark = env.CS
		case "us":
			s.Mark = env.US
		case "omitted":
			s.Mark = env.Omitted
		}
		r.Steps = append(r.Steps, s)
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := output.Trajectories.Read(dir, true, func(t *output.Table) error {
		r, err := get(t)
		if err != nil {
			return err
		}
		var p Point
		if p.Episode, err = t.Int("episode"); err != nil {
			return err
		}
		if p.K, err = t.Int("step"); err != nil {
			return err
		}
		if p.X, err = t.Float("x"); err != nil {
			return err
		}
		if p.Y, err = t.Float("y"); err != nil {
			return err
		}
		for i, v := range [2]float64{p.X, p.Y} {
			if !(math.Abs(v) <= maxCoord) {
				return fmt.Errorf("%s line %d: bad %s %g: want a finite number within ±%g", t.Name, t.Line, [2]string{"x", "y"}[i], v, maxCoord)
			}
		}
		r.Path = append(r.Path, p)
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := output.ValueMap.Read(dir, true, func(t *output.Table) error {
		r, err := get(t)
		if err != nil {
			return err
		}
		var p MapPoint
		for _, f := range []struct {
			col string
			dst *float64
		}{{"x", &p.X}, {"y", &p.Y}, {"value", &p.Value}, {"pref_x", &p.PX}, {"pref_y", &p.PY}} {
			if *f.dst, err = num(t, f.col); err != nil {
				return err
			}
			// x and y are positions; the others may be empty (NaN).
			if v := *f.dst; !(math.Abs(v) <= maxCoord) && (f.col == "x" || f.col == "y" || !math.IsNaN(v)) {
				return fmt.Errorf("%s line %d: bad %s %g: want a finite number within ±%g", t.Name, t.Line, f.col, v, maxCoord)
			}
		}
		r.Map = append(r.Map, p)
		return nil
	}); err != nil {
		return nil, err
	}
	return rs, readRecordings(dir, rs)
}
