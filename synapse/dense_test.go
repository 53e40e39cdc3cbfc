package synapse

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDenseInitLaws checks both laws of the initial weights: the variance
// InitGain²/n_pre for each, the bound √3·InitGain/√n_pre of the uniform
// law, and biases at 0.
func TestDenseInitLaws(t *testing.T) {
	const nPre, nPost, gain = 50, 400, 0.7
	for _, law := range []string{"normal", "uniform", ""} {
		p := DenseParams{}.Defaults()
		p.InitGain, p.Init = gain, law
		d, err := NewDense(nPre, nPost, p)
		if err != nil {
			t.Fatal(err)
		}
		d.Init(rand.New(rand.NewPCG(1, 2)))
		want := gain * gain / nPre
		var sum, sq, maxAbs float64
		w := d.Weights()
		for _, x := range w {
			sum += x
			sq += x * x
			maxAbs = max(maxAbs, math.Abs(x))
		}
		n := float64(len(w))
		v := sq/n - (sum/n)*(sum/n)
		// The sample variance of 20 000 draws is within 3 % of the law's
		// (its relative s.e. is about √(2/n) ≈ 1 % for the normal law).
		if math.Abs(v/want-1) > 0.03 {
			t.Errorf("init %q: variance %g, want %g", law, v, want)
		}
		bound := math.Sqrt(3) * gain / math.Sqrt(nPre)
		if law == "uniform" && maxAbs > bound {
			t.Errorf("uniform: |w| up to %g, above the bound %g", maxAbs, bound)
		}
		if law != "uniform" && maxAbs <= bound {
			t.Errorf("init %q: no weight beyond %g: not a normal law", law, bound)
		}
		for _, b := range d.Biases() {
			if b != 0 {
				t.Fatalf("init %q: bias %g, want 0", law, b)
			}
		}
	}
	p := DenseParams{}.Defaults()
	p.Init = "gaussian"
	var pe *ParamError
	if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != "init" {
		t.Errorf("init = gaussian: got %v, want an error on key init", err)
	}
}

// Pair: the eligibility of a rate three-factor rule, by hand: two pre
// rates, two post terms, a bias, a decay of τ_e = 10 ms over 10 ms; then
// Apply with η = 0.5 and δ = 2 changes each weight by η·δ·e.
func TestDensePair(t *testing.T) {
	p := DenseParams{}.Defaults()
	p.TauEMs = 10
	d, err := NewDense(2, 2, p)
	if err != nil {
		t.Fatal(err)
	}
	clear(d.W)
	d.Pair(10, []float64{1, -0.5}, []float64{2, 3})
	d.Pair(10, []float64{0.5, 1}, []float64{1, 0})
	k := math.Exp(-1)
	want := []float64{k*2 + 0.5, k*3 + 0, k*-1 + 1, k*-1.5 + 0, k*1 + 0.5, k*-0.5 + 1} // w00 w01 w10 w11 b0 b1
	for i, w := range want {
		if math.Abs(d.E[i]-w) > 1e-15 {
			t.Errorf("e[%d] = %g, want %g", i, d.E[i], w)
		}
	}
	d.Apply(0.5, 2, 0)
	for i, w := range want {
		if math.Abs(d.W[i]-w) > 1e-15 {
			t.Errorf("w[%d] = %g, want η·δ·e = %g", i, d.W[i], w)
		}
	}
	post, r := []float64{1, 1}, []float64{1, 1}
	if a := testing.AllocsPerRun(10, func() { d.Pair(1, post, r) }); a != 0 {
		t.Errorf("Pair allocates %g", a)
	}
}
