package synapse

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TD-LTP's lazy chunks give what the rule's direct integration gives:
// every step decays the eligibility's two parts, a post spike adds the
// pre PSPs to both, and dw = η·δ·(e_a − e_b)·dt·norm, over chunks of
// several lengths, with a pulse between them.
//
// With Center, every step also subtracts ρ_i·(ε * X_j) from e_ij; with
// each post neuron's ρ_i held constant, as here, the chunk's mean is ρ_i
// and the lazy change must be the direct one.
func TestTDLTPEqualsDirectIntegration(t *testing.T) {
	for _, center := range []bool{false, true} {
		tdltpDirect(t, center)
	}
}

func tdltpDirect(t *testing.T, center bool) {
	const nPre, nPost = 3, 2
	rng := rand.New(rand.NewPCG(1, 2))
	p := TDLTPParams{Eta: 0.7, WInitMV: 1, Center: center}
	rho := []float64{0.05, 0.2}
	w := make([]float64, nPre*nPost)
	for i := range w {
		w[i] = rng.Float64()
	}
	direct := append([]float64(nil), w...)
	l, err := NewTDLTP(w, nPre, nPost, p, -100, 100)
	if err != nil {
		t.Fatal(err)
	}
	da, db, norm, dt := math.Exp(-1.0/200), math.Exp(-1.0/50), 1000/150.0, 0.001
	c := NewTDChunk(da, db, norm, dt)
	ea, eb := make([]float64, nPre*nPost), make([]float64, nPre*nPost)
	eps := make([]float64, nPre)
	for _, chunk := range []int{7, 1, 30, 12} {
		for range chunk {
			for k := range ea {
				ea[k] *= da
				eb[k] *= db
			}
			for j := range eps {
				eps[j] = 0
				if rng.Float64() < 0.7 {
					eps[j] = rng.Float64()
				}
			}
			var post []int32
			for i := range nPost {
				if rng.Float64() < 0.3 {
					post = append(post, int32(i))
					for j := range nPre {
						ea[i*nPre+j] += eps[j]
						eb[i*nPre+j] += eps[j]
					}
				}
			}
			if center {
				for i := range nPost {
					for j := range nPre {
						ea[i*nPre+j] -= rho[i] * eps[j]
						eb[i*nPre+j] -= rho[i] * eps[j]
					}
				}
			}
			l.Eligible(post, eps, &c)
			l.Expect(rho, eps, &c)
			delta := rng.NormFloat64()
			for k := range direct {
				direct[k] += p.Eta * delta * (ea[k] - eb[k]) * dt * norm
			}
			c.Add(delta)
		}
		l.Flush(&c)
		c.Start()
		for k := range direct {
			if math.Abs(w[k]-direct[k]) > 1e-12 {
				t.Fatalf("center %v, after a chunk of %d steps: w[%d] = %.15g, direct integration %.15g", center, chunk, k, w[k], direct[k])
			}
		}
		d := rng.NormFloat64()
		l.Pulse(d, norm)
		for k := range direct {
			direct[k] += p.Eta * d * norm * (ea[k] - eb[k])
		}
	}
}

// A weight change changes the PSP it carries, bounds hold, and
// normalisation keeps each pre neuron's sum.
func TestTDLTPBoundsNormalizeAndPSP(t *testing.T) {
	w := []float64{0.5, 0.2, 0.1, 0.4} // 2 post × 2 pre
	preA, preB := []float64{2, 3}, []float64{1, 1}
	postA, postB := make([]float64, 2), make([]float64, 2)
	l, err := NewTDLTP(w, 2, 2, TDLTPParams{Eta: 1, Normalize: true}, 0, 0.55)
	if err != nil {
		t.Fatal(err)
	}
	l.PreA, l.PreB, l.PostA, l.PostB = preA, preB, postA, postB
	before := append([]float64(nil), w...)
	l.set(0, 0, 0, 0.9) // above w_max
	if w[0] != 0.55 || math.Abs(postA[0]-0.1) > 1e-15 || math.Abs(postB[0]-0.05) > 1e-15 {
		t.Errorf("w %v, PSP parts %v %v: want w capped at 0.55 and the PSP grown by 0.05·(2, 1)", w, postA, postB)
	}
	l.normalize()
	for j := range 2 {
		if got, want := w[j]+w[2+j], before[j]+before[2+j]; math.Abs(got-want) > 1e-12 {
			t.Errorf("pre %d: weights sum to %g after normalize, want %g", j, got, want)
		}
	}
	if _, err := NewTDLTP(w, 3, 2, TDLTPParams{}, 0, 1); err == nil {
		t.Error("4 weights for 3 × 2 synapses: want an error")
	}
}

func TestTDLTPAllocatesNothing(t *testing.T) {
	w := make([]float64, 20*30)
	l, _ := NewTDLTP(w, 20, 30, TDLTPParams{Eta: 1, Normalize: true}, 0, 1)
	c := NewTDChunk(0.99, 0.9, 1, 0.001)
	eps, post := make([]float64, 20), []int32{1, 5, 7}
	for j := range eps {
		eps[j] = 0.1
	}
	if a := testing.AllocsPerRun(50, func() {
		l.Eligible(post, eps, &c)
		c.Add(0.3)
		l.Flush(&c)
		c.Start()
		l.Pulse(0.1, 1)
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

// With Center, a δ that stays positive moves no weight on average: post
// neurons firing at random with the probabilities Expect is told, under
// a constant δ and steady pre PSPs, drift each weight by a small fraction
// of what TD-LTP drifts it (the same spikes in both runs).
func TestTDLTPCenterCancelsAConstantDelta(t *testing.T) {
	const nPre, nPost, steps, chunk = 3, 3, 40000, 20
	p := []float64{0.02, 0.1, 0.3}
	eps := []float64{0.5, 1, 2}
	drift := func(center bool) []float64 {
		w := make([]float64, nPre*nPost)
		l, err := NewTDLTP(w, nPre, nPost, TDLTPParams{Eta: 1e-3, Center: center}, -1e9, 1e9)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 7))
		c := NewTDChunk(math.Exp(-1.0/100), math.Exp(-1.0/25), 1000/75.0, 0.001)
		post := make([]int32, 0, nPost)
		for s := range steps {
			post = post[:0]
			for i, pi := range p {
				if rng.Float64() < pi {
					post = append(post, int32(i))
				}
			}
			l.Eligible(post, eps, &c)
			l.Expect(p, eps, &c)
			c.Add(1)
			if (s+1)%chunk == 0 {
				l.Flush(&c)
				c.Start()
			}
		}
		return w
	}
	hebb, centred := drift(false), drift(true)
	for k := range hebb {
		if !(hebb[k] > 0) || math.Abs(centred[k]) > 0.1*hebb[k] {
			t.Errorf("synapse %d (post p = %g): TD-LTP drifts it by %.4g, the centred rule by %.4g (want below a tenth)", k, p[k/nPre], hebb[k], centred[k])
		}
	}
}
