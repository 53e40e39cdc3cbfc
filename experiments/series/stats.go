package series

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// Mean returns the arithmetic mean of x (NaN if x is empty).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stat.Mean(x, nil)
}

// Std returns the population standard deviation of x, the square root of
// Σ(x−mean)²/N (divisor N, not N−1), NaN if x is empty.
func Std(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stat.PopStdDev(x, nil)
}

// NRMSE returns the normalised root-mean-square error of pred against
// target: sqrt(Σ(pred−target)²/N) / Std(target), normalised by the
// population standard deviation of the target (divisor N). 0 is a perfect
// forecast; 1 is no better than predicting the target's mean. It is NaN for
// empty slices and +Inf (or NaN) for a constant target. It panics if the
// lengths differ.
func NRMSE(pred, target []float64) float64 {
	if len(pred) != len(target) {
		panic("series: NRMSE of slices of different lengths")
	}
	if len(target) == 0 {
		return math.NaN()
	}
	var ss float64
	for i, t := range target {
		e := pred[i] - t
		ss += e * e
	}
	return math.Sqrt(ss/float64(len(target))) / Std(target)
}
