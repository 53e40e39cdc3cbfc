package experiments

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/pool"
	"github.com/dopa-sim/dopa/internal/rng"
)

// Stream returns the random stream named name of a seed (see
// internal/rng): streams of different names or seeds are independent,
// whatever order runs execute in.
func Stream(seed int, name string) *rand.Rand { return rng.Stream(uint64(seed), name) }

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

// WeightSnapshot is a copy of the synapses (weights, then biases) of one
// plastic projection at one moment of a run.
type WeightSnapshot struct {
	When       string // "start" or "end"
	Projection string
	NPre       int
	NPost      int
	W          []float64 // synapse.Dense layout: weights row-major (post × pre), then biases
}

// snapshot appends copies of every plastic projection's synapses.
func snapshot(snaps []WeightSnapshot, when string, c *circuits.Circuit) []WeightSnapshot {
	for _, l := range c.Links {
		if l.Plastic {
			snaps = append(snaps, WeightSnapshot{When: when, Projection: l.Name, NPre: l.NPre, NPost: l.NPost, W: append([]float64(nil), l.W...)})
		}
	}
	return snaps
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
	Weights           []WeightSnapshot // traced runs: plastic weights before and after training
	WallSeconds       float64
	Err               string // why the run failed (divergence), "" if it did not
	Metrics           []MetricRow
	Traces            []TraceRow
	Done              bool // false if interrupted before it finished
	// Spiking circuits only (else SpikeCount is -1): the spikes of every
	// spiking population over the run's training loop and evaluation, and
	// that loop's wall time (construction excluded).
	SpikeCount int64
	SimSeconds float64
	Rasters    []Raster // one trial per pattern before and after learning (traced xor seeds)
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
	var mu sync.Mutex
	pool.Run(ctx, len(jobs), p.Spec.Workers, func(i int) {
		r := p.RunOne(ctx, jobs[i])
		results[i] = r
		if r.Done && done != nil {
			mu.Lock()
			done(i, &results[i])
			mu.Unlock()
		}
	})
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
		FreeRunNRMSE: math.NaN(), ValidTimeLyapunov: math.NaN(), FinalLoss: math.NaN(), SpikeCount: -1}
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
	if j.Trace {
		res.Weights = snapshot(res.Weights, "start", c)
	}
	taskRNG := Stream(j.Seed, "task")
	if c.Spiking() && j.Trace {
		res.Rasters = append(res.Rasters, xorRaster(c, t, "before"))
	}
	spikes0, simStart := c.SpikeCount, time.Now()
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
	if c.Spiking() {
		res.SpikeCount, res.SimSeconds = c.SpikeCount-spikes0, time.Since(simStart).Seconds()
		if j.Trace {
			res.Rasters = append(res.Rasters, xorRaster(c, t, "after"))
		}
	}
	if j.Trace {
		res.Weights = snapshot(res.Weights, "end", c)
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

// Spike is one spike of a recorded simulation.
type Spike struct {
	Step   int32
	Pop    int32 // population index
	Neuron int32
}

// Raster is the spikes of a stretch of simulation, for rasters.
type Raster struct {
	Label    string   // "before", "after", or "" for a simulation
	Steps    int      // steps recorded
	DtMs     float64  // step
	PopNames []string // populations, in circuit order
	PopSizes []int
	Marks    []int    // steps where a new trial starts (0 included), if any
	Inputs   []string // the input of each marked trial ("0,1")
	Spikes   []Spike
}

func newRaster(c *circuits.Circuit, label string) Raster {
	r := Raster{Label: label, DtMs: c.DtMs, PopNames: c.PopNames}
	for _, p := range c.Pops {
		r.PopSizes = append(r.PopSizes, p.Len())
	}
	return r
}

// record appends the spikes of the circuit's last step as step r.Steps.
func (r *Raster) record(c *circuits.Circuit) {
	for p := range c.Pops {
		for _, i := range c.SpikesOf(p) {
			r.Spikes = append(r.Spikes, Spike{Step: int32(r.Steps), Pop: int32(p), Neuron: i})
		}
	}
	r.Steps++
}

// xorRaster records one trial of each XOR pattern, back to back (for
// other tasks, nothing). The circuit's spike counter is left as it was.
func xorRaster(c *circuits.Circuit, t task.Task, label string) Raster {
	r := newRaster(c, label)
	if _, ok := t.(*task.XOR); !ok {
		return r
	}
	n := c.SpikeCount
	for _, x := range task.XORInputs {
		r.Marks = append(r.Marks, r.Steps)
		r.Inputs = append(r.Inputs, fmt.Sprintf("%g,%g", x[0], x[1]))
		c.Reset()
		for range c.StepsPerTrial {
			c.Step(x[:])
			r.record(c)
		}
	}
	c.Reset()
	c.SpikeCount = n
	return r
}

// Simulation is what a circuit run without learning (task "simulate")
// produced.
type Simulation struct {
	Seed       int
	Steps      int
	SpikeCount int64   // spikes of every population over the simulation
	SimSeconds float64 // wall time of the simulation loop (construction excluded)
	Raster     Raster
	// States are the [[record]] monitors: Columns[k] names column k
	// ("exc.v.0"), States[t*len(Columns)+k] its value after step t.
	Columns []string
	States  []float64
	Done    bool // false if interrupted
}

// Simulate builds the circuit of a task = "simulate" spec from seed's
// "init" stream and runs it for duration_ms without input, recording every
// spike and the [[record]] monitors. When ctx is cancelled it stops early
// and keeps what it simulated (Done false).
func Simulate(ctx context.Context, cs *circuits.Spec, seed int) (*Simulation, error) {
	c, err := cs.Build(Stream(seed, "init"))
	if err != nil {
		return nil, err
	}
	steps := int(math.Round(cs.DurationMs / cs.DtMs))
	sim := &Simulation{Seed: seed, Raster: newRaster(c, "")}
	type mon struct {
		v       []float64
		neurons []int
	}
	var mons []mon
	idx := map[string]int{}
	for i, n := range c.PopNames {
		idx[n] = i
	}
	for _, r := range cs.Record {
		mons = append(mons, mon{c.Variable(idx[r.Population], r.Variable), r.Neurons})
		for _, n := range r.Neurons {
			sim.Columns = append(sim.Columns, fmt.Sprintf("%s.%s.%d", r.Population, r.Variable, n))
		}
	}
	sim.States = make([]float64, 0, steps*len(sim.Columns))
	sim.Raster.Spikes = make([]Spike, 0, 1024)
	var x []float64
	if c.In >= 0 {
		x = make([]float64, c.Pops[c.In].Len())
	}
	n0 := c.SpikeCount
	start := time.Now()
	for t := range steps {
		if t%1024 == 0 && ctx.Err() != nil {
			break
		}
		c.Step(x)
		sim.Raster.record(c)
		for _, m := range mons {
			for _, n := range m.neurons {
				sim.States = append(sim.States, m.v[n])
			}
		}
	}
	sim.SimSeconds = time.Since(start).Seconds()
	sim.Steps, sim.SpikeCount = sim.Raster.Steps, c.SpikeCount-n0
	sim.Done = sim.Steps == steps
	return sim, nil
}
