package synapse

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// Pairing says which spike pairs spike-timing-dependent plasticity counts.
type Pairing int

// The pairing schemes (Morrison, Diesmann & Gerstner 2008).
const (
	// AllToAll counts every pre/post pair: the traces add 1 per spike.
	AllToAll Pairing = iota
	// Nearest counts, for each spike, only the most recent spike on the
	// other side (symmetric nearest-spike): the traces are set to 1 per
	// spike.
	Nearest
)

var pairingNames = [...]string{AllToAll: "all_to_all", Nearest: "nearest"}

// String returns the name used in circuit files.
func (p Pairing) String() string {
	if p < 0 || int(p) >= len(pairingNames) {
		return fmt.Sprintf("Pairing(%d)", int(p))
	}
	return pairingNames[p]
}

// MarshalText implements encoding.TextMarshaler.
func (p Pairing) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// all_to_all and nearest.
func (p *Pairing) UnmarshalText(b []byte) error {
	for i, n := range pairingNames {
		if string(b) == n {
			*p = Pairing(i)
			return nil
		}
	}
	return fmt.Errorf("unknown pairing %q (want all_to_all or nearest)", b)
}

// Rule is the three-factor rule a plastic sparse projection follows.
type Rule int

// The rules (see STDPParams).
const (
	// RSTDP is reward-modulated STDP with an eligibility trace (Izhikevich
	// 2007): a pairing adds to c, τ_c·dc/dt = −c, dw/dt = c·D.
	RSTDP Rule = iota
	// MSTDPET is Florian's (2007) modulated STDP with an eligibility trace:
	// the same dynamics with the trace z = c/τ_c, so that a pairing adds
	// ζ/τ_c to z and dw/dt = z·D (Florian's γ is then D's gain).
	MSTDPET
	// MSTDP is Florian's (2007) modulated STDP without an eligibility trace:
	// a pairing ζ changes the weight at once by D·ζ, with D the level at
	// that step; a pairing with no dopamine present leaves no trace.
	MSTDP
	// Additive is two-factor additive STDP (Song, Miller & Abbott 2000;
	// Brian2's STDP example): no dopamine and no eligibility trace; a
	// pairing changes the weight at once by ±A±·exp(−|Δt|/τ±), A± in
	// weight units (see Sparse.PropagatePair).
	Additive
)

var ruleNames = [...]string{RSTDP: "rstdp", MSTDPET: "mstdpet", MSTDP: "mstdp", Additive: "stdp"}

// String returns the name used in circuit files.
func (r Rule) String() string {
	if r < 0 || int(r) >= len(ruleNames) {
		return fmt.Sprintf("Rule(%d)", int(r))
	}
	return ruleNames[r]
}

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names rstdp,
// mstdpet, mstdp and stdp.
func (r *Rule) UnmarshalText(b []byte) error {
	for i, n := range ruleNames {
		if string(b) == n {
			*r = Rule(i)
			return nil
		}
	}
	return fmt.Errorf("unknown rule %q (want rstdp, mstdpet, mstdp or stdp)", b)
}

// STDPParams are the parameters of reward-modulated STDP with an eligibility
// trace (Izhikevich 2007), the plasticity of a Sparse projection (Rule
// chooses Florian's variants instead):
//
//	τ_c·dc/dt = −c + STDP(pre, post)     eligibility trace c per synapse
//	dw/dt = c·D                          D = d + tonic, the broadcast dopamine
//
// where a pair of spikes, pre at t_pre and post at t_post, adds to c
//
//	+A₊·exp(−(t_post − t_pre)/τ₊)   if t_pre < t_post (potentiation)
//	−A₋·exp(−(t_pre − t_post)/τ₋)   if t_post < t_pre (depression)
//
// and spikes at the same time (the same step) do not pair. Which pairs count
// is Pairing. The traces are per neuron (x per pre, y per post neuron), so a
// projection's synapses share τ₊ and τ₋. The defaults are those of NEST's
// stdp_dopamine_synapse.
//
// The weight is clipped to [w_min, w_max] after every change: every step in
// per-step mode, at each update of the synapse in event-driven mode. The two
// modes agree exactly in c and to O(dt/τ_d) in w while no bound is reached;
// once a bound is reached they differ by where the clipping falls.
type STDPParams struct {
	// APlus is the potentiation amplitude A₊ (added to c by a pre-before-post
	// pair at zero lag), >= 0.
	APlus float64 `toml:"a_plus" check:"finite,>=0"`
	// AMinus is the depression amplitude A₋ (subtracted from c by a
	// post-before-pre pair at zero lag), >= 0.
	AMinus float64 `toml:"a_minus" check:"finite,>=0"`
	// TauPlusMs is the decay time constant τ₊ of the presynaptic trace (ms), > 0.
	TauPlusMs float64 `toml:"tau_plus_ms" check:"finite,>0"`
	// TauMinusMs is the decay time constant τ₋ of the postsynaptic trace (ms), > 0.
	TauMinusMs float64 `toml:"tau_minus_ms" check:"finite,>0"`
	// TauCMs is the decay time constant τ_c of the eligibility trace (ms), > 0.
	TauCMs float64 `toml:"tau_c_ms" check:"finite,>0"`
	// Pairing is which spike pairs count: "all_to_all" or "nearest".
	Pairing Pairing `toml:"pairing"`
	// Rule is the three-factor rule: "rstdp" (the default, the equations
	// above), "mstdpet" (Florian 2007: pairings add A±·exp(…)/τ_c to the
	// trace, Florian's z) or "mstdp" (Florian 2007 without a trace: each
	// pairing changes w at once by D times its amplitude, D the level at
	// that moment; τ_c is unused) or "stdp" (two-factor additive STDP, no
	// dopamine: each pairing changes w at once by A±·exp(…), A± in weight
	// units; τ_c is unused; see Sparse.PropagatePair).
	Rule Rule `toml:"rule"`
	// EventDriven selects the integration: false updates every synapse every
	// step (PlasticStep); true updates a synapse only when one of its neurons
	// spikes or the projection is flushed, integrating c·D exactly between
	// events (SpikesAt, Dopamine, Flush).
	EventDriven bool `toml:"event_driven"`
	// DendriticDelayMs is how long a postsynaptic spike takes to reach the
	// synapse's pairing (ms), in [0, 1000]: a pre spike at t_pre pairs with
	// a post spike at t_post + d, NEST's convention for
	// stdp_dopamine_synapse (its delay counted as dendritic). The circuit
	// that feeds the projection applies it (a whole number of its dt_ms);
	// 0 pairs post spikes at once.
	DendriticDelayMs float64 `toml:"dendritic_delay_ms" check:"[0,1000],unit=ms"`
}

// Defaults returns NEST's stdp_dopamine_synapse values: A₊ = 1, A₋ = 1.5,
// τ₊ = τ₋ = 20 ms, τ_c = 1000 ms, all-to-all pairing, per-step integration.
func (STDPParams) Defaults() STDPParams {
	return STDPParams{APlus: 1, AMinus: 1.5, TauPlusMs: 20, TauMinusMs: 20, TauCMs: 1000, Pairing: AllToAll}
}

// Validate reports a parameter out of range, naming its key (prefixed by
// "stdp.", the table it lives in inside a projection).
func (p STDPParams) Validate() error {
	if err := param.Check(p); err != nil {
		return param.Under(err, "stdp")
	}
	if p.Pairing != AllToAll && p.Pairing != Nearest {
		return param.New(fmt.Sprintf("unknown pairing %d", int(p.Pairing)), "stdp", "pairing")
	}
	if p.Rule != RSTDP && p.Rule != MSTDPET && p.Rule != MSTDP && p.Rule != Additive {
		return param.New(fmt.Sprintf("unknown rule %d", int(p.Rule)), "stdp", "rule")
	}
	if p.Rule == Additive && p.EventDriven {
		return param.New("rule \"stdp\" (two-factor) is stepped: it touches only the synapses of neurons whose spikes pair, and has no dopamine to integrate between them; remove event_driven", "stdp", "event_driven")
	}
	return nil
}

// daEvent is a breakpoint of the dopamine signal: from T on, the phasic
// level is D·exp(−(t−T)/τ_d), plus Tonic.
type daEvent struct {
	T, D, Tonic float64
	invTauD     float64 // 1/τ_d
	tauCD       float64 // τ_c·τ_d/(τ_c+τ_d), the time constant of c·d

	// TDead is the time from which the phasic term no longer changes a
	// synapse's weight by a single bit (see deadAfter); +Inf where D or
	// Tonic is 0.
	TDead float64

	// The tables of e^(−g/τ_d) and expm1(−g/τ_cd) over a gap g
	// (exptable.go); nil only where D = 0.
	ed, em expTable
}

// stdpState is the plasticity state of a Sparse projection.
type stdpState struct {
	C      []float64 // eligibility trace c per synapse
	xPre   []float64 // presynaptic trace per pre neuron (per-step mode)
	yPost  []float64 // postsynaptic trace per post neuron (per-step mode)
	colPtr []int32   // incoming synapses of post i: colSyn[colPtr[i]:colPtr[i+1]]
	colSyn []int32
	synPre []int32 // presynaptic neuron of each synapse (per-step mode)

	// Event-driven state.
	colPre []int32 // presynaptic neuron of each colSyn entry (event-driven mode)
	// Event-driven: the time of the last update of synapse k (ms) and
	// its eligibility trace side by side in tc[k], so that the synapses
	// of a post spike, scattered over the projection, cost one cache line
	// fewer each (C is nil then).
	tc    []tcPair
	cView []float64 // Eligibility's copy of c in event-driven mode
	// Event-driven: each neuron's trace with the time at which it holds,
	// side by side (one cache line per neuron read).
	pre  []trace   // x per pre neuron
	post []trace   // y per post neuron
	hist []daEvent // dopamine breakpoints; hist[0].T <= every update time
	tNow float64   // the latest event time seen

	// Decay factors over a gap (exptable.go): e^(−g/τ_c), e^(−g/τ₊),
	// e^(−g/τ₋).
	gc, gp, gm expTable

	// The operands of the AVX2 kernel of bring and the synapses it
	// leaves to integrate (bring.go).
	bk   bringK
	slow [bringChunk]int32

	// Per-step constants for the dt of the last PlasticStep.
	dt, kc, ec, ex, ey float64
}

// tcPair is an event-driven synapse's time of last update (ms) and
// eligibility trace, together in memory (bring_amd64.s reads them so).
type tcPair struct{ a, c float64 }

// trace is a neuron's STDP trace v and the time t (ms) at which it holds.
type trace struct{ v, t float64 }

// histCap bounds the dopamine breakpoints kept; when full, the projection
// is flushed and the history restarts from the last breakpoint.
const histCap = 64

func (s *Sparse) initPlastic() {
	n := len(s.Post)
	st := &s.stdp
	st.C = make([]float64, n)
	st.xPre = make([]float64, s.NPre)
	st.yPost = make([]float64, s.NPost)
	st.synPre = make([]int32, n)
	st.colPtr = make([]int32, s.NPost+1)
	st.colSyn = make([]int32, n)
	for j := 0; j < s.NPre; j++ {
		for k := s.RowPtr[j]; k < s.RowPtr[j+1]; k++ {
			st.synPre[k] = int32(j)
			st.colPtr[s.Post[k]+1]++
		}
	}
	for i := 0; i < s.NPost; i++ {
		st.colPtr[i+1] += st.colPtr[i]
	}
	fill := make([]int32, s.NPost)
	copy(fill, st.colPtr[:s.NPost])
	for k, i := range s.Post {
		st.colSyn[fill[i]] = int32(k)
		fill[i]++
	}
	if s.STDP.EventDriven {
		st.tc = make([]tcPair, n)
		st.C, st.xPre, st.yPost = nil, nil, nil
		st.pre = make([]trace, s.NPre)
		st.post = make([]trace, s.NPost)
		st.hist = make([]daEvent, 0, histCap)
		// The pre neuron of each synapse in column order, read in order
		// by the post-spike loop; synPre serves only PlasticStep.
		st.colPre = make([]int32, n)
		for x, k := range st.colSyn {
			st.colPre[x] = st.synPre[k]
		}
		st.synPre = nil
		st.gc = newExpTable(1/s.STDP.TauCMs, false)
		st.gp = newExpTable(1/s.STDP.TauPlusMs, false)
		st.gm = newExpTable(1/s.STDP.TauMinusMs, false)
	}
	s.resetPlastic()
}

func (s *Sparse) resetPlastic() {
	st := &s.stdp
	clear(st.C)
	clear(st.xPre)
	clear(st.yPost)
	clear(st.tc)
	clear(st.pre)
	clear(st.post)
	if st.hist != nil {
		st.hist = append(st.hist[:0], s.daEvent(0, 0, 1, 0))
	}
	st.tNow = 0
}

// amplitudes returns the amplitudes a pairing adds to the trace: A₊ and
// A₋, divided by τ_c for mstdpet.
func (s *Sparse) amplitudes() (aP, aM float64) {
	aP, aM = s.STDP.APlus, s.STDP.AMinus
	if s.STDP.Rule == MSTDPET {
		aP, aM = aP/s.STDP.TauCMs, aM/s.STDP.TauCMs
	}
	return aP, aM
}

func (s *Sparse) daEvent(t, d, tauD, tonic float64) daEvent {
	tc := s.STDP.TauCMs
	ev := daEvent{T: t, D: d, Tonic: tonic, invTauD: 1 / tauD, tauCD: tc * tauD / (tc + tauD)}
	ev.setDead()
	return ev
}

// setDead sets TDead from the breakpoint's other fields.
func (ev *daEvent) setDead() { ev.TDead = ev.T + deadAfter(ev.D, ev.invTauD, ev.Tonic) }

// The phasic dopamine of a breakpoint decays away; the tonic level does
// not. Over a lapse from u to t in the segment of a breakpoint (T, D,
// tonic), a synapse's weight gains dw = (0 − A) + B, with
//
//	A = c·D·e^(−(u−T)/τ_d)·τ_cd·(−expm1(−(t−u)/τ_cd))   (the phasic term)
//	B = c·tonic·τ_c·(1 − e^(−(t−u)/τ_c))                 (the tonic term).
//
// Because τ_cd < τ_c, τ_cd·(1 − e^(−n/τ_cd)) <= τ_c·(1 − e^(−n/τ_c)) for
// every lapse n >= 0, so |A| <= |B|·|D/tonic|·e^(−(u−T)/τ_d) whatever c
// and the lapse. Once that factor is below 2^−64, |A| is less than a
// quarter of the spacing of the floats next to B (at least |B|·2^−54),
// even counting the rounding of every product, and the rounded sum
// (0 − A) + B is B itself: the phasic term can be skipped with the same
// bits, provided B is a normal number far from underflow and overflow
// (deadB). deadAfter returns that gap, τ_d·(ln|D/tonic| + 64·ln 2),
// never negative, or +Inf if D or tonic is 0 (nothing to skip, or B = 0
// and A alone is the change). invTauD is 1/τ_d.
func deadAfter(d, invTauD, tonic float64) float64 {
	if d == 0 || tonic == 0 {
		return math.Inf(1)
	}
	g := (math.Log(math.Abs(d/tonic)) + 64*math.Ln2) / invTauD
	if math.IsNaN(g) {
		return math.Inf(1)
	}
	return max(g, 0)
}

// deadB reports whether the tonic term b of a lapse is a normal number
// far from both ends of the float range, where deadAfter's bound holds
// however the phasic term's products round (a product that falls below
// the normal range is absolutely smaller than 2^−1000).
func deadB(b float64) bool {
	b = math.Abs(b)
	return b >= 0x1p-900 && b <= 0x1p900
}

// Eligibility returns the eligibility trace c, one value per synapse (same
// layout as W). In event-driven mode a synapse's value holds at the time of
// its last update (see Flush), and the slice is a copy, made again by each
// call (EligibilityOf reads one synapse).
func (s *Sparse) Eligibility() []float64 {
	st := &s.stdp
	if st.tc == nil {
		return st.C
	}
	if st.cView == nil {
		st.cView = make([]float64, len(s.W))
	}
	for k := range st.cView {
		st.cView[k] = st.tc[k].c
	}
	return st.cView
}

// EligibilityOf returns the eligibility trace of synapse k (as
// Eligibility()[k], without the copy).
func (s *Sparse) EligibilityOf(k int32) float64 {
	if st := &s.stdp; st.tc != nil {
		return st.tc[k].c
	}
	return s.stdp.C[k]
}

func (s *Sparse) mustPlastic(eventDriven bool, method string) {
	if !s.Plastic {
		panic("synapse: " + method + " on a projection that is not plastic")
	}
	if s.STDP.Rule == Additive {
		panic("synapse: " + method + " on a projection with two-factor rule \"stdp\" (PropagatePair)")
	}
	if s.STDP.EventDriven != eventDriven {
		if eventDriven {
			panic("synapse: " + method + " needs stdp.event_driven = true")
		}
		panic("synapse: " + method + " needs stdp.event_driven = false")
	}
}

// PlasticStep advances the plasticity of a per-step projection by one step
// of dt ms, after the neurons have stepped: pre and post are the spikes of
// this step (pre.Spikes(), post.Spikes()), dopamine is D = d + tonic,
// the level broadcast during this step. In order:
//
//  1. pairing: each pre spike adds −A₋·y_post to c of its synapses, each post
//     spike adds +A₊·x_pre to c of its synapses (same-step spikes do not pair);
//     then the traces take the spikes (x ← x+1, or x ← 1 for nearest pairing);
//  2. w ← clip(w + c·D·τ_c·(1 − e^(−dt/τ_c))), the exact integral of c·D over
//     the step with D held constant, then c ← c·e^(−dt/τ_c);
//  3. the traces decay by e^(−dt/τ±).
//
// Step 2 touches every synapse: the cost per step is proportional to the
// number of synapses. The event-driven mode avoids that.
func (s *Sparse) PlasticStep(pre, post []int32, dt, dopamine float64) {
	s.mustPlastic(false, "PlasticStep")
	st := &s.stdp
	if dt != st.dt {
		st.dt = dt
		st.ec = math.Exp(-dt / s.STDP.TauCMs)
		st.kc = -s.STDP.TauCMs * math.Expm1(-dt/s.STDP.TauCMs)
		st.ex = math.Exp(-dt / s.STDP.TauPlusMs)
		st.ey = math.Exp(-dt / s.STDP.TauMinusMs)
	}
	aP, aM := s.amplitudes()
	C := st.C
	if s.STDP.Rule == MSTDP {
		// No trace: the pairings of this step change w at once.
		aP, aM = aP*dopamine, aM*dopamine
		C = s.W[:len(C)]
	}
	for _, j := range pre {
		lo, hi := s.RowPtr[j], s.RowPtr[j+1]
		for k, i := range s.Post[lo:hi] {
			C[int(lo)+k] -= aM * st.yPost[i]
		}
	}
	for _, i := range post {
		for _, k := range st.colSyn[st.colPtr[i]:st.colPtr[i+1]] {
			C[k] += aP * st.xPre[st.synPre[k]]
		}
	}
	if s.STDP.Rule == MSTDP && (len(pre) > 0 || len(post) > 0) && (aP != 0 || aM != 0) {
		s.clipTouched(pre, post)
	}
	nearest := s.STDP.Pairing == Nearest
	for _, j := range pre {
		if nearest {
			st.xPre[j] = 1
		} else {
			st.xPre[j]++
		}
	}
	for _, i := range post {
		if nearest {
			st.yPost[i] = 1
		} else {
			st.yPost[i]++
		}
	}

	C = st.C
	W := s.W[:len(C)]
	if g := dopamine * st.kc; g != 0 && s.STDP.Rule != MSTDP {
		lo, hi := s.WMin, s.WMax
		for k, c := range C {
			W[k] = min(max(W[k]+g*c, lo), hi)
		}
	}
	ec := st.ec
	for k := range C {
		C[k] *= ec
	}
	for j := range st.xPre {
		st.xPre[j] *= st.ex
	}
	for i := range st.yPost {
		st.yPost[i] *= st.ey
	}
}

func (s *Sparse) checkTime(t float64, method string) {
	if t < s.stdp.tNow || math.IsNaN(t) {
		panic(fmt.Sprintf("synapse: %s at t = %g ms, before the last event at %g ms", method, t, s.stdp.tNow))
	}
	s.stdp.tNow = t
}

// Dopamine records a breakpoint of the dopamine signal for an event-driven
// projection: from t (ms) on, the broadcast level is d·exp(−(t'−t)/τ_d) +
// tonic, until the next breakpoint. modulator.Pulsed calls it on every
// reward (it satisfies modulator.Subscriber). Times must not decrease.
func (s *Sparse) Dopamine(t, d, tauDMs, tonic float64) {
	s.mustPlastic(true, "Dopamine")
	s.checkTime(t, "Dopamine")
	st := &s.stdp
	if len(st.hist) == cap(st.hist) {
		s.Flush(t)
		st.hist = append(st.hist[:0], st.hist[len(st.hist)-1])
	}
	ev := s.daEvent(t, d, tauDMs, tonic)
	ev.tabulate()
	st.hist = append(st.hist, ev)
}

// tabulate gives the breakpoint the shared tables of its decay factors
// (exptable.go), so that integrating over it calls no math.Exp or
// math.Expm1 for whole gaps. Dopamine gives every breakpoint its tables
// (those of the modulator's τ_d, built when it subscribes); the one
// resetPlastic makes has D = 0 and needs none.
func (ev *daEvent) tabulate() {
	ev.ed, ev.em = newExpTable(ev.invTauD, false), newExpTable(ev.tauCD, true)
}

// advance brings synapse k to time t: w gains the exact integral of c·D
// since its last update, and c decays.
func (s *Sparse) advance(k int32, t float64) {
	st := &s.stdp
	if t <= st.tc[k].a {
		return
	}
	s.W[k], st.tc[k].c = s.at(k, t)
	st.tc[k].a = t
}

// at returns the weight and eligibility synapse k of an event-driven
// projection holds at t, after its last update, without changing it.
func (s *Sparse) at(k int32, t float64) (w, c float64) {
	tc := s.stdp.tc
	return s.integrate(tc[k].a, s.W[k], tc[k].c, t)
}

// integrate returns the weight and eligibility at t of a synapse that
// held w and c at its last update a.
func (s *Sparse) integrate(a, w, c, t float64) (float64, float64) {
	st := &s.stdp
	if t <= a || c == 0 {
		return w, c
	}
	h := st.hist
	e := len(h) - 1
	for h[e].T > a {
		e--
	}
	tauC, invTauC := s.STDP.TauCMs, 1/s.STDP.TauCMs
	dw := 0.0
	u := a
	for {
		ev := &h[e]
		end := t
		last := e+1 >= len(h) || h[e+1].T >= t
		if !last {
			end = h[e+1].T
		}
		// The same expressions as e^(−(u−T)/τ_d), expm1(−lapse/τ_cd) and
		// e^(−lapse/τ_c), from the tables for whole gaps (exptable.go);
		// the lapse is looked up once for both of its tables.
		lapse := end - u
		n := int(lapse)
		whole := float64(n) == lapse && uint(n) < expTableLen
		var kc float64
		if whole {
			kc = st.gc[n]
		} else {
			kc = math.Exp(-lapse * invTauC)
		}
		var b float64 // the tonic term
		if ev.Tonic != 0 {
			b = c * ev.Tonic * tauC * (1 - kc)
		}
		// The phasic term, unless it is dead (deadAfter: then it would
		// leave the sum's bits as they are).
		if ev.D != 0 && !(dw == 0 && u >= ev.TDead && deadB(b)) {
			g := u - ev.T
			f, ok := lookup(ev.ed, g)
			if !ok {
				f = expTail(-g * ev.invTauD)
			}
			d := ev.D * f
			var m float64
			if whole {
				m = ev.em[n]
			} else {
				m = math.Expm1(-lapse / ev.tauCD)
			}
			dw -= c * d * ev.tauCD * m
		}
		if ev.Tonic != 0 {
			dw += b
		}
		c *= kc
		if last {
			break
		}
		u = end
		e++
	}
	if dw != 0 {
		w = clipSum(w, dw, s.WMin, s.WMax)
	}
	return w, c
}

// clipSum returns min(max(w+dw, lo), hi), bit for bit, for dw ≠ 0 and
// lo <= hi, in two compares where Go's min and max order signed zeros
// and NaN: the sum is never −0 (a nonzero dw rules it out), so max(v, lo)
// is v unless v < lo; v >= hi gives hi, +0 against a bound of −0
// included; a NaN fails every compare and goes to min and max.
func clipSum(w, dw, lo, hi float64) float64 {
	v := w + dw
	if v < lo {
		return min(lo, hi)
	}
	if v < hi {
		return v
	}
	if v >= hi {
		return hi
	}
	return min(max(v, lo), hi)
}

// bringKernel runs the kernel on len(w) synapses, a multiple of 4: the
// AVX-512 one on the groups of eight if the machine has it, the AVX2 one
// on the rest. It returns the number of synapses listed in slow
// (ascending, numbered from 0), which the caller integrates.
func bringKernel(ac []tcPair, w []float64, k *bringK, slow []int32) int {
	n, m8, ns := len(w), 0, 0
	if useAVX512 && n >= 8 {
		m8 = n &^ 7
		ns = bringAVX512(&ac[0].a, &w[0], m8, k, &slow[0])
	}
	if n > m8 {
		n4 := bringAVX2(&ac[m8].a, &w[m8], n-m8, k, &slow[ns])
		for x := range slow[ns : ns+n4] {
			slow[ns+x] += int32(m8)
		}
		ns += n4
	}
	return ns
}

// bringChunk is the number of synapses bringAVX2 takes per call.
const bringChunk = 256

// bring brings synapses to t in place: ac holds the time of each one's
// last update and its eligibility trace side by side (a_0, c_0, a_1, c_1,
// …, as tc), w its weight, and they hold them at t afterwards (a synapse
// already at t or later is left as it is, as integrate leaves it). A synapse whose last update falls in the last
// dopamine segment, at a whole lapse the tables hold (nearly every one at
// dt = 1 ms), is integrated here, in a loop with no call, by the very
// operations of integrate's single segment; any other by integrate. The
// bits are integrate's. On amd64 with AVX2 that loop runs in bringAVX2
// (bring_amd64.s), four synapses per instruction, and with AVX-512 in
// bringAVX512 (bring512_amd64.s), eight, but for the last len(w) mod 4
// (bringKernel).
func (s *Sparse) bring(ac []tcPair, w []float64, t float64) {
	s.setBring(t)
	s.bringSet(ac, w, t)
}

// setBring makes the kernel's operands those of bringing synapses to t
// in the last dopamine segment: once for every bringSet to the same t
// with the same breakpoints.
func (s *Sparse) setBring(t float64) {
	if useAVX2 {
		st := &s.stdp
		st.bk.set(s, &st.hist[len(st.hist)-1], t)
	}
}

// bringSet is bring after setBring(t).
func (s *Sparse) bringSet(ac []tcPair, w []float64, t float64) {
	st := &s.stdp
	ac = ac[:len(w)]
	ev := &st.hist[len(st.hist)-1]
	if useAVX2 && len(w) >= 4 {
		// The kernel brings four synapses at a time and lists those it
		// leaves to integrate; the Go loop below takes the last len mod 4.
		k, slow := &st.bk, &st.slow
		n := len(w) &^ 3
		for lo := 0; lo < n; lo += bringChunk {
			m := min(n-lo, bringChunk)
			ns := bringKernel(ac[lo:lo+m], w[lo:lo+m], k, slow[:])
			for _, x := range slow[:ns] {
				i := lo + int(x)
				ai := ac[i].a
				ac[i].a = t
				w[i], ac[i].c = s.integrate(ai, w[i], ac[i].c, t)
			}
		}
		ac, w = ac[n:], w[n:]
	}
	t0, d0, tonic, tDead := ev.T, ev.D, ev.Tonic, ev.TDead
	tauCD, invTauD, ed, em := ev.tauCD, ev.invTauD, ev.ed, ev.em
	tauC, gc := s.STDP.TauCMs, st.gc
	wMin, wMax := s.WMin, s.WMax
	for i := range w {
		ai := ac[i].a
		if !(t > ai) {
			continue
		}
		ci := ac[i].c
		ac[i].a = t
		if ci == 0 {
			continue
		}
		lapse := t - ai
		n := int(lapse)
		if ai < t0 || float64(n) != lapse || uint(n) >= expTableLen {
			w[i], ac[i].c = s.integrate(ai, w[i], ci, t)
			continue
		}
		dw := 0.0
		kc := gc[n]
		var b float64
		if tonic != 0 {
			b = ci * tonic * tauC * (1 - kc)
		}
		if d0 != 0 && !(ai >= tDead && deadB(b)) {
			g := ai - t0
			f, ok := lookup(ed, g)
			if !ok {
				f = expTail(-g * invTauD)
			}
			d := d0 * f
			dw -= ci * d * tauCD * em[n]
		}
		if tonic != 0 {
			dw += b
		}
		ac[i].c = ci * kc
		if dw != 0 {
			w[i] = clipSum(w[i], dw, wMin, wMax)
		}
	}
}

// SynapseAt returns the weight and the eligibility trace of synapse k at
// t (ms) without changing the projection: to watch a synapse of an
// event-driven projection between its events with no effect on the run
// (FlushSynapse would split its integral, and so its rounding). Per-step
// projections hold both at every step: SynapseAt returns them.
func (s *Sparse) SynapseAt(k int32, t float64) (w, c float64) {
	s.mustPlastic(s.STDP.EventDriven, "SynapseAt")
	if !s.STDP.EventDriven {
		return s.W[k], s.stdp.C[k] // per-step
	}
	if t < s.stdp.tNow || math.IsNaN(t) {
		panic(fmt.Sprintf("synapse: SynapseAt at t = %g ms, before the last event at %g ms", t, s.stdp.tNow))
	}
	return s.at(k, t)
}

// SumWeightsAt returns sum plus the weight every synapse holds at t (ms),
// added in synapse order, without changing the projection: the bits of a
// loop that adds SynapseAt(k, t) for k = 0, 1, …, at a fraction of its
// cost (a mean-weight trace of 100 000 event-driven synapses every
// second). Per-step projections add W.
func (s *Sparse) SumWeightsAt(t, sum float64) float64 {
	s.mustPlastic(s.STDP.EventDriven, "SumWeightsAt")
	W := s.W
	if !s.STDP.EventDriven {
		for _, w := range W {
			sum += w
		}
		return sum
	}
	if t < s.stdp.tNow || math.IsNaN(t) {
		panic(fmt.Sprintf("synapse: SumWeightsAt at t = %g ms, before the last event at %g ms", t, s.stdp.tNow))
	}
	st := &s.stdp
	const chunk = 256
	var acs [chunk]tcPair
	var ws [chunk]float64
	s.setBring(t)
	for lo := 0; lo < len(W); lo += chunk {
		n := min(len(W)-lo, chunk)
		copy(acs[:n], st.tc[lo:])
		copy(ws[:n], W[lo:])
		s.bringSet(acs[:n], ws[:n], t)
		for _, w := range ws[:n] {
			sum += w
		}
	}
	return sum
}

// SpikesAt applies the spikes of one instant t (ms) to an event-driven
// projection: pre and post are the spikes of the step that ends at t
// (pre.Spikes(), post.Spikes()). Each synapse of a spiking neuron is first
// brought to t (w gains ∫c·D exactly, c decays), then paired as in
// PlasticStep: pre spikes add −A₋·y_post(t), post spikes +A₊·x_pre(t), spikes
// at the same t do not pair; then the traces take the spikes. Only the
// synapses of spiking neurons are touched. Times must not decrease.
func (s *Sparse) SpikesAt(t float64, pre, post []int32) {
	s.mustPlastic(true, "SpikesAt")
	s.checkTime(t, "SpikesAt")
	st := &s.stdp
	aP, aM := s.amplitudes()
	// The pairings change c, or w for mstdp (at once, by D times their
	// amplitude).
	mstdp := s.STDP.Rule == MSTDP
	if mstdp {
		d := s.levelAt(t)
		aP, aM = aP*d, aM*d
	}
	itp, itm := 1/s.STDP.TauPlusMs, 1/s.STDP.TauMinusMs
	if len(pre) > 0 || len(post) > 0 {
		s.setBring(t)
	}
	for _, j := range pre {
		lo, hi := s.RowPtr[j], s.RowPtr[j+1]
		tc, w := st.tc[lo:hi], s.W[lo:hi]
		s.bringSet(tc, w, t)
		row := s.Post[lo:hi]
		tc, w = tc[:len(row)], w[:len(row)]
		if mstdp {
			pairW(row, st.post, w, st.gm, t, aM, itm, true)
			continue
		}
		for x, i := range row {
			if tr := st.post[i]; tr.v != 0 {
				g := t - tr.t
				e, ok := lookup(st.gm, g)
				if !ok {
					e = math.Exp(-g * itm)
				}
				tc[x].c -= aM * tr.v * e
			}
		}
	}
	// A post neuron's synapses lie scattered over the projection: their
	// state is gathered a chunk at a time, in a loop of independent loads
	// that the processor overlaps, then integrated.
	const chunk = 32
	var acs [chunk]tcPair
	var ws [chunk]float64
	tcAll, W := st.tc, s.W
	for _, i := range post {
		for lo, hi := st.colPtr[i], st.colPtr[i+1]; lo < hi; {
			n := min(hi-lo, chunk)
			syn, pres := st.colSyn[lo:lo+n], st.colPre[lo:lo+n]
			lo += n
			ac, w := acs[:len(syn)], ws[:len(syn)]
			for x, k := range syn {
				ac[x], w[x] = tcAll[k], W[k]
			}
			s.bringSet(ac, w, t)
			if mstdp {
				pairW(pres, st.pre, w, st.gp, t, aP, itp, false)
			} else {
				for x, j := range pres {
					if tr := st.pre[j]; tr.v != 0 {
						g := t - tr.t
						e, ok := lookup(st.gp, g)
						if !ok {
							e = math.Exp(-g * itp)
						}
						ac[x].c += aP * tr.v * e
					}
				}
			}
			// Back in place, paired (the pairing on the copy: the same
			// operations as on the synapse).
			for x, k := range syn {
				tcAll[k], W[k] = ac[x], w[x]
			}
		}
	}
	if s.STDP.Rule == MSTDP && (aP != 0 || aM != 0) {
		s.clipTouched(pre, post)
	}
	nearest := s.STDP.Pairing == Nearest
	for _, j := range pre {
		x := 1.0
		if !nearest {
			g := t - st.pre[j].t
			e, ok := lookup(st.gp, g)
			if !ok {
				e = math.Exp(-g * itp)
			}
			x += st.pre[j].v * e
		}
		st.pre[j] = trace{x, t}
	}
	for _, i := range post {
		y := 1.0
		if !nearest {
			g := t - st.post[i].t
			e, ok := lookup(st.gm, g)
			if !ok {
				e = math.Exp(-g * itm)
			}
			y += st.post[i].v * e
		}
		st.post[i] = trace{y, t}
	}
}

// pairW adds to w[x] (subtracts if sub) the pairing term amp·v·e^(−(t −
// t_v)·inv) of a spike at t with the trace v of neuron idx[x] on the other
// side: the pairings of mstdp, which change the weights at once.
func pairW(idx []int32, tr []trace, w []float64, tab expTable, t, amp, inv float64, sub bool) {
	w = w[:len(idx)]
	for x, i := range idx {
		if v := tr[i]; v.v != 0 {
			g := t - v.t
			e, ok := lookup(tab, g)
			if !ok {
				e = math.Exp(-g * inv)
			}
			if sub {
				w[x] -= amp * v.v * e
			} else {
				w[x] += amp * v.v * e
			}
		}
	}
}

// clipTouched clips to [w_min, w_max] the weights of the synapses of the
// neurons that spiked (mstdp changes them at once).
func (s *Sparse) clipTouched(pre, post []int32) {
	lo, hi := s.WMin, s.WMax
	for _, j := range pre {
		for k := s.RowPtr[j]; k < s.RowPtr[j+1]; k++ {
			s.W[k] = min(max(s.W[k], lo), hi)
		}
	}
	st := &s.stdp
	for _, i := range post {
		for _, k := range st.colSyn[st.colPtr[i]:st.colPtr[i+1]] {
			s.W[k] = min(max(s.W[k], lo), hi)
		}
	}
}

// levelAt returns the dopamine level D at t from the breakpoints of an
// event-driven projection (t at or after the last one).
func (s *Sparse) levelAt(t float64) float64 {
	h := s.stdp.hist
	ev := &h[len(h)-1]
	return ev.D*math.Exp(-(t-ev.T)*ev.invTauD) + ev.Tonic
}

// FlushSynapse brings synapse k of an event-driven projection to time t
// (ms), so that W[k] and its eligibility hold at t, at the cost of one
// synapse: to follow one synapse exactly between its events.
func (s *Sparse) FlushSynapse(k int32, t float64) {
	s.mustPlastic(true, "FlushSynapse")
	s.checkTime(t, "FlushSynapse")
	s.advance(k, t)
}

// Flush brings every synapse of an event-driven projection to time t (ms),
// so that W and the eligibility traces hold at t. Its cost is proportional
// to the number of synapses; call it before reading the weights.
func (s *Sparse) Flush(t float64) {
	s.mustPlastic(true, "Flush")
	s.checkTime(t, "Flush")
	for k := range s.W {
		s.advance(int32(k), t)
	}
}
