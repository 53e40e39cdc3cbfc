package neuron

import (
	"fmt"
	"math"
	"testing"
)

func TestRateLeakIsExactForConstantInput(t *testing.T) {
	p, _ := NewRate(1, RateParams{Activation: Linear, TauMs: 20})
	// dv/dt = (I − v)/τ with I = 2 from v = 0: v(t) = 2(1 − e^{−t/τ}),
	// whatever the step.
	for step := range 50 {
		p.Input()[0] = 2
		p.Step(0.7)
		want := 2 * (1 - math.Exp(-0.7*float64(step+1)/20))
		if math.Abs(p.V[0]-want) > 1e-12 {
			t.Fatalf("step %d: v = %g, want %g", step, p.V[0], want)
		}
	}
	if p.I[0] != 0 {
		t.Error("Step did not consume the input")
	}
}

func TestRateWithoutLeakFollowsInput(t *testing.T) {
	for _, a := range []Activation{Linear, Tanh, Sigmoid, ReLU} {
		p, _ := NewRate(3, RateParams{Activation: a})
		copy(p.Input(), []float64{-1, 0.5, 2})
		p.Step(1)
		for i, x := range []float64{-1, 0.5, 2} {
			if p.V[i] != x || p.R[i] != a.F(x) {
				t.Errorf("%v: v = %g r = %g, want %g, %g", a, p.V[i], p.R[i], x, a.F(x))
			}
			// The derivative by finite differences.
			h := 1e-6
			if x != 0 || a != ReLU {
				fd := (a.F(x+h) - a.F(x-h)) / (2 * h)
				if math.Abs(fd-a.Deriv(x, a.F(x))) > 1e-6 {
					t.Errorf("%v'(%g) = %g, finite difference %g", a, x, a.Deriv(x, a.F(x)), fd)
				}
			}
		}
	}
}

func TestRateValidation(t *testing.T) {
	for _, tc := range []struct {
		n   int
		p   RateParams
		key string
	}{
		{0, RateParams{}, "size"},
		{2, RateParams{TauMs: -1}, "tau_ms"},
		{2, RateParams{TauMs: math.NaN()}, "tau_ms"},
		{2, RateParams{Activation: 9}, "activation"},
	} {
		_, err := NewRate(tc.n, tc.p)
		if pe, ok := err.(*ParamError); !ok || pe.Key() != tc.key {
			t.Errorf("%+v: got %v, want a ParamError for %s", tc, err, tc.key)
		}
	}
	var a Activation
	if err := a.UnmarshalText([]byte("softplus")); err == nil {
		t.Error("unknown activation accepted")
	}
}

func TestRateStepAllocatesNothing(t *testing.T) {
	p, _ := NewRate(64, RateParams{Activation: Tanh, TauMs: 10})
	if a := testing.AllocsPerRun(100, func() { p.Step(1) }); a != 0 {
		t.Errorf("%g allocations per step", a)
	}
}

func ExampleRate() {
	p, _ := NewRate(2, RateParams{Activation: Tanh})
	copy(p.Input(), []float64{0, 1})
	p.Step(1)
	fmt.Printf("%.4f\n", p.Output())
	// Output: [0.0000 0.7616]
}
