package memory

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
)

// RunKind is the kind of a memory study (kind = "memory"): every rule,
// mode, size, load and seed, and the capacities it asks for.
var RunKind = runner.Kind{
	Name: output.Memory,
	Doc:  "associative memories compared over rules, retrieval modes, sizes, loads and seeds (kind = \"memory\")",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		f, err := FromDoc(src.Doc)
		if err != nil {
			return nil, err
		}
		if err := runner.SetEach(overrides, f.Set); err != nil {
			return nil, err
		}
		if err := f.Validate(); err != nil {
			return nil, err
		}
		return &study{f: f, file: src.File, out: f.layout()}, nil
	},
	Example: runner.Example{File: "willshaw", Overrides: []string{"seeds=6"}},
	Plot: func(dir string) error {
		runs, caps, err := ReadRuns(dir)
		if err != nil {
			return err
		}
		return WritePlots(dir, runs, caps)
	},
}

// study is a memory file as the runner runs it: one job per size, seed,
// load and rule (stored once, retrieved in every mode), then one per
// capacity search.
type study struct {
	f    *File
	file string
	out  *Outcome // the layout: what each job is
}

// LoadJob is what a load job produced: one run per retrieval mode.
type LoadJob struct{ Runs []FileRun }

// Failure: a finished load did not fail (a fault stops the study).
func (*LoadJob) Failure() string { return "" }

// Failure: a finished capacity search did not fail.
func (*CapacityRun) Failure() string { return "" }

func (s *study) Manifest() output.Manifest {
	m := NewManifest(s.f)
	m.File = s.file
	return m
}

func (s *study) Describe() string {
	f := s.f
	nl, nc := f.Planned()
	what := fmt.Sprintf("memory study %q (%d runs: %d rules × %d modes × %d sizes × %d loads × %d seeds", f.Name,
		nl*len(f.Modes), len(f.Rules), len(f.Modes), len(f.Patterns.N), len(f.Loads()), f.Seeds)
	if nc > 0 {
		what += fmt.Sprintf("; %d capacity searches at ε = %g", nc, f.Capacity.Eps)
	}
	return what + ")"
}

func (s *study) Jobs() []string {
	nl, nc := s.f.Planned()
	names := make([]string, 0, nl+nc)
	for i := range nl {
		r := s.out.Runs[i*len(s.f.Modes)]
		names = append(names, fmt.Sprintf("%s n=%d M=%d seed %d", r.Rule, r.N, r.M, r.Seed))
	}
	for _, c := range s.out.Capacities {
		names = append(names, fmt.Sprintf("capacity %s %s n=%d seed %d", c.Rule, c.Mode, c.N, c.Seed))
	}
	return names
}

func (s *study) Workers() int { return 0 }

func (s *study) Run(ctx context.Context, i int, _ runner.Checkpoint) (runner.Result, bool, error) {
	if ctx.Err() != nil {
		return nil, false, nil
	}
	nl, _ := s.f.Planned()
	modes := len(s.f.Modes)
	if i < nl {
		j := &LoadJob{Runs: slices.Clone(s.out.Runs[i*modes : (i+1)*modes])}
		if err := s.f.runLoad(j.Runs); err != nil {
			return nil, false, err
		}
		return j, true, nil
	}
	c := s.out.Capacities[i-nl]
	if err := s.f.runCapacity(&c); err != nil {
		return nil, false, err
	}
	return &c, true, nil
}

func (s *study) NewResult(i int) runner.Result {
	if nl, _ := s.f.Planned(); i < nl {
		return new(LoadJob)
	}
	return new(CapacityRun)
}

// outcome gathers the runner's results into an Outcome, in job order.
func (s *study) outcome(m *output.Manifest, rs []runner.Result) *Outcome {
	o := &Outcome{File: s.f, Runs: slices.Clone(s.out.Runs), Capacities: slices.Clone(s.out.Capacities)}
	if m != nil {
		o.Workers, o.Start, o.End, o.Interrupted = m.Workers, m.Start, m.End, m.Interrupted
	}
	nl, _ := s.f.Planned()
	modes := len(s.f.Modes)
	for i, r := range rs {
		switch x := r.(type) {
		case *LoadJob:
			copy(o.Runs[i*modes:(i+1)*modes], x.Runs)
		case *CapacityRun:
			o.Capacities[i-nl] = *x
		}
	}
	return o
}

func (s *study) Write(dir string, m *output.Manifest, rs []runner.Result) error {
	return Write(dir, s.outcome(m, rs))
}

func (s *study) Print(w io.Writer, rs []runner.Result) {
	o := s.outcome(nil, rs)
	printRuns(w, o)
	for _, c := range o.Capacities {
		if c.Done {
			fmt.Fprintf(w, "capacity %-10s %-14s n=%-6d seed %-5d M_%g = %d (%.4f bit/synapse)\n", c.Rule, c.Mode, c.N, c.Seed, c.Eps, c.Capacity, c.BitsPerSynapse)
		}
	}
}

// printRuns prints the finished runs, averaged over seeds: one line per
// size, load, rule and mode.
func printRuns(w io.Writer, res *Outcome) {
	type key struct {
		n, M       int
		rule, mode string
	}
	var keys []key
	type acc struct{ seeds, eps, perfect, fp, bits float64 }
	sums := map[key]*acc{}
	for _, r := range res.Runs {
		if !r.Done {
			continue
		}
		k := key{r.N, r.M, r.Rule, r.Mode}
		a, ok := sums[k]
		if !ok {
			a = &acc{}
			sums[k] = a
			keys = append(keys, k)
		}
		a.seeds++
		a.eps += r.OutputNoise
		a.perfect += r.PerfectRecallFraction
		a.fp += r.FalseRate
		a.bits += r.BitsPerSynapse
	}
	slices.SortStableFunc(keys, func(a, b key) int { return cmp.Or(a.n-b.n, a.M-b.M) })
	fmt.Fprintf(w, "%-10s %-14s %6s %6s %5s %9s %9s %9s %9s   (means over seeds)\n", "rule", "mode", "n", "M", "seeds", "ε", "perfect", "false/fp", "bits/syn")
	for _, k := range keys {
		a := sums[k]
		fmt.Fprintf(w, "%-10s %-14s %6d %6d %5d %9.4f %9.3f %9.2e %9.4f\n", k.rule, k.mode, k.n, k.M, int(a.seeds), a.eps/a.seeds, a.perfect/a.seeds, a.fp/a.seeds, a.bits/a.seeds)
	}
}

// Records: every finished run, its rule as RULE/MODE, n, M and mode as
// parameters, its output noise as the headline metric.
func (s *study) Records(rs []runner.Result) []runner.Record {
	var recs []runner.Record
	for _, r := range s.outcome(nil, rs).Runs {
		if !r.Done {
			continue
		}
		recs = append(recs, runner.Record{Rule: r.Rule + "/" + r.Mode, Seed: r.Seed, Metric: "output_noise", Value: r.OutputNoise,
			WallSeconds: r.WallSeconds, Params: map[string]string{"n": strconv.Itoa(r.N), "patterns": strconv.Itoa(r.M), "mode": r.Mode}})
	}
	return recs
}
