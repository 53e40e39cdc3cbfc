package neuron

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// IzhikevichParams are the parameters of a population of Izhikevich (2003)
// neurons (see Izhikevich for the equations).
type IzhikevichParams struct {
	// A is the recovery rate a of u (1/ms), >= 0.
	A float64 `toml:"a" check:"finite,>=0"`
	// B is the sensitivity b of u to v (dimensionless in the model's units).
	B float64 `toml:"b" check:"finite"`
	// CMV is the after-spike reset value c of v (mV), below v_peak_mv.
	CMV float64 `toml:"c_mv" check:"finite"`
	// D is the after-spike increment d of u (in the units of u, mV/ms).
	D float64 `toml:"d" check:"finite"`
	// VPeakMV is the spike cut-off v_peak (mV): a neuron spikes when v ≥ v_peak.
	VPeakMV float64 `toml:"v_peak_mv" check:"finite"`
	// VInitMV is the potential v (mV) that Reset starts from, with u = b·v.
	VInitMV float64 `toml:"v_init_mv" check:"finite"`
	// TauSynMs is the time constant τ_syn (ms) of a current-based exponential
	// synapse: a drive added to Input makes the synaptic current I jump, and
	// I decays by exp(−dt/τ_syn) each step. 0 (the default, as in
	// Izhikevich 2007) holds a drive for one step only.
	TauSynMs float64 `toml:"tau_syn_ms" check:"finite,>=0"`
}

// RegularSpiking returns the regular-spiking cortical excitatory neuron of
// Izhikevich (2003): a = 0.02, b = 0.2, c = −65 mV, d = 8, v_peak = 30 mV,
// starting from v = −65 mV.
func RegularSpiking() IzhikevichParams {
	return IzhikevichParams{A: 0.02, B: 0.2, CMV: -65, D: 8, VPeakMV: 30, VInitMV: -65}
}

// FastSpiking returns the fast-spiking cortical inhibitory neuron of
// Izhikevich (2003): a = 0.1, b = 0.2, c = −65 mV, d = 2, v_peak = 30 mV,
// starting from v = −65 mV.
func FastSpiking() IzhikevichParams {
	return IzhikevichParams{A: 0.1, B: 0.2, CMV: -65, D: 2, VPeakMV: 30, VInitMV: -65}
}

// Defaults returns RegularSpiking().
func (IzhikevichParams) Defaults() IzhikevichParams { return RegularSpiking() }

// Validate reports a parameter out of range, naming its key.
func (p IzhikevichParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.CMV >= p.VPeakMV:
		return param.New(fmt.Sprintf("must be below v_peak_mv (%g), got %g", p.VPeakMV, p.CMV), "c_mv")
	case p.VInitMV >= p.VPeakMV:
		return param.New(fmt.Sprintf("must be below v_peak_mv (%g), got %g", p.VPeakMV, p.VInitMV), "v_init_mv")
	}
	return nil
}

// Izhikevich is a population of Izhikevich (2003) neurons:
//
//	dv/dt = 0.04·v² + 5·v + 140 − u + I
//	du/dt = a·(b·v − u)
//	if v ≥ v_peak: spike, v ← c, u ← u + d
//
// with v in mV, t in ms and I the input current (in the model's units, where
// 140 is a current too). The input is added directly: the drive in Input
// during a step is the current I held constant over that step, and is then
// cleared. A spike propagated with weight w thus delivers the charge w·dt;
// Izhikevich (2007) uses dt = 1 ms, where a weight is a jump of w in dv/dt
// for one millisecond.
//
// Step integrates as the code of Izhikevich (2003, 2007) does, generalised
// to any dt: v takes two forward-Euler half steps of dt/2 (the 0.5 ms steps
// "for numerical stability" of the 1 ms original), then u one Euler step of
// dt with the new v; a neuron whose v has reached v_peak then spikes and is
// reset. dt = 1 ms reproduces the original code exactly. The scheme is
// not exact and spike times depend on dt: a regular-spiking neuron under
// I = 10 fires 23 spikes in 1 s at dt = 0.01 and 0.1 ms, 22 at dt = 0.5 ms
// and 20 at dt = 1 ms.
type Izhikevich struct {
	IzhikevichParams
	V []float64 // membrane potential v (mV)
	U []float64 // recovery variable u

	in     []float64 // input current I for the next step
	out    []float64 // 1 for a neuron that spiked in the last step
	spikes []int32   // neurons that spiked in the last step

	dt, tauSyn, kSyn float64 // the step Prepare readied: e^(−dt/τ_syn) (0 for τ_syn = 0)
}

// NewIzhikevich returns n neurons at v = v_init, u = b·v_init.
func NewIzhikevich(n int, p IzhikevichParams) (*Izhikevich, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	z := &Izhikevich{
		IzhikevichParams: p,
		V:                make([]float64, n), U: make([]float64, n),
		in: make([]float64, n), out: make([]float64, n), spikes: make([]int32, 0, n),
	}
	z.Reset()
	return z, nil
}

// Len returns the number of neurons.
func (z *Izhikevich) Len() int { return len(z.V) }

// Input returns the input current I of the next step. With τ_syn = 0 Step
// consumes it and leaves it zeroed; with τ_syn > 0 it is the synaptic
// current itself, which Step leaves decayed by exp(−dt/τ_syn).
func (z *Izhikevich) Input() []float64 { return z.in }

// Output returns the spike indicator of the last step (1 spiked, 0 not).
func (z *Izhikevich) Output() []float64 { return z.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (z *Izhikevich) Spikes() []int32 { return z.spikes }

// State returns the membrane potentials v (mV).
func (z *Izhikevich) State() []float64 { return z.V }

// Reset sets v = v_init, u = b·v_init, and clears spikes and input.
func (z *Izhikevich) Reset() {
	for i := range z.V {
		z.V[i] = z.VInitMV
		z.U[i] = z.B * z.VInitMV
	}
	clear(z.in)
	clear(z.out)
	z.spikes = z.spikes[:0]
}

// Step advances the neurons by dt ms, records the spikes and zeroes the input.
func (z *Izhikevich) Step(dt float64) {
	z.Prepare(dt)
	z.spikes = z.StepPart(0, len(z.V), z.spikes[:0])
}

// Prepare readies a step of dt ms (Parted): what remains of the synaptic
// current after it.
func (z *Izhikevich) Prepare(dt float64) {
	if dt == z.dt && z.TauSynMs == z.tauSyn {
		return
	}
	z.dt, z.tauSyn, z.kSyn = dt, z.TauSynMs, 0
	if z.TauSynMs > 0 {
		z.kSyn = math.Exp(-dt / z.TauSynMs)
	}
}

// Join sets the spikes of a step made in parts (Parted).
func (z *Izhikevich) Join(parts [][]int32) { z.spikes = join(z.spikes, parts) }

// StepPart advances the neurons [lo, hi) (Parted; Step steps them all).
func (z *Izhikevich) StepPart(lo, hi int, spikes []int32) []int32 {
	clearOut(z.out, z.spikes, lo, hi)
	n := hi - lo
	v, u, in, out := z.V[lo:hi], z.U[lo:hi], z.in[lo:hi], z.out[lo:hi]
	dt := z.dt
	h := dt / 2
	a, b, c, d, peak := z.A, z.B, z.CMV, z.D, z.VPeakMV
	k := z.kSyn // what remains of the synaptic current after the step
	// The AVX-512 kernel steps the neurons sixteen at a time, the AVX2
	// kernel four at a time (the same operations, the same bits); the
	// scalar loop does the rest. Spikes are numbered from lo until the
	// end.
	first := len(spikes)
	m := 0
	if useAVX2 && n >= 4 {
		m = n &^ 3
		if cap(spikes)-first < n {
			spikes = append(make([]int32, 0, first+n), spikes...)
		}
		kk := [10]float64{h, 0.04, 5, 140, k, b, dt * a, c, d, peak}
		buf := spikes[first : first+n]
		ns, m16 := 0, 0
		if useAVX512 && n >= 16 {
			m16 = n &^ 15
			ns = izhAVX512(&v[0], &u[0], &in[0], m16, &kk, &buf[0])
		}
		if m > m16 {
			// The groups of four after those of sixteen, numbered from m16.
			n4 := izhAVX2(&v[m16], &u[m16], &in[m16], m-m16, &kk, &buf[ns])
			offset(buf[ns:ns+n4], m16)
			ns += n4
		}
		spikes = spikes[:first+ns]
		for _, i := range spikes[first:] {
			out[i] = 1
		}
	}
	for i := m; i < n; i++ {
		x, y, I := v[i], u[i], in[i]
		in[i] = I * k
		x += h * ((0.04*x+5)*x + 140 - y + I)
		x += h * ((0.04*x+5)*x + 140 - y + I)
		y += dt * a * (b*x - y)
		if x >= peak {
			x = c
			y += d
			out[i] = 1
			spikes = append(spikes, int32(i))
		}
		v[i], u[i] = x, y
	}
	offset(spikes[first:], lo)
	return spikes
}
