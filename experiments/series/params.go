package series

import (
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
)

// Method is a numerical integration scheme.
type Method string

// The integration schemes.
const (
	Euler Method = "euler" // explicit Euler, first order
	RK4   Method = "rk4"   // classical fourth-order Runge-Kutta
)

// ParamError is a parameter out of its valid range: the one parameter-error
// type of dopa (internal/param), carrying the key path.
type ParamError = param.Error

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// gridSteps returns span/step when it is a whole number ≥ 1 (to a relative
// tolerance of 1e-9), or 0.
func gridSteps(span, step float64) int {
	r := span / step
	k := math.Round(r)
	if k < 1 || k > math.MaxInt32 || math.Abs(r-k) > 1e-9*k {
		return 0
	}
	return int(k)
}

// MaxSteps bounds the integration steps of one series, so that a slip in
// a step size or a sample count is refused instead of running for hours.
const MaxSteps = 2e9

// stream returns the random stream of (seed, name) (internal/rng, the
// same derivation as experiments.Stream).
func stream(seed uint64, name string) *rand.Rand { return rng.Stream(seed, name) }

// gridTime returns the time of grid point k with spacing dt: k/(1/dt) when
// 1/dt is a whole number (so 1001 steps of 0.01 give 10.01, not
// 10.010000000000002), k·dt otherwise.
func gridTime(k int, dt float64) float64 {
	if inv := 1 / dt; inv == math.Round(inv) && inv < 1<<53 {
		return float64(k) / inv
	}
	return float64(k) * dt
}
