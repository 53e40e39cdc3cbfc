package stats

import (
	"math"
	"testing"
)

func TestMedian(t *testing.T) {
	xs := []float64{3, 1, 2}
	if Median(xs) != 2 || xs[0] != 3 {
		t.Errorf("odd: %g (input %v)", Median(xs), xs)
	}
	if Median([]float64{4, 1, 3, 2}) != 2.5 {
		t.Error("even count: want the mean of the middle two")
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("no values: want NaN")
	}
}
