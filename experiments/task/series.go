package task

import (
	"fmt"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/internal/param"
)

// The forecasting tasks: the series is made once per experiment (from
// data_seed) and every run forecasts it; seeds vary the circuit and the
// rule's noise, not the data.
var (
	forecastMetrics = []Metric{
		{Name: "test_nrmse", Label: "test NRMSE", Quartiles: true},
		{Name: "free_run_nrmse", Label: "free-run NRMSE"},
	}
	mackeyGlassDef = Def{
		Name: "mackey_glass",
		Doc:  "one-step forecasting of the Mackey-Glass series (τ = 17; [mackey_glass], [forecast], data_seed)",
		Defaults: func() Params {
			return MackeyGlassParams{MackeyGlass: series.MackeyGlassParams{}.Defaults(), Forecast: ForecastParams{}.Defaults()}
		},
		Prepare:  prepareMackeyGlass,
		Fits:     forecastFits("mackey_glass", 1),
		Forecast: true,
		Metrics:  forecastMetrics,
		Headline: "test_nrmse",
		Note:     forecastNote,
		Alone:    Budget{MaxTrials: 5000},
	}
	lorenzDef = Def{
		Name: "lorenz",
		Doc:  "one-step forecasting of the Lorenz system (σ = 10, ρ = 28, β = 8/3; [lorenz], [forecast], data_seed)",
		Defaults: func() Params {
			return LorenzParams{Lorenz: series.LorenzParams{}.Defaults(), Forecast: ForecastParams{}.Defaults()}
		},
		Prepare:  prepareLorenz,
		Fits:     forecastFits("lorenz", 3),
		Forecast: true,
		Metrics: append(forecastMetrics[:len(forecastMetrics):len(forecastMetrics)],
			Metric{Name: "valid_time_lyapunov", Label: "valid (λt)", HigherIsBetter: true}),
		Headline: "test_nrmse",
		Note:     forecastNote,
		Alone:    Budget{MaxTrials: 5000},
	}
)

const forecastNote = "NRMSE = RMSE / std of the target over the test segment (medians over seeds)"

// LorenzLyapunov is the largest Lyapunov exponent of the Lorenz system at
// σ = 10, ρ = 28, β = 8/3 (per unit time), for valid prediction times.
const LorenzLyapunov = 0.906

// MackeyGlassParams are the keys of task mackey_glass.
type MackeyGlassParams struct {
	// DataSeed seeds the series (0: the reference convention).
	DataSeed int `toml:"data_seed" check:">=0"`
	// MackeyGlass generates the series.
	MackeyGlass series.MackeyGlassParams `toml:"mackey_glass"`
	// Forecast sets the forecasting conventions.
	Forecast ForecastParams `toml:"forecast"`
}

// Validate checks the forecasting conventions, then the series and its
// cost (the integration steps it needs), without making it.
func (p MackeyGlassParams) Validate() error {
	err := p.MackeyGlass.Validate()
	if err == nil {
		err = p.MackeyGlass.CheckSamples(p.Forecast.TrainSteps + p.Forecast.TestSteps)
	}
	return validateForecast(p, p.Forecast, "mackey_glass", 1, err)
}

// LorenzParams are the keys of task lorenz.
type LorenzParams struct {
	// DataSeed seeds the initial state.
	DataSeed int `toml:"data_seed" check:">=0"`
	// Lorenz generates the series.
	Lorenz series.LorenzParams `toml:"lorenz"`
	// Forecast sets the forecasting conventions.
	Forecast ForecastParams `toml:"forecast"`
}

// Validate checks the forecasting conventions, then the series and its
// cost (the integration steps it needs), without making it.
func (p LorenzParams) Validate() error {
	err := p.Lorenz.Validate()
	if err == nil {
		err = p.Lorenz.CheckSamples(p.Forecast.TrainSteps + p.Forecast.TestSteps)
	}
	return validateForecast(p, p.Forecast, "lorenz", 3, err)
}

// MaxSeriesValues bounds the values of a forecasting task's series,
// samples × dimensions (each factor has its own bound too).
const MaxSeriesValues = 10_000_000

// validateForecast checks the task's own keys (own), then the conventions
// of a series of dim dimensions: the products of sizes are bounded before
// any series is made.
func validateForecast(own any, f ForecastParams, table string, dim int, seriesErr error) error {
	if err := param.Check(own); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return param.Under(err, "forecast")
	}
	if n := int64(f.TrainSteps+f.TestSteps+f.Horizon) * int64(dim); n > MaxSeriesValues {
		return param.New(fmt.Sprintf("(train_steps + test_steps + horizon) × %d dimensions = %d values, more than %d", dim, n, MaxSeriesValues), "forecast", "train_steps")
	}
	return param.Under(seriesErr, table)
}

// forecastFits checks a circuit against a series of dim dimensions without
// making the series: validating a file costs no integration, whatever the
// series' length; the series is made when the first run needs it.
func forecastFits(name string, dim int) func(Params, *circuits.Circuit) error {
	return func(_ Params, c *circuits.Circuit) error {
		if n := c.Pops[c.In].Len(); n != dim {
			return fmt.Errorf("task %s needs an input population of size %d, circuit %q has %d", name, dim, c.Name, n)
		}
		if n := c.Pops[c.Out].Len(); n != dim {
			return fmt.Errorf("task %s needs a readout population of size %d, circuit %q has %d", name, dim, c.Name, n)
		}
		return nil
	}
}

func prepareMackeyGlass(ps Params) (Maker, error) {
	p := ps.(MackeyGlassParams)
	f := p.Forecast
	s, err := series.MackeyGlass(p.MackeyGlass, f.TrainSteps+f.TestSteps, uint64(p.DataSeed))
	if err != nil {
		return nil, err
	}
	return func() (Task, error) {
		return NewForecast("mackey_glass", f, s.X, 1, s.Params.SampleInterval, 0)
	}, nil
}

func prepareLorenz(ps Params) (Maker, error) {
	p := ps.(LorenzParams)
	f := p.Forecast
	n := f.TrainSteps + f.TestSteps
	s, err := series.Lorenz(p.Lorenz, n, uint64(p.DataSeed))
	if err != nil {
		return nil, err
	}
	v := make([]float64, 0, 3*n)
	for i := range s.X {
		v = append(v, s.X[i], s.Y[i], s.Z[i])
	}
	return func() (Task, error) {
		return NewForecast("lorenz", f, v, 3, s.Params.Dt*float64(s.Params.SampleEvery), LorenzLyapunov)
	}, nil
}
