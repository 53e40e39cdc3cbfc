package memory

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/dopa-sim/dopa/internal/pool"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// FileRun is one run of a study: a size, seed, load, rule and mode.
type FileRun struct {
	N    int // units
	K    int // expected active units of the content, k̂
	Seed int
	M    int // stored patterns
	Rule string
	Mode string
	Done bool // false if the study was interrupted before this run
	Result
	// FalseRateExact and FalseRateClassical are the exact expectation of
	// the false-positive rate and the classical approximation p₁^z, where
	// they apply (WillshawFalsePositive: Willshaw, one step without ANE,
	// threshold, fixed-k auto-association, deletion-only exact queries);
	// NaN elsewhere.
	FalseRateExact, FalseRateClassical float64
	WallSeconds                        float64 // storing (shared by the modes of a rule) and retrieving
}

// CapacityRun is the capacity M_ε of one rule and mode at one size and seed.
type CapacityRun struct {
	N, K        int
	Seed        int
	Rule        string
	Mode        string
	Done        bool
	Eps         float64
	Capacity    int // M_ε
	Result          // the measures at M_ε (M = 0: at no load)
	WallSeconds float64
}

// Outcome is what RunFile produced, in the order of its jobs: runs by
// size, seed, load, rule and mode; capacities by size, seed, rule and mode.
type Outcome struct {
	File        *File
	Workers     int
	Start, End  time.Time
	Interrupted bool
	Runs        []FileRun
	Capacities  []CapacityRun
}

// Planned returns the number of jobs: one per size, seed, load and rule
// (storing once, retrieving in every mode), and one per capacity search.
func (f *File) Planned() (loadJobs, capJobs int) {
	loadJobs = len(f.Patterns.N) * f.Seeds * len(f.Loads()) * len(f.Rules)
	if f.Capacity.Eps > 0 {
		capJobs = len(f.Patterns.N) * f.Seeds * len(f.Rules) * len(f.Modes)
	}
	return loadJobs, capJobs
}

// layout returns the outcome of a study before any job ran: every run and
// capacity search laid out (not Done), so that unfinished ones still say
// what they were.
func (f *File) layout() *Outcome {
	loads := f.Loads()
	nl, nc := f.Planned()
	out := &Outcome{File: f, Runs: make([]FileRun, nl*len(f.Modes)), Capacities: make([]CapacityRun, nc)}
	i, j := 0, 0
	for _, n := range f.Patterns.N {
		for s := range f.Seeds {
			for _, M := range loads {
				for _, rule := range f.Rules {
					for _, md := range f.Modes {
						cfg := f.Config(n, rule, md, M)
						out.Runs[i] = FileRun{N: n, K: cfg.content().Active(), Seed: f.Seed + s, M: M, Rule: rule.String(), Mode: md.Name,
							FalseRateExact: math.NaN(), FalseRateClassical: math.NaN()}
						i++
					}
				}
			}
			if nc > 0 {
				for _, rule := range f.Rules {
					for _, md := range f.Modes {
						cfg := f.Config(n, rule, md, 1)
						out.Capacities[j] = CapacityRun{N: n, K: cfg.content().Active(), Seed: f.Seed + s, Rule: rule.String(), Mode: md.Name, Eps: f.Capacity.Eps}
						j++
					}
				}
			}
		}
	}
	return out
}

// RunFile runs every job of the study on workers goroutines (0: one per
// CPU), with no output directory (dopa run goes through the runner:
// RunKind); done (if not nil) is called after each job, from any
// goroutine. Results do not depend on workers: every run draws from the
// streams of its seed (Run). When ctx is cancelled no further job starts;
// RunFile returns the outcome with the unfinished runs marked not Done,
// together with ctx.Err(). A configuration error is returned at once.
func RunFile(ctx context.Context, f *File, workers int, done func()) (*Outcome, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := f.layout()
	out.Workers, out.Start = workers, time.Now()
	nl, nc := f.Planned()
	errs := make([]error, nl+nc)
	pool.Run(ctx, nl+nc, workers, func(job int) {
		errs[job] = f.runJob(out, job)
		if done != nil {
			done()
		}
	})
	out.End = time.Now()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out.Interrupted = !out.complete()
	if out.Interrupted {
		return out, ctx.Err()
	}
	return out, nil
}

// runJob does job i of a laid-out outcome: a load (stored once, retrieved
// in every mode) or a capacity search.
func (f *File) runJob(out *Outcome, i int) error {
	nl, _ := f.Planned()
	if i < nl {
		return f.runLoad(out.Runs[i*len(f.Modes) : (i+1)*len(f.Modes)])
	}
	return f.runCapacity(&out.Capacities[i-nl])
}

// complete reports whether every run and capacity search finished.
func (o *Outcome) complete() bool {
	for _, r := range o.Runs {
		if !r.Done {
			return false
		}
	}
	for _, c := range o.Capacities {
		if !c.Done {
			return false
		}
	}
	return true
}

// rule returns the rule of a name.
func ruleOf(name string) synapse.MemoryRule {
	var r synapse.MemoryRule
	_ = r.UnmarshalText([]byte(name))
	return r
}

// mode returns the mode of a name.
func (f *File) mode(name string) FileMode {
	for _, m := range f.Modes {
		if m.Name == name {
			return m
		}
	}
	return FileMode{}
}

// runLoad stores the patterns of one size, seed, load and rule once and
// retrieves them in every mode (runs, laid out by RunFile).
func (f *File) runLoad(runs []FileRun) error {
	start := time.Now()
	r0 := runs[0]
	cfg := f.Config(r0.N, ruleOf(r0.Rule), f.mode(r0.Mode), r0.M)
	mem, err := Store(cfg, uint64(r0.Seed))
	if err != nil {
		return fmt.Errorf("%s n=%d M=%d seed %d: %w", r0.Rule, r0.N, r0.M, r0.Seed, err)
	}
	storeTime := time.Since(start).Seconds() / float64(len(runs))
	for i := range runs {
		t0 := time.Now()
		md := f.mode(runs[i].Mode)
		mem.Steps, mem.UntilStable, mem.ANE = md.Steps, md.UntilStable, md.ANE
		res, err := mem.Measure(uint64(r0.Seed))
		if err != nil {
			return fmt.Errorf("%s %s n=%d M=%d seed %d: %w", r0.Rule, md.Name, r0.N, r0.M, r0.Seed, err)
		}
		res.Epsilon = nil
		runs[i].Result = res
		if z, ok := f.exactApplies(mem.Config); ok {
			runs[i].FalseRateExact, runs[i].FalseRateClassical = WillshawFalsePositive(r0.N, mem.Patterns.K, r0.M, z)
		}
		runs[i].WallSeconds = storeTime + time.Since(t0).Seconds()
		runs[i].Done = true
	}
	return nil
}

// exactApplies reports whether WillshawFalsePositive gives the expected
// false-positive rate of a run, and for how many correct query units.
func (f *File) exactApplies(c Config) (z int, ok bool) {
	if c.Rule != synapse.Willshaw || c.Patterns.Kind != FixedK || c.Hetero || !c.Query.Exact || c.Query.P10 != 0 ||
		c.Steps != 1 || c.ANE || c.Activation != neuron.ThresholdActivation || c.NoSelf {
		return 0, false
	}
	z = c.Patterns.K - int(c.Query.P01*float64(c.Patterns.K)+0.5)
	return z, z >= 1
}

// runCapacity finds M_ε of one rule and mode at one size and seed.
func (f *File) runCapacity(c *CapacityRun) error {
	start := time.Now()
	cfg := f.Config(c.N, ruleOf(c.Rule), f.mode(c.Mode), 1)
	M, res, err := Capacity(cfg, uint64(c.Seed), f.Capacity.Eps, f.Capacity.MaxM)
	if err != nil {
		return fmt.Errorf("capacity of %s %s n=%d seed %d: %w", c.Rule, c.Mode, c.N, c.Seed, err)
	}
	res.Epsilon = nil
	c.Capacity, c.Result = M, res
	c.WallSeconds = time.Since(start).Seconds()
	c.Done = true
	return nil
}
