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
