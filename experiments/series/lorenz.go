package series

import (
	"fmt"
	"math"
	"strconv"

	"github.com/dopa-sim/dopa/internal/param"
)

// LorenzParams are the parameters of the Lorenz system
// dx/dt = σ(y−x), dy/dt = x(ρ−z) − y, dz/dt = xy − βz and of its RK4
// integration and sampling.
type LorenzParams struct {
	// Sigma is σ, the Prandtl number (default 10).
	Sigma float64 `toml:"sigma" check:"finite,>0"`
	// Rho is ρ, the Rayleigh number (default 28, chaotic).
	Rho float64 `toml:"rho" check:"finite,>0"`
	// Beta is β, the geometric factor (default 8/3).
	Beta float64 `toml:"beta" check:"finite,>0"`
	// Dt is the RK4 step in time units (default 0.01).
	Dt float64 `toml:"dt" check:"finite,>0"`
	// SampleEvery is the number of steps between two samples (default 1).
	SampleEvery int `toml:"sample_every" check:">=1"`
	// Transient is the number of leading steps dropped (default 1000):
	// the first sample is the state at t = Transient·Dt.
	Transient int `toml:"transient" check:">=0"`
}

// Defaults returns σ = 10, ρ = 28, β = 8/3, dt = 0.01, every step sampled,
// the first 1000 steps dropped.
func (LorenzParams) Defaults() LorenzParams {
	return LorenzParams{Sigma: 10, Rho: 28, Beta: 8.0 / 3, Dt: 0.01, SampleEvery: 1, Transient: 1000}
}

// Validate reports a parameter out of range, naming its key.
func (p LorenzParams) Validate() error {
	return param.Check(p)
}

// LorenzSeries is a sampled Lorenz trajectory and how it was made (always
// RK4).
type LorenzSeries struct {
	T       []float64 // sample times, (Transient + k·SampleEvery)·Dt
	X, Y, Z []float64 // the state at T[k]
	Params  LorenzParams
	Seed    uint64
	Init    [3]float64 // the initial state (x, y, z) at t = 0, from the seed
}

// Convention describes in one line how the series was made.
func (s *LorenzSeries) Convention() string {
	p := s.Params
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return fmt.Sprintf("rk4 dt=%s, sigma=%s rho=%s beta=%s, initial state (%s, %s, %s) from seed %d, first %d steps dropped, sampled every %d steps",
		g(p.Dt), g(p.Sigma), g(p.Rho), g(p.Beta), g(s.Init[0]), g(s.Init[1]), g(s.Init[2]), s.Seed, p.Transient, p.SampleEvery)
}

type vec3 [3]float64

// lorenzInit is the initial state of a seed: (1, 1, 1) + N(0, I).
func lorenzInit(seed uint64) vec3 {
	r := stream(seed, "lorenz/init")
	return vec3{1 + r.NormFloat64(), 1 + r.NormFloat64(), 1 + r.NormFloat64()}
}

func (p *LorenzParams) deriv(s vec3) vec3 {
	return vec3{p.Sigma * (s[1] - s[0]), s[0]*(p.Rho-s[2]) - s[1], s[0]*s[1] - p.Beta*s[2]}
}

// step advances s by one RK4 step of Dt.
func (p *LorenzParams) step(s vec3) vec3 {
	h := p.Dt
	k1 := p.deriv(s)
	k2 := p.deriv(vec3{s[0] + 0.5*h*k1[0], s[1] + 0.5*h*k1[1], s[2] + 0.5*h*k1[2]})
	k3 := p.deriv(vec3{s[0] + 0.5*h*k2[0], s[1] + 0.5*h*k2[1], s[2] + 0.5*h*k2[2]})
	k4 := p.deriv(vec3{s[0] + h*k3[0], s[1] + h*k3[1], s[2] + h*k3[2]})
	for c := range s {
		s[c] += h / 6 * (k1[c] + 2*k2[c] + 2*k3[c] + k4[c])
	}
	return s
}

// Lorenz integrates the Lorenz system by RK4 from the seed's initial state
// and returns n samples. The same parameters and seed give identical
// series.
func Lorenz(p LorenzParams, n int, seed uint64) (*LorenzSeries, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("series: want n >= 1 samples, got %d", n)
	}
	if err := p.CheckSamples(n); err != nil {
		return nil, err
	}
	s := lorenzInit(seed)
	out := &LorenzSeries{
		T: make([]float64, n), X: make([]float64, n), Y: make([]float64, n), Z: make([]float64, n),
		Params: p, Seed: seed, Init: s,
	}
	for range p.Transient {
		s = p.step(s)
	}
	for k := range n {
		if k > 0 {
			for range p.SampleEvery {
				s = p.step(s)
			}
		}
		if !finite(s[0]) || !finite(s[1]) || !finite(s[2]) {
			return nil, fmt.Errorf("series: Lorenz diverged at step %d: lower dt", p.Transient+k*p.SampleEvery)
		}
		out.T[k] = gridTime(p.Transient+k*p.SampleEvery, p.Dt)
		out.X[k], out.Y[k], out.Z[k] = s[0], s[1], s[2]
	}
	return out, nil
}

// LorenzLyapunov estimates the largest Lyapunov exponent (per time unit) of
// the Lorenz system by Benettin's method: a reference trajectory starts
// from the seed's initial state and runs p.Transient steps onto the
// attractor; a companion starts d₀ = 1e-8 away along (1, 1, 1)/√3; both are
// stepped by RK4 and every 10 steps the separation d is measured, log(d/d₀)
// accumulated and the companion pulled back to distance d₀ along the
// current separation. The first p.Transient steps of the pair (at least
// 1000) only align the separation with the most unstable direction and are
// not counted; the next `steps` steps are. The estimate is the accumulated
// log growth over steps·Dt. Its error falls roughly as 1/√(steps·Dt):
// 10⁵ steps of 0.01 give ±0.02 or so.
//
// It returns NaN if p is not valid (see Validate), steps < 1, or the
// integration diverged.
func LorenzLyapunov(p LorenzParams, seed uint64, steps int) float64 {
	if p.Validate() != nil || steps < 1 {
		return math.NaN()
	}
	const (
		d0    = 1e-8
		every = 10
	)
	a := lorenzInit(seed)
	for range p.Transient {
		a = p.step(a)
	}
	u := d0 / math.Sqrt(3)
	b := vec3{a[0] + u, a[1] + u, a[2] + u}
	// renorm pulls b back to distance d0 from a and returns log(d/d0).
	renorm := func() float64 {
		dx, dy, dz := b[0]-a[0], b[1]-a[1], b[2]-a[2]
		d := math.Sqrt(dx*dx + dy*dy + dz*dz)
		r := d0 / d
		b = vec3{a[0] + dx*r, a[1] + dy*r, a[2] + dz*r}
		return math.Log(d / d0)
	}
	for i := range max(p.Transient, 1000) {
		a, b = p.step(a), p.step(b)
		if (i+1)%every == 0 {
			renorm()
		}
	}
	sum := 0.0
	for i := range steps {
		a, b = p.step(a), p.step(b)
		if (i+1)%every == 0 || i == steps-1 {
			sum += renorm()
		}
	}
	lambda := sum / (float64(steps) * p.Dt)
	if !finite(lambda) {
		return math.NaN()
	}
	return lambda
}

// CheckSamples reports whether n samples need more than MaxSteps
// integration steps, before any is made (a *param.Error at sample_every).
func (p LorenzParams) CheckSamples(n int) error {
	if steps := float64(p.Transient) + float64(n)*float64(p.SampleEvery); steps > MaxSteps {
		return param.New(fmt.Sprintf("%d samples every %d steps after %d need %.3g integration steps, more than %g", n, p.SampleEvery, p.Transient, steps, float64(MaxSteps)), "sample_every")
	}
	return nil
}
