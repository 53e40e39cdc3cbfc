package synapse

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPairKernelMatchesGoLoop adds pairings with the AVX2 kernel and with
// the Go loop alone and compares every bit: traces that are 0, NaN or
// infinite, gaps that are whole, fractional, negative or beyond the
// table, eligibilities of both signs and zeros, adding and subtracting,
// over lengths that leave remainders and span the kernel's chunks.
func TestPairKernelMatchesGoLoop(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernel on this machine")
	}
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(2, 7))
	tab := newExpTable(1/20.0, false)
	const tm = 90000.0
	const nn = 50
	tr, tt := make([]float64, nn), make([]float64, nn)
	var k pairK
	var slow [bringChunk]int32
	for round := range 40 {
		for i := range tr {
			tr[i] = 3 * rng.Float64()
			tt[i] = tm - float64(rng.IntN(3000))
			switch rng.IntN(12) {
			case 0:
				tr[i] = 0
			case 1:
				tr[i] = math.NaN()
			case 2:
				tr[i] = math.Inf(1)
			case 3:
				tt[i] -= 0.5 // fractional gap
			case 4:
				tt[i] = tm - 70000 // beyond the table
			case 5:
				tt[i] = tm + 3 // a negative gap
			case 6:
				tt[i] = 0 // e underflows
			}
		}
		for _, n := range []int{0, 3, 4, 7, 64, 255, 256, 300, 600} {
			idx := make([]int32, n)
			c := make([]float64, n)
			for x := range idx {
				idx[x] = int32(rng.IntN(nn))
				c[x] = rng.NormFloat64()
				switch rng.IntN(8) {
				case 0:
					c[x] = 0
				case 1:
					c[x] = math.Copysign(0, -1)
				case 2:
					c[x] = math.NaN()
				}
			}
			for _, sub := range []bool{false, true} {
				amp := 1.5 * rng.Float64()
				got, want := append([]float64(nil), c...), append([]float64(nil), c...)
				useAVX2 = true
				pairAdd(idx, got, tr, tt, tab, 1/20.0, amp, tm, sub, &k, &slow)
				useAVX2 = false
				pairAdd(idx, want, tr, tt, tab, 1/20.0, amp, tm, sub, &k, &slow)
				for x := range got {
					if math.Float64bits(got[x]) != math.Float64bits(want[x]) {
						i := idx[x]
						t.Fatalf("round %d, n %d, sub %v: c[%d] = %v, the Go loop gives %v (c %v, tr %v, gap %v)",
							round, n, sub, x, got[x], want[x], c[x], tr[i], tm-tt[i])
					}
				}
			}
		}
	}
}
