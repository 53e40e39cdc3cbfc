package series

import (
	"fmt"
	"math"
	"strconv"

	"github.com/dopa-sim/dopa/internal/param"
)

// MackeyGlassParams are the parameters of the Mackey-Glass equation
// dx/dt = β·x(t−τ)/(1+x(t−τ)^n) − γ·x and of its integration and sampling.
type MackeyGlassParams struct {
	// Beta is β, the gain of the delayed production term (default 0.2).
	Beta float64 `toml:"beta" check:"finite,>=0"`
	// Gamma is γ, the decay rate of x (default 0.1).
	Gamma float64 `toml:"gamma" check:"finite,>=0"`
	// N is n, the exponent of the delayed term's saturation (default 10).
	N float64 `toml:"n" check:"finite,>0"`
	// Tau is τ, the delay in time units (default 17, chaotic; 30 is more
	// strongly chaotic). It must be a whole multiple of Step.
	Tau float64 `toml:"tau" check:"finite,>0"`
	// Method is the integration scheme, "euler" (default, the reference
	// convention) or "rk4" (delayed half-step values from cubic Hermite
	// interpolation; see the package documentation).
	Method Method `toml:"method"`
	// Step is h, the integration step in time units (default 0.1).
	Step float64 `toml:"step" check:"finite,>0"`
	// SampleInterval is the time between two samples (default 1.0). It must
	// be a whole multiple of Step.
	SampleInterval float64 `toml:"sample_interval" check:"finite,>0"`
	// Discard is the number of leading samples dropped (default 500): the
	// first sample returned is x(Discard·SampleInterval).
	Discard int `toml:"discard" check:">=0"`
	// History is the constant value of x(t) for t ≤ 0 (default 1.2).
	History float64 `toml:"history" check:"finite,>0"`
	// HistoryNoise is the standard deviation of the perturbation of History
	// for seeds other than 0 (default 0.01); seed 0 uses History exactly.
	HistoryNoise float64 `toml:"history_noise" check:"finite,>=0"`
}

// Defaults returns the reference convention: β = 0.2, γ = 0.1, n = 10,
// τ = 17, Euler with h = 0.1, history 1.2, one sample per time unit, first
// 500 samples dropped.
func (MackeyGlassParams) Defaults() MackeyGlassParams {
	return MackeyGlassParams{
		Beta: 0.2, Gamma: 0.1, N: 10, Tau: 17,
		Method: Euler, Step: 0.1, SampleInterval: 1, Discard: 500,
		History: 1.2, HistoryNoise: 0.01,
	}
}

// Validate reports a parameter out of range, naming its key.
func (p MackeyGlassParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.Method != Euler && p.Method != RK4:
		return param.New(fmt.Sprintf("unknown method %q (want euler or rk4)", p.Method), "method")
	case gridSteps(p.Tau, p.Step) == 0:
		return param.New(fmt.Sprintf("must be a whole multiple of step (%g), got %g", p.Step, p.Tau), "tau")
	case gridSteps(p.Tau, p.Step) > MaxDelaySteps:
		// The delay is held in memory, one value (two for rk4) per step.
		return param.New(fmt.Sprintf("tau / step = %d steps of delay, more than %d", gridSteps(p.Tau, p.Step), MaxDelaySteps), "tau")
	case gridSteps(p.SampleInterval, p.Step) == 0:
		return param.New(fmt.Sprintf("must be a whole multiple of step (%g), got %g", p.Step, p.SampleInterval), "sample_interval")
	}
	return nil
}

// MaxDelaySteps bounds the delay τ/h in integration steps: the history
// the integrator keeps in memory.
const MaxDelaySteps = 10_000_000

// MackeyGlassSeries is a sampled Mackey-Glass series and how it was made.
type MackeyGlassSeries struct {
	T []float64 // sample times, (Discard+k)·SampleInterval
	X []float64 // x(T[k])
	// Params are the parameters used; Params.Method records the
	// integration scheme.
	Params MackeyGlassParams
	Seed   uint64
	// History is the constant history actually used: Params.History for
	// seed 0, perturbed by Params.HistoryNoise otherwise.
	History float64
}

// Convention describes in one line how the series was made.
func (s *MackeyGlassSeries) Convention() string {
	p := s.Params
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	c := fmt.Sprintf("%s h=%s, beta=%s gamma=%s n=%s tau=%s, history x=%s for t<=0, sampled every %s, first %d samples dropped",
		p.Method, g(p.Step), g(p.Beta), g(p.Gamma), g(p.N), g(p.Tau), g(s.History), g(p.SampleInterval), p.Discard)
	if p.Method == RK4 {
		c += ", delayed half steps by cubic Hermite interpolation"
	}
	return c
}

// MackeyGlass integrates the Mackey-Glass equation and returns n samples.
// The same parameters and seed give identical series; seed 0 gives the
// reference series of p (see the package documentation for the other
// seeds). Memory is O(n + τ/h).
func MackeyGlass(p MackeyGlassParams, n int, seed uint64) (*MackeyGlassSeries, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("series: want n >= 1 samples, got %d", n)
	}
	if err := p.CheckSamples(n); err != nil {
		return nil, err
	}
	h0 := p.History
	if seed != 0 {
		h0 += p.HistoryNoise * stream(seed, "mackey-glass/history").NormFloat64()
	}
	if !(h0 > 0) {
		return nil, fmt.Errorf("series: the perturbed history %g of seed %d is not > 0: lower history_noise", h0, seed)
	}
	var (
		h     = p.Step
		d     = gridSteps(p.Tau, h)            // delay in steps
		every = gridSteps(p.SampleInterval, h) // steps per sample
		m     = d + 1                          // ring buffer: x_{i−d} … x_i
		ring  = make([]float64, m)
		der   []float64 // RK4: x′ at the same grid points
		beta  = p.Beta
		gamma = p.Gamma
		expo  = p.N
	)
	if p.Method == RK4 {
		der = make([]float64, m)
	}
	f := func(x, xd float64) float64 { return beta*xd/(1+math.Pow(xd, expo)) - gamma*x }
	if expo == 10 { // the usual exponent by multiplication, several times faster than Pow
		f = func(x, xd float64) float64 {
			x2 := xd * xd
			x4 := x2 * x2
			return beta*xd/(1+x4*x4*x2) - gamma*x
		}
	}
	s := &MackeyGlassSeries{T: make([]float64, 0, n), X: make([]float64, 0, n), Params: p, Seed: seed, History: h0}
	x := h0
	for i := 0; ; i++ {
		if i%every == 0 {
			if k := i / every; k >= p.Discard {
				if !finite(x) {
					return nil, fmt.Errorf("series: Mackey-Glass diverged (x=%g at t=%g): lower step", x, float64(k)*p.SampleInterval)
				}
				s.T = append(s.T, gridTime(k, p.SampleInterval))
				s.X = append(s.X, x)
				if len(s.X) == n {
					return s, nil
				}
			}
		}
		ring[i%m] = x
		j := i - d // the delayed grid point
		xd := h0
		if j >= 0 {
			xd = ring[j%m]
		}
		if p.Method == Euler {
			x += h * f(x, xd)
			continue
		}
		k1 := f(x, xd)
		der[i%m] = k1
		// x(t_j + h/2) and x(t_{j+1}); on the history both are h0.
		xdm, xd1 := h0, h0
		if j >= 0 {
			a, b := ring[j%m], ring[(j+1)%m]
			xdm, xd1 = 0.5*(a+b)+h*(der[j%m]-der[(j+1)%m])/8, b
		}
		k2 := f(x+0.5*h*k1, xdm)
		k3 := f(x+0.5*h*k2, xdm)
		k4 := f(x+h*k3, xd1)
		x += h / 6 * (k1 + 2*k2 + 2*k3 + k4)
	}
}

// CheckSamples reports whether n samples need more than MaxSteps
// integration steps, before any is made (a *param.Error at step).
func (p MackeyGlassParams) CheckSamples(n int) error {
	if steps := float64(p.Discard+n) * p.SampleInterval / p.Step; steps > MaxSteps {
		return param.New(fmt.Sprintf("%d samples at h = %g need %.3g integration steps, more than %g", p.Discard+n, p.Step, steps, float64(MaxSteps)), "step")
	}
	return nil
}
