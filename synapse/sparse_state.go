package synapse

import "fmt"

// SparseState is the state of a sparse projection between two steps: its
// weights, the spikes in flight and, when plastic, the event-driven STDP
// state. SetState continues a projection drawn the same way exactly where
// State left it (checkpoints of long runs).
type SparseState struct {
	W     []float64
	Ring  []float64
	Dirty []bool
	Head  int
	// Plastic projections.
	C, XPre, YPost, TSyn, TPre, TPost []float64
	Hist                              []DopamineBreak
	TNow, Dt, Kc, Ec, Ex, Ey          float64
}

// DopamineBreak is a breakpoint of the dopamine signal a plastic
// projection integrates (see Sparse.Dopamine).
type DopamineBreak struct {
	T, D, Tonic, InvTauD, TauCD float64
}

// State returns copies of the projection's state.
func (s *Sparse) State() SparseState {
	c := func(x []float64) []float64 { return append([]float64(nil), x...) }
	st := &s.stdp
	out := SparseState{W: c(s.W), Ring: c(s.ring), Dirty: append([]bool(nil), s.dirty...), Head: s.head,
		C: c(st.C), XPre: c(st.xPre), YPost: c(st.yPost),
		TNow: st.tNow, Dt: st.dt, Kc: st.kc, Ec: st.ec, Ex: st.ex, Ey: st.ey}
	if st.tc != nil {
		out.XPre, out.TPre = splitTraces(st.pre)
		out.YPost, out.TPost = splitTraces(st.post)
		out.TSyn, out.C = make([]float64, len(s.W)), make([]float64, len(s.W))
		for k := range out.TSyn {
			out.TSyn[k], out.C[k] = st.tc[k].a, st.tc[k].c
		}
	}
	for _, h := range st.hist {
		out.Hist = append(out.Hist, DopamineBreak{T: h.T, D: h.D, Tonic: h.Tonic, InvTauD: h.invTauD, TauCD: h.tauCD})
	}
	return out
}

// SetState puts the projection in a state State returned. A projection
// with two-factor STDP (rule "stdp") has no state to save beside W: only
// simulations run it, and they are not checkpointed; it is refused.
func (s *Sparse) SetState(x SparseState) error {
	if s.Plastic && s.STDP.Rule == Additive {
		return fmt.Errorf("synapse: a projection with rule \"stdp\" is not checkpointed")
	}
	st := &s.stdp
	same := len(x.W) == len(s.W) && len(x.Ring) == len(s.ring) && len(x.Dirty) == len(s.dirty) &&
		len(x.C) == len(st.C)+len(st.tc) && len(x.XPre) == len(st.xPre)+len(st.pre) && len(x.YPost) == len(st.yPost)+len(st.post) &&
		len(x.TSyn) == len(st.tc) && len(x.TPre) == len(st.pre) && len(x.TPost) == len(st.post)
	if !same {
		return fmt.Errorf("synapse: the state does not fit this projection (%d synapses, saved %d)", len(s.W), len(x.W))
	}
	copy(s.W, x.W)
	copy(s.ring, x.Ring)
	copy(s.dirty, x.Dirty)
	s.head = x.Head
	copy(st.C, x.C)
	for k := range st.tc {
		st.tc[k].a, st.tc[k].c = x.TSyn[k], x.C[k]
	}
	copy(st.xPre, x.XPre)
	copy(st.yPost, x.YPost)
	joinTraces(st.pre, x.XPre, x.TPre)
	joinTraces(st.post, x.YPost, x.TPost)
	st.hist = st.hist[:0]
	for _, h := range x.Hist {
		ev := daEvent{T: h.T, D: h.D, Tonic: h.Tonic, invTauD: h.InvTauD, tauCD: h.TauCD}
		ev.setDead()
		if ev.D != 0 {
			ev.tabulate()
		}
		st.hist = append(st.hist, ev)
	}
	st.tNow, st.dt, st.kc, st.ec, st.ex, st.ey = x.TNow, x.Dt, x.Kc, x.Ec, x.Ex, x.Ey
	return nil
}

// splitTraces returns the values and the times of neurons' traces, as
// SparseState keeps them.
func splitTraces(tr []trace) (v, t []float64) {
	v, t = make([]float64, len(tr)), make([]float64, len(tr))
	for i, x := range tr {
		v[i], t[i] = x.v, x.t
	}
	return v, t
}

// joinTraces sets tr from the values v and times t of SparseState.
func joinTraces(tr []trace, v, t []float64) {
	for i := range tr {
		tr[i] = trace{v[i], t[i]}
	}
}
