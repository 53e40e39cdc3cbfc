package synapse

import (
	"math"
	"sync"
)

// Event-driven R-STDP decays its traces over the gaps between event
// times. Times in dopa are whole steps, and with dt = 1 ms (or any dt
// whose multiples are exact in float64) those gaps are whole numbers of
// ms. An expTable holds the decay factor of every whole gap g <
// expTableLen, computed once by the very expression the integration
// evaluates otherwise (math.Exp(-g*x) or math.Expm1(-g/x), with the same
// x), so a lookup gives the same bits as the call it replaces; a gap that
// is not a whole number, or is too long, is computed by that expression
// on the spot. Every golden output stays byte-identical.

// expTableLen is the number of gaps an expTable holds (65.5 s at 1 ms).
const expTableLen = 1 << 16

// expTable holds e^(−g·x) or expm1(−g/x) for g = 0, 1, …, expTableLen−1.
type expTable = *[expTableLen]float64

// lookup returns the table's value at the gap g, if g is a whole number
// below expTableLen; the caller computes it otherwise, by the expression
// the table holds.
func lookup(tab expTable, g float64) (float64, bool) {
	n := int(g)
	if float64(n) == g && uint(n) < expTableLen {
		return tab[n], true
	}
	return 0, false
}

type expKey struct {
	x     float64
	expm1 bool
}

// expTables are the tables built so far, shared by every projection of
// the process and read only once built.
var expTables struct {
	sync.Mutex
	m map[expKey]expTable
}

// newExpTable returns the table of e^(−g·x), or of expm1(−g/x) if expm1,
// built on first use (half a megabyte) and shared afterwards.
func newExpTable(x float64, expm1 bool) expTable {
	k := expKey{x, expm1}
	expTables.Lock()
	defer expTables.Unlock()
	tab, ok := expTables.m[k]
	if !ok {
		tab = new([expTableLen]float64)
		for i := range tab {
			if g := float64(i); expm1 {
				tab[i] = math.Expm1(-g / x)
			} else {
				tab[i] = math.Exp(-g * x)
			}
		}
		if expTables.m == nil {
			expTables.m = make(map[expKey]expTable)
		}
		expTables.m[k] = tab
	}
	return tab
}

// expUnderflow is an argument below which math.Exp returns exactly 0 on
// every implementation: e^x is below half the smallest subnormal
// (2^−1075) for x < −745.14, and −800 leaves a margin.
const expUnderflow = -800

// expTail returns math.Exp(x) for an argument whose gap the table does
// not hold: the dopamine decay of a breakpoint long past, which is 0
// beyond 160 s at τ_d = 200 ms, without the call.
func expTail(x float64) float64 {
	if x < expUnderflow {
		return 0
	}
	return math.Exp(x)
}
