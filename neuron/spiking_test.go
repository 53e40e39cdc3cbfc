package neuron_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

var (
	_ neuron.Spiking = (*neuron.LIF)(nil)
	_ neuron.Spiking = (*neuron.Izhikevich)(nil)
)

// lifAnalytic is v(t) of a LIF neuron that starts at v0 with synaptic
// currents ie, ii and receives nothing else (no threshold).
func lifAnalytic(p neuron.LIFParams, v0, ie, ii, t float64) float64 {
	v := p.VRestMV + (v0-p.VRestMV)*math.Exp(-t/p.TauMMs)
	for _, c := range []struct{ w, tau float64 }{{ie, p.TauSynEMs}, {ii, p.TauSynIMs}} {
		if math.Abs(c.tau-p.TauMMs) < 1e-6*p.TauMMs {
			// The limit τ → τ_m (the general form cancels catastrophically here).
			v += c.w * t / p.TauMMs * math.Exp(-t/p.TauMMs)
		} else {
			v += c.w * c.tau / (c.tau - p.TauMMs) * (math.Exp(-t/c.tau) - math.Exp(-t/p.TauMMs))
		}
	}
	return v
}

func TestLIFExactIntegration(t *testing.T) {
	for _, taus := range [][2]float64{{5, 10}, {20, 3}, {20, 20}, {20 * (1 + 1e-10), 20}} {
		for _, dt := range []float64{0.1, 1, 2.5} {
			p := neuron.LIFParams{}.Defaults()
			p.VThreshMV = 1e9 // never fire
			p.TauSynEMs, p.TauSynIMs = taus[0], taus[1]
			l, err := neuron.NewLIF(1, p)
			if err != nil {
				t.Fatal(err)
			}
			l.V[0] = -65
			l.Input()[0] = 4     // I_e jumps by 4 mV
			l.InputInh()[0] = -3 // I_i jumps by −3 mV
			for n := 1; n <= int(math.Round(60/dt)); n++ {
				l.Step(dt)
				want := lifAnalytic(p, -65, 4, -3, float64(n)*dt)
				if math.Abs(l.V[0]-want) > 1e-9 {
					t.Fatalf("τ=%v dt=%g step %d: v = %.12g, want %.12g", taus, dt, n, l.V[0], want)
				}
			}
			if got, want := l.SynE[0], 4*math.Exp(-60/taus[0]); math.Abs(got-want) > 1e-12 {
				t.Errorf("τ=%v dt=%g: I_e(60) = %g, want %g", taus, dt, got, want)
			}
		}
	}
}

// With v_rest above threshold and no input, a LIF neuron fires
// periodically: round(t_ref/dt) steps held at reset, then
// ceil(τ_m·ln((v_rest−v_reset)/(v_rest−v_thresh))/dt) steps to threshold.
func TestLIFTonicFiringPeriod(t *testing.T) {
	p := neuron.LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10}
	for _, dt := range []float64{0.1, 0.25, 1} {
		l, err := neuron.NewLIF(3, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range l.V {
			l.V[i] = p.VResetMV
		}
		nref := int(math.Round(p.TRefMs / dt))
		if got := l.RefractorySteps(dt); got != nref {
			t.Fatalf("RefractorySteps(%g) = %d, want %d", dt, got, nref)
		}
		rise := int(math.Ceil(p.TauMMs * math.Log((p.VRestMV-p.VResetMV)/(p.VRestMV-p.VThreshMV)) / dt))
		var times []int
		last := -1
		for n := 0; n < int(1000/dt); n++ {
			l.Step(dt)
			sp := l.Spikes()
			if len(sp) != 0 && len(sp) != 3 {
				t.Fatalf("identical neurons spiked apart: %v", sp)
			}
			if len(sp) == 3 {
				times = append(times, n)
				last = n
				for i := range l.V {
					if l.V[i] != p.VResetMV || l.Output()[i] != 1 {
						t.Fatalf("after spike: v = %g, out = %g", l.V[i], l.Output()[i])
					}
				}
			} else if last >= 0 && n-last <= nref && l.V[0] != p.VResetMV {
				t.Fatalf("dt=%g: v = %g during refractoriness (step %d after a spike)", dt, l.V[0], n-last)
			}
		}
		if len(times) < 5 {
			t.Fatalf("dt=%g: only %d spikes", dt, len(times))
		}
		if times[0] != rise-1 {
			t.Errorf("dt=%g: first spike in step %d, want %d", dt, times[0], rise-1)
		}
		for k := 1; k < len(times); k++ {
			if isi := times[k] - times[k-1]; isi != nref+rise {
				t.Fatalf("dt=%g: ISI %d steps, want %d", dt, isi, nref+rise)
			}
		}
	}
}

func TestLIFRefractoryKeepsSynapticInput(t *testing.T) {
	p := neuron.LIFParams{}.Defaults()
	p.TRefMs = 2
	l, _ := neuron.NewLIF(1, p)
	dt := 0.1
	l.Input()[0] = 1e5 // moves v by ≈ 490 mV in the first step
	l.Step(dt)
	if len(l.Spikes()) != 1 {
		t.Fatalf("no spike from a strong kick, v = %g", l.V[0])
	}
	// During refractoriness input arrives, v stays at reset, the current grows.
	for n := 0; n < 20; n++ {
		before := l.SynE[0]
		l.Input()[0] += 1
		l.Step(dt)
		if l.V[0] != p.VResetMV || len(l.Spikes()) != 0 || l.Output()[0] != 0 {
			t.Fatalf("refractory step %d: v = %g, spikes %v", n, l.V[0], l.Spikes())
		}
		// Input is the current itself: the jump of 1, then one step of decay.
		if want := (before + 1) * math.Exp(-dt/p.TauSynEMs); math.Abs(l.SynE[0]-want) > 1e-9*want {
			t.Fatalf("refractory step %d: I_e = %g, want %g", n, l.SynE[0], want)
		}
	}
	if l.SynE[0] < 1e5*math.Exp(-2.1/p.TauSynEMs) {
		t.Fatalf("current decayed wrongly during refractoriness: %g", l.SynE[0])
	}
	l.Step(dt) // the first free step: the remaining current fires it again
	if len(l.Spikes()) != 1 {
		t.Fatalf("no spike right after refractoriness, v = %g", l.V[0])
	}
	l.Reset()
	if l.V[0] != p.VRestMV || l.SynE[0] != 0 || l.Ref[0] != 0 || len(l.Spikes()) != 0 || l.Output()[0] != 0 {
		t.Fatalf("Reset left state: v=%g I=%g ref=%d", l.V[0], l.SynE[0], l.Ref[0])
	}
}

func TestLIFSpikesMatchOutput(t *testing.T) {
	p := neuron.LIFParams{}.Defaults()
	l, _ := neuron.NewLIF(50, p)
	for n := 0; n < 2000; n++ {
		for i := range l.Len() {
			l.Input()[i] += 0.35 * float64(i%7)
			if i%3 == 0 {
				l.InputInh()[i] -= 0.5
			}
		}
		l.Step(0.1)
		k := 0
		for i, o := range l.Output() {
			in := k < len(l.Spikes()) && int(l.Spikes()[k]) == i
			if in {
				k++
			}
			if (o == 1) != in || (o != 0 && o != 1) {
				t.Fatalf("step %d neuron %d: output %g, in spikes %v", n, i, o, in)
			}
		}
		if k != len(l.Spikes()) {
			t.Fatalf("spikes not ascending: %v", l.Spikes())
		}
	}
}

func TestSpikingStepAllocatesNothing(t *testing.T) {
	l, _ := neuron.NewLIF(500, neuron.LIFParams{}.Defaults())
	z, _ := neuron.NewIzhikevich(500, neuron.RegularSpiking())
	spikes := 0
	step := func() {
		for i := range l.Input() {
			l.Input()[i] = 0.5 + 0.01*float64(i)
			z.Input()[i] = 5 + 0.02*float64(i)
		}
		l.Step(0.1)
		z.Step(0.1)
		spikes += len(l.Spikes()) + len(z.Spikes())
	}
	if a := testing.AllocsPerRun(2000, step); a != 0 {
		t.Fatalf("%g allocations per step", a)
	}
	if spikes == 0 {
		t.Fatal("no spikes during the allocation check")
	}
}

func TestLIFValidate(t *testing.T) {
	def := neuron.LIFParams{}.Defaults()
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key string
		mod func(*neuron.LIFParams)
	}{
		{"tau_m_ms", func(p *neuron.LIFParams) { p.TauMMs = 0 }},
		{"tau_m_ms", func(p *neuron.LIFParams) { p.TauMMs = math.NaN() }},
		{"v_rest_mv", func(p *neuron.LIFParams) { p.VRestMV = math.Inf(1) }},
		{"v_thresh_mv", func(p *neuron.LIFParams) { p.VThreshMV = math.NaN() }},
		{"v_reset_mv", func(p *neuron.LIFParams) { p.VResetMV = p.VThreshMV }},
		{"t_ref_ms", func(p *neuron.LIFParams) { p.TRefMs = -1 }},
		{"tau_syn_e_ms", func(p *neuron.LIFParams) { p.TauSynEMs = -5 }},
		{"tau_syn_i_ms", func(p *neuron.LIFParams) { p.TauSynIMs = math.Inf(1) }},
	}
	for _, c := range cases {
		p := def
		c.mod(&p)
		err := p.Validate()
		var pe *neuron.ParamError
		if !errors.As(err, &pe) || pe.Key() != c.key {
			t.Errorf("want error on %s, got %v", c.key, err)
		}
		if _, err := neuron.NewLIF(3, p); err == nil {
			t.Errorf("NewLIF accepted bad %s", c.key)
		}
	}
	if _, err := neuron.NewLIF(0, def); err == nil {
		t.Error("NewLIF accepted size 0")
	}
}

func TestIzhikevichPresets(t *testing.T) {
	rs, fs := neuron.RegularSpiking(), neuron.FastSpiking()
	if rs != (neuron.IzhikevichParams{A: 0.02, B: 0.2, CMV: -65, D: 8, VPeakMV: 30, VInitMV: -65}) {
		t.Errorf("RegularSpiking = %+v", rs)
	}
	if fs != (neuron.IzhikevichParams{A: 0.1, B: 0.2, CMV: -65, D: 2, VPeakMV: 30, VInitMV: -65}) {
		t.Errorf("FastSpiking = %+v", fs)
	}
	if (neuron.IzhikevichParams{}).Defaults() != rs {
		t.Error("Defaults is not RegularSpiking")
	}
}

// One step of dt = 1 ms is the original code: two half steps of v, then u.
func TestIzhikevichOneStep(t *testing.T) {
	z, _ := neuron.NewIzhikevich(1, neuron.RegularSpiking())
	v, u, I := -60.0, -12.5, 7.0
	z.V[0], z.U[0] = v, u
	z.Input()[0] = I
	z.Step(1)
	v += 0.5 * ((0.04*v+5)*v + 140 - u + I)
	v += 0.5 * ((0.04*v+5)*v + 140 - u + I)
	u += 0.02 * (0.2*v - u)
	if z.V[0] != v || z.U[0] != u {
		t.Fatalf("got v=%v u=%v, want v=%v u=%v", z.V[0], z.U[0], v, u)
	}
	if z.Input()[0] != 0 {
		t.Fatal("input not consumed")
	}
	// A neuron just below v_peak crosses it, spikes and resets: v ← c, u ← u + d.
	v, u = 29, 0
	z.V[0], z.U[0] = v, u
	z.Step(1)
	v += 0.5 * ((0.04*v+5)*v + 140 - u)
	v += 0.5 * ((0.04*v+5)*v + 140 - u)
	u += 0.02*(0.2*v-u) + 8
	if len(z.Spikes()) != 1 || z.V[0] != -65 || z.Output()[0] != 1 {
		t.Fatalf("no reset: v = %g, spikes %v", z.V[0], z.Spikes())
	}
	if z.U[0] != u {
		t.Fatalf("u after spike = %v, want %v", z.U[0], u)
	}
	z.Step(1)
	if len(z.Spikes()) != 0 || z.Output()[0] != 0 {
		t.Fatal("spike indicator not cleared")
	}
}

// izhikevichRun returns the spike steps of one neuron under a constant
// current over durMs.
func izhikevichRun(t *testing.T, p neuron.IzhikevichParams, I, dt, durMs float64) []float64 {
	t.Helper()
	z, err := neuron.NewIzhikevich(1, p)
	if err != nil {
		t.Fatal(err)
	}
	var times []float64
	for n := 0; n < int(math.Round(durMs/dt)); n++ {
		z.Input()[0] = I
		z.Step(dt)
		if len(z.Spikes()) == 1 {
			times = append(times, float64(n+1)*dt)
		}
	}
	return times
}

func TestIzhikevichRestAndFiring(t *testing.T) {
	// Without input a regular-spiking neuron settles at its resting point,
	// the lower root of 0.04v² + (5−b)v + 140 = 0: v = −70 mV for b = 0.2.
	z, _ := neuron.NewIzhikevich(1, neuron.RegularSpiking())
	for n := 0; n < 20000; n++ {
		z.Step(0.1)
		if len(z.Spikes()) != 0 {
			t.Fatalf("spike without input at step %d", n)
		}
	}
	if math.Abs(z.V[0]+70) > 1e-3 || math.Abs(z.U[0]+14) > 1e-3 {
		t.Fatalf("rest v = %g, u = %g, want −70, −14", z.V[0], z.U[0])
	}

	// Under I = 10, regular spiking adapts (its ISI grows), fast spiking
	// fires several times faster.
	rs := izhikevichRun(t, neuron.RegularSpiking(), 10, 0.1, 1000)
	fs := izhikevichRun(t, neuron.FastSpiking(), 10, 0.1, 1000)
	if len(rs) < 5 || len(fs) < 3*len(rs) {
		t.Fatalf("RS %d spikes, FS %d spikes in 1 s at I = 10", len(rs), len(fs))
	}
	adapt := func(s []float64) float64 { return (s[len(s)-1] - s[len(s)-2]) / (s[1] - s[0]) }
	if ar := adapt(rs); !(ar > 1.5) {
		t.Errorf("RS does not adapt: last/first ISI %g", ar)
	}
	t.Logf("last/first ISI: RS %.2f, FS %.2f", adapt(rs), adapt(fs))
	t.Logf("I = 10, dt = 0.1 ms: RS %d spikes/s, FS %d spikes/s", len(rs), len(fs))
}

// The scheme is not exact but converges: the spike count of a regular
// spiking neuron in 1 s at I = 10 is that of dt = 0.01 ms within 5 % at
// dt = 0.1 ms and within 20 % at dt = 1 ms (the figures in the type's doc).
func TestIzhikevichStepSizeDependence(t *testing.T) {
	ref := len(izhikevichRun(t, neuron.RegularSpiking(), 10, 0.01, 1000))
	for _, dt := range []float64{0.1, 0.5, 1} {
		n := len(izhikevichRun(t, neuron.RegularSpiking(), 10, dt, 1000))
		rel := math.Abs(float64(n-ref)) / float64(ref)
		t.Logf("dt = %g ms: %d spikes (dt = 0.01 ms: %d), rel. diff %.3f", dt, n, ref, rel)
		if tol := map[float64]float64{0.1: 0.05, 0.5: 0.1, 1: 0.2}[dt]; rel > tol {
			t.Errorf("dt = %g ms: %d spikes, %d at dt = 0.01 ms", dt, n, ref)
		}
	}
}

func TestIzhikevichValidate(t *testing.T) {
	cases := []struct {
		key string
		mod func(*neuron.IzhikevichParams)
	}{
		{"a", func(p *neuron.IzhikevichParams) { p.A = -0.1 }},
		{"b", func(p *neuron.IzhikevichParams) { p.B = math.NaN() }},
		{"c_mv", func(p *neuron.IzhikevichParams) { p.CMV = 30 }},
		{"d", func(p *neuron.IzhikevichParams) { p.D = math.Inf(-1) }},
		{"v_peak_mv", func(p *neuron.IzhikevichParams) { p.VPeakMV = math.NaN() }},
		{"v_init_mv", func(p *neuron.IzhikevichParams) { p.VInitMV = 40 }},
	}
	for _, c := range cases {
		p := neuron.RegularSpiking()
		c.mod(&p)
		var pe *neuron.ParamError
		if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != c.key {
			t.Errorf("want error on %s, got %v", c.key, err)
		}
		if _, err := neuron.NewIzhikevich(2, p); err == nil {
			t.Errorf("NewIzhikevich accepted bad %s", c.key)
		}
	}
	if err := neuron.FastSpiking().Validate(); err != nil {
		t.Error(err)
	}
}

func TestIzhikevichExponentialSynapse(t *testing.T) {
	p := neuron.RegularSpiking()
	p.TauSynMs = 5
	z, err := neuron.NewIzhikevich(1, p)
	if err != nil {
		t.Fatal(err)
	}
	z.Input()[0] = 2 // one kick, then nothing
	for n := 1; n <= 20; n++ {
		z.Step(0.5)
		if want := 2 * math.Exp(-0.5*float64(n)/5); math.Abs(z.Input()[0]-want) > 1e-12 {
			t.Fatalf("step %d: I = %g, want %g", n, z.Input()[0], want)
		}
	}
	// τ_syn = 0 (the default): the drive lasts one step.
	z0, _ := neuron.NewIzhikevich(1, neuron.RegularSpiking())
	z0.Input()[0] = 2
	z0.Step(0.5)
	if z0.Input()[0] != 0 {
		t.Errorf("τ_syn = 0: I = %g after the step, want 0", z0.Input()[0])
	}
	p.TauSynMs = -1
	if _, err := neuron.NewIzhikevich(1, p); err == nil {
		t.Error("negative tau_syn_ms accepted")
	}
}
