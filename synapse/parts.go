package synapse

import "fmt"

// parts splits the post neurons of a projection for several threads
// (SetParts).
type parts struct {
	bounds []int32 // part k owns the post neurons [bounds[k], bounds[k+1])
	// split[j*stride+k : j*stride+k+2] are the synapses of pre j onto
	// part k (its row cut where the ascending targets cross the bounds).
	split  []int32
	stride int
	dirty  [][]bool // per part, whether a ring slot holds anything of its range
	full   []padFlag
	arr    []int32 // rule "stdp": the pre spikes that arrive in this step
}

// padFlag is one part's flag, alone on its cache line.
type padFlag struct {
	v bool
	_ [63]byte
}

// SetParts splits the post neurons into the ranges [bounds[k],
// bounds[k+1]) (bounds ascending from 0 to NPost), so that several
// goroutines can step the projection at once, each its own range, with
// the very bits of Propagate or PropagatePair: a step is
//
//	s.BeginStep(pre, dt)                     // one goroutine
//	s.StepPart(k, pre, post, dst)            // concurrently, every part k once
//	if s.EndStep() {                         // one goroutine
//		s.SweepPart(k)                       // concurrently, every part k once
//	}
//
// with pre, post and dst as Propagate or PropagatePair take them. Each part
// writes only its range of dst, of the spikes in flight and of the
// per-post-neuron state, and keeps its own copy of the per-pre-neuron
// traces. A projection with reward-modulated STDP (rule "rstdp", rule
// "nest") cannot be split. nil or one part undoes the split.
func (s *Sparse) SetParts(bounds []int32) error {
	if s.Plastic && s.STDP.Rule != Additive {
		return fmt.Errorf("synapse: a projection with rule %q cannot be stepped in parts", s.STDP.Rule)
	}
	if len(bounds) <= 2 {
		s.parts = nil
		if s.Plastic {
			s.pair.pre = s.pair.pre[:1]
		}
		return nil
	}
	if bounds[0] != 0 || int(bounds[len(bounds)-1]) != s.NPost || !ascending(bounds) {
		return fmt.Errorf("synapse: parts %v do not cover the %d post neurons in order", bounds, s.NPost)
	}
	n := len(bounds) - 1
	pt := &parts{bounds: bounds, dirty: make([][]bool, n), full: make([]padFlag, n),
		split: make([]int32, s.NPre*(n+1)), stride: n + 1}
	for j := range int32(s.NPre) {
		a, b := s.RowPtr[j], s.RowPtr[j+1]
		sp := pt.split[int(j)*pt.stride:]
		for k := range n {
			sp[k], _ = s.rowSpan(a, b, bounds[k], bounds[k+1])
		}
		sp[n] = b
	}
	for k := range pt.dirty {
		pt.dirty[k] = make([]bool, s.slots)
	}
	if s.Plastic {
		if s.pair.step > 0 {
			s.SettlePairs() // every copy of the traces starts from the settled one
		}
		ps := &s.pair
		ps.pre = ps.pre[:1]
		for range n - 1 {
			tr := newPreTraces(s.NPre)
			copy(tr.xSet, ps.pre[0].xSet)
			copy(tr.tSet, ps.pre[0].tSet)
			ps.pre = append(ps.pre, tr)
		}
	}
	s.parts = pt
	return nil
}

func ascending(b []int32) bool {
	for k := 1; k < len(b); k++ {
		if b[k] < b[k-1] {
			return false
		}
	}
	return true
}

// BeginStep starts a step in parts (SetParts): pre are the spikes
// Propagate or PropagatePair would take, dt the step (ms; used by rule
// "stdp").
func (s *Sparse) BeginStep(pre []int32, dt float64) {
	if !s.Plastic {
		return
	}
	s.useDt(dt)
	s.parts.arr = s.pair.arrivals(pre)
}

// StepPart is part k's share of Propagate or PropagatePair: the spikes
// onto its post neurons, and for rule "stdp" the pairing of its synapses.
func (s *Sparse) StepPart(k int, pre, post []int32, dst []float64) {
	pt := s.parts
	lo, hi := pt.bounds[k], pt.bounds[k+1]
	dst = dst[:s.NPost]
	if s.Plastic {
		ps := &s.pair
		s.arriveRange(pt.arr, dst, k, &ps.pre[k])
		pt.full[k].v = s.postRange(post, lo, hi)
		return
	}
	s.deliver(pre, dst, pt.dirty[k], k, lo, hi)
}

// EndStep closes a step in parts; for rule "stdp" it reports whether
// every part must now settle its synapses (SweepPart).
func (s *Sparse) EndStep() (sweep bool) {
	if !s.Plastic {
		s.moveRing()
		return false
	}
	ps := &s.pair
	for k := range s.parts.full {
		ps.full = ps.full || s.parts.full[k].v
	}
	if !s.endStep() {
		return false
	}
	ps.swept, ps.full = ps.step, false
	return true
}

// SweepPart settles the synapses onto part k's post neurons (SettlePairs
// for one part).
func (s *Sparse) SweepPart(k int) {
	s.settleRange(k, s.parts.bounds[k], s.parts.bounds[k+1], &s.pair.pre[k])
}

// deliver adds the spikes pre onto part k, the post neurons [lo, hi)
// (all of them without parts), to the spikes in flight (dirty marks the
// ring slots that hold some of them), then adds what is due now into dst.
// It does not move the ring.
func (s *Sparse) deliver(pre []int32, dst []float64, dirty []bool, k int, lo, hi int32) {
	if s.ring == nil {
		// Every delay is 1: add straight into dst.
		for _, j := range pre {
			a, b := s.span(j, k)
			w := s.W[a:b]
			for m, i := range s.Post[a:b] {
				dst[i] += w[m]
			}
		}
		return
	}
	n := s.NPost
	if len(pre) > 0 {
		if s.Delay == nil {
			slot := (s.head + s.DelaySteps - 1) % s.slots
			dirty[slot] = true
			buf := s.ring[slot*n : (slot+1)*n]
			for _, j := range pre {
				a, b := s.span(j, k)
				w := s.W[a:b]
				for m, i := range s.Post[a:b] {
					buf[i] += w[m]
				}
			}
		} else {
			for _, j := range pre {
				a, b := s.span(j, k)
				for m := a; m < b; m++ {
					slot := (s.head + int(s.Delay[m]) - 1) % s.slots
					dirty[slot] = true
					s.ring[slot*n+int(s.Post[m])] += s.W[m]
				}
			}
		}
	}
	if dirty[s.head] {
		buf := s.ring[s.head*n+int(lo) : s.head*n+int(hi)]
		for i, x := range buf {
			dst[int(lo)+i] += x
		}
		clear(buf)
		dirty[s.head] = false
	}
}

// span returns the synapses [a, b) of pre j onto part k (all of j's
// without parts).
func (s *Sparse) span(j int32, k int) (int32, int32) {
	if s.parts == nil {
		return s.RowPtr[j], s.RowPtr[j+1]
	}
	i := int(j)*s.parts.stride + k
	return s.parts.split[i], s.parts.split[i+1]
}
