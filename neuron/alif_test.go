package neuron_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/neuron"
)

var _ neuron.Spiking = (*neuron.ALIF)(nil)

// alifRef is the ALIF step written out for one neuron, from the
// equations of the package doc, as the oracle of TestALIFEquations.
type alifRef struct{ v, a, z, psi float64 }

func (s *alifRef) step(p neuron.ALIFParams, dt, in float64, adaptive, refractory bool) {
	alpha, rho := math.Exp(-dt/p.TauMMs), math.Exp(-dt/p.TauAMs)
	g := 1.0
	if p.ScaleInput {
		g = 1 - alpha
	}
	s.v = alpha*s.v + g*in - p.VThMV*s.z
	s.a = rho*s.a + s.z
	th := p.VThMV
	if adaptive {
		th += p.Beta * s.a
	}
	s.z, s.psi = 0, 0
	if !refractory {
		s.psi = p.Gamma / p.VThMV * math.Max(0, 1-math.Abs(s.v-th)/p.VThMV)
		if s.v >= th {
			s.z = 1
		}
	}
}

// TestALIFEquations drives two neurons (one adaptive, one not) with a
// strong irregular drive and checks every step against the equations:
// v, a, z and ψ, the reset by subtraction, the refractory period and the
// adaptive fraction.
func TestALIFEquations(t *testing.T) {
	for _, scale := range []bool{false, true} {
		p := neuron.ALIFParams{}.Defaults()
		p.TauAMs, p.Beta, p.TRefMs, p.AdaptFraction, p.ScaleInput = 50, 0.5, 3, 0.5, scale
		const dt = 1.0
		l, err := neuron.NewALIF(2, p)
		if err != nil {
			t.Fatal(err)
		}
		if l.Adaptive() != 1 || l.BetaOf(0) != 0.5 || l.BetaOf(1) != 0 {
			t.Fatalf("adaptive %d, β %g, %g; want 1, 0.5, 0", l.Adaptive(), l.BetaOf(0), l.BetaOf(1))
		}
		ref := [2]alifRef{}
		refr := [2]int{}
		spikes := [2]int{}
		drive := func(n, i int) float64 { return 0.15 * (1 + math.Sin(0.37*float64(n)+float64(i))) }
		if scale {
			drive = func(n, i int) float64 { return 2 * (1 + math.Sin(0.37*float64(n)+float64(i))) }
		}
		for n := 0; n < 300; n++ {
			for i := range 2 {
				l.Input()[i] = drive(n, i)
				if refr[i] > 0 {
					refr[i]--
				}
				ref[i].step(p, dt, drive(n, i), i == 0, refr[i] > 0)
				if ref[i].z == 1 {
					refr[i] = 3
					spikes[i]++
				}
			}
			l.Step(dt)
			for i := range 2 {
				if math.Abs(l.V[i]-ref[i].v) > 1e-12 || math.Abs(l.A[i]-ref[i].a) > 1e-12 ||
					l.Output()[i] != ref[i].z || math.Abs(l.Psi[i]-ref[i].psi) > 1e-12 {
					t.Fatalf("scale %v step %d neuron %d: v %g a %g z %g ψ %g; want %g %g %g %g", scale, n, i,
						l.V[i], l.A[i], l.Output()[i], l.Psi[i], ref[i].v, ref[i].a, ref[i].z, ref[i].psi)
				}
				if l.Input()[i] != 0 {
					t.Fatalf("step %d: input not zeroed", n)
				}
			}
		}
		// The drive makes both fire; adaptation makes the adaptive one fire less.
		if spikes[0] == 0 || spikes[1] <= spikes[0] {
			t.Errorf("scale %v: spikes %v: want both > 0, the adaptive neuron fewer", scale, spikes)
		}
	}
}

// A neuron above threshold in every step spikes every round(t_ref/dt)
// steps, and ψ is 0 in the steps between.
func TestALIFRefractory(t *testing.T) {
	p := neuron.ALIFParams{}.Defaults()
	p.Beta, p.TRefMs = 0, 4
	l, err := neuron.NewALIF(1, p)
	if err != nil {
		t.Fatal(err)
	}
	var times []int
	for n := 0; n < 40; n++ {
		l.Input()[0] = 100
		l.Step(1)
		if l.Output()[0] == 1 {
			times = append(times, n)
		} else if len(times) > 0 && l.Psi[0] != 0 {
			t.Fatalf("step %d: ψ = %g while refractory", n, l.Psi[0])
		}
	}
	if len(times) != 10 {
		t.Fatalf("spike steps %v: want every 4th step", times)
	}
	for k := 1; k < len(times); k++ {
		if times[k]-times[k-1] != 4 {
			t.Fatalf("spike steps %v: want every 4th step", times)
		}
	}
}

func TestALIFValidate(t *testing.T) {
	if err := (neuron.ALIFParams{}.Defaults()).Validate(); err != nil {
		t.Fatal(err)
	}
	for key, mod := range map[string]func(*neuron.ALIFParams){
		"tau_m_ms":       func(p *neuron.ALIFParams) { p.TauMMs = 0 },
		"v_th_mv":        func(p *neuron.ALIFParams) { p.VThMV = -1 },
		"t_ref_ms":       func(p *neuron.ALIFParams) { p.TRefMs = math.NaN() },
		"tau_a_ms":       func(p *neuron.ALIFParams) { p.TauAMs = math.Inf(1) },
		"beta":           func(p *neuron.ALIFParams) { p.Beta = -0.1 },
		"adapt_fraction": func(p *neuron.ALIFParams) { p.AdaptFraction = 1.5 },
		"gamma":          func(p *neuron.ALIFParams) { p.Gamma = 0 },
	} {
		p := neuron.ALIFParams{}.Defaults()
		mod(&p)
		var pe *param.Error
		if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != key {
			t.Errorf("%s: got %v, want an error at %s", key, err, key)
		}
	}
	if _, err := neuron.NewALIF(0, neuron.ALIFParams{}.Defaults()); err == nil {
		t.Error("size 0 accepted")
	}
}

func TestALIFStepAllocatesNothing(t *testing.T) {
	l, err := neuron.NewALIF(200, neuron.ALIFParams{}.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	step := func() {
		for i := range l.Input() {
			l.Input()[i] = float64((i+n)%7) * 0.3
		}
		l.Step(1)
		n++
	}
	if a := testing.AllocsPerRun(500, step); a != 0 {
		t.Errorf("Step allocates %v times", a)
	}
}
