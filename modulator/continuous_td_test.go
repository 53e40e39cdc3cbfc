package modulator

import (
	"errors"
	"math"
	"testing"
)

// One spike of one neuron: V follows nu·κ(s) and δ = −V/τ_r + dV/dt with
// dV/dt = nu·κ′(s), both in closed form.
func TestContinuousTDKernel(t *testing.T) {
	p := ContinuousTDParams{}.Defaults()
	p.V0 = 0.3
	c, err := NewContinuousTD(p, 1, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	c.Step(1, 0)
	tk, nk := p.TauKappaMs/1000, p.NuKappaMs/1000
	for n := 1; n <= 2000; n++ {
		d := c.Step(0, 2)
		s := 0.0005 * float64(n)
		v := p.Nu*(math.Exp(-s/tk)-math.Exp(-s/nk))/(tk-nk) + p.V0
		vdot := p.Nu * (-math.Exp(-s/tk)/tk + math.Exp(-s/nk)/nk) / (tk - nk)
		if math.Abs(c.V-v) > 1e-9 || math.Abs(c.VDot-vdot) > 1e-9 || math.Abs(d-(2-v/p.TauRS+vdot)) > 1e-9 {
			t.Fatalf("s = %g: V %g dV/dt %g δ %g, want %g %g %g", s, c.V, c.VDot, d, v, vdot, 2-v/p.TauRS+vdot)
		}
	}
	c.Reset()
	if c.V != p.V0 || c.VDot != 0 {
		t.Errorf("after Reset V %g dV/dt %g, want %g 0", c.V, c.VDot, p.V0)
	}
}

// A population firing steadily at ρ Hz per neuron has V → nu·ρ + v0.
func TestContinuousTDSteadyRate(t *testing.T) {
	p := ContinuousTDParams{}.Defaults()
	c, _ := NewContinuousTD(p, 10, 1)
	for range 5000 {
		c.Step(1, 0) // 10 neurons, 1 spike per ms: 100 Hz each
	}
	if want := p.Value(100); math.Abs(c.V-want) > 0.01*want {
		t.Errorf("V = %g, want %g", c.V, want)
	}
	if a := testing.AllocsPerRun(100, func() { c.Step(3, 1) }); a != 0 {
		t.Errorf("Step allocates %v times", a)
	}
}

func TestContinuousTDValidate(t *testing.T) {
	p := ContinuousTDParams{}.Defaults()
	p.NuKappaMs = p.TauKappaMs
	var pe *ParamError
	if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != "nu_kappa_ms" {
		t.Errorf("nu_kappa_ms = tau_kappa_ms: got %v, want an error at nu_kappa_ms", err)
	}
}
