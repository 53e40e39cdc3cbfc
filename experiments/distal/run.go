package distal

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/pool"
)

// Result is what Run produced: one RunResult per condition and seed, in the
// order of Jobs.
type Result struct {
	Spec        *Spec
	Workers     int
	Start, End  time.Time
	Interrupted bool
	Runs        []RunResult
}

// RunResult is one run: a condition and a seed.
type RunResult struct {
	Condition string
	Reward    bool
	Seed      int
	Done      bool // false if the run was interrupted

	SimSeconds  float64 // wall time of the simulation loop
	WallSeconds float64 // wall time of the whole run (building, simulating, statistics)
	SpikesExc   int64
	SpikesInh   int64

	// The rewarded synapse: its pre and post neuron and its index in
	// Weights.
	Pre, Post int
	Index     int

	Rewards  int // rewards delivered
	Pairings int // pairings within the window (rewards scheduled, if rewarded)

	RewardedWeight     float64 // at the end
	RewardedWeightLast float64 // mean over the last record.last_s seconds
	Percentile         float64 // rank of RewardedWeight among the other excitatory weights (0–100)
	MeanOther          float64
	MedianOther        float64
	FracOtherAbove90   float64 // fraction of the others above 0.9·w_max

	// Weights are the excitatory weights at the end (exc→exc then
	// exc→inh, by presynaptic neuron), with their pre and post neurons
	// (inhibitory neurons numbered after the excitatory ones).
	Weights                         []float64
	WPre                            []int32
	WPost                           []int32
	Traces                          []TraceRow
	Probed                          []ProbedSynapse // record.probe, resolved in this run's network
	Probes                          []ProbeRow
	RasterFirst, RasterLast         []Spike
	RasterFirstFrom, RasterLastFrom int // the first step of each raster window
}

// Job is one run to do.
type Job struct {
	Condition Condition
	Seed      int
}

// Jobs lists the runs of a spec: for each condition (in file order), each
// seed.
func (s *Spec) Jobs() []Job {
	var jobs []Job
	for _, c := range s.Conditions {
		for i := range s.Seeds {
			jobs = append(jobs, Job{Condition: c, Seed: s.Seed + i})
		}
	}
	return jobs
}

// Run simulates every job on workers goroutines (0 means one per CPU),
// with no output directory (dopa run goes through the runner: RunKind).
// The results do not depend on workers: each run draws from its own
// random streams, derived from its seed. When ctx is cancelled, the runs
// under way stop within a simulated second; Run then returns the result
// with those runs (and the ones not started) marked not Done, together
// with ctx.Err(). An error building a network is returned at once.
func Run(ctx context.Context, spec *Spec, workers int) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	jobs := spec.Jobs()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Spec: spec, Workers: workers, Start: time.Now(), Runs: make([]RunResult, len(jobs))}
	errs := make([]error, len(jobs))
	pool.Run(ctx, len(jobs), workers, func(i int) {
		res.Runs[i], errs[i] = runOne(ctx, spec, jobs[i], runner.Checkpoint{})
	})
	res.End = time.Now()
	for i, j := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if !res.Runs[i].Done {
			res.Runs[i] = RunResult{Condition: j.Condition.Name, Reward: j.Condition.Reward, Seed: j.Seed}
			res.Interrupted = true
		}
	}
	if res.Interrupted {
		return res, ctx.Err()
	}
	return res, nil
}

// runOne builds and simulates one run, continuing from the checkpoint at
// ck.Path if there is one and saving one there every ck.Every and when
// ctx is cancelled (then the result is not Done).
func runOne(ctx context.Context, spec *Spec, j Job, ck runner.Checkpoint) (RunResult, error) {
	start := time.Now()
	r := RunResult{Condition: j.Condition.Name, Reward: j.Condition.Reward, Seed: j.Seed}
	s, err := newSim(spec, j.Seed, j.Condition.Reward)
	if err != nil {
		return r, err
	}
	save := func() error {
		x, err := s.state()
		if err != nil {
			return err
		}
		return saveGob(ck.Path, x)
	}
	if ck.Path != "" {
		var x simState
		found, err := loadGob(ck.Path, &x)
		if err == nil && found {
			err = s.setState(x)
		}
		if err != nil {
			return r, fmt.Errorf("%w: %s: %v", runner.ErrBadCheckpoint, ck.Path, err)
		}
	}
	simStart, last := time.Now(), time.Now()
	for s.n < s.steps {
		if s.n%1000 == 0 {
			if ctx.Err() != nil {
				if ck.Path != "" {
					return r, save()
				}
				return r, nil
			}
			if ck.Path != "" && time.Since(last) >= ck.Every {
				last = time.Now()
				if err := save(); err != nil {
					return r, err
				}
			}
		}
		s.step()
	}
	r.SimSeconds = time.Since(simStart).Seconds()
	s.finish()
	s.summarize(&r)
	r.Done = true
	r.WallSeconds = time.Since(start).Seconds()
	return r, nil
}

// summarize fills the statistics of a finished run.
func (s *sim) summarize(r *RunResult) {
	ne := s.spec.Network.NExc
	r.SpikesExc, r.SpikesInh = s.spikesE, s.spikesI
	r.Pre, r.Post, r.Index = int(s.preR), int(s.postR), int(s.kR)
	r.Rewards, r.Pairings = s.rewards, s.pairings
	n := s.EE.Len()
	if s.EI != nil {
		n += s.EI.Len()
	}
	r.Weights = make([]float64, 0, n)
	r.WPre = make([]int32, 0, n)
	r.WPost = make([]int32, 0, n)
	add := func(w []float64, rowPtr, post []int32, offset int32) {
		for j := 0; j+1 < len(rowPtr); j++ {
			for k := rowPtr[j]; k < rowPtr[j+1]; k++ {
				r.Weights = append(r.Weights, w[k])
				r.WPre = append(r.WPre, int32(j))
				r.WPost = append(r.WPost, post[k]+offset)
			}
		}
	}
	add(s.EE.W, s.EE.RowPtr, s.EE.Post, 0)
	if s.EI != nil {
		add(s.EI.W, s.EI.RowPtr, s.EI.Post, int32(ne))
	}
	r.RewardedWeight = r.Weights[r.Index]
	r.RewardedWeightLast = r.RewardedWeight
	if s.lastN > 0 {
		r.RewardedWeightLast = s.lastSum / float64(s.lastN)
	}
	others := make([]float64, 0, len(r.Weights)-1)
	others = append(others, r.Weights[:r.Index]...)
	others = append(others, r.Weights[r.Index+1:]...)
	st := otherStats(others, r.RewardedWeight, s.wMax)
	r.Percentile, r.MeanOther, r.MedianOther, r.FracOtherAbove90 = st.percentile, st.mean, st.median, st.above90
	r.Traces = s.traces
	for _, p := range s.probes {
		r.Probed = append(r.Probed, p.syn)
	}
	r.Probes = s.probeRows
	r.RasterFirst, r.RasterLast = s.rasterFirst, s.rasterLast
	r.RasterFirstFrom = 1
	r.RasterLastFrom = max(s.steps-s.rasterMs+1, s.rasterMs+1)
}

type otherWeights struct{ percentile, mean, median, above90 float64 }

// otherStats returns the statistics of the other weights: the mid-rank
// percentile of w among them (100·(#below + #equal/2)/n), their mean, their
// median (the mean of the two middle values for an even count) and the
// fraction above 0.9·wMax.
func otherStats(others []float64, w, wMax float64) otherWeights {
	var st otherWeights
	if len(others) == 0 {
		return st
	}
	sorted := slices.Clone(others)
	slices.Sort(sorted)
	below, equal, above, sum := 0, 0, 0, 0.0
	for _, x := range sorted {
		sum += x
		switch {
		case x < w:
			below++
		case x == w:
			equal++
		}
		if x > 0.9*wMax {
			above++
		}
	}
	n := float64(len(sorted))
	st.percentile = 100 * (float64(below) + 0.5*float64(equal)) / n
	st.mean = sum / n
	m := len(sorted) / 2
	if len(sorted)%2 == 1 {
		st.median = sorted[m]
	} else {
		st.median = (sorted[m-1] + sorted[m]) / 2
	}
	st.above90 = float64(above) / n
	return st
}
