package task

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
)

// sinesDef registers pattern generation (the regression task of Bellec et
// al. 2020 and of NEST's eprop_supervised_regression_sine-waves example):
// a frozen Poisson input pattern, the same in every update, and a target
// that is a sum of sines, to be reproduced by the readout at every step.
var sinesDef = Def{
	Name:     "sines",
	Doc:      "pattern generation (Bellec et al. 2020; NEST's e-prop sine-wave regression): a frozen Poisson input pattern, target a sum of four sines (periods 1000, 500, 333, 200 steps, amplitudes U(0.5, 2), phases U(0, 2π)) shifted to start at 0 and scaled to max |y*| = 1; loss ½Σ_t (y − y*)² over the sequence",
	Defaults: func() Params { return SinesParams{}.Defaults() },
	Prepare:  prepareSines,
	Headline: "final_loss",
	Note:     "loss = ½ Σ over the sequence's steps of (y − y*)², NEST's example's loss",
	Alone:    Budget{MaxTrials: 200},
}

// SinesParams are the keys of task sines.
type SinesParams struct {
	// DataSeed seeds the input pattern and the target (every run of an
	// experiment learns the same pattern).
	DataSeed int `toml:"data_seed" check:">=0"`
	// SequenceSteps is the length of the sequence, in [1, 100 000] steps.
	SequenceSteps int `toml:"sequence_steps" check:"[1,100000]"`
	// Inputs (input_size) is the number of input channels, in [1, 10 000]: the size of
	// the circuit's input population.
	Inputs int `toml:"input_size" check:"[1,10000]"`
	// InputRateHz is each channel's Poisson rate (Hz), in [0, 1000/dt]:
	// a spike (input 1) in a step with probability rate·dt/1000.
	InputRateHz float64 `toml:"input_rate_hz" check:"[0,1e6]"`
	// PeriodsSteps are the periods of the sines, in steps (each > 0).
	PeriodsSteps []int `toml:"periods_steps" check:">=1"`
}

// Defaults returns NEST's example: 1000 steps, 100 inputs at 50 Hz,
// periods 1000, 500, 333 and 200 steps.
func (SinesParams) Defaults() SinesParams {
	return SinesParams{SequenceSteps: 1000, Inputs: 100, InputRateHz: 50, PeriodsSteps: []int{1000, 500, 333, 200}}
}

// Validate checks the keys' ranges and bounds the pattern's size.
func (p SinesParams) Validate() error {
	if len(p.PeriodsSteps) == 0 || len(p.PeriodsSteps) > 100 {
		return param.New(fmt.Sprintf("must list 1 to 100 periods, got %d", len(p.PeriodsSteps)), "periods_steps")
	}
	if err := param.Check(p); err != nil {
		return err
	}
	if int64(p.Inputs)*int64(p.SequenceSteps) > 100_000_000 {
		return param.New(fmt.Sprintf("input_size × sequence_steps = %d, more than 1e8", int64(p.Inputs)*int64(p.SequenceSteps)), "input_size")
	}
	return nil
}

func prepareSines(pp Params) (Maker, error) {
	p := pp.(SinesParams)
	return func() (Task, error) { return &Sines{p: p}, nil }, nil
}

// Sines is the pattern-generation task. Its input pattern and target are
// made when a circuit is checked (they depend on dt and the readout's
// size): a pattern of spikes, one draw per channel and step with
// probability rate·dt/1000, and per readout unit its own sum of sines.
type Sines struct {
	p      SinesParams
	dt     float64
	nOut   int
	spikes bits      // the frozen input pattern, step-major
	target []float64 // y*, step-major, nOut per step
	x      []float64 // the input of one step
	g      []float64 // scratch of the readout's size
	gOut   []float64 // BPTT scratch
}

// Name returns "sines".
func (*Sines) Name() string { return "sines" }

// Check requires an input population of size inputs and makes the
// pattern and target for the circuit's dt and readout size.
func (t *Sines) Check(c *circuits.Circuit) error {
	if c.In < 0 || c.Out < 0 {
		return fmt.Errorf("task sines needs an input and a readout population")
	}
	if n := c.Pops[c.In].Len(); n != t.p.Inputs {
		return fmt.Errorf("task sines has input_size = %d, circuit %q has an input population of %d", t.p.Inputs, c.Name, n)
	}
	if t.dt == c.DtMs && t.nOut == c.Pops[c.Out].Len() {
		return nil
	}
	t.dt, t.nOut = c.DtMs, c.Pops[c.Out].Len()
	r := rng.Stream(uint64(t.p.DataSeed), "sines")
	T, n := t.p.SequenceSteps, t.p.Inputs
	t.spikes = newBits(T * n)
	prob := t.p.InputRateHz * c.DtMs / 1000
	for i := range T * n {
		if r.Float64() < prob {
			t.spikes.set(i)
		}
	}
	t.target = make([]float64, T*t.nOut)
	for k := range t.nOut {
		y := sumOfSines(r, T, t.p.PeriodsSteps)
		for s, v := range y {
			t.target[s*t.nOut+k] = v
		}
	}
	t.x, t.g = make([]float64, n), make([]float64, t.nOut)
	return nil
}

// sumOfSines returns T steps of Σ_i A_i·sin(φ_i + 2π·(T/P_i)·s/(T − 1))
// (NEST's example: each sine runs over T/P_i whole periods, integer
// division, across the sequence), A_i ~ U(0.5, 2), φ_i ~ U(0, 2π), minus
// its first value, divided by its largest magnitude.
func sumOfSines(r *rand.Rand, T int, periods []int) []float64 {
	y := make([]float64, T)
	amp, phase := make([]float64, len(periods)), make([]float64, len(periods))
	for i := range periods {
		amp[i] = 0.5 + 1.5*r.Float64()
	}
	for i := range periods {
		phase[i] = 2 * math.Pi * r.Float64()
	}
	for i, P := range periods {
		span := 2 * math.Pi * float64(T/P)
		for s := range y {
			f := 0.0
			if T > 1 {
				f = float64(s) / float64(T-1)
			}
			y[s] += amp[i] * math.Sin(phase[i]+span*f)
		}
	}
	y0, m := y[0], 1e-6
	for s := range y {
		y[s] -= y0
		m = max(m, math.Abs(y[s]))
	}
	for s := range y {
		y[s] /= m
	}
	return y
}

// Next does nothing: every update runs the one frozen sequence.
func (*Sines) Next(*rand.Rand) {}

// Trials returns 1.
func (*Sines) Trials() int { return 1 }

// Steps returns the sequence's length.
func (t *Sines) Steps() int { return t.p.SequenceSteps }

// Input returns the pattern's spikes at step s.
func (t *Sines) Input(_, s int) []float64 {
	n := t.p.Inputs
	t.spikes.read(s*n, t.x)
	return t.x
}

// StepLoss returns ½‖y − y*‖² at step s and its gradient y − y*.
func (t *Sines) StepLoss(_, s int, y, g []float64) float64 {
	l := 0.0
	for k, v := range y {
		d := v - t.target[s*t.nOut+k]
		g[k] = d
		l += d * d / 2
	}
	return l
}

// Target returns y* of readout unit k at step s.
func (t *Sines) Target(s, k int) float64 { return t.target[s*t.nOut+k] }

// Loss runs the sequence and returns ½Σ_t‖y − y*‖².
func (t *Sines) Loss(c *circuits.Circuit) float64 { return SequenceLoss(c, t, t.g) }

// Grad backpropagates the loss through time (rate circuits).
func (t *Sines) Grad(c *circuits.Circuit) float64 {
	var l float64
	l, t.gOut = sequenceGrad(c, t, t.gOut)
	return l
}

// Evaluate returns the loss.
func (t *Sines) Evaluate(c *circuits.Circuit) Eval {
	return Eval{Loss: t.Loss(c), Metrics: map[string]float64{}}
}

// TaskState is empty: every update runs the same sequence.
func (*Sines) TaskState() []int { return nil }

// SetTaskState restores nothing.
func (*Sines) SetTaskState([]int) {}

// bits is a bitset of spikes.
type bits []uint64

func newBits(n int) bits      { return make(bits, (n+63)/64) }
func (b bits) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b bits) get(i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bits) clearAll()      { clear(b) }
func (b bits) read(off int, x []float64) {
	for i := range x {
		if b.get(off + i) {
			x[i] = 1
		} else {
			x[i] = 0
		}
	}
}
