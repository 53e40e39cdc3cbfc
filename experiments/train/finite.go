package train

import "math"

// allFinite reports whether every value of every slice is a finite
// number. The numerical routines (eigenvalues, inverses, solvers) check
// it before they start: LAPACK's eigenvalue iteration never converges on
// a NaN or an Inf (a diverged run looped for ever in it), and an
// elimination would only spread them.
func allFinite(xs ...[]float64) bool {
	for _, x := range xs {
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// fillNaN sets every value of x to NaN: the result of a routine handed
// non-finite values.
func fillNaN(x []float64) {
	for i := range x {
		x[i] = math.NaN()
	}
}
