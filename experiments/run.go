package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
)

// Stream returns a random stream derived from (seed, name): the ChaCha8 key
// is SHA-256 of both, so streams of different names or seeds are
// independent, whatever order runs execute in.
func Stream(seed int, name string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(name))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}

// MetricRow is one row of metrics.csv.
type MetricRow struct {
	Epoch  int     // learning updates done
	Trials int     // forward passes spent so far
	Loss   float64 // unperturbed loss before the update
}

// TraceRow is one row of traces.csv: the modulator after one update.
type TraceRow struct {
	Epoch, Trials             int
	Reward, Expectation, RPE  float64
	Dopamine, LearningRate    float64
	EligibilityRMS, WeightRMS float64
}

// predictionSteps is how much of the test segment predictions.csv shows.
const predictionSteps = 300

// Result is what one run (one rule, one seed) produced.
type Result struct {
	Rule              string
	Seed              int
	FinalLoss         float64 // NaN if diverged
	Solved            bool
	TrialsToCriterion int // -1 when not solved
	EpochsToCriterion int // -1 when not solved
	Trials, Epochs    int // spent in all
	Correct, Of       int
	TestNRMSE         float64 // one-step NRMSE on the test segment (forecasting)
	FreeRunNRMSE      float64 // closed-loop NRMSE (forecasting)
	ValidTimeLyapunov float64 // valid prediction time in Lyapunov times (lorenz)
	Prediction        task.Prediction
	WallSeconds       float64
	Err               string // why the run failed (divergence), "" if it did not
	Metrics           []MetricRow
	Traces            []TraceRow
	Done              bool // false if interrupted before it finished
}

// Job is one run to do.
type Job struct {
	Variant Variant
	Seed    int
	Trace   bool
}

// Jobs lists the runs of a plan, rule-major, in the order outputs list them.
func (p *Plan) Jobs() []Job {
	var jobs []Job
	for _, v := range p.Spec.Variants() {
		for i := range p.Spec.Seeds {
			jobs = append(jobs, Job{Variant: v, Seed: p.Spec.Seed + i, Trace: i < p.Spec.Record.TraceSeeds})
		}
	}
	return jobs
}

// Run trains every job on the plan's worker pool. done is called after
// each finished run (from the worker's goroutine, serialised). Results come
// back in job order; when ctx is cancelled, runs not finished have
// Done == false.
func (p *Plan) Run(ctx context.Context, done func(i int, r *Result)) []Result {
	jobs := p.Jobs()
	results := make([]Result, len(jobs))
	if err := p.prepare(); err != nil {
		for i, j := range jobs {
			results[i] = Result{Rule: j.Variant.Label, Seed: j.Seed, Err: err.Error(), Done: true}
		}
		return results
	}
	workers := p.Spec.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	idx := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				r := p.RunOne(ctx, jobs[i])
				results[i] = r
				if r.Done && done != nil {
					mu.Lock()
					done(i, &results[i])
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
	for i, j := range jobs {
		if !results[i].Done {
			results[i] = Result{Rule: j.Variant.Label, Seed: j.Seed}
		}
	}
	return results
}

// data is the series of a forecasting task, made once per plan.
type data struct {
	values     []float64 // samples × dim, row-major
	dim        int
	stepTime   float64 // time between samples
	lyapunov   float64 // largest Lyapunov exponent per unit time (0: unknown)
	convention string
}

// prepare makes the task's data (forecasting tasks) once.
func (p *Plan) prepare() error {
	if p.data != nil || p.Spec.Task == "xor" {
		return nil
	}
	f := p.Spec.Forecast
	n := f.TrainSteps + f.TestSteps
	switch p.Spec.Task {
	case "mackey_glass":
		s, err := series.MackeyGlass(p.Spec.MackeyGlass, n, uint64(p.Spec.DataSeed))
		if err != nil {
			return err
		}
		p.data = &data{values: s.X, dim: 1, stepTime: s.Params.SampleInterval, convention: s.Convention()}
	case "lorenz":
		s, err := series.Lorenz(p.Spec.Lorenz, n, uint64(p.Spec.DataSeed))
		if err != nil {
			return err
		}
		v := make([]float64, 0, 3*n)
		for i := range s.X {
			v = append(v, s.X[i], s.Y[i], s.Z[i])
		}
		p.data = &data{values: v, dim: 3, stepTime: s.Params.Dt * float64(s.Params.SampleEvery), lyapunov: LorenzLyapunov, convention: s.Convention()}
	}
	return nil
}

// LorenzLyapunov is the largest Lyapunov exponent of the Lorenz system at
// σ = 10, ρ = 28, β = 8/3 (per unit time), for valid prediction times.
const LorenzLyapunov = 0.906

// newTask returns a fresh task instance for one run.
func (p *Plan) newTask() (task.Task, error) {
	if p.Spec.Task == "xor" {
		return &task.XOR{}, nil
	}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	d := p.data
	return task.NewForecast(p.Spec.Task, p.Spec.Forecast, d.values, d.dim, d.stepTime, d.lyapunov)
}

// RunOne trains one run to the criterion or to the trial budget.
func (p *Plan) RunOne(ctx context.Context, j Job) Result {
	start := time.Now()
	res := Result{Rule: j.Variant.Label, Seed: j.Seed, TrialsToCriterion: -1, EpochsToCriterion: -1, TestNRMSE: math.NaN(),
		FreeRunNRMSE: math.NaN(), ValidTimeLyapunov: math.NaN(), FinalLoss: math.NaN()}
	c, err := p.Circuit.Build(Stream(j.Seed, "init"))
	if err != nil {
		res.Err, res.Done = err.Error(), true
		return res
	}
	t, err := p.newTask()
	if err == nil {
		err = t.Check(c)
	}
	if err != nil {
		res.Err, res.Done = err.Error(), true
		return res
	}
	// Keyed by rule name, not label: the rates of a sweep share their
	// perturbations (common random numbers), and a swept rate reproduces the
	// same rule run alone.
	rule, err := train.New(j.Variant.Rule, c, Stream(j.Seed, "rule/"+j.Variant.Rule.Name))
	if err != nil {
		res.Err, res.Done = err.Error(), true
		return res
	}
	taskRNG := Stream(j.Seed, "task")
	spec := &p.Spec
	epoch, trials := 0, 0
	for {
		if epoch%256 == 0 && ctx.Err() != nil {
			return res // interrupted: not Done
		}
		t.Next(taskRNG)
		loss, passes := rule.Measure(t)
		trials += passes
		if passes == 0 {
			loss = t.Loss(c) // monitoring only: not counted
		}
		last := trials >= spec.MaxTrials
		solved := spec.Criterion.LossBelow > 0 && loss < spec.Criterion.LossBelow
		if epoch%spec.Record.Every == 0 || last || solved || !finite(loss) {
			res.Metrics = append(res.Metrics, MetricRow{Epoch: epoch, Trials: trials, Loss: loss})
		}
		if !finite(loss) {
			res.Err = fmt.Sprintf("diverged: loss %g at update %d (trial %d)", loss, epoch, trials)
			break
		}
		if solved {
			res.Solved, res.TrialsToCriterion, res.EpochsToCriterion = true, trials, epoch
			break
		}
		if last {
			break
		}
		trials += rule.Learn(t)
		epoch++
		if j.Trace {
			tr := rule.Trace()
			e, w := rms(c, true), rms(c, false)
			res.Traces = append(res.Traces, TraceRow{Epoch: epoch, Trials: trials, Reward: tr.Reward, Expectation: tr.Expectation,
				RPE: tr.RPE, Dopamine: tr.Dopamine, LearningRate: tr.LearningRate, EligibilityRMS: e, WeightRMS: w})
		}
	}
	res.Trials, res.Epochs = trials, epoch
	ev := t.Evaluate(c)
	res.FinalLoss, res.Correct, res.Of, res.TestNRMSE = ev.Loss, ev.Correct, ev.Of, ev.TestNRMSE
	res.FreeRunNRMSE, res.ValidTimeLyapunov = math.NaN(), math.NaN()
	if v, ok := ev.Extra["free_run_nrmse"]; ok {
		res.FreeRunNRMSE = v
	}
	if v, ok := ev.Extra["valid_time_lyapunov"]; ok {
		res.ValidTimeLyapunov = v
	}
	if f, ok := t.(*task.Forecast); ok && j.Trace {
		res.Prediction = f.Predict(c, predictionSteps)
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.Done = true
	return res
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// rms returns the root mean square of the plastic eligibility traces
// (elig) or weights over the circuit.
func rms(c *circuits.Circuit, elig bool) float64 {
	s, n := 0.0, 0
	for _, l := range c.Links {
		if !l.Plastic {
			continue
		}
		v := l.W
		if elig {
			v = l.E
		}
		for _, x := range v {
			s += x * x
		}
		n += len(v)
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(s / float64(n))
}
