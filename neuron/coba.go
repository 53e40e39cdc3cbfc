package neuron

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// COBAParams are the parameters of a population of conductance-based leaky
// integrate-and-fire neurons (see COBA for the equations). Conductances are
// dimensionless: in units of the leak conductance g_L.
type COBAParams struct {
	// TauMMs is the membrane time constant τ_m = C/g_L (ms), > 0.
	TauMMs float64 `toml:"tau_m_ms" check:"finite,>0"`
	// ELMV is the leak reversal potential E_L (mV), where v relaxes without
	// input and bias.
	ELMV float64 `toml:"e_l_mv" check:"finite"`
	// IBiasMV is a constant drive I_b (mV: R·I, the shift of the resting
	// potential it causes). E_L + I_b above threshold makes a neuron fire
	// tonically.
	IBiasMV float64 `toml:"i_bias_mv" check:"finite"`
	// VResetMV is the potential v_reset (mV) a neuron is set to after a
	// spike and held at while refractory; below v_thresh.
	VResetMV float64 `toml:"v_reset_mv" check:"finite"`
	// VThreshMV is the threshold v_thresh (mV): a neuron spikes when v ≥ v_thresh.
	VThreshMV float64 `toml:"v_thresh_mv" check:"finite"`
	// TRefMs is the refractory period t_ref (ms), >= 0, rounded to a whole
	// number of steps.
	TRefMs float64 `toml:"t_ref_ms" check:"finite,>=0"`
	// TauSynEMs is the decay time constant τ_e (ms) of the excitatory
	// conductance g_e, the channel fed by Input; > 0.
	TauSynEMs float64 `toml:"tau_syn_e_ms" check:"finite,>0"`
	// TauSynIMs is the decay time constant τ_i (ms) of the inhibitory
	// conductance g_i, the channel fed by InputInh; > 0.
	TauSynIMs float64 `toml:"tau_syn_i_ms" check:"finite,>0"`
	// EExcMV is the reversal potential E_e (mV) of the excitatory
	// conductance; above E_inh.
	EExcMV float64 `toml:"e_exc_mv" check:"finite"`
	// EInhMV is the reversal potential E_i (mV) of the inhibitory conductance.
	EInhMV float64 `toml:"e_inh_mv" check:"finite"`
}

// Defaults returns the neurons of the COBA benchmark (Vogels & Abbott 2005,
// Brette et al. 2007) without their bias: τ_m = 20 ms, E_L = −60 mV,
// I_b = 0, v_reset = −60 mV, v_thresh = −50 mV, t_ref = 5 ms, τ_e = 5 ms,
// τ_i = 10 ms, E_e = 0 mV and E_i = −80 mV.
func (COBAParams) Defaults() COBAParams {
	return COBAParams{TauMMs: 20, ELMV: -60, VResetMV: -60, VThreshMV: -50, TRefMs: 5,
		TauSynEMs: 5, TauSynIMs: 10, EExcMV: 0, EInhMV: -80}
}

// Validate reports a parameter out of range, naming its key.
func (p COBAParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.VResetMV >= p.VThreshMV {
		return param.New(fmt.Sprintf("must be below v_thresh_mv (%g), got %g", p.VThreshMV, p.VResetMV), "v_reset_mv")
	}
	if p.EInhMV >= p.EExcMV {
		return param.New(fmt.Sprintf("must be below e_exc_mv (%g), got %g", p.EExcMV, p.EInhMV), "e_inh_mv")
	}
	return nil
}

// COBA is a population of conductance-based leaky integrate-and-fire
// neurons with two exponential synaptic conductances, the neurons of the
// COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007):
//
//	τ_m·dv/dt = −(v − E_L) + I_b + g_e·(E_e − v) + g_i·(E_i − v)
//	τ_e·dg_e/dt = −g_e
//	τ_i·dg_i/dt = −g_i
//
// with the conductances in units of the leak conductance. Input is the
// excitatory conductance g_e itself and InputInh the inhibitory g_i: a
// drive w added into either makes it jump by w (≥ 0: a conductance cannot
// be negative; the circuit loader enforces it) at the start of the next
// Step, which is the schedule of LIF and of Brian2 with zero delay.
//
// Step advances v by one forward Euler step with the conductances of the
// step's start (the integration of the benchmark's Brian2 script), then
// decays the conductances exactly:
//
//	v ← v + dt/τ_m·(E_L + I_b − v + g_e·(E_e − v) + g_i·(E_i − v))
//	g_x ← g_x·e^(−dt/τ_x)
//
// Euler is accurate while dt·(1 + g_e + g_i)/τ_m ≪ 1 (0.005·(1 + g) at
// the benchmark's dt = 0.1 ms). A step in which v reaches v_thresh emits a
// spike, sets v to v_reset and holds it there for the next round(t_ref/dt)
// steps, during which the conductances keep decaying and receiving input.
type COBA struct {
	COBAParams
	V   []float64 // membrane potential v (mV)
	GE  []float64 // excitatory conductance g_e (units of g_L)
	GI  []float64 // inhibitory conductance g_i (units of g_L)
	Ref []int32   // remaining refractory steps

	out    []float64 // 1 for a neuron that spiked in the last step
	spikes []int32   // neurons that spiked in the last step

	// Constants for the dt of the last step.
	dt     float64
	pp     COBAParams // the parameters they were computed for
	k      float64    // dt/τ_m
	de, di float64    // e^(−dt/τ_e), e^(−dt/τ_i)
	nref   int32
}

// NewCOBA returns n COBA neurons at rest (v = E_L, no conductance).
func NewCOBA(n int, p COBAParams) (*COBA, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &COBA{
		COBAParams: p,
		V:          make([]float64, n), GE: make([]float64, n), GI: make([]float64, n), Ref: make([]int32, n),
		out:    make([]float64, n),
		spikes: make([]int32, 0, n),
	}
	c.Reset()
	return c, nil
}

// Len returns the number of neurons.
func (c *COBA) Len() int { return len(c.V) }

// Input returns the excitatory conductances g_e themselves: w added at
// index i makes g_e of neuron i jump by w, felt from the next step on.
// Step does not zero it: the conductance decays with τ_e.
func (c *COBA) Input() []float64 { return c.GE }

// InputInh returns the inhibitory conductances g_i: like Input.
func (c *COBA) InputInh() []float64 { return c.GI }

// Output returns the spike indicator of the last step (1 spiked, 0 not).
func (c *COBA) Output() []float64 { return c.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (c *COBA) Spikes() []int32 { return c.spikes }

// State returns the membrane potentials v (mV).
func (c *COBA) State() []float64 { return c.V }

// Reset sets v = E_L, clears conductances, refractoriness and spikes.
func (c *COBA) Reset() {
	for i := range c.V {
		c.V[i] = c.ELMV
	}
	clear(c.GE)
	clear(c.GI)
	clear(c.Ref)
	clear(c.out)
	c.spikes = c.spikes[:0]
}

func (c *COBA) prepare(dt float64) {
	c.dt = dt
	c.k = dt / c.TauMMs
	c.de = math.Exp(-dt / c.TauSynEMs)
	c.di = math.Exp(-dt / c.TauSynIMs)
	c.nref = int32(math.Round(c.TRefMs / dt))
	c.pp = c.COBAParams
}

// Step advances the neurons by dt ms, records the spikes and keeps the
// decayed conductances.
func (c *COBA) Step(dt float64) {
	c.Prepare(dt)
	c.spikes = c.StepPart(0, len(c.V), c.spikes[:0])
}

// Prepare readies a step of dt ms (Parted).
func (c *COBA) Prepare(dt float64) {
	if dt != c.dt || c.pp != c.COBAParams {
		c.prepare(dt)
	}
}

// Join sets the spikes of a step made in parts (Parted).
func (c *COBA) Join(parts [][]int32) { c.spikes = join(c.spikes, parts) }

// StepPart advances the neurons [lo, hi) (Parted; Step steps them all).
func (c *COBA) StepPart(lo, hi int, spikes []int32) []int32 {
	clearOut(c.out, c.spikes, lo, hi)
	n := hi - lo
	v, ge, gi, ref := c.V[lo:hi], c.GE[lo:hi], c.GI[lo:hi], c.Ref[lo:hi]
	k, de, di := c.k, c.de, c.di
	vl, ee, ei, vth := c.ELMV+c.IBiasMV, c.EExcMV, c.EInhMV, c.VThreshMV
	// The AVX-512 kernel steps the neurons eight at a time, the AVX2
	// kernel four (the same operations, the same bits); the scalar loop
	// does the rest. Spikes
	// are numbered from lo until the end.
	first := len(spikes)
	m := 0
	if useAVX2 && n >= 4 {
		m = n &^ 3
		kk := [7]float64{k, vl, ee, ei, de, di, vth}
		if cap(spikes)-first < n {
			spikes = append(make([]int32, 0, first+n), spikes...)
		}
		buf := spikes[first : first+n]
		ns, m8 := 0, 0
		if useAVX512 && n >= 8 {
			m8 = n &^ 7
			ns = cobaAVX512(&v[0], &ge[0], &gi[0], &ref[0], m8, &kk, &buf[0])
		}
		if m > m8 {
			// The group of four after those of eight, numbered from m8.
			n4 := cobaAVX2(&v[m8], &ge[m8], &gi[m8], &ref[m8], m-m8, &kk, &buf[ns])
			offset(buf[ns:ns+n4], m8)
			ns += n4
		}
		spikes = spikes[:first+ns]
	}
	for i := m; i < n; i++ {
		e, h := ge[i], gi[i]
		ge[i], gi[i] = e*de, h*di
		if r := ref[i]; r > 0 {
			ref[i] = r - 1 // held at v_reset while refractory
			continue
		}
		x := v[i]
		x += k * (vl - x + e*(ee-x) + h*(ei-x))
		v[i] = x
		if x >= vth {
			spikes = append(spikes, int32(i))
		}
	}
	out := c.out[lo:hi]
	vreset, nref := c.VResetMV, c.nref
	for _, i := range spikes[first:] {
		v[i] = vreset
		ref[i] = nref
		out[i] = 1
	}
	offset(spikes[first:], lo)
	return spikes
}
