package task

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/stats"
)

// ForecastParams are the conventions of a forecasting task.
type ForecastParams struct {
	// TrainSteps is the length of the training segment (samples).
	TrainSteps int `toml:"train_steps"`
	// TestSteps is the length of the held-out test segment that follows it.
	TestSteps int `toml:"test_steps"`
	// Window is the number of steps of one training trial.
	Window int `toml:"window" check:">=2"`
	// Washout is the number of steps at the start of every trial, and
	// before every evaluation, over which the circuit runs without loss.
	Washout int `toml:"washout"`
	// Horizon: the circuit forecasts x(t + Horizon) from x(t) and its past.
	Horizon int `toml:"horizon" check:">=1"`
	// FreeRunSteps is the length of a closed-loop forecast (its own output
	// fed back as input).
	FreeRunSteps int `toml:"free_run_steps" check:">=0"`
	// FreeRunStarts is the number of closed-loop forecasts, from start
	// points evenly spread over the test segment.
	FreeRunStarts int `toml:"free_run_starts" check:">=1"`
	// ValidThreshold is the normalised error at which a closed-loop forecast
	// stops being valid (valid prediction time).
	ValidThreshold float64 `toml:"valid_threshold" check:">0"`
}

// Defaults returns 2000 training and 1000 test samples, windows of 100
// steps with a washout of 20, a one-step horizon and 10 closed-loop
// forecasts of 84 steps.
func (ForecastParams) Defaults() ForecastParams {
	return ForecastParams{TrainSteps: 2000, TestSteps: 1000, Window: 100, Washout: 20, Horizon: 1,
		FreeRunSteps: 84, FreeRunStarts: 10, ValidThreshold: 0.4}
}

// maxSamples bounds the length of a forecasting task's series.
const maxSamples = 10_000_000

// ParamError is a parameter out of its valid range: the one parameter-error
// type of dopa (internal/param), carrying the key path.
type ParamError = param.Error

// Validate reports a parameter out of range as a *ParamError.
func (p ForecastParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.Washout < 0 || p.Washout >= p.Window:
		return param.New(fmt.Sprintf("must be in [0, window), got %d", p.Washout), "washout")
	case p.TrainSteps+p.TestSteps > maxSamples || p.Window > maxSamples:
		return param.New(fmt.Sprintf("train_steps + test_steps and window must be <= %d, got %d and %d", maxSamples, p.TrainSteps+p.TestSteps, p.Window), "train_steps")
	case p.TrainSteps < p.Window+p.Horizon:
		return param.New(fmt.Sprintf("must be >= window + horizon (%d), got %d", p.Window+p.Horizon, p.TrainSteps), "train_steps")
	case p.TestSteps < p.Washout+p.FreeRunSteps+p.Horizon+1:
		return param.New(fmt.Sprintf("must be >= washout + free_run_steps + horizon + 1, got %d", p.TestSteps), "test_steps")
	case int64(p.FreeRunStarts)*int64(p.FreeRunSteps+p.Washout) > maxSamples:
		// Every evaluation runs each forecast: bound the product.
		return param.New(fmt.Sprintf("free_run_starts × (washout + free_run_steps) = %d × %d steps per evaluation, more than %d", p.FreeRunStarts, p.FreeRunSteps+p.Washout, maxSamples), "free_run_starts")
	}
	return nil
}

// Forecast is a time-series forecasting task: the circuit receives x(t)
// (standardised with the training segment's mean and std, per dimension)
// and its readout forecasts x(t + horizon). A training trial is one window
// of the training segment at a random offset, run from rest; its loss is
// the mean squared error over the steps after the washout,
//
//	L = 1/((W − w)·d) Σ_{s=w}^{W−1} Σ_i (y_{s,i} − z_{s+h,i})²
//
// in standardised units. Evaluation reports the one-step NRMSE on the test
// segment (RMSE / std of the target, per dimension, pooled), the NRMSE of
// closed-loop forecasts, and their valid prediction time.
type Forecast struct {
	ForecastParams
	name     string
	dim      int
	z        []float64 // standardised series, T×dim, row-major
	mean     []float64
	std      []float64
	off      int     // current window offset
	context  int     // index of the current window
	stepTime float64 // time between samples (for the valid time), in the series' unit
	lyap     float64 // largest Lyapunov exponent, 0 if unknown
	g        []float64
	pred     []float64
}

// NewForecast makes a forecasting task named name from a series of
// TrainSteps+TestSteps(+Horizon) samples of dim values (row-major).
// stepTime is the time between samples and lyapunov the largest Lyapunov
// exponent of the system (per unit time; 0 if unknown), for valid times.
func NewForecast(name string, p ForecastParams, series []float64, dim int, stepTime, lyapunov float64) (*Forecast, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	need := (p.TrainSteps + p.TestSteps) * dim
	if dim < 1 || len(series) < need {
		return nil, fmt.Errorf("task %s: need %d samples of dimension %d, got %d values", name, p.TrainSteps+p.TestSteps, dim, len(series))
	}
	f := &Forecast{ForecastParams: p, name: name, dim: dim, z: make([]float64, need), mean: make([]float64, dim), std: make([]float64, dim),
		stepTime: stepTime, lyap: lyapunov}
	for i := range dim {
		s, s2 := 0.0, 0.0
		for t := range p.TrainSteps {
			x := series[t*dim+i]
			s += x
			s2 += x * x
		}
		n := float64(p.TrainSteps)
		f.mean[i] = s / n
		f.std[i] = math.Sqrt(math.Max(s2/n-f.mean[i]*f.mean[i], 0))
		if f.std[i] == 0 {
			f.std[i] = 1
		}
	}
	for t := range p.TrainSteps + p.TestSteps {
		for i := range dim {
			f.z[t*dim+i] = (series[t*dim+i] - f.mean[i]) / f.std[i]
		}
	}
	f.pred = make([]float64, max(p.TestSteps, p.FreeRunSteps)*dim)
	return f, nil
}

// Name returns the task's name.
func (f *Forecast) Name() string { return f.name }

// WorkBytes is the memory the task holds for learning besides its data:
// the per-step output gradient of a window (allocated by Grad only).
func (f *Forecast) WorkBytes() int { return 8 * cap(f.g) }

// Check requires input and readout populations of the series' dimension.
func (f *Forecast) Check(c *circuits.Circuit) error {
	if n := c.Pops[c.In].Len(); n != f.dim {
		return fmt.Errorf("task %s needs an input population of size %d, circuit %q has %d", f.name, f.dim, c.Name, n)
	}
	if n := c.Pops[c.Out].Len(); n != f.dim {
		return fmt.Errorf("task %s needs a readout population of size %d, circuit %q has %d", f.name, f.dim, c.Name, n)
	}
	return nil
}

// Next draws the window of the next training trial.
func (f *Forecast) Next(rng *rand.Rand) {
	f.off = rng.IntN(f.TrainSteps - f.Window - f.Horizon + 1)
	f.context++
}

// Context identifies the current window: it changes with every Next.
// Outcomes are comparable only within one context, so the progress of the
// unperturbed outcome from one update to the next (which compares two
// windows) is not used: docs/dopamine.md, "Tasks with changing data".
func (f *Forecast) Context() int { return f.context }

func (f *Forecast) row(t int) []float64 { return f.z[t*f.dim : (t+1)*f.dim] }

// window runs the circuit over the current window from rest; with g it
// also stores ∂L/∂y per step.
func (f *Forecast) window(c *circuits.Circuit, g []float64) float64 {
	c.Reset()
	l := 0.0
	n := float64((f.Window - f.Washout) * f.dim)
	for s := range f.Window {
		c.Step(f.row(f.off + s))
		if g != nil {
			clear(g[s*f.dim : (s+1)*f.dim])
		}
		if s < f.Washout {
			continue
		}
		target := f.row(f.off + s + f.Horizon)
		for i, y := range c.Output()[:f.dim] {
			d := y - target[i]
			l += d * d
			if g != nil {
				g[s*f.dim+i] = 2 * d / n
			}
		}
	}
	return l / n
}

// Loss runs the current window and returns its MSE.
func (f *Forecast) Loss(c *circuits.Circuit) float64 { return f.window(c, nil) }

// Grad runs the current window with the tape on, backpropagates through
// time over the window (truncated BPTT) and returns the MSE.
func (f *Forecast) Grad(c *circuits.Circuit) float64 {
	if len(f.g) != f.Window*f.dim {
		f.g = make([]float64, f.Window*f.dim) // only the gradient baselines need it
	}
	c.Record(true)
	l := f.window(c, f.g)
	c.Backward(f.g)
	c.Record(false)
	return l
}

// teacher runs the circuit from rest on the true inputs of steps
// [from, to) and returns nothing; its state is then ready at step to.
func (f *Forecast) teacher(c *circuits.Circuit, from, to int) {
	c.Reset()
	for t := from; t < to; t++ {
		c.Step(f.row(t))
	}
}

// Evaluate returns the one-step NRMSE over the test segment, and the
// closed-loop NRMSE and valid prediction time (Metrics: "test_nrmse",
// "free_run_nrmse", "valid_time", "valid_time_lyapunov").
func (f *Forecast) Evaluate(c *circuits.Circuit) Eval {
	e := Eval{Metrics: map[string]float64{}}
	T0, T1 := f.TrainSteps, f.TrainSteps+f.TestSteps-f.Horizon
	// Target statistics over the test segment, per dimension.
	tm, ts := make([]float64, f.dim), make([]float64, f.dim)
	for i := range f.dim {
		s, s2 := 0.0, 0.0
		for t := T0; t < T1; t++ {
			x := f.z[(t+f.Horizon)*f.dim+i]
			s += x
			s2 += x * x
		}
		n := float64(T1 - T0)
		tm[i] = s / n
		ts[i] = math.Sqrt(math.Max(s2/n-tm[i]*tm[i], 1e-300))
	}
	// One step: warm up on the end of the training segment, then run
	// through the test segment on the true inputs.
	f.teacher(c, T0-f.Washout, T0)
	se := 0.0
	for t := T0; t < T1; t++ {
		c.Step(f.row(t))
		tg := f.row(t + f.Horizon)
		for i, y := range c.Output()[:f.dim] {
			d := (y - tg[i]) / ts[i]
			se += d * d
		}
	}
	e.Metrics["test_nrmse"] = math.Sqrt(se / float64((T1-T0)*f.dim))
	// The training loss: one-step MSE over the training segment, in
	// standardised units, from rest after a washout.
	f.teacher(c, 0, f.Washout)
	se = 0
	for t := f.Washout; t < f.TrainSteps-f.Horizon; t++ {
		c.Step(f.row(t))
		tg := f.row(t + f.Horizon)
		for i, y := range c.Output()[:f.dim] {
			d := y - tg[i]
			se += d * d
		}
	}
	e.Loss = se / float64((f.TrainSteps-f.Horizon-f.Washout)*f.dim)
	// Closed loop (horizon 1 only: the forecast is fed back as the next input).
	if f.Horizon != 1 || f.FreeRunSteps == 0 {
		e.Metrics["free_run_nrmse"], e.Metrics["valid_time"], e.Metrics["valid_time_lyapunov"] = math.NaN(), math.NaN(), math.NaN()
		return e
	}
	span := T1 - T0 - f.Washout - f.FreeRunSteps
	se, valid := 0.0, make([]float64, 0, f.FreeRunStarts)
	for k := range f.FreeRunStarts {
		start := T0 + f.Washout + k*span/max(f.FreeRunStarts, 1)
		f.teacher(c, start-f.Washout, start)
		in := f.pred[:f.dim]
		copy(in, f.row(start))
		steps := f.FreeRunSteps
		for s := range f.FreeRunSteps {
			c.Step(in)
			tg := f.row(start + s + 1)
			err := 0.0
			for i, y := range c.Output()[:f.dim] {
				d := (y - tg[i]) / ts[i]
				err += d * d
			}
			se += err
			if steps == f.FreeRunSteps && (math.Sqrt(err/float64(f.dim)) > f.ValidThreshold || math.IsNaN(err)) {
				steps = s
			}
			copy(in, c.Output()[:f.dim])
		}
		valid = append(valid, float64(steps)*f.stepTime)
	}
	e.Metrics["free_run_nrmse"] = math.Sqrt(se / float64(f.FreeRunStarts*f.FreeRunSteps*f.dim))
	vt := stats.Median(valid)
	e.Metrics["valid_time"] = vt
	e.Metrics["valid_time_lyapunov"] = math.NaN()
	if f.lyap > 0 {
		e.Metrics["valid_time_lyapunov"] = vt * f.lyap
	}
	return e
}

// Prediction is a forecast laid beside the truth, in the series' units.
type Prediction struct {
	Step    []int       // sample index
	Target  [][]float64 // true x(t+h), per dimension
	OneStep [][]float64 // one-step forecast (teacher forced), per dimension
	FreeRun [][]float64 // closed-loop forecast from the first start point (NaN before it), per dimension
}

// Predict returns the forecasts over the first n steps of the test segment.
func (f *Forecast) Predict(c *circuits.Circuit, n int) Prediction {
	T0 := f.TrainSteps
	n = min(n, f.TestSteps-f.Horizon-f.Washout)
	p := Prediction{Target: make([][]float64, f.dim), OneStep: make([][]float64, f.dim), FreeRun: make([][]float64, f.dim)}
	raw := func(i int, z float64) float64 { return z*f.std[i] + f.mean[i] }
	f.teacher(c, T0-f.Washout, T0)
	for t := T0; t < T0+n; t++ {
		c.Step(f.row(t))
		p.Step = append(p.Step, t+f.Horizon)
		for i, y := range c.Output()[:f.dim] {
			p.Target[i] = append(p.Target[i], raw(i, f.z[(t+f.Horizon)*f.dim+i]))
			p.OneStep[i] = append(p.OneStep[i], raw(i, y))
		}
	}
	for i := range f.dim {
		p.FreeRun[i] = make([]float64, n)
		for j := range p.FreeRun[i] {
			p.FreeRun[i][j] = math.NaN()
		}
	}
	if f.Horizon == 1 && f.FreeRunSteps > 0 {
		start := T0 + f.Washout
		f.teacher(c, T0, start)
		in := make([]float64, f.dim)
		copy(in, f.row(start))
		for s := 0; s < f.FreeRunSteps && start+s-T0 < n; s++ {
			c.Step(in)
			copy(in, c.Output()[:f.dim])
			for i, y := range in {
				p.FreeRun[i][start+s-T0] = raw(i, y)
			}
		}
	}
	return p
}
