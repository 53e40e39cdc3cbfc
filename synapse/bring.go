package synapse

// bringK are the operands of bringAVX2 and bringAVX512, each number
// broadcast to the four lanes of a ymm vector (bringAVX512 broadcasts the
// first to eight); bringk.h names their offsets.
type bringK struct {
	t, t0, d0, tonic, tauCD, tauC [4]float64
	lo, hi, loHi, tabLen, one     [4]float64
	tDead                         [4]float64 // the breakpoint's TDead
	absMask                       [4]uint64  // all bits but the sign
	bMin, bMax                    [4]float64 // the range of deadB
	ed, em, gc                    *float64   // the tables (ed, em nil if D = 0)
	hasD, hasTonic                int64      // D ≠ 0, tonic ≠ 0

	key bringKey // what the operands but t were made from
}

// bringKey is what set makes bringK's operands from, but t.
type bringKey struct {
	ev               daEvent
	tauC, wMin, wMax float64
	gc               expTable
}

func broadcast(x float64) [4]float64 { return [4]float64{x, x, x, x} }

// set makes k the operands of bringing synapses to t in the segment of
// breakpoint ev: only t, if the rest is made from what it was made from
// last time (the same breakpoint, bounds and tables: every step between
// two rewards).
func (k *bringK) set(s *Sparse, ev *daEvent, t float64) {
	k.t = broadcast(t)
	key := bringKey{ev: *ev, tauC: s.STDP.TauCMs, wMin: s.WMin, wMax: s.WMax, gc: s.stdp.gc}
	if key == k.key && key.gc != nil {
		return
	}
	k.key = key
	k.t0, k.d0, k.tonic = broadcast(ev.T), broadcast(ev.D), broadcast(ev.Tonic)
	k.tauCD, k.tauC = broadcast(ev.tauCD), broadcast(s.STDP.TauCMs)
	k.lo, k.hi, k.loHi = broadcast(s.WMin), broadcast(s.WMax), broadcast(min(s.WMin, s.WMax))
	k.tabLen, k.one = broadcast(expTableLen), broadcast(1)
	k.tDead, k.bMin, k.bMax = broadcast(ev.TDead), broadcast(0x1p-900), broadcast(0x1p900)
	k.absMask = [4]uint64{1<<63 - 1, 1<<63 - 1, 1<<63 - 1, 1<<63 - 1}
	k.ed, k.em, k.hasD = nil, nil, 0
	if ev.D != 0 {
		k.ed, k.em, k.hasD = &ev.ed[0], &ev.em[0], 1
	}
	k.gc = &s.stdp.gc[0]
	k.hasTonic = 0
	if ev.Tonic != 0 {
		k.hasTonic = 1
	}
}
