package neuron

import (
	"errors"
	"math"
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
)

func TestCOBAValidate(t *testing.T) {
	if err := (COBAParams{}).Defaults().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	cases := []struct {
		key string
		set func(*COBAParams)
	}{
		{"tau_m_ms", func(p *COBAParams) { p.TauMMs = 0 }},
		{"tau_m_ms", func(p *COBAParams) { p.TauMMs = math.Inf(1) }},
		{"e_l_mv", func(p *COBAParams) { p.ELMV = math.NaN() }},
		{"i_bias_mv", func(p *COBAParams) { p.IBiasMV = math.Inf(-1) }},
		{"tau_syn_e_ms", func(p *COBAParams) { p.TauSynEMs = -1 }},
		{"tau_syn_i_ms", func(p *COBAParams) { p.TauSynIMs = 0 }},
		{"t_ref_ms", func(p *COBAParams) { p.TRefMs = -0.5 }},
		{"v_reset_mv", func(p *COBAParams) { p.VResetMV = p.VThreshMV }},
		{"e_inh_mv", func(p *COBAParams) { p.EInhMV = p.EExcMV + 1 }},
		{"e_exc_mv", func(p *COBAParams) { p.EExcMV = math.NaN() }},
	}
	for _, c := range cases {
		p := COBAParams{}.Defaults()
		c.set(&p)
		err := p.Validate()
		var pe *param.Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a *param.Error", c.key, err)
			continue
		}
		if got := pe.Key(); got != c.key {
			t.Errorf("error names %q, want %q (%v)", got, c.key, err)
		}
		if _, err := NewCOBA(3, p); err == nil {
			t.Errorf("%s: NewCOBA accepted invalid parameters", c.key)
		}
	}
}

// Without input, v follows the Euler recurrence toward E_L + I_b:
// v_n = v∞ + (v_0 − v∞)·(1 − dt/τ_m)^n, and spikes the first step it
// reaches threshold.
func TestCOBABiasEulerTrajectory(t *testing.T) {
	p := COBAParams{}.Defaults()
	p.IBiasMV = 20 // v∞ = −40 mV, above threshold
	c, err := NewCOBA(1, p)
	if err != nil {
		t.Fatal(err)
	}
	const dt = 0.1
	vinf, v0, k := p.ELMV+p.IBiasMV, p.ELMV, dt/p.TauMMs
	// First n with v_n ≥ v_thresh.
	want := int(math.Ceil(math.Log((vinf-p.VThreshMV)/(vinf-v0)) / math.Log(1-k)))
	for n := 1; n <= want; n++ {
		c.Step(dt)
		spiked := len(c.Spikes()) == 1
		if n < want {
			exp := vinf + (v0-vinf)*math.Pow(1-k, float64(n))
			if math.Abs(c.V[0]-exp) > 1e-9 || spiked {
				t.Fatalf("step %d: v = %.12g (spiked %v), want %.12g without a spike", n, c.V[0], spiked, exp)
			}
		} else if !spiked || c.V[0] != p.VResetMV || c.Output()[0] != 1 {
			t.Fatalf("step %d: spiked %v, v = %g; want a spike and v = v_reset", n, spiked, c.V[0])
		}
	}
	// Held at v_reset for round(t_ref/dt) steps, integrating again after.
	nref := int(math.Round(p.TRefMs / dt))
	for n := 0; n < nref; n++ {
		c.Step(dt)
		if c.V[0] != p.VResetMV || len(c.Spikes()) != 0 || c.Output()[0] != 0 {
			t.Fatalf("refractory step %d: v = %g, spikes %v", n, c.V[0], c.Spikes())
		}
	}
	c.Step(dt)
	if exp := p.VResetMV + k*(vinf-p.VResetMV); math.Abs(c.V[0]-exp) > 1e-12 {
		t.Fatalf("first step after the refractory period: v = %g, want %g", c.V[0], exp)
	}
}

// A conductance decays exactly, and an excitatory conductance drives v
// toward E_e but never past it (E_e below threshold here: no spike).
func TestCOBAConductances(t *testing.T) {
	p := COBAParams{}.Defaults()
	p.EExcMV = -55 // below threshold
	c, err := NewCOBA(2, p)
	if err != nil {
		t.Fatal(err)
	}
	const dt = 0.1
	c.Input()[0] = 50   // strong excitation
	c.InputInh()[1] = 2 // inhibition at rest pulls v toward E_i
	for n := 1; n <= 4000; n++ {
		c.Step(dt)
		if len(c.Spikes()) != 0 {
			t.Fatalf("step %d: spike with E_e below threshold", n)
		}
		if c.V[0] > p.EExcMV {
			t.Fatalf("step %d: v = %g above E_e = %g", n, c.V[0], p.EExcMV)
		}
		if c.V[1] > p.ELMV || c.V[1] < p.EInhMV {
			t.Fatalf("step %d: v = %g outside [E_i, E_L] under inhibition alone", n, c.V[1])
		}
		if n == 10 {
			if want := 50 * math.Exp(-10*dt/p.TauSynEMs); math.Abs(c.GE[0]-want) > 1e-12*want {
				t.Fatalf("g_e after 10 steps = %.15g, want %.15g", c.GE[0], want)
			}
			if want := 2 * math.Exp(-10*dt/p.TauSynIMs); math.Abs(c.GI[1]-want) > 1e-12*want {
				t.Fatalf("g_i after 10 steps = %.15g, want %.15g", c.GI[1], want)
			}
			if c.V[0] < p.ELMV+1 {
				t.Fatalf("v = %g after 1 ms of g_e = 50: not driven toward E_e", c.V[0])
			}
			if c.V[1] >= p.ELMV {
				t.Fatalf("v = %g after 1 ms of g_i = 2: not pulled below E_L", c.V[1])
			}
		}
	}
	if math.Abs(c.V[0]-p.ELMV) > 1e-3 || math.Abs(c.V[1]-p.ELMV) > 1e-3 {
		t.Fatalf("after the conductances decayed v = %v, want back near E_L = %g", c.V, p.ELMV)
	}
	c.Reset()
	if c.V[0] != p.ELMV || c.GE[0] != 0 || c.GI[1] != 0 {
		t.Fatal("Reset left state behind")
	}
}

func TestCOBAStepAllocatesNothing(t *testing.T) {
	p := COBAParams{}.Defaults()
	p.IBiasMV = 20
	c, err := NewCOBA(500, p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.V {
		c.V[i] = p.VResetMV + float64(i%10)
	}
	spikes := 0
	if a := testing.AllocsPerRun(200, func() { c.Step(0.1); spikes += len(c.Spikes()) }); a != 0 {
		t.Fatalf("%g allocations per step", a)
	}
	if spikes == 0 {
		t.Fatal("no spikes during the allocation check")
	}
}
