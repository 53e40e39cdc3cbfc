package task

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
)

// evidenceDef registers evidence accumulation (Bellec et al. 2020, after
// Morcos & Harvey 2016; NEST's eprop_supervised_classification example):
// cues on the left or the right, then a delay, then a recall cue; the
// answer is the side that had more cues.
var evidenceDef = Def{
	Name:     "evidence",
	Doc:      "evidence accumulation (Bellec et al. 2020; NEST's e-prop classification example): 7 cues, each left or right, spaced in time, a background delay, then a recall cue; the readout (2 units) must tell the side of the majority; loss the cross-entropy of the softmax over the recall window",
	Defaults: func() Params { return EvidenceParams{}.Defaults() },
	Prepare:  prepareEvidence,
	Metrics: []Metric{
		{Name: "test_error", Label: "median test error", Quartiles: true},
	},
	Headline: "test_error",
	Note:     "test_error = fraction of the test sequences whose decision (the unit with the larger mean softmax over the recall window) is wrong; final_loss = cross-entropy averaged over the recall window and the last batch",
	Alone:    Budget{MaxTrials: 500},
}

// EvidenceParams are the keys of task evidence. The input population has
// four equal groups: left cues, right cues, recall, background noise.
type EvidenceParams struct {
	// DataSeed seeds the test sequences (the same for every run).
	DataSeed int `toml:"data_seed" check:"[0,2147483647]"`
	// BatchSize is the number of sequences per update, in [1, 1024].
	BatchSize int `toml:"batch_size" check:"[1,1024]"`
	// TestTrials is the number of test sequences, in [1, 100 000].
	TestTrials int `toml:"test_trials" check:"[1,100000]"`
	// Cues is the number of cues per sequence, odd, in [1, 99].
	Cues int `toml:"cues" check:"[1,99]"`
	// CueSteps and SpacingSteps are a cue's length and the pause before
	// it, in steps (≥ 1, ≥ 0).
	CueSteps     int `toml:"cue_steps" check:"[1,100000]"`
	SpacingSteps int `toml:"spacing_steps" check:"[0,100000]"`
	// DelaySteps is the delay after the last cue, in steps (≥ 0).
	DelaySteps int `toml:"delay_steps" check:"[0,1000000]"`
	// RecallSteps is the recall window at the end, in steps (≥ 1).
	RecallSteps int `toml:"recall_steps" check:"[1,100000]"`
	// Inputs (input_size) is the size of the input population, a multiple of 4 in
	// [4, 10 000].
	Inputs int `toml:"input_size" check:"[4,10000]"`
	// RateHz is the rate of an active group (a cue, the recall), Hz; the
	// background group fires at RateHz/4 throughout. In [0, 1e6].
	RateHz float64 `toml:"rate_hz" check:"[0,1e6]"`
	// ProbGroup is the probability of the minority side for each cue:
	// each sequence picks a side that gets cues with 1 − ProbGroup. In
	// [0, 0.5].
	ProbGroup float64 `toml:"prob_group" check:"[0,0.5]"`
}

// Defaults returns NEST's example: batches of 32, 7 cues of 100 steps
// after 50-step pauses, a 1050-step delay and a 150-step recall (2250
// steps), 40 inputs, 40 Hz (at dt = 1 ms, NEST's spike_prob 0.04),
// minority probability 0.3, 128 test sequences (NEST tests 4 batches of 32).
func (EvidenceParams) Defaults() EvidenceParams {
	return EvidenceParams{BatchSize: 32, TestTrials: 128, Cues: 7, CueSteps: 100, SpacingSteps: 50, DelaySteps: 1050,
		RecallSteps: 150, Inputs: 40, RateHz: 40, ProbGroup: 0.3}
}

// Steps returns the length of a sequence.
func (p EvidenceParams) Steps() int {
	return p.Cues*(p.CueSteps+p.SpacingSteps) + p.DelaySteps + p.RecallSteps
}

// Validate checks the keys' ranges and bounds the data's size.
func (p EvidenceParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.Cues%2 == 0 {
		return param.New(fmt.Sprintf("must be odd (a majority), got %d", p.Cues), "cues")
	}
	if p.Inputs%4 != 0 {
		return param.New(fmt.Sprintf("must be a multiple of 4 (left, right, recall, noise), got %d", p.Inputs), "input_size")
	}
	if n := int64(max(p.BatchSize, p.TestTrials)) * int64(p.Steps()) * int64(p.Inputs); n > 1_000_000_000 {
		return param.New(fmt.Sprintf("max(batch_size, test_trials) × steps × input_size = %d input bits, more than 1e9", n), "test_trials")
	}
	return nil
}

func prepareEvidence(pp Params) (Maker, error) {
	p := pp.(EvidenceParams)
	return func() (Task, error) { return &Evidence{p: p, T: p.Steps()}, nil }, nil
}

// Evidence is the evidence-accumulation task. Its batches are drawn by
// Next from the run's stream; its test sequences, from data_seed, when a
// circuit is checked (their spikes depend on dt).
type Evidence struct {
	p     EvidenceParams
	T     int
	dt    float64
	batch evidenceSet
	test  evidenceSet
	drawn int // batches drawn
	x     []float64
	g     []float64
	mean  []float64 // mean softmax over the recall window, per unit
	gOut  []float64
}

// evidenceSet is a set of sequences: their spikes (sequence-major, then
// step-major) and their labels (0 left, 1 right).
type evidenceSet struct {
	spikes bits
	label  []int
}

// Name returns "evidence".
func (*Evidence) Name() string { return "evidence" }

// Check requires an input population of size inputs and a readout of 2
// units, and makes the test sequences for the circuit's dt.
func (t *Evidence) Check(c *circuits.Circuit) error {
	if c.In < 0 || c.Out < 0 {
		return fmt.Errorf("task evidence needs an input and a readout population")
	}
	if n := c.Pops[c.In].Len(); n != t.p.Inputs {
		return fmt.Errorf("task evidence has input_size = %d, circuit %q has an input population of %d", t.p.Inputs, c.Name, n)
	}
	if n := c.Pops[c.Out].Len(); n != 2 {
		return fmt.Errorf("task evidence needs a readout of 2 units (left, right), circuit %q has %d", c.Name, n)
	}
	if t.dt == c.DtMs {
		return nil
	}
	t.dt = c.DtMs
	t.x, t.g, t.mean = make([]float64, t.p.Inputs), make([]float64, 2), make([]float64, 2)
	t.batch = evidenceSet{spikes: newBits(t.p.BatchSize * t.T * t.p.Inputs), label: make([]int, t.p.BatchSize)}
	t.test = evidenceSet{spikes: newBits(t.p.TestTrials * t.T * t.p.Inputs), label: make([]int, t.p.TestTrials)}
	t.fill(&t.test, rng.Stream(uint64(t.p.DataSeed), "evidence/test"))
	// A batch before the first Next (a Loss for the record): drawn from
	// the data seed too.
	t.fill(&t.batch, rng.Stream(uint64(t.p.DataSeed), "evidence/first"))
	return nil
}

// fill draws every sequence of set: for each, the side that gets cues
// with probability 1 − prob_group, the side of each cue, the spikes of
// each step (an active group fires with probability rate·dt/1000, the
// background group with a quarter of it), and the label (the majority).
func (t *Evidence) fill(set *evidenceSet, r *rand.Rand) {
	p := t.p
	set.spikes.clearAll()
	n, g := p.Inputs, p.Inputs/4
	prob := p.RateHz * t.dt / 1000
	cue := make([]int, p.Cues)
	for b := range set.label {
		major := r.IntN(2)
		right := 0
		for i := range cue {
			cue[i] = major
			if r.Float64() < p.ProbGroup {
				cue[i] = 1 - major
			}
			right += cue[i]
		}
		set.label[b] = 0
		if 2*right > p.Cues {
			set.label[b] = 1
		}
		for s := range t.T {
			off := (b*t.T + s) * n
			// The active group of this step, -1 for none.
			active := -1
			if s >= t.T-p.RecallSteps {
				active = 2
			} else if c := s / (p.CueSteps + p.SpacingSteps); c < p.Cues && s%(p.CueSteps+p.SpacingSteps) >= p.SpacingSteps {
				active = cue[c]
			}
			for i := range n {
				grp := i / g
				pr := 0.0
				switch {
				case grp == 3:
					pr = prob / 4
				case grp == active:
					pr = prob
				}
				if pr > 0 && r.Float64() < pr {
					set.spikes.set(off + i)
				}
			}
		}
	}
}

// Next draws a fresh batch of sequences.
func (t *Evidence) Next(r *rand.Rand) {
	t.fill(&t.batch, r)
	t.drawn++
}

// Trials returns the batch size.
func (t *Evidence) Trials() int { return t.p.BatchSize }

// Steps returns the length of a sequence.
func (t *Evidence) Steps() int { return t.T }

// Input returns the spikes of sequence b of the batch at step s.
func (t *Evidence) Input(b, s int) []float64 {
	t.batch.spikes.read((b*t.T+s)*t.p.Inputs, t.x)
	return t.x
}

// softmax writes softmax(y) into pi.
func softmax(y, pi []float64) {
	m := math.Inf(-1)
	for _, v := range y {
		m = max(m, v)
	}
	z := 0.0
	for k, v := range y {
		pi[k] = math.Exp(v - m)
		z += pi[k]
	}
	for k := range pi {
		pi[k] /= z
	}
}

// StepLoss returns, in the recall window, −log π_label/(R·B) (π the
// softmax of the readout, R the window, B the batch) and its gradient
// (π − onehot)/(R·B); 0 before it.
func (t *Evidence) StepLoss(b, s int, y, g []float64) float64 {
	R := t.p.RecallSteps
	if s < t.T-R {
		clear(g)
		return 0
	}
	softmax(y, g)
	w := 1 / float64(R*t.p.BatchSize)
	lab := t.batch.label[b]
	l := -math.Log(max(g[lab], 1e-300)) * w
	for k := range g {
		g[k] *= w
	}
	g[lab] -= w
	return l
}

// Loss runs the batch and returns its cross-entropy.
func (t *Evidence) Loss(c *circuits.Circuit) float64 { return SequenceLoss(c, t, t.g) }

// Grad backpropagates the loss through time (rate circuits).
func (t *Evidence) Grad(c *circuits.Circuit) float64 {
	var l float64
	l, t.gOut = sequenceGrad(c, t, t.gOut)
	return l
}

// Decide runs sequence b of set and returns its decision: the unit with
// the larger mean softmax over the recall window.
func (t *Evidence) decide(c *circuits.Circuit, set *evidenceSet, b int) int {
	c.Reset()
	clear(t.mean)
	for s := range t.T {
		set.spikes.read((b*t.T+s)*t.p.Inputs, t.x)
		c.Step(t.x)
		if s >= t.T-t.p.RecallSteps {
			softmax(c.Output(), t.g)
			for k, v := range t.g {
				t.mean[k] += v
			}
		}
	}
	if t.mean[1] > t.mean[0] {
		return 1
	}
	return 0
}

// TestError returns the fraction of test sequences decided wrong.
func (t *Evidence) TestError(c *circuits.Circuit) float64 {
	wrong := 0
	for b, lab := range t.test.label {
		if t.decide(c, &t.test, b) != lab {
			wrong++
		}
	}
	return float64(wrong) / float64(len(t.test.label))
}

// Evaluate returns the loss of the current batch and the test error.
func (t *Evidence) Evaluate(c *circuits.Circuit) Eval {
	return Eval{Loss: t.Loss(c), Metrics: map[string]float64{"test_error": t.TestError(c)}}
}

// TaskState is the count of batches drawn (the batch itself is drawn
// again from the run's stream, restored by the caller, at the next Next).
func (t *Evidence) TaskState() []int { return []int{t.drawn} }

// SetTaskState restores what TaskState saved.
func (t *Evidence) SetTaskState(s []int) {
	if len(s) == 1 {
		t.drawn = s[0]
	}
}
