package synapse

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// ConnectRule is how a sparse projection draws its connections.
type ConnectRule int

// The connection rules.
const (
	// Probability connects each (pre, post) pair independently with
	// probability P.
	Probability ConnectRule = iota
	// InDegree gives every post neuron exactly InDegree distinct pre
	// neurons, drawn uniformly without replacement.
	InDegree
	// OutDegree gives every pre neuron exactly OutDegree distinct post
	// neurons, drawn uniformly without replacement (Izhikevich's networks:
	// "each neuron has 100 synapses").
	OutDegree
)

var connectNames = [...]string{Probability: "probability", InDegree: "in_degree", OutDegree: "out_degree"}

// String returns the name used in circuit files.
func (r ConnectRule) String() string {
	if r < 0 || int(r) >= len(connectNames) {
		return fmt.Sprintf("ConnectRule(%d)", int(r))
	}
	return connectNames[r]
}

// MarshalText implements encoding.TextMarshaler.
func (r ConnectRule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// probability, in_degree and out_degree.
func (r *ConnectRule) UnmarshalText(b []byte) error {
	for i, n := range connectNames {
		if string(b) == n {
			*r = ConnectRule(i)
			return nil
		}
	}
	return fmt.Errorf("unknown connection rule %q (want probability, in_degree or out_degree)", b)
}

// SparseParams are the parameters of a sparse projection.
type SparseParams struct {
	// Connect is the connection rule: "probability" (uses P),
	// "in_degree" (uses InDegree) or "out_degree" (uses OutDegree).
	Connect ConnectRule `toml:"connect"`
	// P is the connection probability of each (pre, post) pair, in [0, 1].
	P float64 `toml:"p" check:"[0,1]"`
	// InDegree is the number of pre neurons of each post neuron, >= 0 and at
	// most the number of candidates.
	InDegree int `toml:"in_degree" check:">=0"`
	// OutDegree is the number of post neurons of each pre neuron, >= 0 and
	// at most the number of candidates.
	OutDegree int `toml:"out_degree" check:">=0"`
	// NoSelf forbids the synapse from pre j to post j (for a projection of
	// a population onto itself).
	NoSelf bool `toml:"no_self"`
	// Weight is the initial weight of every synapse, in the units of the
	// post population's input (for LIF a jump of the synaptic current in mV).
	Weight float64 `toml:"weight" check:"finite"`
	// DelaySteps is the synaptic delay in steps, >= 1: a spike of step n
	// reaches the input consumed by the post population in step n + delay
	// (1, the smallest, is the next step).
	DelaySteps int `toml:"delay_steps" check:"[1,65535]"`
	// DelayMaxSteps, when above DelaySteps, makes the delays uniform
	// integers in [DelaySteps, DelayMaxSteps], one per synapse; 0 means
	// every synapse has DelaySteps. At most 65535.
	DelayMaxSteps int `toml:"delay_max_steps"`
	// WMin and WMax bound every weight after each plastic change; ±Inf for none.
	WMin float64 `toml:"w_min" check:"number|-inf"`
	WMax float64 `toml:"w_max" check:"number|inf"`
	// Plastic enables reward-modulated STDP with the parameters STDP.
	Plastic bool `toml:"plastic"`
	// STDP are the plasticity parameters, used when Plastic is set.
	STDP STDPParams `toml:"stdp"`
}

// Defaults returns a static projection with connection probability 0.1,
// weight 1, delay one step, unbounded weights, and STDP defaults (unused
// until Plastic is set).
func (SparseParams) Defaults() SparseParams {
	return SparseParams{
		Connect: Probability, P: 0.1, Weight: 1, DelaySteps: 1,
		WMin: math.Inf(-1), WMax: math.Inf(1), STDP: STDPParams{}.Defaults(),
	}
}

// maxDelay is the largest delay in steps a projection supports.
const maxDelay = math.MaxUint16

// Validate reports a parameter out of range, naming its key.
func (p SparseParams) Validate() error {
	if p.Connect != Probability && p.Connect != InDegree && p.Connect != OutDegree {
		return param.New(fmt.Sprintf("unknown connection rule %d", int(p.Connect)), "connect")
	}
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.DelayMaxSteps != 0 && (p.DelayMaxSteps < p.DelaySteps || p.DelayMaxSteps > maxDelay):
		return param.New(fmt.Sprintf("must be 0 or in [delay_steps (%d), %d], got %d", p.DelaySteps, maxDelay, p.DelayMaxSteps), "delay_max_steps")
	case p.WMin > p.WMax:
		return param.New(fmt.Sprintf("must be >= w_min (%g), got %g", p.WMin, p.WMax), "w_max")
	case p.Weight < p.WMin || p.Weight > p.WMax:
		return param.New(fmt.Sprintf("must be within [w_min, w_max] = [%g, %g], got %g", p.WMin, p.WMax, p.Weight), "weight")
	}
	if !p.Plastic {
		return nil
	}
	if p.STDP.Rule == Additive && p.DelayMaxSteps > p.DelaySteps {
		return param.New("rule \"stdp\" pairs a pre spike when it arrives: it needs one delay for every synapse (0)", "delay_max_steps")
	}
	return p.STDP.Validate()
}

// Edge is one synapse given explicitly to NewSparseEdges.
type Edge struct {
	Pre, Post int32
	W         float64 // weight
	Delay     int     // delay in steps, >= 1 (0 is read as 1)
}

// Sparse is a sparse projection from NPre to NPost spiking neurons, stored
// by presynaptic neuron (compressed sparse rows): the synapses of pre j are
// k in [RowPtr[j], RowPtr[j+1]), with target Post[k] and weight W[k]; within
// a row the targets ascend.
//
// Propagate carries the spikes of the pre population to the post input
// through per-synapse delays, touching only the synapses of neurons that
// spiked. Spikes in flight wait in a ring buffer with one slot of NPost
// values per step of delay. A plastic projection also keeps reward-modulated
// STDP state (see STDPParams, PlasticStep and SpikesAt).
//
// A typical step, with spikes of step n−1 propagated before step n:
//
//	proj.Propagate(pre.Spikes(), post.Input())
//	pre.Step(dt); post.Step(dt)                            // (if pre ≠ post)
//	proj.PlasticStep(pre.Spikes(), post.Spikes(), dt, D)  // per-step plasticity, or
//	proj.SpikesAt(t, pre.Spikes(), post.Spikes())         // event-driven plasticity
//
// Nothing allocates after construction.
type Sparse struct {
	SparseParams
	NPre, NPost int

	RowPtr []int32   // len NPre+1
	Post   []int32   // target of each synapse
	W      []float64 // weight of each synapse
	Delay  []uint16  // delay in steps of each synapse; nil when all are DelaySteps

	ring  []float64 // slots × NPost pending input; slot (head+d−1) mod slots receives delay d
	dirty []bool    // whether a slot holds anything
	slots int
	head  int

	stdp  stdpState
	pair  pairState // rule "stdp" (two-factor): PropagatePair
	parts *parts    // the post neurons split for threads (SetParts); nil: none
}

// NewSparse draws a projection from nPre to nPost neurons with the rule of
// p (fixed probability or fixed in-degree) from rng.
//
// Fixed probability draws, for each pre neuron, the gaps between successive
// targets from the geometric distribution (equivalent to one Bernoulli(P)
// draw per pair, with one draw per synapse). Fixed in-degree draws, for each
// post neuron, InDegree distinct pre neurons by a partial Fisher–Yates
// shuffle; fixed out-degree, for each pre neuron, OutDegree distinct post
// neurons the same way. With NoSelf, pre j never connects to post j. Delays, when they
// vary, are drawn after the connections.
func NewSparse(nPre, nPost int, p SparseParams, rng *rand.Rand) (*Sparse, error) {
	if err := checkSizes(nPre, nPost); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var pairs []Edge
	switch p.Connect {
	case Probability:
		pairs = drawProbability(nPre, nPost, p.P, p.NoSelf, rng)
	case InDegree:
		cand := nPre
		if p.NoSelf {
			cand = nPre - 1 // post 0 (and every post i < nPre) excludes pre i
		}
		if p.InDegree > cand {
			return nil, param.New(fmt.Sprintf("must be at most %d (the candidate pre neurons), got %d", cand, p.InDegree), "in_degree")
		}
		pairs = drawInDegree(nPre, nPost, p.InDegree, p.NoSelf, rng)
	case OutDegree:
		cand := nPost
		if p.NoSelf {
			cand = nPost - 1 // pre 0 (and every pre j < nPost) excludes post j
		}
		if p.OutDegree > cand {
			return nil, param.New(fmt.Sprintf("must be at most %d (the candidate post neurons), got %d", cand, p.OutDegree), "out_degree")
		}
		pairs = drawOutDegree(nPre, nPost, p.OutDegree, p.NoSelf, rng)
	}
	if p.DelayMaxSteps > p.DelaySteps {
		span := p.DelayMaxSteps - p.DelaySteps + 1
		for k := range pairs {
			pairs[k].Delay = p.DelaySteps + rng.IntN(span)
		}
	} else {
		for k := range pairs {
			pairs[k].Delay = p.DelaySteps
		}
	}
	for k := range pairs {
		pairs[k].W = p.Weight
	}
	return build(nPre, nPost, pairs, p)
}

// NewSparseEdges returns a projection with the given synapses. The
// connection keys of p (connect, p, in_degree, no_self, weight, delay_steps,
// delay_max_steps) are not used; the weight bounds and plasticity are. The
// weights are clipped to [WMin, WMax].
func NewSparseEdges(nPre, nPost int, edges []Edge, p SparseParams) (*Sparse, error) {
	if err := checkSizes(nPre, nPost); err != nil {
		return nil, err
	}
	q := p
	// Validate only the bounds and the plasticity.
	q.Connect, q.P, q.DelaySteps, q.DelayMaxSteps = Probability, 0, 1, 0
	q.Weight = min(max(0, q.WMin), q.WMax)
	if err := q.Validate(); err != nil {
		return nil, err
	}
	pairs := slices.Clone(edges)
	for k, e := range pairs {
		if e.Pre < 0 || int(e.Pre) >= nPre || e.Post < 0 || int(e.Post) >= nPost {
			return nil, fmt.Errorf("synapse: edge %d (%d→%d) out of range %d→%d", k, e.Pre, e.Post, nPre, nPost)
		}
		if e.Delay == 0 {
			pairs[k].Delay = 1
		}
		if pairs[k].Delay < 1 || pairs[k].Delay > maxDelay {
			return nil, param.New(fmt.Sprintf("edge %d: must be in [1, %d], got %d", k, maxDelay, e.Delay), "delay_steps")
		}
		if math.IsNaN(e.W) || math.IsInf(e.W, 0) {
			return nil, param.New(fmt.Sprintf("edge %d: must be a finite number, got %g", k, e.W), "weight")
		}
		pairs[k].W = min(max(e.W, p.WMin), p.WMax)
	}
	slices.SortStableFunc(pairs, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Pre, b.Pre), cmp.Compare(a.Post, b.Post))
	})
	return build(nPre, nPost, pairs, p)
}

func checkSizes(nPre, nPost int) error {
	if nPre <= 0 || nPost <= 0 {
		return fmt.Errorf("synapse: sparse projection needs nPre, nPost > 0, got %d, %d", nPre, nPost)
	}
	if nPre >= math.MaxInt32 || nPost >= math.MaxInt32 {
		return fmt.Errorf("synapse: sparse projection sizes must be below 2^31, got %d, %d", nPre, nPost)
	}
	return nil
}

// drawProbability returns the pairs sorted by pre then post.
func drawProbability(nPre, nPost int, p float64, noSelf bool, rng *rand.Rand) []Edge {
	var pairs []Edge
	if p == 0 {
		return pairs
	}
	pairs = make([]Edge, 0, int(float64(nPre)*float64(nPost)*p*1.1)+16)
	logq := math.Log1p(-p) // log(1−p); −Inf for p = 1
	for j := 0; j < nPre; j++ {
		for i := -1; ; {
			if p == 1 {
				i++
			} else {
				// Gap to the next success: floor(log U / log(1−p)), U in (0, 1].
				u := 1 - rng.Float64()
				g := math.Floor(math.Log(u) / logq)
				if g >= float64(nPost) {
					break
				}
				i += 1 + int(g)
			}
			if i >= nPost {
				break
			}
			if noSelf && i == j {
				continue
			}
			pairs = append(pairs, Edge{Pre: int32(j), Post: int32(i)})
		}
	}
	return pairs
}

// drawInDegree returns the pairs sorted by pre then post. The pre neurons
// are drawn post by post, then placed by a counting sort on pre, which
// keeps each row's posts ascending (the order a comparison sort by pre
// then post gives, in linear time: 10⁷ synapses are drawn in seconds).
func drawInDegree(nPre, nPost, k int, noSelf bool, rng *rand.Rand) []Edge {
	drawn := make([]int32, 0, nPost*k) // the pre neurons of post i at [i*k, (i+1)*k)
	perm := make([]int32, nPre)
	for j := range perm {
		perm[j] = int32(j)
	}
	pos := make([]int32, nPre) // pos[j]: where j sits in perm
	copy(pos, perm)
	swap := func(a, b int32) {
		ja, jb := perm[a], perm[b]
		perm[a], perm[b] = jb, ja
		pos[jb], pos[ja] = a, b
	}
	for i := 0; i < nPost; i++ {
		n := int32(nPre)
		if noSelf && i < nPre {
			// Move pre i to the end and draw from the others.
			swap(pos[i], n-1)
			n--
		}
		for t := int32(0); t < int32(k); t++ {
			swap(t, t+rng.Int32N(n-t))
			drawn = append(drawn, perm[t])
		}
	}
	next := make([]int, nPre+1) // next[j]: where pre j's next synapse goes
	for _, j := range drawn {
		next[j+1]++
	}
	for j := range nPre {
		next[j+1] += next[j]
	}
	pairs := make([]Edge, len(drawn))
	for m, j := range drawn {
		pairs[next[j]] = Edge{Pre: j, Post: int32(m / k)}
		next[j]++
	}
	return pairs
}

// drawOutDegree returns the pairs sorted by pre then post: for each pre
// neuron, k distinct post neurons by a partial Fisher–Yates shuffle.
func drawOutDegree(nPre, nPost, k int, noSelf bool, rng *rand.Rand) []Edge {
	pairs := make([]Edge, 0, nPre*k)
	perm := make([]int32, nPost)
	for i := range perm {
		perm[i] = int32(i)
	}
	pos := make([]int32, nPost) // pos[i]: where i sits in perm
	copy(pos, perm)
	swap := func(a, b int32) {
		ia, ib := perm[a], perm[b]
		perm[a], perm[b] = ib, ia
		pos[ib], pos[ia] = a, b
	}
	for j := 0; j < nPre; j++ {
		n := int32(nPost)
		if noSelf && j < nPost {
			// Move post j to the end and draw from the others.
			swap(pos[j], n-1)
			n--
		}
		row := len(pairs)
		for t := int32(0); t < int32(k); t++ {
			swap(t, t+rng.Int32N(n-t))
			pairs = append(pairs, Edge{Pre: int32(j), Post: perm[t]})
		}
		slices.SortFunc(pairs[row:], func(a, b Edge) int { return cmp.Compare(a.Post, b.Post) })
	}
	return pairs
}

// build lays out the pairs, sorted by pre then post, as CSR.
func build(nPre, nPost int, pairs []Edge, p SparseParams) (*Sparse, error) {
	if len(pairs) >= math.MaxInt32 {
		return nil, fmt.Errorf("synapse: %d synapses, more than a projection holds (2^31−1)", len(pairs))
	}
	s := &Sparse{
		SparseParams: p, NPre: nPre, NPost: nPost,
		RowPtr: make([]int32, nPre+1),
		Post:   make([]int32, len(pairs)),
		W:      make([]float64, len(pairs)),
	}
	dmax, uniform := 1, true
	for k, e := range pairs {
		s.RowPtr[e.Pre+1]++
		s.Post[k] = e.Post
		s.W[k] = e.W
		dmax = max(dmax, e.Delay)
		uniform = uniform && e.Delay == pairs[0].Delay
	}
	for j := 0; j < nPre; j++ {
		s.RowPtr[j+1] += s.RowPtr[j]
	}
	if len(pairs) > 0 && uniform {
		s.DelaySteps, s.DelayMaxSteps = pairs[0].Delay, 0
	} else if len(pairs) > 0 {
		s.Delay = make([]uint16, len(pairs))
		for k, e := range pairs {
			s.Delay[k] = uint16(e.Delay)
		}
		s.DelayMaxSteps = dmax
	}
	if s.Delay != nil || s.DelaySteps > 1 {
		s.slots = dmax
		s.ring = make([]float64, dmax*nPost)
		s.dirty = make([]bool, dmax)
	}
	switch {
	case p.Plastic && p.STDP.Rule == Additive:
		if s.Delay != nil {
			return nil, param.New("rule \"stdp\" pairs a pre spike when it arrives: it needs one delay for every synapse (delay_max_steps = 0)", "delay_max_steps")
		}
		s.initPair()
	case p.Plastic:
		s.initPlastic()
	}
	return s, nil
}

// Len returns the number of synapses.
func (s *Sparse) Len() int { return len(s.Post) }

// Propagate adds the spikes of the pre population (indices in [0, NPre),
// e.g. pre.Spikes()) into the pending input, and then adds the input due
// now into post (e.g. post.Input()). A spike reaches post after its
// synapse's delay: with delay d, spikes passed to the n-th call arrive in
// post at the (n+d−1)-th call, so delay 1 delivers in the same call.
func (s *Sparse) Propagate(spikes []int32, post []float64) {
	if s.parts != nil {
		panic("synapse: Propagate on a projection split in parts (SetParts: use StepPart)")
	}
	s.deliver(spikes, post[:s.NPost], s.dirty, 0, 0, int32(s.NPost))
	s.moveRing()
}

// moveRing moves the ring of spikes in flight by one step.
func (s *Sparse) moveRing() {
	if s.ring != nil {
		s.head++
		if s.head == s.slots {
			s.head = 0
		}
	}
}

// ResetState clears the spikes in flight and the plasticity state (traces,
// eligibility, event times, dopamine history); the weights are kept.
func (s *Sparse) ResetState() {
	clear(s.ring)
	clear(s.dirty)
	if s.parts != nil {
		for _, d := range s.parts.dirty {
			clear(d)
		}
	}
	s.head = 0
	switch {
	case s.Plastic && s.STDP.Rule == Additive:
		s.resetPair()
	case s.Plastic:
		s.resetPlastic()
	}
}
