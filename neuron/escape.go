package neuron

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// EscapeParams are the parameters of a population of spike-response
// neurons with escape noise (see Escape), the neurons of Frémaux,
// Sprekeler & Gerstner (2013).
type EscapeParams struct {
	// TauMMs and TauSMs are the time constants τ_m > τ_s of the PSP kernel
	// ε(s) = e^{−s/τ_m} − e^{−s/τ_s} (ms): a drive w makes the potential
	// follow w·ε (mV per unit of drive; its peak is about 0.47·w with the
	// defaults).
	TauMMs float64 `toml:"tau_m_ms" check:"(0,1e4],unit=ms"`
	TauSMs float64 `toml:"tau_s_ms" check:"(0,1e4],unit=ms"`
	// Rho0Hz, ThetaMV and DeltaUMV are the escape noise: a neuron of
	// potential u fires at rate rho0_hz·exp((u − theta_mv)/delta_u_mv).
	Rho0Hz   float64 `toml:"rho0_hz" check:"(0,1e4],unit=Hz"`
	ThetaMV  float64 `toml:"theta_mv" check:"finite,[-1e3,1e3],unit=mV"`
	DeltaUMV float64 `toml:"delta_u_mv" check:"(0,1e3],unit=mV"`
	// RefrMV and TauRefrMs are the refractory kernel of a neuron's own
	// spike: −refr_mv·e^{−s/τ_refr} added to its potential.
	RefrMV    float64 `toml:"refr_mv" check:"[0,1e4],unit=mV"`
	TauRefrMs float64 `toml:"tau_refr_ms" check:"(0,1e4],unit=ms"`
}

// Defaults are those of dopa's Frémaux maze circuit (circuits/fremaux_maze.toml):
// our choices, the paper's Methods being unknown to us (docs/reward.md).
func (EscapeParams) Defaults() EscapeParams {
	return EscapeParams{TauMMs: 20, TauSMs: 5, Rho0Hz: 60, ThetaMV: 16, DeltaUMV: 4, RefrMV: 30, TauRefrMs: 20}
}

// Validate reports a parameter out of range, naming its key.
func (p EscapeParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if !(p.TauSMs < p.TauMMs) {
		return param.New(fmt.Sprintf("must be below tau_m_ms = %g, got %g", p.TauMMs, p.TauSMs), "tau_s_ms")
	}
	return nil
}

// Rate is the escape rate (Hz) at potential u (mV).
func (p EscapeParams) Rate(u float64) float64 {
	return p.Rho0Hz * math.Exp((u-p.ThetaMV)/p.DeltaUMV)
}

// PSPArea is ∫ε(s) ds = τ_m − τ_s in seconds: the mean potential (mV)
// of a weight of 1 driven by spikes at 1 Hz.
func (p EscapeParams) PSPArea() float64 { return (p.TauMMs - p.TauSMs) / 1000 }

// Escape is a population of spike-response neurons with escape noise
// (Gerstner & Kistler 2002; Frémaux et al. 2013). Neuron i has the
// potential
//
//	u_i(t) = A_i(t) − B_i(t) − R_i(t)
//
// where A and B are the two exponential parts of the PSP kernel
// ε(s) = e^{−s/τ_m} − e^{−s/τ_s}: in a step of dt ms,
//
//	A_i ← A_i·e^{−dt/τ_m} + I_i,   B_i ← B_i·e^{−dt/τ_s} + I_i,
//	R_i ← R_i·e^{−dt/τ_refr}
//
// I_i the drive added into Input before the step (mV: a weight w onto a
// spike adds w·ε), and R the refractory kernel. The neuron then fires
// with probability
//
//	p_i = 1 − exp(−ρ_i·dt/1000),   ρ_i = rho0_hz·exp((u_i − θ)/Δu)
//
// (ρ_i·dt/1000 itself when that is at most 0.01), and a spike adds
// refr_mv to R_i. Each step draws exactly one uniform number per neuron
// from the population's own ChaCha8 stream, seeded by whoever builds it.
type Escape struct {
	EscapeParams

	A, B, R []float64 // the PSP's two parts and the refractory kernel (mV)
	// Prob, when its owner sets it (length Len), receives every neuron's
	// firing probability p_i of the last step: its expected spikes (a
	// centred three-factor rule subtracts them, synapse.TDLTPParams.Center).
	Prob []float64

	in     []float64
	out    []float64
	spikes []int32
	rng    *rand.Rand

	dt             float64 // the dt the decays below are for (ms)
	dm, ds, dr, kp float64 // decays per step; ρ0·dt/1000
}

// NewEscape returns n escape-noise neurons at rest whose random stream is
// ChaCha8(seed).
func NewEscape(n int, p EscapeParams, seed [32]byte) (*Escape, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Escape{EscapeParams: p, A: make([]float64, n), B: make([]float64, n), R: make([]float64, n),
		in: make([]float64, n), out: make([]float64, n), spikes: make([]int32, 0, n), rng: rand.New(rand.NewChaCha8(seed))}, nil
}

// Len returns the number of neurons.
func (z *Escape) Len() int { return len(z.in) }

// Input returns the drive buffer I for the next step (mV of PSP amplitude).
func (z *Escape) Input() []float64 { return z.in }

// Output returns the spike indicator of the last step (1 spiked, 0 not).
func (z *Escape) Output() []float64 { return z.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (z *Escape) Spikes() []int32 { return z.spikes }

// U returns the potential u_i (mV) of neuron i.
func (z *Escape) U(i int) float64 { return z.A[i] - z.B[i] - z.R[i] }

// AddPSP starts a PSP of amplitude w (mV) on neuron i now, between two
// steps: it is 0 now (ε(0) = 0) and w·ε(s) s ms later, so the next Step
// sees w·(e^{−dt/τ_m} − e^{−dt/τ_s}). Input, by contrast, starts it at the
// next Step (seen only from the step after). A spike of step t that
// reaches its targets through AddPSP after the step acts on them from
// step t + 1 with its full PSP (Frémaux's ring: no synaptic delay).
func (z *Escape) AddPSP(i int, w float64) {
	z.A[i] += w
	z.B[i] += w
}

// Reset returns every neuron to rest (no PSP, no refractoriness) and
// clears the input; the random stream runs on.
func (z *Escape) Reset() {
	clear(z.A)
	clear(z.B)
	clear(z.R)
	clear(z.in)
	clear(z.out)
	z.spikes = z.spikes[:0]
}

// Step advances the neurons by dt ms and draws their spikes.
func (z *Escape) Step(dt float64) {
	if dt != z.dt {
		z.dt = dt
		z.dm, z.ds, z.dr = math.Exp(-dt/z.TauMMs), math.Exp(-dt/z.TauSMs), math.Exp(-dt/z.TauRefrMs)
		z.kp = z.Rho0Hz * dt / 1000
	}
	for _, i := range z.spikes {
		z.out[i] = 0
	}
	spikes := z.spikes[:0]
	k := 1 / z.DeltaUMV
	a, b, r, out := z.A[:len(z.in)], z.B[:len(z.in)], z.R[:len(z.in)], z.out[:len(z.in)]
	for i, x := range z.in {
		a[i] = a[i]*z.dm + x
		b[i] = b[i]*z.ds + x
		r[i] *= z.dr
		z.in[i] = 0
		rho := z.kp * math.Exp((a[i]-b[i]-r[i]-z.ThetaMV)*k)
		if rho > 0.01 {
			rho = -math.Expm1(-rho)
		}
		if z.Prob != nil {
			z.Prob[i] = rho
		}
		if z.rng.Float64() < rho {
			out[i] = 1
			r[i] += z.RefrMV
			spikes = append(spikes, int32(i))
		}
	}
	z.spikes = spikes
}
