package series_test

import (
	"fmt"

	"github.com/dopa-sim/dopa/experiments/series"
)

// The reference Mackey-Glass series: Euler, h = 0.1, history 1.2, one
// sample per time unit, first 500 samples dropped.
func ExampleMackeyGlass() {
	s, err := series.MackeyGlass(series.MackeyGlassParams{}.Defaults(), 15000, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d samples from t=%g, %s: mean %.3f, std %.3f\n",
		len(s.X), s.T[0], s.Params.Method, series.Mean(s.X), series.Std(s.X))
	// Output: 15000 samples from t=500, euler: mean 0.930, std 0.226
}

// A one-step forecast that repeats the last value, scored by NRMSE
// (normalised by the population standard deviation of the target).
func ExampleNRMSE() {
	s, _ := series.MackeyGlass(series.MackeyGlassParams{}.Defaults(), 1000, 0)
	pred, target := s.X[:len(s.X)-1], s.X[1:]
	fmt.Printf("persistence NRMSE %.3f\n", series.NRMSE(pred, target))
	// Output: persistence NRMSE 0.145
}
