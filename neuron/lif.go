package neuron

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// Spiking is a population of spiking neurons. Besides the spike indicator of
// Output it lists the neurons that spiked in the last step, so that
// projections touch only the synapses of neurons that spiked.
type Spiking interface {
	Population
	// Spikes returns the indices of the neurons that spiked in the last
	// step, in ascending order. The slice is owned by the population and
	// is overwritten by the next Step.
	Spikes() []int32
}

// LIFParams are the parameters of a population of leaky integrate-and-fire
// neurons with current-based exponential synapses (see LIF for the equations).
type LIFParams struct {
	// TauMMs is the membrane time constant τ_m (ms), > 0.
	TauMMs float64 `toml:"tau_m_ms" check:"finite,>0"`
	// VRestMV is the resting potential v_rest (mV): where v relaxes without
	// input. It may lie above threshold, which makes the neuron fire tonically.
	VRestMV float64 `toml:"v_rest_mv" check:"finite"`
	// VResetMV is the potential v_reset (mV) a neuron is set to after a
	// spike and held at while refractory; below v_thresh.
	VResetMV float64 `toml:"v_reset_mv" check:"finite"`
	// VThreshMV is the threshold v_thresh (mV): a neuron spikes when v ≥ v_thresh.
	VThreshMV float64 `toml:"v_thresh_mv" check:"finite"`
	// TRefMs is the refractory period t_ref (ms), >= 0, rounded to a whole
	// number of steps.
	TRefMs float64 `toml:"t_ref_ms" check:"finite,>=0"`
	// TauSynEMs is the decay time constant τ_e (ms) of the excitatory
	// synaptic current, the channel fed by Input; >= 0, 0 making the
	// channel's synapses delta synapses (a drive w makes v jump by w mV).
	TauSynEMs float64 `toml:"tau_syn_e_ms" check:"finite,>=0,note=0: delta synapses"`
	// TauSynIMs is the decay time constant τ_i (ms) of the inhibitory
	// synaptic current, the channel fed by InputInh; >= 0, 0 for delta
	// synapses as for TauSynEMs.
	TauSynIMs float64 `toml:"tau_syn_i_ms" check:"finite,>=0,note=0: delta synapses"`
}

// Defaults returns τ_m = 20 ms, v_rest = v_reset = −70 mV, v_thresh = −50 mV,
// t_ref = 2 ms, τ_e = 5 ms and τ_i = 10 ms.
func (LIFParams) Defaults() LIFParams {
	return LIFParams{TauMMs: 20, VRestMV: -70, VResetMV: -70, VThreshMV: -50, TRefMs: 2, TauSynEMs: 5, TauSynIMs: 10}
}

// Validate reports a parameter out of range, naming its key.
func (p LIFParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.VResetMV >= p.VThreshMV {
		return param.New(fmt.Sprintf("must be below v_thresh_mv (%g), got %g", p.VThreshMV, p.VResetMV), "v_reset_mv")
	}
	return nil
}

// LIF is a population of leaky integrate-and-fire neurons with two
// current-based exponential synaptic channels:
//
//	τ_m·dv/dt = −(v − v_rest) + I_e + I_i
//	τ_e·dI_e/dt = −I_e
//	τ_i·dI_i/dt = −I_i
//
// The currents are expressed in mV (R·I, the potential they would hold v at
// if sustained), as in Brian2's CUBA benchmark. Input is the excitatory
// channel and InputInh the inhibitory one; a drive w added into either makes
// its current jump by w at the start of the next Step (a synaptic event of
// weight w mV). The channels differ only in their time constant: the sign of
// the drive is the caller's (inhibitory weights are negative).
//
// Step solves this linear system exactly over dt (the propagator matrix of
// Rotter & Diesmann 1999, as NEST's iaf_psc_exp does):
//
//	v ← v_rest + (v − v_rest)·e^(−dt/τ_m) + P_e·I_e + P_i·I_i
//	I_x ← I_x·e^(−dt/τ_x)
//	P_x = τ_x/(τ_x − τ_m)·(e^(−dt/τ_x) − e^(−dt/τ_m))   (→ dt/τ_m·e^(−dt/τ_m) as τ_x → τ_m)
//
// so the trajectory between spikes does not depend on dt.
//
// A channel whose time constant is 0 has delta synapses (Brunel 2000): a
// drive w added into it makes v jump by w mV at the start of the next
// Step, and the jump then relaxes with the membrane over that step,
//
//	v ← v_rest + (v + w − v_rest)·e^(−dt/τ_m)
//
// which is the update above with P_x = e^(−dt/τ_m) and the current
// cleared by the step (e^(−dt/τ_x) read as 0). It is also Brian2's order
// of a `v += w` on_pre event followed by the exact integration of the next
// step. A refractory neuron loses the drive of a delta channel (Brunel's
// neurons are insensitive while refractory).
//
// A step in which v
// reaches v_thresh emits a spike (the spike is assigned to the step; its time
// is not interpolated), sets v to v_reset and holds it there for the next
// round(t_ref/dt) steps, during which the synaptic currents keep decaying
// and keep receiving input (NEST's convention). A drive added before step n
// thus first moves v in step n: with synapses that propagate the spikes of
// step n−1 before step n, the smallest synaptic delay is one step, which is
// the same schedule as Brian2 with zero delay.
type LIF struct {
	LIFParams
	V    []float64 // membrane potential v (mV)
	SynE []float64 // excitatory synaptic current I_e (mV)
	SynI []float64 // inhibitory synaptic current I_i (mV)
	Ref  []int32   // remaining refractory steps

	out    []float64 // 1 for a neuron that spiked in the last step
	spikes []int32   // neurons that spiked in the last step

	// Propagators for the dt of the last step.
	dt                 float64
	pp                 LIFParams // the parameters the propagators were computed for
	pm, pe, pi, de, di float64
	nref               int32
}

// NewLIF returns n LIF neurons at rest (v = v_rest, no current).
func NewLIF(n int, p LIFParams) (*LIF, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	l := &LIF{
		LIFParams: p,
		V:         make([]float64, n), SynE: make([]float64, n), SynI: make([]float64, n), Ref: make([]int32, n),
		out:    make([]float64, n),
		spikes: make([]int32, 0, n),
	}
	l.Reset()
	return l, nil
}

// Len returns the number of neurons.
func (l *LIF) Len() int { return len(l.V) }

// Input returns the excitatory synaptic currents I_e themselves: w added at
// index i makes I_e of neuron i jump by w mV, felt from the next step on.
// Unlike a rate population's input, Step does not zero it: the current
// decays with τ_e. (Adding straight into the current saves the step a
// buffer to read and clear per neuron.)
func (l *LIF) Input() []float64 { return l.SynE }

// InputInh returns the inhibitory synaptic currents I_i: like Input.
func (l *LIF) InputInh() []float64 { return l.SynI }

// Output returns the spike indicator of the last step (1 spiked, 0 not).
func (l *LIF) Output() []float64 { return l.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (l *LIF) Spikes() []int32 { return l.spikes }

// State returns the membrane potentials v (mV).
func (l *LIF) State() []float64 { return l.V }

// Reset sets v = v_rest, clears currents, refractoriness, spikes and input.
func (l *LIF) Reset() {
	for i := range l.V {
		l.V[i] = l.VRestMV
	}
	clear(l.SynE)
	clear(l.SynI)
	clear(l.Ref)
	clear(l.out)
	l.spikes = l.spikes[:0]
}

// RefractorySteps returns round(t_ref/dt), the number of steps a neuron is
// held at v_reset after a spike.
func (l *LIF) RefractorySteps(dt float64) int {
	return int(math.Round(l.TRefMs / dt))
}

// prepare computes the propagators for dt.
func (l *LIF) prepare(dt float64) {
	l.dt = dt
	l.pm = math.Exp(-dt / l.TauMMs)
	l.pe, l.de = channelPropagators(dt, l.TauMMs, l.TauSynEMs)
	l.pi, l.di = channelPropagators(dt, l.TauMMs, l.TauSynIMs)
	l.nref = int32(l.RefractorySteps(dt))
	l.pp = l.LIFParams
}

// channelPropagators returns the effect P on v of a channel's current over
// a step of h ms and the current's decay factor: a delta channel (τs = 0)
// moves v by its whole drive, relaxed with the membrane, and is cleared.
func channelPropagators(h, tauM, tauS float64) (p, decay float64) {
	if tauS == 0 {
		return math.Exp(-h / tauM), 0
	}
	return synPropagator(h, tauM, tauS), math.Exp(-h / tauS)
}

// synPropagator returns P = τs/(τs − τm)·(e^(−h/τs) − e^(−h/τm)), the effect
// on v after h of a unit synaptic current at time 0, written as
// h/τm·e^(−h/τm)·expm1(x)/x with x = h·(1/τm − 1/τs) so that it stays
// accurate as τs → τm.
func synPropagator(h, tauM, tauS float64) float64 {
	x := h * (1/tauM - 1/tauS)
	var f float64 // expm1(x)/x
	if math.Abs(x) > 1e-8 {
		f = math.Expm1(x) / x
	} else {
		f = 1 + x/2
	}
	return h / tauM * math.Exp(-h/tauM) * f
}

// Step advances the neurons by dt ms, records the spikes and zeroes the input.
func (l *LIF) Step(dt float64) {
	l.Prepare(dt)
	l.spikes = l.StepPart(0, len(l.V), l.spikes[:0])
}

// Prepare readies a step of dt ms (Parted).
func (l *LIF) Prepare(dt float64) {
	if dt != l.dt || l.pp != l.LIFParams {
		l.prepare(dt)
	}
}

// Join sets the spikes of a step made in parts (Parted).
func (l *LIF) Join(parts [][]int32) { l.spikes = join(l.spikes, parts) }

// StepPart advances the neurons [lo, hi) (Parted; Step steps them all).
func (l *LIF) StepPart(lo, hi int, spikes []int32) []int32 {
	clearOut(l.out, l.spikes, lo, hi)
	n := hi - lo
	v, ge, gi, ref := l.V[lo:hi], l.SynE[lo:hi], l.SynI[lo:hi], l.Ref[lo:hi]
	out := l.out[lo:hi]
	pm, pe, pi, de, di := l.pm, l.pe, l.pi, l.de, l.di
	v0 := l.VRestMV * (1 - pm) // v ← v·pm + v_rest·(1 − pm) + P_e·I_e + P_i·I_i
	vth := l.VThreshMV
	// A threshold crossing is rare: the loops only record it, and the
	// reset is done for the few spiking neurons after them. The AVX-512
	// kernel steps the neurons eight at a time, the AVX2 kernel four (the
	// same operations, the same bits); the scalar loop does the rest.
	// Spikes are numbered from lo until the end.
	first := len(spikes)
	m := 0
	if useAVX2 && n >= 4 {
		m = n &^ 3
		k := [7]float64{pm, v0, pe, pi, de, di, vth}
		if cap(spikes)-first < n {
			spikes = append(make([]int32, 0, first+n), spikes...)
		}
		buf := spikes[first : first+n]
		ns, m8 := 0, 0
		if useAVX512 && n >= 8 {
			m8 = n &^ 7
			ns = lifAVX512(&v[0], &ge[0], &gi[0], &ref[0], m8, &k, &buf[0])
		}
		if m > m8 {
			// The group of four after those of eight, numbered from m8.
			n4 := lifAVX2(&v[m8], &ge[m8], &gi[m8], &ref[m8], m-m8, &k, &buf[ns])
			offset(buf[ns:ns+n4], m8)
			ns += n4
		}
		spikes = spikes[:first+ns]
	}
	for i := m; i < n; i++ {
		ie, ii := ge[i], gi[i]
		ge[i], gi[i] = ie*de, ii*di
		x := v[i]*pm + v0 + ie*pe + ii*pi
		if r := ref[i]; r > 0 {
			ref[i] = r - 1 // held at v_reset while refractory
			continue
		}
		v[i] = x
		if x >= vth {
			spikes = append(spikes, int32(i))
		}
	}
	vreset, nref := l.VResetMV, l.nref
	for _, i := range spikes[first:] {
		v[i] = vreset
		ref[i] = nref
		out[i] = 1
	}
	offset(spikes[first:], lo)
	return spikes
}
