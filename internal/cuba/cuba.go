// Package cuba builds the CUBA benchmark network (Brette et al. 2007,
// Brian2's examples/CUBA.py): 4000 current-based LIF neurons, 3200
// excitatory and 800 inhibitory, connected with probability 0.02, simulated
// at dt = 0.1 ms.
//
//	τ_m dv/dt = −(v − E_l) + g_e + g_i    E_l = −49 mV (above threshold)
//	τ_e dg_e/dt = −g_e                   τ_m = 20 ms, τ_e = 5 ms, τ_i = 10 ms
//	τ_i dg_i/dt = −g_i                   v_t = −50 mV, v_r = −60 mV, t_ref = 5 ms
//
// An excitatory spike adds w_e = 60·0.27/10 mV to g_e, an inhibitory one
// w_i = −20·4.5/10 mV to g_i, one step later (Brian2's delay 0 in its
// schedule). Initial v is uniform in [v_r, v_t).
//
// The network is two neuron.LIF populations (E, I) and four sparse
// projections (E→E, E→I, I→E, I→I), each pair connected independently with
// p = 0.02, self-connections allowed: the same random graph model as
// Brian2's Ce.connect('i<3200', p=0.02), Ci.connect('i>=3200', p=0.02).
package cuba

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// The benchmark's constants.
const (
	NExc = 3200
	NInh = 800
	P    = 0.02
	DtMs = 0.1
	WeMV = 60 * 0.27 / 10 // excitatory weight (mV)
	WiMV = -20 * 4.5 / 10 // inhibitory weight (mV)
)

// Params returns the neuron parameters of the benchmark.
func Params() neuron.LIFParams {
	return neuron.LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10}
}

// Network is the CUBA network.
type Network struct {
	E, I           *neuron.LIF
	EE, EI, IE, II *synapse.Sparse
	Steps          int // steps simulated since Build
}

// stream returns a generator for one named random stream of a seed.
func stream(seed uint64, name string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write([]byte("dopa/cuba\x00"))
	h.Write(b[:])
	h.Write([]byte(name))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}

// Build draws the network for a seed.
func Build(seed uint64) (*Network, error) {
	var n Network
	var err error
	if n.E, err = neuron.NewLIF(NExc, Params()); err != nil {
		return nil, err
	}
	if n.I, err = neuron.NewLIF(NInh, Params()); err != nil {
		return nil, err
	}
	sp := synapse.SparseParams{}.Defaults()
	sp.P = P
	proj := func(name string, nPre, nPost int, w float64) (*synapse.Sparse, error) {
		q := sp
		q.Weight = w
		return synapse.NewSparse(nPre, nPost, q, stream(seed, name))
	}
	if n.EE, err = proj("ee", NExc, NExc, WeMV); err != nil {
		return nil, err
	}
	if n.EI, err = proj("ei", NExc, NInh, WeMV); err != nil {
		return nil, err
	}
	if n.IE, err = proj("ie", NInh, NExc, WiMV); err != nil {
		return nil, err
	}
	if n.II, err = proj("ii", NInh, NInh, WiMV); err != nil {
		return nil, err
	}
	rng := stream(seed, "v0")
	p := Params()
	for _, pop := range []*neuron.LIF{n.E, n.I} {
		for i := range pop.V {
			pop.V[i] = p.VResetMV + rng.Float64()*(p.VThreshMV-p.VResetMV)
		}
	}
	return &n, nil
}

// Synapses returns the number of synapses.
func (n *Network) Synapses() int { return n.EE.Len() + n.EI.Len() + n.IE.Len() + n.II.Len() }

// Step advances the network by one step of DtMs and returns the number of
// spikes in it. It allocates nothing.
func (n *Network) Step() int {
	se, si := n.E.Spikes(), n.I.Spikes()
	n.EE.Propagate(se, n.E.Input())
	n.EI.Propagate(se, n.I.Input())
	n.IE.Propagate(si, n.E.InputInh())
	n.II.Propagate(si, n.I.InputInh())
	n.E.Step(DtMs)
	n.I.Step(DtMs)
	n.Steps++
	return len(n.E.Spikes()) + len(n.I.Spikes())
}

// Run simulates steps steps and returns the number of spikes.
func (n *Network) Run(steps int) int {
	total := 0
	for range steps {
		total += n.Step()
	}
	return total
}
