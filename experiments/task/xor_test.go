package task

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
)

func xorCircuit(t *testing.T) *circuits.Circuit {
	s, err := circuits.Load("xor")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{4})))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestXORGradMatchesLoss: Grad returns the same loss as Loss, and its
// gradient is the derivative of that loss (central differences).
func TestXORGradMatchesLoss(t *testing.T) {
	c := xorCircuit(t)
	x := &XOR{}
	if err := x.Check(c); err != nil {
		t.Fatal(err)
	}
	c.ZeroGrad()
	lg := x.Grad(c)
	if l := x.Loss(c); l != lg {
		t.Fatalf("Grad's loss %g, Loss %g", lg, l)
	}
	const h = 1e-6
	for _, l := range c.Links {
		for i := range l.W {
			w := l.W[i]
			l.W[i] = w + h
			lp := x.Loss(c)
			l.W[i] = w - h
			lm := x.Loss(c)
			l.W[i] = w
			if fd := (lp - lm) / (2 * h); math.Abs(fd-l.Grad[i]) > 1e-7 {
				t.Errorf("%s[%d]: grad %g, finite difference %g", l.Name, i, l.Grad[i], fd)
			}
		}
	}
}

func TestXOREvaluate(t *testing.T) {
	c := xorCircuit(t)
	e := (&XOR{}).Evaluate(c)
	if v, ok := e.Metrics["all_correct"]; !ok || v != 0 && v != 1 || len(e.Metrics) != 1 {
		t.Errorf("evaluate: %+v", e)
	}
	// A hand-set perfect circuit: hidden h1 = tanh(k(x1+x2−0.5)), h2 = tanh(k(x1+x2−1.5)),
	// output σ(k'(h1 − h2 − 1)).
	l1, l2 := c.Links[0], c.Links[1]
	clear(l1.W)
	clear(l2.W)
	k := 10.0
	copy(l1.Weights(), []float64{k, k, k, k, 0, 0, 0, 0})
	copy(l1.Biases(), []float64{-0.5 * k, -1.5 * k, 0, 0})
	copy(l2.Weights(), []float64{k, -k, 0, 0})
	l2.Biases()[0] = -k
	e = (&XOR{}).Evaluate(c)
	if n := (&XOR{}).Correct(c); n != 4 || e.Loss > 1e-3 || e.Metrics["all_correct"] != 1 {
		t.Errorf("hand-set XOR circuit: %d correct, loss %g, %v", n, e.Loss, e.Metrics)
	}
	c.Links[1].Biases()[0] = 100 // every output 1: two wrong, loss ½
	if e = (&XOR{}).Evaluate(c); (&XOR{}).Correct(c) != 2 || math.Abs(e.Loss-0.5) > 1e-6 || e.Metrics["all_correct"] != 0 {
		t.Errorf("all-ones circuit: %d correct, loss %g", (&XOR{}).Correct(c), e.Loss)
	}
}

func TestXORCheckRejectsWrongSizes(t *testing.T) {
	s, _ := circuits.Load("xor")
	s.Populations[2].Size = 2
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{})))
	if err != nil {
		t.Fatal(err)
	}
	if err := (&XOR{}).Check(c); err == nil {
		t.Error("a 2-unit readout passed the XOR check")
	}
}
