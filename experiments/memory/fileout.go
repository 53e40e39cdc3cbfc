package memory

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/stats"
)

// fnum is a number of summary.json: null where it is not finite.
func fnum(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// SummarizeFile builds summary.json: every run (rule, patterns, output_noise,
// perfect_recall_fraction, bits_per_synapse and the rest, null where it
// does not apply or the run did not finish), the capacities, and by_rule:
// medians over seeds of every mode, size and load.
func SummarizeFile(o *Outcome) output.Object {
	f := o.File
	var s output.Object
	s.Add("experiment", f.Name)
	s.Add("description", f.Description)
	s.Add("note", "output_noise ε = (false + missed)/k per query (k the active units of the stored pattern), averaged over queries; "+
		"perfect_recall_fraction: queries retrieved without an error; false_rate = false/(n − k); "+
		"bits_per_synapse = M·T/n with T the transinformation of one content bit (Knoblauch, Palm & Sommer 2010; the query's information is not subtracted); "+
		"false_rate_exact and false_rate_classical (p₁^z): one-step Willshaw with threshold, fixed-k auto-association and deletion-only exact queries only; "+
		"capacity: the most patterns at mean ε ≤ eps (bisection, one seed per search); medians over seeds")
	s.Add("ensemble", f.Patterns.Kind.String())
	s.Add("hetero", f.Hetero)
	s.Add("activation", f.Activation.String())
	s.Add("query", map[string]any{"p01": f.Query.P01, "p10": f.Query.P10, "exact": f.Query.Exact})
	runs := make([]output.Object, 0, len(o.Runs))
	for _, r := range o.Runs {
		md := f.mode(r.Mode)
		var x output.Object
		x.Add("rule", r.Rule)
		x.Add("mode", r.Mode)
		x.Add("n", r.N)
		x.Add("k", r.K)
		x.Add("seed", r.Seed)
		x.Add("patterns", r.M)
		x.Add("done", r.Done)
		x.Add("steps", md.Steps)
		x.Add("until_stable", md.UntilStable)
		x.Add("ane", md.ANE)
		num := func(k string, v float64) {
			if r.Done {
				x.Add(k, fnum(v))
			} else {
				x.Add(k, nil)
			}
		}
		num("output_noise", r.OutputNoise)
		num("output_noise_se", r.OutputNoiseSE)
		num("perfect_recall_fraction", r.PerfectRecallFraction)
		num("false_units", r.False)
		num("missed_units", r.Missed)
		num("false_rate", r.FalseRate)
		num("false_rate_se", r.FalseRateSE)
		num("false_rate_exact", r.FalseRateExact)
		num("false_rate_classical", r.FalseRateClassical)
		num("mean_steps", r.MeanSteps)
		num("set_fraction", r.SetFraction)
		num("bits_per_synapse", r.BitsPerSynapse)
		num("wall_seconds", r.WallSeconds)
		runs = append(runs, x)
	}
	s.Add("runs", runs)
	caps := make([]output.Object, 0, len(o.Capacities))
	for _, c := range o.Capacities {
		var x output.Object
		x.Add("rule", c.Rule)
		x.Add("mode", c.Mode)
		x.Add("n", c.N)
		x.Add("k", c.K)
		x.Add("seed", c.Seed)
		x.Add("eps", c.Eps)
		x.Add("done", c.Done)
		if c.Done {
			x.Add("capacity", c.Capacity)
			x.Add("output_noise", fnum(c.OutputNoise))
			x.Add("perfect_recall_fraction", fnum(c.PerfectRecallFraction))
			x.Add("bits_per_synapse", fnum(c.BitsPerSynapse))
			x.Add("wall_seconds", fnum(c.WallSeconds))
		} else {
			for _, k := range []string{"capacity", "output_noise", "perfect_recall_fraction", "bits_per_synapse", "wall_seconds"} {
				x.Add(k, nil)
			}
		}
		caps = append(caps, x)
	}
	s.Add("capacity", caps)
	s.Add("by_rule", byRule(o))
	return s
}

// byRule aggregates the finished runs of every rule over seeds, per mode,
// size and load (and per mode and size for the capacity).
func byRule(o *Outcome) output.Object {
	var out output.Object
	for _, rule := range o.File.Rules {
		name := rule.String()
		type key struct {
			mode string
			n, M int
		}
		var keys []key
		groups := map[key][]FileRun{}
		done := 0
		for _, r := range o.Runs {
			if r.Rule != name || !r.Done {
				continue
			}
			done++
			k := key{r.Mode, r.N, r.M}
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], r)
		}
		conds := make([]output.Object, 0, len(keys))
		for _, k := range keys {
			g := groups[k]
			col := func(f func(FileRun) float64) *float64 {
				xs := make([]float64, len(g))
				for i, r := range g {
					xs[i] = f(r)
				}
				return fnum(stats.Median(xs))
			}
			var c output.Object
			c.Add("mode", k.mode)
			c.Add("n", k.n)
			c.Add("patterns", k.M)
			c.Add("seeds", len(g))
			c.Add("median_output_noise", col(func(r FileRun) float64 { return r.OutputNoise }))
			c.Add("median_perfect_recall_fraction", col(func(r FileRun) float64 { return r.PerfectRecallFraction }))
			c.Add("median_bits_per_synapse", col(func(r FileRun) float64 { return r.BitsPerSynapse }))
			c.Add("median_false_rate", col(func(r FileRun) float64 { return r.FalseRate }))
			c.Add("median_mean_steps", col(func(r FileRun) float64 { return r.MeanSteps }))
			conds = append(conds, c)
		}
		type ckey struct {
			mode string
			n    int
		}
		var ckeys []ckey
		cgroups := map[ckey][]CapacityRun{}
		for _, c := range o.Capacities {
			if c.Rule != name || !c.Done {
				continue
			}
			k := ckey{c.Mode, c.N}
			if _, ok := cgroups[k]; !ok {
				ckeys = append(ckeys, k)
			}
			cgroups[k] = append(cgroups[k], c)
		}
		caps := make([]output.Object, 0, len(ckeys))
		for _, k := range ckeys {
			g := cgroups[k]
			ms, bs := make([]float64, len(g)), make([]float64, len(g))
			for i, c := range g {
				ms[i], bs[i] = float64(c.Capacity), c.BitsPerSynapse
			}
			var c output.Object
			c.Add("mode", k.mode)
			c.Add("n", k.n)
			c.Add("k", g[0].K)
			c.Add("eps", g[0].Eps)
			c.Add("seeds", len(g))
			c.Add("median_capacity", fnum(stats.Median(ms)))
			c.Add("median_bits_per_synapse", fnum(stats.Median(bs)))
			caps = append(caps, c)
		}
		var rs output.Object
		rs.Add("n", done)
		rs.Add("conditions", conds)
		rs.Add("capacity", caps)
		out.Add(name, rs)
	}
	return out
}

// NewManifest fills manifest.json for a study as it starts.
func NewManifest(f *File) output.Manifest {
	m := output.NewManifest(output.Memory, f.Name, nil, time.Now())
	m.Resolved = output.Resolved(f)
	m.Streams = "ChaCha8 keyed by SHA-256(seed as 8 bytes little endian ‖ name), names: memory/patterns, memory/content, memory/query/Q (query Q); every rule and mode of a seed, size and load sees the same patterns and queries"
	for i := range f.Seeds {
		m.Seeds = append(m.Seeds, f.Seed+i)
	}
	for _, md := range f.Modes {
		m.Conditions = append(m.Conditions, md.Name)
	}
	return m
}

// Write writes the result files of an outcome into dir (created if
// needed): summary.json, memory.csv (ε and the other measures of every
// finished run) and capacity.csv (if the study asked for capacities), in
// record.format. The runner writes manifest.json after them.
func Write(dir string, o *Outcome) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := output.WriteJSON(filepath.Join(dir, output.SummaryFile), SummarizeFile(o)); err != nil {
		return err
	}
	f := o.File.Record.Format
	if err := output.MemoryRuns.Write(dir, f, func(w *output.Rows) {
		for _, r := range o.Runs {
			if !r.Done {
				continue
			}
			w.Int(r.N)
			w.Int(r.K)
			w.Str(r.Rule)
			w.Str(r.Mode)
			w.Int(r.Seed)
			w.Int(r.M)
			w.Int(r.Queries)
			for _, v := range [...]float64{r.OutputNoise, r.OutputNoiseSE, r.PerfectRecallFraction, r.False, r.Missed, r.FalseRate, r.FalseRateSE,
				r.FalseRateExact, r.FalseRateClassical, r.MeanSteps, r.SetFraction, r.BitsPerSynapse} {
				w.Float(v)
			}
			w.End()
		}
	}); err != nil {
		return err
	}
	if len(o.Capacities) > 0 {
		if err := output.Capacity.Write(dir, f, func(w *output.Rows) {
			for _, c := range o.Capacities {
				if !c.Done {
					continue
				}
				w.Int(c.N)
				w.Int(c.K)
				w.Str(c.Rule)
				w.Str(c.Mode)
				w.Int(c.Seed)
				w.Float(c.Eps)
				w.Int(c.Capacity)
				for _, v := range [...]float64{c.OutputNoise, c.PerfectRecallFraction, c.BitsPerSynapse} {
					w.Float(v)
				}
				w.End()
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// ReadRuns reads memory.csv and (if present) capacity.csv of an output
// directory back, refusing damaged or out-of-bound rows with an
// *output.ReadError naming the file and the line.
func ReadRuns(dir string) ([]FileRun, []CapacityRun, error) {
	var runs []FileRun
	name := output.MemoryFile
	_, err := output.MemoryRuns.Read(dir, false, func(t *output.Table) error {
		if len(runs) >= MaxRuns {
			return fmt.Errorf("%s line %d: more than %d runs", name, t.Line, MaxRuns)
		}
		var r FileRun
		var err error
		if r.N, r.K, r.Seed, err = readIDs(t, name); err != nil {
			return err
		}
		r.Rule, r.Mode = t.Str("rule"), t.Str("mode")
		if r.Rule == "" || r.Mode == "" {
			return fmt.Errorf("%s line %d: empty rule or mode", name, t.Line)
		}
		if r.M, err = t.Int("patterns"); err != nil {
			return err
		}
		if r.M < 0 || r.M > 65535 {
			return fmt.Errorf("%s line %d: patterns %d out of range [0, 65535]", name, t.Line, r.M)
		}
		for _, c := range []struct {
			col string
			dst *float64
		}{{"output_noise", &r.OutputNoise}, {"output_noise_se", &r.OutputNoiseSE}, {"perfect_recall_fraction", &r.PerfectRecallFraction},
			{"false_units", &r.False}, {"missed_units", &r.Missed}, {"false_rate", &r.FalseRate}, {"false_rate_se", &r.FalseRateSE},
			{"false_rate_exact", &r.FalseRateExact}, {"false_rate_classical", &r.FalseRateClassical}, {"mean_steps", &r.MeanSteps},
			{"set_fraction", &r.SetFraction}, {"bits_per_synapse", &r.BitsPerSynapse}} {
			if *c.dst, err = t.Float(c.col); err != nil {
				return err
			}
		}
		r.Done = true
		runs = append(runs, r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var caps []CapacityRun
	name = output.CapacityFile
	_, err = output.Capacity.Read(dir, true, func(t *output.Table) error {
		if len(caps) >= MaxRuns {
			return fmt.Errorf("%s line %d: more than %d capacities", name, t.Line, MaxRuns)
		}
		var c CapacityRun
		var err error
		if c.N, c.K, c.Seed, err = readIDs(t, name); err != nil {
			return err
		}
		c.Rule, c.Mode = t.Str("rule"), t.Str("mode")
		if c.Rule == "" || c.Mode == "" {
			return fmt.Errorf("%s line %d: empty rule or mode", name, t.Line)
		}
		if c.Capacity, err = t.Int("capacity"); err != nil {
			return err
		}
		if c.Capacity < 0 || c.Capacity > 65535 {
			return fmt.Errorf("%s line %d: capacity %d out of range [0, 65535]", name, t.Line, c.Capacity)
		}
		for _, x := range []struct {
			col string
			dst *float64
		}{{"eps", &c.Eps}, {"output_noise", &c.OutputNoise}, {"perfect_recall_fraction", &c.PerfectRecallFraction}, {"bits_per_synapse", &c.BitsPerSynapse}} {
			if *x.dst, err = t.Float(x.col); err != nil {
				return err
			}
		}
		c.Done = true
		caps = append(caps, c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return runs, caps, nil
}

// readIDs reads the n, k and seed columns, within their bounds.
func readIDs(t *output.Table, name string) (n, k, seed int, err error) {
	if n, err = t.Int("n"); err != nil {
		return
	}
	if k, err = t.Int("k"); err != nil {
		return
	}
	if seed, err = t.Int("seed"); err != nil {
		return
	}
	switch {
	case n < 2 || n > MaxUnits:
		err = fmt.Errorf("%s line %d: n %d out of range [2, %d]", name, t.Line, n, MaxUnits)
	case k < 0 || k > n:
		err = fmt.Errorf("%s line %d: k %d out of range [0, n = %d]", name, t.Line, k, n)
	case seed < 0 || seed > math.MaxInt32:
		err = fmt.Errorf("%s line %d: seed %d out of range", name, t.Line, seed)
	}
	return
}
