package synapse

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBringKernelMatchesGoLoop brings the same synapses with the AVX2
// kernel and with the Go loop alone, and compares every bit: synapses not
// due (last update at or after t), with no eligibility (±0), at whole and
// fractional lapses, lapses beyond the tables, updates before the last
// breakpoint, gaps since it beyond the tables, sums that clip at either
// bound or are NaN; with and without phasic and tonic dopamine, over
// lengths that leave remainders and span the kernel's chunks.
func TestBringKernelMatchesGoLoop(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernel on this machine")
	}
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(5, 9))
	for _, d0 := range []float64{0, 3e-3, -2e-3} {
		for _, tonic := range []float64{0, 2e-5} {
			p := SparseParams{}.Defaults()
			p.P, p.Plastic, p.STDP.EventDriven = 0.5, true, true
			p.WMin, p.WMax = 0, 4
			s, err := NewSparse(8, 8, p, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			const t0, tm = 70000.0, 71000.0
			s.Dopamine(1000, 0, 200, tonic)
			s.Dopamine(t0, d0, 200, tonic)
			for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 255, 256, 257, 600} {
				a, w, c := make([]float64, n), make([]float64, n), make([]float64, n)
				for i := range a {
					a[i] = tm - float64(1+rng.IntN(900))
					switch rng.IntN(12) {
					case 0:
						a[i] = tm + float64(rng.IntN(3)) // not due
					case 1:
						a[i] -= 0.25 // fractional lapse
					case 2:
						a[i] = t0 - float64(1+rng.IntN(60000)) // before the breakpoint
					case 3:
						a[i] = tm - 65536 - float64(rng.IntN(5)) // beyond the tables
					case 4:
						a[i] = t0 + 0.5 // fractional gap since the breakpoint
					}
					w[i] = 4 * rng.Float64()
					c[i] = 50 * rng.NormFloat64()
					switch rng.IntN(10) {
					case 0:
						c[i] = 0
					case 1:
						c[i] = math.Copysign(0, -1)
					case 2:
						c[i] = 1e6 // clips at a bound
					case 3:
						c[i] = -1e6
					case 4:
						w[i] = math.NaN()
					case 5:
						w[i] = 4
					}
				}
				got := [3][]float64{append([]float64(nil), a...), append([]float64(nil), w...), append([]float64(nil), c...)}
				want := [3][]float64{append([]float64(nil), a...), append([]float64(nil), w...), append([]float64(nil), c...)}
				useAVX2 = true
				s.bring(got[0], got[1], got[2], tm)
				useAVX2 = false
				s.bring(want[0], want[1], want[2], tm)
				for k, name := range []string{"a", "w", "c"} {
					for i := range got[k] {
						if math.Float64bits(got[k][i]) != math.Float64bits(want[k][i]) {
							t.Fatalf("D %g, tonic %g, n %d: %s[%d] = %v, the Go loop gives %v (a %v, w %v, c %v)",
								d0, tonic, n, name, i, got[k][i], want[k][i], a[i], w[i], c[i])
						}
					}
				}
			}
		}
	}
}
