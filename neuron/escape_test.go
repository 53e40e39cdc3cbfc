package neuron

import (
	"errors"
	"math"
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
)

// At rest (no drive, no refractoriness) an escape neuron fires as a
// Poisson process at rho0·exp(−θ/Δu).
func TestEscapeRateAtRest(t *testing.T) {
	p := EscapeParams{}.Defaults()
	p.ThetaMV, p.RefrMV = 4, 0 // ρ = 60·e^{−1} ≈ 22.1 Hz
	z, err := NewEscape(500, p, [32]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range 2000 {
		z.Step(1)
		n += len(z.Spikes())
	}
	want := p.Rate(0) * 2 * 500 // 2 s of 500 neurons
	if sd := math.Sqrt(want); math.Abs(float64(n)-want) > 4*sd {
		t.Errorf("%d spikes, want %.0f ± %.0f (4 sd)", n, want, 4*sd)
	}
}

// A drive w makes the potential follow w·(e^{−s/τ_m} − e^{−s/τ_s}), and a
// spike adds the refractory kernel −refr_mv·e^{−s/τ_refr}.
func TestEscapeKernels(t *testing.T) {
	p := EscapeParams{}.Defaults()
	p.Rho0Hz = 1e-6 // silent
	z, _ := NewEscape(1, p, [32]byte{2})
	z.Input()[0] = 2
	z.Step(0.5)
	for n := 1; n <= 60; n++ {
		z.Step(0.5)
		s := 0.5 * float64(n)
		want := 2 * (math.Exp(-s/p.TauMMs) - math.Exp(-s/p.TauSMs))
		if got := z.U(0); math.Abs(got-want) > 1e-12 {
			t.Fatalf("u(%g ms) = %g, want %g", s, got, want)
		}
	}
	p.ThetaMV = -1000 // fires at once
	z, _ = NewEscape(1, p, [32]byte{3})
	z.Step(1)
	if len(z.Spikes()) != 1 || z.Output()[0] != 1 || z.R[0] != p.RefrMV {
		t.Fatalf("spikes %v, output %v, refractory %g: want one spike and refr_mv %g", z.Spikes(), z.Output(), z.R[0], p.RefrMV)
	}
	z.ThetaMV, z.dt = 1000, 0 // silent from now on
	z.Step(1)
	if want := -p.RefrMV * math.Exp(-1/p.TauRefrMs); math.Abs(z.U(0)-want) > 1e-12 || z.Output()[0] != 0 {
		t.Errorf("u one step after the spike = %g, want %g, output 0", z.U(0), want)
	}
}

func TestEscapeValidate(t *testing.T) {
	p := EscapeParams{}.Defaults()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.TauSMs = p.TauMMs
	var pe *param.Error
	if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != "tau_s_ms" {
		t.Errorf("tau_s_ms = tau_m_ms: got %v, want an error at tau_s_ms", err)
	}
	p = EscapeParams{}.Defaults()
	p.DeltaUMV = 0
	if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != "delta_u_mv" {
		t.Errorf("delta_u_mv = 0: got %v, want an error at delta_u_mv", err)
	}
}

func TestEscapeStepAllocatesNothing(t *testing.T) {
	z, _ := NewEscape(200, EscapeParams{}.Defaults(), [32]byte{4})
	if a := testing.AllocsPerRun(200, func() {
		for i := range z.Input() {
			z.Input()[i] = 0.5
		}
		z.Step(1)
	}); a != 0 {
		t.Errorf("Step allocates %v times", a)
	}
}

// AddPSP between steps starts the PSP now: the next step sees w·ε(dt),
// where a drive through Input would give 0 (ε(0)) at that step.
func TestEscapeAddPSP(t *testing.T) {
	p := EscapeParams{}.Defaults()
	p.ThetaMV = 1000 // silent
	z, _ := NewEscape(2, p, [32]byte{5})
	z.AddPSP(0, 3)
	z.Input()[1] = 3
	z.Step(1)
	if want := 3 * (math.Exp(-1/p.TauMMs) - math.Exp(-1/p.TauSMs)); math.Abs(z.U(0)-want) > 1e-12 || z.U(1) != 0 {
		t.Errorf("u after one step: %g (AddPSP), %g (Input); want %g and 0", z.U(0), z.U(1), want)
	}
}
