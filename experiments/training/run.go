package training

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/raster"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
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

// DiagnosticRow is one row of diagnostics.csv: a named measure of the task
// or the rule after update Epoch.
type DiagnosticRow struct {
	Epoch, Trials int
	Name          string
	Value         float64
}

// TraceRow is one row of traces.csv: the modulator after one update.
type TraceRow struct {
	Epoch, Trials             int
	Reward, Expectation, RPE  float64
	Dopamine, LearningRate    float64
	EligibilityRMS, WeightRMS float64
}

// EligibilityRow is one recorded update of one watched synapse
// (record.synapse): its eligibility trace and learning signal at every
// step of the first sequence of the update's batch (eligibility.csv).
type EligibilityRow struct {
	Epoch, Trials int
	Synapse       int // index in record.synapse
	Elig, Signal  []float64
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
	for _, l := range c.Feedback { // a credit rule's feedback synapses ("LINK/feedback")
		snaps = append(snaps, WeightSnapshot{When: when, Projection: l.Name, NPre: l.NPre, NPost: l.NPost, W: append([]float64(nil), l.W...)})
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
	// Values holds the task's declared metrics (task.Def.Metrics) by name,
	// NaN where the run has none.
	Values      map[string]float64
	Prediction  task.Prediction  // forecasting tasks, traced runs
	Weights     []WeightSnapshot // traced runs: plastic weights before and after training
	WallSeconds float64
	Err         string // why the run failed, "" if it did not
	Diverged    bool   // Err is a divergence (a result, not a failure)
	Metrics     []MetricRow
	Traces      []TraceRow
	Diagnostics []DiagnosticRow
	Eligibility []EligibilityRow // traced seeds of a rule that records them (train.Watcher)
	Done        bool             // false if interrupted before it finished
	// Spiking circuits only (else SpikeCount is -1): the spikes of every
	// spiking population over the run's training loop and evaluation, and
	// that loop's wall time (construction excluded).
	SpikeCount int64
	SimSeconds float64
	Rasters    []raster.Raster // one trial per pattern before and after learning (traced xor seeds)
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

// prepare makes the task's shared data once.
func (p *Plan) prepare() error {
	if p.maker != nil {
		return nil
	}
	m, err := p.task.Prepare(p.Spec.Params)
	if err != nil {
		return err
	}
	p.maker = m
	return nil
}

// newTask returns a fresh task instance for one run.
func (p *Plan) newTask() (task.Task, error) {
	if err := p.prepare(); err != nil {
		return nil, err
	}
	return p.maker()
}

// Run is what one run of a plan trains, built from its seed as every run
// is: the circuit from stream "init", the task (its data made once per
// plan) checked against it, the rule from its registered stream
// (train.Def.Stream) — keyed by the rule, not by the entry's label: the
// rates of a sweep and the labelled entries of one rule share their
// perturbations (common random numbers), a swept rate reproduces the same
// rule run alone, and renaming a rule keeps its numbers — and the
// generators of the rule's and the task's streams (checkpoints save them).
type Run struct {
	Circuit          *circuits.Circuit
	Task             task.Task
	Rule             train.Rule
	RuleSrc, TaskSrc *rng.Source
}

// TaskRand is the random stream the training loop draws the task's
// batches from.
func (r Run) TaskRand() *rand.Rand { return rand.New(r.TaskSrc) }

// NewRun builds run seed of rule variant v.
func (p *Plan) NewRun(v Variant, seed int) (Run, error) {
	c, err := p.Circuit.Build(Stream(seed, "init"))
	if err != nil {
		return Run{}, err
	}
	t, err := p.newTask()
	if err == nil {
		err = t.Check(c)
	}
	if err != nil {
		return Run{}, err
	}
	stream, ok := train.StreamOf(v.Rule.Name)
	if !ok {
		return Run{}, errors.New(train.UnknownRule(v.Rule.Name))
	}
	r := Run{Circuit: c, Task: t, RuleSrc: rng.NewSource(uint64(seed), stream), TaskSrc: rng.NewSource(uint64(seed), "task")}
	if r.Rule, err = train.New(v.Rule, c, rand.New(r.RuleSrc)); err != nil {
		return Run{}, err
	}
	return r, nil
}

// RunOne trains one run to the criterion or to the trial budget.
func (p *Plan) RunOne(ctx context.Context, j Job) Result {
	r, _ := p.runOne(ctx, runner.Checkpoint{}, j)
	return r
}

// runOne is RunOne with a checkpoint: a rate circuit's run saves its state
// at ck.Path every ck.Every and when interrupted, and continues from the
// saved state when it finds one. A checkpoint that cannot be read back is
// an error (runner.ErrBadCheckpoint).
func (p *Plan) runOne(ctx context.Context, ck runner.Checkpoint, j Job) (Result, error) {
	start := time.Now()
	res := Result{Rule: j.Variant.Label, Seed: j.Seed, TrialsToCriterion: -1, EpochsToCriterion: -1, FinalLoss: math.NaN(), SpikeCount: -1}
	run, err := p.NewRun(j.Variant, j.Seed)
	if err != nil {
		res.Err, res.Done = err.Error(), true
		return res, nil
	}
	c, t, rule, ruleSrc, taskSrc := run.Circuit, run.Task, run.Rule, run.RuleSrc, run.TaskSrc
	cp := newCheckpointer(ck, c, t, rule, ruleSrc, taskSrc)
	from, resumed, err := cp.restore(&res)
	if err != nil {
		return res, fmt.Errorf("%w: %v", runner.ErrBadCheckpoint, err)
	}
	weights := j.Trace && p.Spec.Record.Weights
	if weights && !resumed {
		res.Weights = snapshot(res.Weights, "start", c)
	}
	if c.Spiking() && j.Trace {
		res.Rasters = append(res.Rasters, xorRaster(c, t, "before"))
	}
	watcher, err := p.watch(j, c, rule)
	if err != nil {
		res.Err, res.Done = err.Error(), true
		return res, nil
	}
	spikes0, simStart := c.SpikeCount, time.Now()
	testSolved := -1 // the update after which the test error met criterion.test_error_below
	hooks := train.Hooks{Every: p.Spec.Record.Every, From: from, Loss: func(epoch, trials int, loss float64) {
		res.Metrics = append(res.Metrics, MetricRow{Epoch: epoch, Trials: trials, Loss: loss})
	}}
	hooks.Update = func(epoch, trials int) {
		if j.Trace {
			tr := rule.Trace()
			e, w := c.PlasticRMS(true), c.PlasticRMS(false)
			res.Traces = append(res.Traces, TraceRow{Epoch: epoch, Trials: trials, Reward: tr.Reward, Expectation: tr.Expectation,
				RPE: tr.RPE, Dopamine: tr.Dopamine, LearningRate: tr.LearningRate, EligibilityRMS: e, WeightRMS: w})
		}
		if d := p.Spec.Record.DiagnosticsEvery; d > 0 && epoch%d == 0 {
			n := len(res.Diagnostics)
			res.Diagnostics = diagnose(res.Diagnostics, epoch, trials, rule, c, t)
			for _, r := range res.Diagnostics[n:] {
				if r.Name == "test_error" && r.Value < p.Spec.Criterion.TestErrorBelow {
					testSolved = epoch
				}
			}
		}
		if watcher != nil && (epoch == 1 || epoch%p.Spec.Record.SynapsesEvery == 0) {
			elig, sig := watcher.Watched()
			for i := range elig {
				res.Eligibility = append(res.Eligibility, EligibilityRow{Epoch: epoch, Trials: trials, Synapse: i,
					Elig: slices.Clone(elig[i]), Signal: slices.Clone(sig[i])})
			}
		}
		cp.maybeSave(train.Outcome{Epochs: epoch, Trials: trials}, &res, false)
	}
	if p.Spec.Criterion.TestErrorBelow > 0 {
		hooks.Solved = func(epoch int) bool { return testSolved == epoch }
	}
	budget := train.Budget{MaxTrials: p.Spec.MaxTrials, LossBelow: p.Spec.Criterion.LossBelow}
	o := train.Loop(ctx, rule, c, t, rand.New(taskSrc), budget, hooks)
	if o.Interrupted {
		cp.maybeSave(o, &res, true)
		return res, nil // not Done
	}
	res.Trials, res.Epochs, res.Err, res.Diverged = o.Trials, o.Epochs, o.Err, o.Err != ""
	if o.Solved {
		res.Solved, res.TrialsToCriterion, res.EpochsToCriterion = true, o.Trials, o.Epochs
	}
	if d := p.Spec.Record.DiagnosticsEvery; d > 0 && o.Epochs%d != 0 {
		res.Diagnostics = diagnose(res.Diagnostics, o.Epochs, o.Trials, rule, c, t)
	}
	ev := t.Evaluate(c)
	res.FinalLoss, res.Values = ev.Loss, map[string]float64{}
	for _, m := range p.task.Metrics {
		v, ok := ev.Metrics[m.Name]
		if !ok || res.Diverged {
			// A diverged circuit's measures mean nothing (an argmax of
			// NaN outputs "classifies" 90 % of MNIST wrong, not 100 %):
			// none, counted as the worst in the medians.
			v = math.NaN()
		}
		res.Values[m.Name] = v
	}
	if res.Diverged {
		res.FinalLoss = math.NaN()
	}
	if c.Spiking() {
		res.SpikeCount, res.SimSeconds = c.SpikeCount-spikes0, time.Since(simStart).Seconds()
		if j.Trace {
			res.Rasters = append(res.Rasters, xorRaster(c, t, "after"))
		}
	}
	if weights {
		res.Weights = snapshot(res.Weights, "end", c)
	}
	if f, ok := t.(task.Predictor); ok && j.Trace {
		res.Prediction = f.Predict(c, predictionSteps)
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.Done = true
	return res, nil
}

// xorRaster records one trial of each XOR pattern, back to back (for
// other tasks, nothing). The circuit's spike counter is left as it was.
func xorRaster(c *circuits.Circuit, t task.Task, label string) raster.Raster {
	r := raster.New(c, label)
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
			r.Record(c)
		}
	}
	c.Reset()
	c.SpikeCount = n
	return r
}

// watch makes a traced run's rule record the synapses of
// [[record.synapse]], if it can (train.Watcher); nil when there is
// nothing to record.
func (p *Plan) watch(j Job, c *circuits.Circuit, rule train.Rule) (train.Watcher, error) {
	ws := p.Spec.Record.Synapses
	w, ok := rule.(train.Watcher)
	if !j.Trace || len(ws) == 0 || !ok {
		return nil, nil
	}
	var watch []train.Watch
	for i, s := range ws {
		k := slices.IndexFunc(c.Links, func(l circuits.Link) bool { return l.Name == s.Projection })
		if k < 0 {
			return nil, fmt.Errorf("record.synapse[%d]: circuit %q has no dense projection %q", i, c.Name, s.Projection)
		}
		watch = append(watch, train.Watch{Link: k, Pre: s.Pre, Post: s.Post})
	}
	if err := w.Watch(watch); err != nil {
		return nil, fmt.Errorf("record.synapse: %w", err)
	}
	return w, nil
}

// diagnose appends the task's held-out measures and the rule's own after
// update epoch.
func diagnose(rows []DiagnosticRow, epoch, trials int, r train.Rule, c *circuits.Circuit, t task.Task) []DiagnosticRow {
	var vs []task.Value
	if m, ok := t.(task.Monitor); ok {
		vs = append(vs, m.Monitor(c)...)
	}
	vs = append(vs, train.Diagnostics(r, c, t)...)
	for _, v := range vs {
		rows = append(rows, DiagnosticRow{Epoch: epoch, Trials: trials, Name: v.Name, Value: v.Value})
	}
	return rows
}
