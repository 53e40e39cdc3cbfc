package neuron

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// ALIFParams are the parameters of a population of adaptive leaky
// integrate-and-fire neurons as e-prop uses them (Bellec et al. 2020; see
// ALIF for the equations). Potentials are in mV relative to rest (rest is
// 0 mV).
type ALIFParams struct {
	// TauMMs is the membrane time constant τ_m (ms), > 0: α = exp(−dt/τ_m).
	TauMMs float64 `toml:"tau_m_ms" check:"finite,>0"`
	// VThMV is the baseline threshold v_th (mV above rest), > 0. A spike
	// also subtracts v_th from v (reset by subtraction).
	VThMV float64 `toml:"v_th_mv" check:"finite,>0"`
	// TRefMs is the refractory period (ms), >= 0, rounded to whole steps
	// (k = round(t_ref/dt)): a neuron that spiked in step n can spike
	// again from step n + k on, and its pseudo-derivative is 0 in the
	// steps between (v keeps integrating); NEST's count.
	TRefMs float64 `toml:"t_ref_ms" check:"finite,>=0"`
	// TauAMs is the time constant τ_a (ms) of the threshold adaptation,
	// > 0: ρ = exp(−dt/τ_a).
	TauAMs float64 `toml:"tau_a_ms" check:"finite,>0"`
	// Beta is β (mV per unit of adaptation), >= 0: the threshold is
	// A = v_th + β·a. 0 makes the neurons plain LIF neurons.
	Beta float64 `toml:"beta" check:"finite,>=0"`
	// AdaptFraction in [0, 1]: the first round(AdaptFraction·n) neurons of
	// the population adapt (threshold v_th + β·a), the others have β = 0
	// (the LSNN of Bellec et al.: LIF and ALIF neurons in one recurrent
	// population).
	AdaptFraction float64 `toml:"adapt_fraction" check:"[0,1]"`
	// Gamma is γ, the height of the pseudo-derivative, > 0:
	// ψ = γ/v_th·max(0, 1 − |v − A|/v_th).
	Gamma float64 `toml:"gamma" check:"finite,>0"`
	// ScaleInput multiplies the summed drive by 1 − α (the input enters as
	// a current over the step, NEST's regular_spike_arrival = false);
	// false adds the drive to v unscaled (the paper's equations).
	ScaleInput bool `toml:"scale_input"`
}

// Defaults returns τ_m = 20 ms, v_th = 0.6 mV, t_ref = 2 ms, τ_a = 2000 ms,
// β = 1.7 mV, every neuron adaptive, γ = 0.3 and unscaled input: the
// adaptive neurons of Bellec et al.'s evidence-accumulation network (the
// threshold values of NEST's e-prop examples).
func (ALIFParams) Defaults() ALIFParams {
	return ALIFParams{TauMMs: 20, VThMV: 0.6, TRefMs: 2, TauAMs: 2000, Beta: 1.7, AdaptFraction: 1, Gamma: 0.3}
}

// Validate reports a parameter out of range, naming its key.
func (p ALIFParams) Validate() error {
	return param.Check(p)
}

// ALIF is a population of adaptive leaky integrate-and-fire neurons with
// the pseudo-derivative of e-prop (Bellec et al. 2020). In step n, with
// drive I_n (the summed input of the step) and z_{n−1} the neuron's spike
// of the previous step:
//
//	v_n = α·v_{n−1} + g·I_n − v_th·z_{n−1}     (reset by subtraction)
//	a_n = ρ·a_{n−1} + z_{n−1}                  (adaptation)
//	A_n = v_th + β·a_n                         (adaptive threshold)
//	z_n = 1 if v_n ≥ A_n and the neuron is not refractory, else 0
//	ψ_n = γ/v_th·max(0, 1 − |v_n − A_n|/v_th)  (0 while refractory)
//
// with α = exp(−dt/τ_m), ρ = exp(−dt/τ_a), g = 1 − α with ScaleInput and
// 1 otherwise. A neuron that spiked in step n is refractory up to step
// n + round(t_ref/dt) − 1 (NEST's eprop_iaf_adapt_bsshslm_2020 counts
// the same way). β is 0 for the neurons beyond the adaptive fraction. ψ, the
// pseudo-derivative ∂z_n/∂v_n, is what e-prop's eligibility traces use in
// place of the step function's derivative; Psi holds it for the last step.
// Input is a drive buffer like a rate unit's: projections add into it and
// Step zeroes it.
type ALIF struct {
	ALIFParams
	V   []float64 // membrane potential v (mV above rest)
	A   []float64 // adaptation a (spikes, low-pass filtered with τ_a)
	Psi []float64 // pseudo-derivative ψ of the last step (1/mV)
	Ref []int32   // remaining refractory steps

	in     []float64 // drive I of the coming step
	out    []float64 // z: 1 for a neuron that spiked in the last step
	spikes []int32   // neurons that spiked in the last step
	nAdapt int       // neurons [0, nAdapt) adapt

	// Coefficients for the dt of the last step.
	dt    float64
	pp    ALIFParams
	alpha float64
	rho   float64
	gain  float64
	nref  int32
}

// NewALIF returns n ALIF neurons at rest (v = 0, a = 0).
func NewALIF(n int, p ALIFParams) (*ALIF, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	l := &ALIF{
		ALIFParams: p,
		V:          make([]float64, n), A: make([]float64, n), Psi: make([]float64, n), Ref: make([]int32, n),
		in: make([]float64, n), out: make([]float64, n), spikes: make([]int32, 0, n),
	}
	l.Reset()
	return l, nil
}

// Len returns the number of neurons.
func (l *ALIF) Len() int { return len(l.V) }

// Input returns the drive buffer I (mV), zeroed by Step.
func (l *ALIF) Input() []float64 { return l.in }

// Output returns z, the spike indicator of the last step.
func (l *ALIF) Output() []float64 { return l.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (l *ALIF) Spikes() []int32 { return l.spikes }

// State returns the membrane potentials v.
func (l *ALIF) State() []float64 { return l.V }

// Adaptive returns how many neurons adapt (the first ones):
// round(AdaptFraction·n).
func (l *ALIF) Adaptive() int {
	return int(math.Round(l.AdaptFraction * float64(len(l.V))))
}

// BetaOf returns β of neuron i (0 beyond the adaptive fraction).
func (l *ALIF) BetaOf(i int) float64 {
	if i < l.Adaptive() {
		return l.Beta
	}
	return 0
}

// Coefficients returns α = exp(−dt/τ_m), ρ = exp(−dt/τ_a) and the input
// gain g (1 − α with ScaleInput, else 1) for a step of dt ms.
func (l *ALIF) Coefficients(dt float64) (alpha, rho, gain float64) {
	alpha, rho, gain = math.Exp(-dt/l.TauMMs), math.Exp(-dt/l.TauAMs), 1
	if l.ScaleInput {
		gain = 1 - alpha
	}
	return
}

// Reset sets v = a = 0 and clears ψ, refractoriness, spikes and input.
func (l *ALIF) Reset() {
	clear(l.V)
	clear(l.A)
	clear(l.Psi)
	clear(l.Ref)
	clear(l.in)
	clear(l.out)
	l.spikes = l.spikes[:0]
}

func (l *ALIF) prepare(dt float64) {
	l.dt, l.pp = dt, l.ALIFParams
	l.alpha, l.rho, l.gain = l.Coefficients(dt)
	l.nref = int32(math.Round(l.TRefMs / dt))
	l.nAdapt = l.Adaptive()
}

// Step advances the neurons by dt ms (equations on ALIF), records the
// spikes and ψ, and zeroes the input. It allocates nothing.
func (l *ALIF) Step(dt float64) {
	if dt != l.dt || l.pp != l.ALIFParams {
		l.prepare(dt)
	}
	n := len(l.V)
	v, a, psi, ref, in, z := l.V, l.A[:n], l.Psi[:n], l.Ref[:n], l.in[:n], l.out[:n]
	alpha, rho, g, vth := l.alpha, l.rho, l.gain, l.VThMV
	h := l.Gamma / vth
	spikes := l.spikes[:0]
	for i := range v {
		zi := z[i]
		r := ref[i]
		if r > 0 {
			r--
		}
		vi := alpha*v[i] + g*in[i] - vth*zi
		ai := rho*a[i] + zi
		th := vth
		if i < l.nAdapt {
			th += l.Beta * ai
		}
		v[i], a[i], in[i] = vi, ai, 0
		z[i] = 0
		if r > 0 {
			psi[i] = 0
		} else {
			psi[i] = h * max(0, 1-math.Abs(vi-th)/vth)
			if vi >= th {
				z[i] = 1
				r = l.nref
				spikes = append(spikes, int32(i))
			}
		}
		ref[i] = r
	}
	l.spikes = spikes
}
