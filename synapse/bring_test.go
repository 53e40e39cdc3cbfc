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
// bound or are NaN; with and without phasic and tonic dopamine, the
// phasic term live or dead (deadAfter; within the tables' gaps or beyond
// them), over lengths that leave remainders and span the kernel's chunks.
func TestBringKernelMatchesGoLoop(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 kernel on this machine")
	}
	defer func(a, z bool) { useAVX2, useAVX512 = a, z }(useAVX2, useAVX512)
	sets := []struct {
		name      string
		avx2, zmm bool
	}{{"avx2", true, false}}
	if useAVX512 {
		sets = append(sets, struct {
			name      string
			avx2, zmm bool
		}{"avx512", true, true})
	}
	for _, k := range sets {
		t.Run(k.name, func(t *testing.T) { bringKernelMatchesGoLoop(t, k.avx2, k.zmm) })
	}
}

func bringKernelMatchesGoLoop(t *testing.T, avx2, zmm bool) {
	rng := rand.New(rand.NewPCG(5, 9))
	const tm = 71000.0
	// The last breakpoint: 1 s before tm (every phasic term live), 19 s
	// (dead after about 9.9 s at D = 3e-3) and 67 s (dead, gaps beyond
	// the tables).
	for _, t0 := range []float64{70000, 52000, 4000} {
		for _, d0 := range []float64{0, 3e-3, -2e-3} {
			for _, tonic := range []float64{0, 2e-5} {
				p := SparseParams{}.Defaults()
				p.P, p.Plastic, p.STDP.EventDriven = 0.5, true, true
				p.WMin, p.WMax = 0, 4
				s, err := NewSparse(8, 8, p, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					t.Fatal(err)
				}
				s.Dopamine(1000, 0, 200, tonic)
				s.Dopamine(t0, d0, 200, tonic)
				for _, n := range []int{0, 1, 3, 4, 5, 8, 12, 13, 16, 20, 255, 256, 257, 600} {
					a, w, c := make([]float64, n), make([]float64, n), make([]float64, n)
					for i := range a {
						a[i] = tm - float64(1+rng.IntN(900))
						switch rng.IntN(12) {
						case 0:
							a[i] = tm + float64(rng.IntN(3)) // not due
						case 1:
							a[i] -= 0.25 // fractional lapse
						case 2:
							a[i] = t0 - float64(1+rng.IntN(min(60000, int(t0)-1000))) // before the breakpoint
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
						case 6:
							c[i] *= 1e-290 // a tonic term below deadB's range
						case 7:
							c[i] *= 1e275 // above it
						}
					}
					got := [3][]float64{append([]float64(nil), a...), append([]float64(nil), w...), append([]float64(nil), c...)}
					want := [3][]float64{append([]float64(nil), a...), append([]float64(nil), w...), append([]float64(nil), c...)}
					useAVX2, useAVX512 = avx2, zmm
					bringSplit(s, got[0], got[1], got[2], tm)
					useAVX2, useAVX512 = false, false
					bringSplit(s, want[0], want[1], want[2], tm)
					for k, name := range []string{"a", "w", "c"} {
						for i := range got[k] {
							if math.Float64bits(got[k][i]) != math.Float64bits(want[k][i]) {
								t.Fatalf("t0 %g, D %g, tonic %g, n %d: %s[%d] = %v, the Go loop gives %v (a %v, w %v, c %v)",
									t0, d0, tonic, n, name, i, got[k][i], want[k][i], a[i], w[i], c[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestDeadPhasicTermChangesNoBit checks deadAfter's claim against the
// full expression: over random breakpoints (D of either sign, τ_d, tonic,
// τ_c), eligibilities over 500 orders of magnitude, whole and fractional
// lapses and gaps from TDead on, (0 − A) + B equals B bit for bit wherever
// deadB(B). It also checks that the phasic terms it skips are not all 0
// and that a dead time 40 τ_d earlier would change bits.
func TestDeadPhasicTermChangesNoBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 17))
	logU := func(lo, hi float64) float64 { return math.Exp(lo + (hi-lo)*rng.Float64()) }
	var skipped, nonzero, early int
	for range 200000 {
		d := logU(-14, 3)
		if rng.IntN(2) == 0 {
			d = -d
		}
		tauD, tonic, tauC := logU(0, 7), logU(-18, 0), logU(2, 9)
		invTauD := 1 / tauD
		tauCD := tauC * tauD / (tauC + tauD)
		c := logU(-690, 690)
		if rng.IntN(2) == 0 {
			c = -c
		}
		lapse := float64(1 + rng.IntN(70000))
		if rng.IntN(3) == 0 {
			lapse = logU(-3, 11)
		}
		dead := deadAfter(d, invTauD, tonic)
		full := func(g float64) (dw, b float64) {
			kc := math.Exp(-lapse / tauC)
			b = c * tonic * tauC * (1 - kc)
			f := math.Exp(-g * invTauD)
			dw -= c * (d * f) * tauCD * math.Expm1(-lapse/tauCD)
			nonzero += boolInt(dw != 0)
			return dw + b, b
		}
		g := dead + logU(-5, 12)*float64(rng.IntN(2))
		if dw, b := full(g); deadB(b) {
			skipped++
			if math.Float64bits(dw) != math.Float64bits(b) {
				t.Fatalf("D %g, τ_d %g, tonic %g, τ_c %g, c %g, lapse %g, gap %g (dead after %g): (0 − A) + B = %v, B = %v",
					d, tauD, tonic, tauC, c, lapse, g, dead, dw, b)
			}
		}
		if g := dead - 40*tauD; g > 0 {
			if dw, b := full(g); deadB(b) && dw != b {
				early++
			}
		}
	}
	t.Logf("%d skipped phasic terms checked (%d of the terms computed nonzero); %d changes 40 τ_d earlier", skipped, nonzero, early)
	if skipped < 100000 || nonzero < 100000 || early == 0 {
		t.Errorf("the check is too weak: %d skipped, %d nonzero, %d early", skipped, nonzero, early)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bringSplit is bring on a, w and c in separate slices.
func bringSplit(s *Sparse, a, w, c []float64, t float64) {
	ac := make([]tcPair, len(a))
	for i := range a {
		ac[i].a, ac[i].c = a[i], c[i]
	}
	s.bring(ac, w, t)
	for i := range a {
		a[i], c[i] = ac[i].a, ac[i].c
	}
}
