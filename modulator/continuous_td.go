package modulator

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// ContinuousTDParams are the parameters of a continuous-time TD critic
// read from a spiking population (see ContinuousTD).
type ContinuousTDParams struct {
	// TauKappaMs and NuKappaMs are the time constants τ_κ > ν_κ of the
	// kernel κ that filters the critic's spikes into rates (ms).
	TauKappaMs float64 `toml:"tau_kappa_ms" check:"(0,1e5],unit=ms"`
	NuKappaMs  float64 `toml:"nu_kappa_ms" check:"(0,1e5],unit=ms"`
	// TauRS is the reward discount time constant τ_r (s).
	TauRS float64 `toml:"tau_r_s" check:"(0,1e4],unit=s"`
	// Nu is the value of a mean critic rate of 1 Hz (reward units per Hz).
	Nu float64 `toml:"nu" check:"(0,1e6]"`
	// V0 is the value at silence (reward units).
	V0 float64 `toml:"v0" check:"finite,[-1e6,1e6]"`
}

// Defaults are those of circuits/fremaux_maze.toml (our choices).
func (ContinuousTDParams) Defaults() ContinuousTDParams {
	return ContinuousTDParams{TauKappaMs: 200, NuKappaMs: 50, TauRS: 4, Nu: 0.02}
}

// Validate reports a parameter out of range, naming its key.
func (p ContinuousTDParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if !(p.NuKappaMs < p.TauKappaMs) {
		return param.New(fmt.Sprintf("must be below tau_kappa_ms = %g, got %g", p.TauKappaMs, p.NuKappaMs), "nu_kappa_ms")
	}
	return nil
}

// ContinuousTD is the continuous-time TD critic of Doya (2000) as
// Frémaux, Sprekeler & Gerstner (2013) read it from a population of N
// spiking neurons: the value is the population's filtered rate,
//
//	V(t) = nu·(1/N)·Σ_i (κ * Y_i)(t) + v0,
//	κ(s) = (e^{−s/τ_κ} − e^{−s/ν_κ})/(τ_κ − ν_κ)   (unit area: κ * Y is a rate in Hz)
//
// Y_i the spike trains, and the TD error is
//
//	δ(t) = r(t) − V(t)/τ_r + dV/dt,
//
// dV/dt taken exactly from κ′ (no finite difference). Step takes the
// population's spike count of one step of dt and the reward rate r (1/s)
// and returns δ. It allocates nothing.
type ContinuousTD struct {
	ContinuousTDParams
	// V, VDot and Delta are V, dV/dt (1/s) and δ (1/s) after the last Step.
	V, VDot, Delta float64

	// SA and SB are Σ_i (e^{−s/τ_κ} * Y_i) and Σ_i (e^{−s/ν_κ} * Y_i),
	// counted in spikes.
	SA, SB float64

	da, db, kNorm, perN float64
}

// NewContinuousTD returns a critic of a population of n neurons stepped
// every dtMs.
func NewContinuousTD(p ContinuousTDParams, n int, dtMs float64) (*ContinuousTD, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || !(dtMs > 0) {
		return nil, fmt.Errorf("modulator: a continuous TD critic of %d neurons stepped every %g ms", n, dtMs)
	}
	c := &ContinuousTD{ContinuousTDParams: p, da: math.Exp(-dtMs / p.TauKappaMs), db: math.Exp(-dtMs / p.NuKappaMs),
		kNorm: 1000 / (p.TauKappaMs - p.NuKappaMs), perN: 1 / float64(n)}
	c.Reset()
	return c, nil
}

// Decays returns the per-step decays e^{−dt/τ_κ} and e^{−dt/ν_κ} of κ's
// two parts, and Norm 1/(τ_κ − ν_κ) in 1/s: the eligibility of TD-LTP is
// filtered by the same κ.
func (c *ContinuousTD) Decays() (a, b float64) { return c.da, c.db }

// Norm is 1/(τ_κ − ν_κ) in 1/s.
func (c *ContinuousTD) Norm() float64 { return c.kNorm }

// Reset forgets every spike: V = v0, dV/dt = 0.
func (c *ContinuousTD) Reset() {
	c.SA, c.SB, c.V, c.VDot, c.Delta = 0, 0, c.V0, 0, 0
}

// Step takes the population's spikes of one step and the reward rate r
// (1/s) and returns δ.
func (c *ContinuousTD) Step(spikes int, r float64) float64 {
	c.SA *= c.da
	c.SB *= c.db
	n := float64(spikes)
	c.SA += n
	c.SB += n
	g := c.Nu * c.kNorm * c.perN
	c.V = g*(c.SA-c.SB) + c.V0
	c.VDot = g * (-c.SA*1000/c.TauKappaMs + c.SB*1000/c.NuKappaMs)
	c.Delta = r - c.V/c.TauRS + c.VDot
	return c.Delta
}

// Value is the value of a mean rate of the population (Hz) held still:
// nu·rate + v0.
func (c ContinuousTDParams) Value(rateHz float64) float64 { return c.Nu*rateHz + c.V0 }
