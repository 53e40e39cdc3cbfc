package series

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// The reference convention: mean ≈ 0.930, std ≈ 0.226 (brief, section 5).
func TestMackeyGlassReference(t *testing.T) {
	p := MackeyGlassParams{}.Defaults()
	s, err := MackeyGlass(p, 15000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.X) != 15000 || len(s.T) != 15000 {
		t.Fatalf("got %d samples and %d times, want 15000", len(s.X), len(s.T))
	}
	if s.T[0] != 500 || s.T[1] != 501 || s.T[len(s.T)-1] != 15499 {
		t.Errorf("sample times %g, %g, …, %g; want 500, 501, …, 15499", s.T[0], s.T[1], s.T[len(s.T)-1])
	}
	if s.Params.Method != Euler || s.History != 1.2 {
		t.Errorf("method %q, history %g; want euler, 1.2", s.Params.Method, s.History)
	}
	mean, std := Mean(s.X), Std(s.X)
	t.Logf("Mackey-Glass %s, n=15000: mean %.5f, std %.5f", s.Convention(), mean, std)
	if math.Abs(mean-0.930) > 0.005 {
		t.Errorf("mean %.5f, want 0.930 ± 0.005", mean)
	}
	if math.Abs(std-0.226) > 0.005 {
		t.Errorf("std %.5f, want 0.226 ± 0.005", std)
	}
}

// RK4 keeps the same statistics (the attractor, not the trajectory, is
// what the two schemes share after long times).
func TestMackeyGlassRK4Statistics(t *testing.T) {
	p := MackeyGlassParams{}.Defaults()
	p.Method = RK4
	s, err := MackeyGlass(p, 15000, 0)
	if err != nil {
		t.Fatal(err)
	}
	mean, std := Mean(s.X), Std(s.X)
	t.Logf("Mackey-Glass %s, n=15000: mean %.5f, std %.5f", s.Convention(), mean, std)
	if s.Params.Method != RK4 || !strings.HasPrefix(s.Convention(), "rk4 ") {
		t.Errorf("method %q, convention %q: the series does not record rk4", s.Params.Method, s.Convention())
	}
	if math.Abs(mean-0.930) > 0.01 || math.Abs(std-0.226) > 0.01 {
		t.Errorf("mean %.5f, std %.5f; want 0.930 and 0.226 ± 0.01", mean, std)
	}
}

// Over the first 50 time units (before chaos separates them) Euler with
// h = 0.1 and RK4 follow the same solution: Euler's O(h) error stays well
// under 1 %, and RK4 with h = 0.1 agrees with RK4 with h = 0.05 to O(h⁴),
// which checks the Hermite interpolation of the delayed half steps.
func TestMackeyGlassRK4VersusEuler(t *testing.T) {
	gen := func(m Method, h float64) []float64 {
		p := MackeyGlassParams{}.Defaults()
		p.Method, p.Step, p.Discard = m, h, 0
		s, err := MackeyGlass(p, 51, 0) // t = 0, 1, …, 50
		if err != nil {
			t.Fatal(err)
		}
		return s.X
	}
	maxDiff := func(a, b []float64) float64 {
		d := 0.0
		for i := range a {
			d = max(d, math.Abs(a[i]-b[i]))
		}
		return d
	}
	euler, rk4, rk4Half, eulerFine := gen(Euler, 0.1), gen(RK4, 0.1), gen(RK4, 0.05), gen(Euler, 0.001)
	dEuler, dRK4, dFine := maxDiff(euler, rk4), maxDiff(rk4, rk4Half), maxDiff(eulerFine, rk4)
	t.Logf("max |x| difference over t in [0, 50]: euler(0.1)–rk4(0.1) %.3g, rk4(0.1)–rk4(0.05) %.3g, euler(0.001)–rk4(0.1) %.3g", dEuler, dRK4, dFine)
	if dEuler > 0.01 {
		t.Errorf("Euler and RK4 differ by %.3g over the first 50 time units, want < 0.01", dEuler)
	}
	if dRK4 > 1e-7 {
		t.Errorf("RK4 at h = 0.1 and 0.05 differ by %.3g, want < 1e-7 (fourth order)", dRK4)
	}
	if dFine > dEuler/10 {
		t.Errorf("Euler with h = 0.001 is %.3g from RK4, want 10 times closer than Euler with h = 0.1 (%.3g)", dFine, dEuler)
	}
	// Fourth order: halving h divides the error by about 16 (linear
	// interpolation of the delayed half steps would give about 4).
	ref := gen(RK4, 0.0125)
	e1, e2 := maxDiff(rk4, ref), maxDiff(rk4Half, ref)
	t.Logf("RK4 error against h = 0.0125: %.3g at h = 0.1, %.3g at h = 0.05, ratio %.1f", e1, e2, e1/e2)
	if e1/e2 < 12 {
		t.Errorf("RK4 error ratio for halving h is %.1f, want about 16 (fourth order)", e1/e2)
	}
}

func TestMackeyGlassDeterminism(t *testing.T) {
	p := MackeyGlassParams{}.Defaults()
	for _, m := range []Method{Euler, RK4} {
		p.Method = m
		gen := func(seed uint64) *MackeyGlassSeries {
			s, err := MackeyGlass(p, 2000, seed)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		a, b, c := gen(7), gen(7), gen(8)
		if !slices.Equal(a.X, b.X) || !slices.Equal(a.T, b.T) || a.History != b.History {
			t.Errorf("%s: seed 7 twice gave different series", m)
		}
		if slices.Equal(a.X, c.X) {
			t.Errorf("%s: seeds 7 and 8 gave the same series", m)
		}
		if a.History == 1.2 || math.Abs(a.History-1.2) > 0.05 {
			t.Errorf("%s: seed 7 history %g, want 1.2 perturbed by about 0.01", m, a.History)
		}
		if z := gen(0); z.History != 1.2 {
			t.Errorf("%s: seed 0 history %g, want exactly 1.2", m, z.History)
		}
	}
}

func TestLorenzDeterminism(t *testing.T) {
	p := LorenzParams{}.Defaults()
	gen := func(seed uint64) *LorenzSeries {
		s, err := Lorenz(p, 3000, seed)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, c := gen(3), gen(3), gen(4)
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) || !slices.Equal(a.Z, b.Z) || a.Init != b.Init {
		t.Error("seed 3 twice gave different series")
	}
	if slices.Equal(a.X, c.X) || a.Init == c.Init {
		t.Error("seeds 3 and 4 gave the same series")
	}
	if a.T[0] != 10 || a.T[1] != 10.01 || a.T[2999] != 39.99 {
		t.Errorf("sample times %g, %g, …, %g; want 10, 10.01, …, 39.99", a.T[0], a.T[1], a.T[2999])
	}
	// On the attractor: |x|, |y| < 30, 0 < z < 55.
	for k := range a.X {
		if math.Abs(a.X[k]) > 30 || math.Abs(a.Y[k]) > 30 || a.Z[k] < 0 || a.Z[k] > 55 {
			t.Fatalf("sample %d (%g, %g, %g) is off the attractor", k, a.X[k], a.Y[k], a.Z[k])
		}
	}
	// Sampling every 5 steps picks every 5th state of the same trajectory.
	p5 := p
	p5.SampleEvery = 5
	s5, err := Lorenz(p5, 600, 3)
	if err != nil {
		t.Fatal(err)
	}
	for k := range s5.X {
		if s5.X[k] != a.X[5*k] || s5.T[k] != a.T[5*k] {
			t.Fatalf("sample_every=5: sample %d is x=%g at t=%g, want %g at %g", k, s5.X[k], s5.T[k], a.X[5*k], a.T[5*k])
		}
	}
}

// The largest Lyapunov exponent of the Lorenz system is ≈ 0.906.
func TestLorenzLyapunov(t *testing.T) {
	p := LorenzParams{}.Defaults()
	for _, seed := range []uint64{0, 1, 2} {
		l := LorenzLyapunov(p, seed, 200_000) // 2000 time units
		t.Logf("seed %d: largest Lyapunov exponent %.4f", seed, l)
		if math.Abs(l-0.906) > 0.03 {
			t.Errorf("seed %d: largest Lyapunov exponent %.4f, want 0.906 ± 0.03", seed, l)
		}
	}
	if l := LorenzLyapunov(LorenzParams{}, 0, 100); !math.IsNaN(l) {
		t.Errorf("invalid params gave %g, want NaN", l)
	}
}

func TestValidationNamesKeys(t *testing.T) {
	mg := func(f func(*MackeyGlassParams)) error {
		p := MackeyGlassParams{}.Defaults()
		f(&p)
		_, err := MackeyGlass(p, 10, 0)
		return err
	}
	lz := func(f func(*LorenzParams)) error {
		p := LorenzParams{}.Defaults()
		f(&p)
		_, err := Lorenz(p, 10, 0)
		return err
	}
	for _, c := range []struct {
		key string
		err error
	}{
		{"beta", mg(func(p *MackeyGlassParams) { p.Beta = -1 })},
		{"gamma", mg(func(p *MackeyGlassParams) { p.Gamma = math.NaN() })},
		{"n", mg(func(p *MackeyGlassParams) { p.N = 0 })},
		{"tau", mg(func(p *MackeyGlassParams) { p.Tau = 0 })},
		{"tau", mg(func(p *MackeyGlassParams) { p.Tau = 17.05 })},
		{"method", mg(func(p *MackeyGlassParams) { p.Method = "heun" })},
		{"method", mg(func(p *MackeyGlassParams) { p.Method = "" })},
		{"step", mg(func(p *MackeyGlassParams) { p.Step = math.Inf(1) })},
		{"sample_interval", mg(func(p *MackeyGlassParams) { p.SampleInterval = 0.25 })},
		{"discard", mg(func(p *MackeyGlassParams) { p.Discard = -1 })},
		{"history", mg(func(p *MackeyGlassParams) { p.History = 0 })},
		{"history_noise", mg(func(p *MackeyGlassParams) { p.HistoryNoise = -0.1 })},
		{"sigma", lz(func(p *LorenzParams) { p.Sigma = 0 })},
		{"rho", lz(func(p *LorenzParams) { p.Rho = math.NaN() })},
		{"beta", lz(func(p *LorenzParams) { p.Beta = -8.0 / 3 })},
		{"dt", lz(func(p *LorenzParams) { p.Dt = 0 })},
		{"sample_every", lz(func(p *LorenzParams) { p.SampleEvery = 0 })},
		{"transient", lz(func(p *LorenzParams) { p.Transient = -1 })},
	} {
		var pe *ParamError
		if !errors.As(c.err, &pe) || pe.Key() != c.key || !strings.HasPrefix(c.err.Error(), c.key+": ") {
			t.Errorf("want an error naming %q, got %v", c.key, c.err)
		}
	}
	if err := (MackeyGlassParams{}.Defaults()).Validate(); err != nil {
		t.Errorf("Mackey-Glass defaults: %v", err)
	}
	if err := (LorenzParams{}.Defaults()).Validate(); err != nil {
		t.Errorf("Lorenz defaults: %v", err)
	}
	if _, err := MackeyGlass(MackeyGlassParams{}.Defaults(), 0, 0); err == nil {
		t.Error("n = 0 accepted")
	}
	if _, err := Lorenz(LorenzParams{}.Defaults(), -1, 0); err == nil {
		t.Error("n = -1 accepted")
	}
	// A step too large for the dynamics is an error, not a series of NaN.
	p := LorenzParams{}.Defaults()
	p.Dt = 0.5
	if _, err := Lorenz(p, 10, 0); err == nil || !strings.Contains(err.Error(), "dt") {
		t.Errorf("Lorenz with dt = 0.5: want a divergence error naming dt, got %v", err)
	}
}

func TestStatistics(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	if m := Mean(x); m != 2.5 {
		t.Errorf("Mean = %g, want 2.5", m)
	}
	if s := Std(x); math.Abs(s-math.Sqrt(1.25)) > 1e-15 {
		t.Errorf("Std = %g, want sqrt(1.25) (population)", s)
	}
	if e := NRMSE(x, x); e != 0 {
		t.Errorf("NRMSE of a perfect forecast = %g, want 0", e)
	}
	mean := []float64{2.5, 2.5, 2.5, 2.5}
	if e := NRMSE(mean, x); math.Abs(e-1) > 1e-15 {
		t.Errorf("NRMSE of the mean forecast = %g, want 1", e)
	}
	if e := NRMSE([]float64{2, 3, 4, 5}, x); math.Abs(e-1/math.Sqrt(1.25)) > 1e-15 {
		t.Errorf("NRMSE of an offset of 1 = %g, want 1/sqrt(1.25)", e)
	}
	if !math.IsNaN(Mean(nil)) || !math.IsNaN(Std(nil)) || !math.IsNaN(NRMSE(nil, nil)) {
		t.Error("empty slices should give NaN")
	}
	defer func() {
		if recover() == nil {
			t.Error("NRMSE of different lengths did not panic")
		}
	}()
	NRMSE(x, x[:3])
}

func BenchmarkMackeyGlass15000(b *testing.B) {
	for _, m := range []Method{Euler, RK4} {
		b.Run(string(m), func(b *testing.B) {
			p := MackeyGlassParams{}.Defaults()
			p.Method = m
			for b.Loop() {
				if _, err := MackeyGlass(p, 15000, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLorenz15000(b *testing.B) {
	p := LorenzParams{}.Defaults()
	for b.Loop() {
		if _, err := Lorenz(p, 15000, 0); err != nil {
			b.Fatal(err)
		}
	}
}
