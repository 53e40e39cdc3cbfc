package synapse

import "math"

// pairState is the state of a projection with two-factor additive STDP
// (rule "stdp", Sparse.PropagatePair), kept apart from the three-factor
// state (stdpState): no eligibility, no dopamine.
//
// Potentiation is applied lazily, row by row: a post spike does not touch
// its incoming synapses (scattered all over W), it is written into the
// post neuron's recent spikes; a pre neuron's row brings its synapses up
// to date (settle) when the pre spike arrives, walking W in order. Between
// two arrivals of pre j its trace only decays, so x_j at any post spike
// is xSet[j]·e^(−(t − tSet[j])·dt/τ₊). Every post neuron keeps its last
// histK spike steps; all rows are settled every sweepSteps steps, or as
// soon as a post neuron has spiked histK times since the last sweep, so
// that no row ever needs a spike the history has dropped.
type pairState struct {
	// Pre side: the trace right after the last settle and its step, one
	// copy per part of the post neurons (see SetParts; one when the
	// projection is not split), each settling its part of every row.
	pre []preTraces
	y   []float64 // postsynaptic trace per post neuron, at the current step

	// Post spikes: the last histK steps of post i at hist[i*histK:], the
	// newest at (total[i]−1) mod histK; newest[i] the last two (−1:
	// none), which spare most synapses the walk through hist.
	hist          []int32
	total, recent []int32 // spikes in all, and since the last sweep
	newest        []lastTwo
	full          bool // some post neuron has histK spikes since the sweep

	// ring holds the pre spikes of the last delay_steps calls: the spikes
	// passed in call n arrive in call n + delay_steps − 1.
	ring [][]int32
	pos  int

	step  int32     // the step being paired: calls so far − 1
	swept int32     // the step of the last sweep
	dt    float64   // the dt of the tables
	ex    []float64 // ex[n] = e^(−n·dt/τ₊), n ≤ sweepSteps + 1
	ey    float64   // e^(−dt/τ₋)
}

// preTraces are the pre traces as one part of the post neurons sees them:
// every part keeps the same values, each its own copy.
type preTraces struct {
	xSet []float64
	tSet []int32
}

// lastTwo are the steps of a neuron's last spike and the one before.
type lastTwo struct{ last, prev int32 }

const (
	histK      = 32   // post spikes kept per neuron
	sweepSteps = 1024 // the longest a row waits to be settled
)

func (s *Sparse) initPair() {
	n := len(s.Post)
	// A fresh copy of the weights on huge pages where the kernel allows.
	w := make([]float64, n)
	hugePages(w)
	copy(w, s.W)
	s.W = w
	ps := &s.pair
	ps.pre = []preTraces{newPreTraces(s.NPre)}
	ps.y = make([]float64, s.NPost)
	ps.hist = make([]int32, s.NPost*histK)
	ps.total = make([]int32, s.NPost)
	ps.recent = make([]int32, s.NPost)
	ps.newest = make([]lastTwo, s.NPost)
	ps.ring = make([][]int32, s.DelaySteps)
	for d := range ps.ring {
		ps.ring[d] = make([]int32, 0, s.NPre)
	}
	ps.ex = make([]float64, sweepSteps+2)
	s.resetPair()
}

func newPreTraces(n int) preTraces {
	return preTraces{xSet: make([]float64, n), tSet: make([]int32, n)}
}

func (s *Sparse) resetPair() {
	ps := &s.pair
	if ps.step > 0 {
		s.SettlePairs()
	}
	for _, tr := range ps.pre {
		clear(tr.xSet)
		clear(tr.tSet)
	}
	clear(ps.y)
	clear(ps.total)
	clear(ps.recent)
	for i := range ps.newest {
		ps.newest[i] = lastTwo{-1, -1}
	}
	for d := range ps.ring {
		ps.ring[d] = ps.ring[d][:0]
	}
	ps.pos, ps.step, ps.swept, ps.full = 0, 0, 0, false
}

func (ps *pairState) tables(dt, tauPlus, tauMinus float64) {
	ps.dt = dt
	for n := range ps.ex {
		ps.ex[n] = math.Exp(-float64(n) * dt / tauPlus)
	}
	ps.ey = math.Exp(-dt / tauMinus)
}

// PropagatePair carries the spikes of a projection with two-factor
// additive STDP (rule "stdp") into the post input and applies the rule,
// in place of Propagate, once per step of dt ms before the post
// population steps: pre are the spikes the pre population fired in the
// last step (pre.Spikes()), post the post spikes of that step that reach
// the pairing (post.Spikes(), or those of d ms earlier with
// stdp.dendritic_delay_ms = d), dst the post input (post.Input()). Let T
// be the step that fired them (the calls so far, from 0). A pre spike
// arrives delay_steps − 1 calls after it was passed — it moves the post
// neuron in the step after T, delay_steps steps after it was fired, as
// with Propagate — and, at step T, as Brian2's on_pre:
//
//  1. each of its synapses adds w to dst and then is depressed,
//     w ← clip(w − A₋·y_post), and its trace takes the spike (x ← x + 1,
//     or x ← 1 for nearest pairing);
//  2. then every post spike of step T potentiates each of its incoming
//     synapses, w ← clip(w + A₊·x_pre), and its trace takes the spike;
//  3. the traces decay by e^(−dt/τ±).
//
// clip is to [w_min, w_max]. An arrival and a post spike of the same step
// pair as pre before post (A₊ at zero lag), as in Brian2, whose on_pre
// runs before on_post. The traces are per neuron: for additive all-to-all
// pairing they equal Brian2's per-synapse event-driven traces.
//
// Step 2 is applied lazily (see pairState): a synapse's potentiations are
// added, in order and each clipped, when its pre neuron's spike next
// arrives or by SettlePairs, so W holds every change only after
// SettlePairs (call it before reading the weights). It allocates nothing.
func (s *Sparse) PropagatePair(pre, post []int32, dst []float64, dt float64) {
	if !s.Plastic || s.STDP.Rule != Additive {
		panic("synapse: PropagatePair on a projection without rule \"stdp\"")
	}
	if s.parts != nil {
		panic("synapse: PropagatePair on a projection split in parts (SetParts: use StepPart)")
	}
	s.useDt(dt)
	ps := &s.pair
	arr := ps.arrivals(pre)
	s.arriveRange(arr, dst[:s.NPost], 0, &ps.pre[0])
	ps.full = s.postRange(post, 0, int32(s.NPost)) || ps.full
	if s.endStep() {
		s.SettlePairs()
	}
}

// useDt readies the tables for steps of dt ms, settling the synapses
// first if dt changes.
func (s *Sparse) useDt(dt float64) {
	ps := &s.pair
	if dt != ps.dt {
		if ps.step > 0 {
			s.SettlePairs()
		}
		ps.tables(dt, s.STDP.TauPlusMs, s.STDP.TauMinusMs)
	}
}

// arrivals stores this call's pre spikes and returns those that arrive
// now.
func (ps *pairState) arrivals(pre []int32) []int32 {
	n := len(ps.ring)
	ps.ring[ps.pos] = append(ps.ring[ps.pos][:0], pre...)
	ps.pos++
	if ps.pos == n {
		ps.pos = 0
	}
	return ps.ring[ps.pos]
}

// arriveRange applies step 1 to the synapses of the arriving pre neurons
// onto the post neurons of part k (all of them without parts), and brings
// their traces tr (those of part k) to the step.
func (s *Sparse) arriveRange(arr []int32, dst []float64, k int, tr *preTraces) {
	ps := &s.pair
	aM := s.STDP.AMinus
	wLo, wHi := s.WMin, s.WMax
	y, T := ps.y, ps.step
	nearest := s.STDP.Pairing == Nearest
	for _, j := range arr {
		a, b := s.span(j, k)
		s.settleRow(j, a, b, T, tr)
		w := s.W[a:b]
		for m, i := range s.Post[a:b] {
			dst[i] += w[m]
			w[m] = min(max(w[m]-aM*y[i], wLo), wHi)
		}
		x := 1.0
		if !nearest {
			x += tr.xSet[j] * ps.ex[T-tr.tSet[j]]
		}
		tr.xSet[j], tr.tSet[j] = x, T
	}
}

// settleRow adds to the synapses [a, b) of pre j (all its row, or those
// onto one range of post neurons) the potentiations of the post spikes
// of steps [tSet[j], upTo), in order, each clipped, by the traces tr.
func (s *Sparse) settleRow(j, a, b, upTo int32, tr *preTraces) {
	ps := &s.pair
	t0 := tr.tSet[j]
	if t0 >= upTo {
		return
	}
	aPx := s.STDP.APlus * tr.xSet[j]
	if aPx == 0 {
		return
	}
	ex := ps.ex
	wLo, wHi := s.WMin, s.WMax
	nw, hist, total := ps.newest, ps.hist, ps.total
	w := s.W[a:b]
	for k, i := range s.Post[a:b] {
		lt := nw[i]
		if lt.last < t0 {
			continue
		}
		if lt.prev < t0 { // one post spike since t0, the most common case
			w[k] = min(max(w[k]+aPx*ex[lt.last-t0], wLo), wHi)
			continue
		}
		// The post spikes of i at or after t0: the newest n of its history.
		h := hist[int(i)*histK : int(i)*histK+histK]
		newest := int(total[i]) - 1
		n := 2
		for n < histK && n <= newest && h[(newest-n)%histK] >= t0 {
			n++
		}
		v := w[k]
		for m := newest - n + 1; m <= newest; m++ {
			v = min(max(v+aPx*ex[h[m%histK]-t0], wLo), wHi)
		}
		w[k] = v
	}
}

// postRange applies the post spikes in [lo, hi) to the history and the
// traces y, and decays y over [lo, hi). It reports whether a post neuron
// of the range now has histK spikes since the last sweep.
func (s *Sparse) postRange(post []int32, lo, hi int32) (full bool) {
	ps := &s.pair
	nearest := s.STDP.Pairing == Nearest
	y, T := ps.y, ps.step
	for _, i := range post {
		if i < lo || i >= hi {
			continue
		}
		ps.hist[int(i)*histK+int(ps.total[i])%histK] = T
		ps.total[i]++
		ps.newest[i] = lastTwo{T, ps.newest[i].last}
		ps.recent[i]++
		if ps.recent[i] == histK {
			full = true
		}
		if nearest {
			y[i] = 1
		} else {
			y[i]++
		}
	}
	ey := ps.ey
	for i := range y[lo:hi] {
		y[int(lo)+i] *= ey
	}
	return full
}

// endStep closes step T and reports whether every row must be settled
// now (the history would otherwise drop a spike a row needs).
func (s *Sparse) endStep() bool {
	ps := &s.pair
	ps.step++
	return ps.full || ps.step-ps.swept >= sweepSteps
}

// SettlePairs brings every synapse of a projection with rule "stdp" up to
// date: after it, W holds every change of the steps so far. Its cost is
// proportional to the number of synapses.
func (s *Sparse) SettlePairs() {
	if !s.Plastic || s.STDP.Rule != Additive {
		panic("synapse: SettlePairs on a projection without rule \"stdp\"")
	}
	ps := &s.pair
	if len(ps.pre) == 1 {
		s.settleRange(0, 0, int32(s.NPost), &ps.pre[0])
	} else {
		for p := range ps.pre {
			s.SweepPart(p)
		}
	}
	ps.swept, ps.full = ps.step, false
}

// settleRange settles every row's synapses onto part k, the post neurons
// [lo, hi), by the traces of that part, and starts the post neurons' count
// of recent spikes anew.
func (s *Sparse) settleRange(k int, lo, hi int32, tr *preTraces) {
	ps := &s.pair
	T := ps.step
	for j := range int32(s.NPre) {
		a, b := s.span(j, k)
		s.settleRow(j, a, b, T, tr)
		tr.xSet[j] *= ps.ex[T-tr.tSet[j]]
		tr.tSet[j] = T
	}
	clear(ps.recent[lo:hi])
}

// rowSpan narrows the synapses [a, b) of one pre neuron (targets
// ascending) to those onto post neurons in [lo, hi).
func (s *Sparse) rowSpan(a, b, lo, hi int32) (int32, int32) {
	t := s.Post
	first := func(v int32) int32 {
		l, h := a, b
		for l < h {
			m := int32(uint32(l+h) >> 1)
			if t[m] < v {
				l = m + 1
			} else {
				h = m
			}
		}
		return l
	}
	return first(lo), first(hi)
}
