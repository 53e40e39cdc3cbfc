//go:build !unix

package train

import "math"

// cpuSeconds is unknown here (NaN).
func cpuSeconds() float64 { return math.NaN() }
