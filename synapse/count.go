package synapse

import (
	"fmt"
	"math"
	"sync"

	"github.com/dopa-sim/dopa/internal/param"
)

// Count synapses store pattern pairs in one shot, as associative memories
// do. Address patterns u^μ ∈ {0,1}^m (the pre units i) are associated with
// content patterns v^μ ∈ {0,1}^n (the post units j), μ = 1…M; for
// auto-association u = v. Each synapse ij keeps
//
//	M₁₁ = #{μ : u_i^μ = 1, v_j^μ = 1}
//
// and each unit its activity count, M₁· (pre) and M·₁ (post), from which
//
//	M₁₀ = M₁·(i) − M₁₁,  M₀₁ = M·₁(j) − M₁₁,  M₀₀ = M − M₁·(i) − M·₁(j) + M₁₁.
//
// Every learning rule of the family is a function of these four counts
// (docs/memory.md derives them):
//
//	Willshaw     w = min(1, M₁₁)                                           bias 0
//	BCPNN        w = log( p_ij / (p_i p_j) )                               bias log p_j
//	covariance   w = Σ_μ (u_i − p_u)(v_j − p_v)
//	               = M₁₁ − p_v M₁·(i) − p_u M·₁(j) + M p_u p_v             bias 0
//	Bayes        w = log( a d / (b c) ),   bias = (1−m) log(M·₁/(M−M·₁)) + Σ_i log(c/d)
//
// with, for query noise p₀₁ = P(query bit 0 | stored bit 1) and
// p₁₀ = P(query bit 1 | stored bit 0),
//
//	a = M₁₁(1−p₀₁) + M₀₁ p₁₀     (query bit 1, v_j = 1)
//	b = M₁₀(1−p₀₁) + M₀₀ p₁₀     (query bit 1, v_j = 0)
//	c = M₁₁ p₀₁ + M₀₁(1−p₁₀)     (query bit 0, v_j = 1)
//	d = M₁₀ p₀₁ + M₀₀(1−p₁₀)     (query bit 0, v_j = 0)
//
// The BCPNN probabilities are those of the query bits under the same noise
// (with p₀₁ = p₁₀ = 0 they are the classical counts M₁₁/M, M₁·/M, M·₁/M),
// floored: p_ij = max(a/M, Floor²), p_i = max((M₁·(1−p₀₁) + (M−M₁·)p₁₀)/M,
// Floor), p_j = max(M·₁/M, Floor). The joint probability has the square of
// the floor, so that a zero count always gives a negative weight
// (log(Floor²/(p_i p_j)) ≤ log Floor/p_i < 0), also for a unit that was
// never active (p_j = Floor); with the same floor for all three such a
// unit would gain from every query unit it never met.
//
// The Bayesian log-odds of v_j = 1 given a query x̃ is exact naive Bayes
// over all m query bits; zero counts make single bits certain evidence
// (±Inf), which dopa keeps exactly as counts of certainties instead of
// adding infinities (never NaN):
//   - only −Inf evidence: the log-odds is −Inf (an inhibitory veto);
//   - only +Inf evidence: +Inf (an excitatory certainty);
//   - both: the query is impossible under the model for that unit; dopa
//     lets the inhibition win (−Inf), so contradictory evidence never
//     makes a unit fire;
//   - a query bit that is impossible under both hypotheses (bit 1 of a
//     unit never active in a stored pattern when p₁₀ = 0, bit 0 of a unit
//     active in every pattern when p₀₁ = 0) carries no evidence;
//   - a post unit never active in a stored pattern has log-odds −Inf, one
//     active in every pattern +Inf, whatever the query (M = 0: −Inf).

// MemoryRule names a rule of count synapses.
type MemoryRule int

// The rules of count synapses.
const (
	Willshaw   MemoryRule = iota // clipped Hebbian: w = min(1, M₁₁)
	BCPNN                        // Bayesian confidence propagation: w = log(p_ij/(p_i p_j))
	Covariance                   // Hopfield-type: w = Σ(u_i − p_u)(v_j − p_v)
	Bayes                        // optimal Bayesian rule for query noise (p₀₁, p₁₀)
)

var memoryRuleNames = [...]string{Willshaw: "willshaw", BCPNN: "bcpnn", Covariance: "covariance", Bayes: "bayes"}

// String returns the lower-case name used in files.
func (r MemoryRule) String() string {
	if r < 0 || int(r) >= len(memoryRuleNames) {
		return fmt.Sprintf("MemoryRule(%d)", int(r))
	}
	return memoryRuleNames[r]
}

// MarshalText implements encoding.TextMarshaler.
func (r MemoryRule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// willshaw, bcpnn, covariance and bayes.
func (r *MemoryRule) UnmarshalText(b []byte) error {
	for i, n := range memoryRuleNames {
		if string(b) == n {
			*r = MemoryRule(i)
			return nil
		}
	}
	return fmt.Errorf("unknown memory rule %q (want willshaw, bcpnn, covariance or bayes)", b)
}

// MemoryRules lists every rule, in order.
var MemoryRules = []MemoryRule{Willshaw, BCPNN, Covariance, Bayes}

// Noise is a model of query noise: how a query differs from the stored
// address pattern, bit by bit and independently.
type Noise struct {
	// P01 is p₀₁ = P(query bit 0 | stored bit 1), the fraction of deleted active units.
	P01 float64 `toml:"p01" check:"[0,1)"`
	// P10 is p₁₀ = P(query bit 1 | stored bit 0), the fraction of added silent units.
	P10 float64 `toml:"p10" check:"[0,1)"`
}

// Validate reports a noise level out of range: each in [0, 1), and
// p₀₁ + p₁₀ < 1 (otherwise the query says nothing about the pattern).
func (n Noise) Validate() error {
	if err := param.Check(n); err != nil {
		return err
	}
	switch {
	case n.P01+n.P10 >= 1:
		return param.New(fmt.Sprintf("p01 + p10 must be < 1, got %g", n.P01+n.P10), "p10")
	}
	return nil
}

// Quad holds the four counts of one synapse.
type Quad struct{ M11, M10, M01, M00 int }

// M returns the number of stored patterns M₁₁+M₁₀+M₀₁+M₀₀.
func (q Quad) M() int { return q.M11 + q.M10 + q.M01 + q.M00 }

// Willshaw returns min(1, M₁₁).
func (q Quad) Willshaw() float64 { return float64(min(1, q.M11)) }

// Covariance returns Σ_μ(u_i − pPre)(v_j − pPost) = M₁₁ − pPost·M₁· − pPre·M·₁ + M·pPre·pPost.
func (q Quad) Covariance(pPre, pPost float64) float64 {
	return float64(q.M11) - pPost*float64(q.M11+q.M10) - pPre*float64(q.M11+q.M01) + float64(q.M())*pPre*pPost
}

// BCPNN returns log(p_ij/(p_i p_j)) with the probabilities of the query
// bits under noise n, floored (p_ij at floor², p_i and p_j at floor; see
// the package notes above).
func (q Quad) BCPNN(n Noise, floor float64) float64 {
	m := float64(q.M())
	pij := math.Max((float64(q.M11)*(1-n.P01)+float64(q.M01)*n.P10)/m, floor*floor)
	pi := math.Max((float64(q.M11+q.M10)*(1-n.P01)+float64(q.M01+q.M00)*n.P10)/m, floor)
	pj := math.Max(float64(q.M11+q.M01)/m, floor)
	return math.Log(pij / (pi * pj))
}

// BCPNNBias returns log p_j = log max(M·₁/M, floor).
func BCPNNBias(post, m int, floor float64) float64 {
	return math.Log(math.Max(float64(post)/float64(m), floor))
}

// bayesABCD returns a, b, c, d of the Bayesian rule.
func (q Quad) bayesABCD(n Noise) (a, b, c, d float64) {
	m11, m10, m01, m00 := float64(q.M11), float64(q.M10), float64(q.M01), float64(q.M00)
	a = m11*(1-n.P01) + m01*n.P10
	b = m10*(1-n.P01) + m00*n.P10
	c = m11*n.P01 + m01*(1-n.P10)
	d = m10*n.P01 + m00*(1-n.P10)
	return
}

// Bayes returns the weight log(a d/(b c)) of the optimal Bayesian rule for
// query noise n: the change of the log-odds of v_j = 1 when query bit i
// turns from 0 to 1. A zero count gives ±Inf (never NaN: a factor 0/0 of
// one query bit counts as no evidence).
func (q Quad) Bayes(n Noise) float64 {
	a, b, c, d := q.bayesABCD(n)
	return logRatio(a, b) - logRatio(c, d)
}

// BayesEvidence returns the evidence of query bit x (0 or 1) for v_j = 1:
// log P(x̃_i = x | v_j = 1) − log P(x̃_i = x | v_j = 0), ±Inf for certain
// evidence, 0 when the bit is impossible under both.
func (q Quad) BayesEvidence(x int, n Noise) float64 {
	a, b, c, d := q.bayesABCD(n)
	on, off := float64(q.M11+q.M01), float64(q.M10+q.M00)
	if x == 1 {
		return logRatio(a/on, b/off)
	}
	return logRatio(c/on, d/off)
}

// logRatio returns log(u/v) for u, v ≥ 0, with log(0/0) = 0.
func logRatio(u, v float64) float64 {
	switch {
	case u == 0 && v == 0:
		return 0
	case u == 0:
		return math.Inf(-1)
	case v == 0:
		return math.Inf(1)
	}
	return math.Log(u / v)
}

// Counts are count synapses from NPre to NPost units (see the notes at the
// top of this file). Store adds a pattern pair; Quad and the weight
// functions read the counts; a Readout computes dendritic potentials fast.
// Counts may be read by many goroutines at once, but Store must not run
// concurrently with anything else.
type Counts struct {
	NPre, NPost int
	M           int      // number of stored pattern pairs
	Pre         []int32  // M₁·(i): patterns with u_i = 1
	Post        []int32  // M·₁(j): patterns with v_j = 1
	M11         []uint16 // M₁₁ of synapse ij at i*NPost + j (pre-major)

	version int // incremented by every Store

	mu       sync.Mutex
	histVer  int // version the histogram was built for (−1: none)
	histOff  []int32
	histEnts []histEntry
	maxPre   int
	maxPost  int
	maxM11   int
	// distinct post counts (vs, vIdx[j] the index of M·₁(j)) and distinct
	// M₁₀ = M₁· − M₁₁ (r10, r10Idx[m10], −1 if absent): the Bayes tables
	// are indexed by these, so one extreme unit does not blow them up
	vs     []int32
	vIdx   []int32
	r10    []int32
	r10Idx []int32
}

// histEntry counts the pre units i with M₁₁(i, j) = a and M₁·(i) = u, for one post unit j.
type histEntry struct {
	a uint16
	u int32
	n int32
}

// MaxPatterns is the most pattern pairs Counts can hold (M₁₁ is a uint16).
const MaxPatterns = math.MaxUint16

// NewCounts returns count synapses with nothing stored.
func NewCounts(nPre, nPost int) (*Counts, error) {
	if nPre <= 0 || nPost <= 0 {
		return nil, fmt.Errorf("synapse: count synapses need nPre, nPost > 0, got %d, %d", nPre, nPost)
	}
	return &Counts{
		NPre: nPre, NPost: nPost,
		Pre:     make([]int32, nPre),
		Post:    make([]int32, nPost),
		M11:     make([]uint16, nPre*nPost),
		histVer: -1,
	}, nil
}

// checkActive reports indices out of [0, n) or not strictly ascending.
func checkActive(active []int32, n int, what string) error {
	for k, i := range active {
		if i < 0 || int(i) >= n {
			return fmt.Errorf("synapse: %s unit %d out of [0, %d)", what, i, n)
		}
		if k > 0 && i <= active[k-1] {
			return fmt.Errorf("synapse: %s units must be strictly ascending, got %d after %d", what, i, active[k-1])
		}
	}
	return nil
}

// Store adds the pattern pair (u, v), given as the ascending indices of
// their active units (for auto-association pass the same slice twice).
func (c *Counts) Store(pre, post []int32) error {
	if c.M >= MaxPatterns {
		return fmt.Errorf("synapse: count synapses hold at most %d patterns", MaxPatterns)
	}
	if err := checkActive(pre, c.NPre, "pre"); err != nil {
		return err
	}
	if err := checkActive(post, c.NPost, "post"); err != nil {
		return err
	}
	for _, i := range pre {
		c.Pre[i]++
		row := c.M11[int(i)*c.NPost : int(i+1)*c.NPost]
		for _, j := range post {
			row[j]++
		}
	}
	for _, j := range post {
		c.Post[j]++
	}
	c.M++
	c.version++
	return nil
}

// Quad returns the four counts of synapse ij.
func (c *Counts) Quad(i, j int) Quad {
	m11 := int(c.M11[i*c.NPost+j])
	u, v := int(c.Pre[i]), int(c.Post[j])
	return Quad{M11: m11, M10: u - m11, M01: v - m11, M00: c.M - u - v + m11}
}

// BayesLogOdds returns the log-odds of v_j = 1 given the query (x[i] the
// query bit of pre unit i) under noise n, summed bit by bit over all pre
// units: the direct, slow reference of a Bayes Readout.
func (c *Counts) BayesLogOdds(j int, x []bool, n Noise) float64 {
	v := int(c.Post[j])
	switch {
	case v == 0:
		return math.Inf(-1)
	case v == c.M:
		return math.Inf(1)
	}
	l := math.Log(float64(v) / float64(c.M-v))
	var pos, neg int
	for i := range c.NPre {
		bit := 0
		if x[i] {
			bit = 1
		}
		e := c.Quad(i, j).BayesEvidence(bit, n)
		switch {
		case math.IsInf(e, 1):
			pos++
		case math.IsInf(e, -1):
			neg++
		default:
			l += e
		}
	}
	return resolve(l, pos, neg)
}

// resolve returns the log-odds of finite part l with pos certain-on and
// neg certain-off pieces of evidence (inhibition wins a contradiction).
func resolve(l float64, pos, neg int) float64 {
	switch {
	case neg > 0:
		return math.Inf(-1)
	case pos > 0:
		return math.Inf(1)
	}
	return l
}

// SetFraction returns the fraction p₁ of synapses with M₁₁ > 0 (the
// Willshaw matrix load).
func (c *Counts) SetFraction() float64 {
	s := 0
	for _, a := range c.M11 {
		if a > 0 {
			s++
		}
	}
	return float64(s) / float64(len(c.M11))
}

// buildHist groups, for each post unit j, the pre units by (M₁₁, M₁·):
// the Bayesian bias is a sum over all pre units of a function of these
// two counts (and of j's), so it costs one term per group.
func (c *Counts) buildHist() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.histVer == c.version {
		return
	}
	c.maxPre, c.maxPost, c.maxM11 = 0, 0, 0
	for _, u := range c.Pre {
		c.maxPre = max(c.maxPre, int(u))
	}
	for _, v := range c.Post {
		c.maxPost = max(c.maxPost, int(v))
	}
	for _, a := range c.M11 {
		c.maxM11 = max(c.maxM11, int(a))
	}
	// distinct pre counts, in order of first appearance
	uIdx := make([]int32, c.maxPre+1)
	for i := range uIdx {
		uIdx[i] = -1
	}
	var us []int32
	for _, u := range c.Pre {
		if uIdx[u] < 0 {
			uIdx[u] = int32(len(us))
			us = append(us, u)
		}
	}
	nu := len(us)
	c.vs, c.vIdx = c.vs[:0], make([]int32, c.NPost)
	vi := map[int32]int32{}
	for j, v := range c.Post {
		k, ok := vi[v]
		if !ok {
			k = int32(len(c.vs))
			vi[v] = k
			c.vs = append(c.vs, v)
		}
		c.vIdx[j] = k
	}
	c.r10, c.r10Idx = c.r10[:0], make([]int32, c.maxPre+1)
	for i := range c.r10Idx {
		c.r10Idx[i] = -1
	}
	for _, u := range us {
		for a := int32(0); a <= min(u, int32(c.maxM11)); a++ {
			if c.r10Idx[u-a] < 0 {
				c.r10Idx[u-a] = int32(len(c.r10))
				c.r10 = append(c.r10, u-a)
			}
		}
	}
	grid := make([]int32, (c.maxM11+1)*nu)
	var touched []int
	c.histOff = make([]int32, 0, c.NPost+1)
	c.histEnts = c.histEnts[:0]
	for j := range c.NPost {
		c.histOff = append(c.histOff, int32(len(c.histEnts)))
		touched = touched[:0]
		for i := range c.NPre {
			g := int(c.M11[i*c.NPost+j])*nu + int(uIdx[c.Pre[i]])
			if grid[g] == 0 {
				touched = append(touched, g)
			}
			grid[g]++
		}
		for _, g := range touched {
			c.histEnts = append(c.histEnts, histEntry{a: uint16(g / nu), u: us[g%nu], n: grid[g]})
			grid[g] = 0
		}
	}
	c.histOff = append(c.histOff, int32(len(c.histEnts)))
	c.histVer = c.version
}

// ReadoutParams are the parameters of a Readout.
type ReadoutParams struct {
	// Rule is the learning rule whose weights the readout applies.
	Rule MemoryRule `toml:"rule"`
	// Noise is the query-noise model of the Bayes and BCPNN rules
	// (SetNoise changes it between queries).
	Noise Noise `toml:"noise"`
	// Floor is the smallest probability p_i, p_j of BCPNN, and Floor² the
	// smallest p_ij (a count of zero would otherwise give log 0). Default
	// 1e-6: below 1/M for any M that Counts can hold, so only zero counts
	// are floored.
	Floor float64 `toml:"floor" check:"(0,1)"`
	// PreActivity and PostActivity are p_u and p_v of the covariance
	// rule; 0 means the mean activity of the stored patterns.
	PreActivity  float64 `toml:"pre_activity" check:"[0,1)"`
	PostActivity float64 `toml:"post_activity" check:"[0,1)"`
	// NoSelf drops the self-synapses ii of auto-association (w_ii = 0, the
	// Hopfield convention) from the Willshaw, BCPNN and covariance
	// potentials, so that an active query unit does not excite itself.
	// The Bayes rule keeps them: the query bit of unit i is evidence
	// about v_i like any other.
	NoSelf bool `toml:"no_self"`
}

// Defaults returns the Bayesian rule for noise-free queries with the
// default BCPNN floor and activities measured from the counts.
func (ReadoutParams) Defaults() ReadoutParams {
	return ReadoutParams{Rule: Bayes, Floor: 1e-6}
}

// Validate reports a parameter out of range, naming its key.
func (p ReadoutParams) Validate() error {
	if p.Rule < Willshaw || p.Rule > Bayes {
		return param.New(fmt.Sprintf("unknown memory rule %d", int(p.Rule)), "rule")
	}
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.NoSelf && p.Rule == Bayes:
		return param.New("the Bayes rule keeps its self-synapses (evidence of the query bit)", "no_self")
	}
	return param.Under(p.Noise.Validate(), "noise")
}

// ext is f + pos·(+∞) + neg·(−∞), kept as counts so that infinities of
// one query bit cancel exactly when the bit's evidence is swapped.
type ext struct {
	f        float64
	pos, neg int32
}

func extLog(u float64, sign int32) ext { // sign·log u
	if u == 0 {
		if sign > 0 {
			return ext{neg: 1}
		}
		return ext{pos: 1}
	}
	return ext{f: float64(sign) * math.Log(u)}
}

func (e ext) add(o ext) ext { return ext{e.f + o.f, e.pos + o.pos, e.neg + o.neg} }
func (e ext) sub(o ext) ext { return ext{e.f - o.f, e.pos - o.pos, e.neg - o.neg} }

// Readout computes the dendritic potentials of the post units for a query,
// by one rule, from shared Counts. It holds the rule's tables and scratch,
// so each goroutine needs its own; Potentials and SetNoise allocate
// nothing. A Readout is bound to the counts as they were at NewReadout: a
// later Store makes it stale (Potentials then panics).
type Readout struct {
	ReadoutParams
	c       *Counts
	version int
	pu, pv  float64 // covariance activities

	// tables indexed by (M₁₁, M·₁) and (M₁₀, M·₁), M·₁ by its index in
	// Counts.vs and M₁₀ by its index in Counts.r10; a row holds nv entries
	nv     int
	xw, yw []ext
	xc, yd []ext     // Bayes bias pieces: log c and −log d
	lpi    []float64 // BCPNN: log p_i per pre unit
	bias   []ext
	prior  []float64 // Bayes: log(M·₁/(M−M·₁)) per post unit
	pos    []int32
	neg    []int32
}

// NewReadout returns a readout of the counts by the rule of p.
func (c *Counts) NewReadout(p ReadoutParams) (*Readout, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c.buildHist()
	r := &Readout{ReadoutParams: p, c: c, version: c.version}
	r.pu, r.pv = p.PreActivity, p.PostActivity
	if c.M > 0 {
		if r.pu == 0 {
			r.pu = meanActivity(c.Pre, c.M)
		}
		if r.pv == 0 {
			r.pv = meanActivity(c.Post, c.M)
		}
	}
	r.nv = len(c.vs)
	r.bias = make([]ext, c.NPost)
	r.pos = make([]int32, c.NPost)
	r.neg = make([]int32, c.NPost)
	switch p.Rule {
	case Bayes:
		r.xw = make([]ext, (c.maxM11+1)*r.nv)
		r.xc = make([]ext, len(r.xw))
		r.yw = make([]ext, len(c.r10)*r.nv)
		r.yd = make([]ext, len(r.yw))
		r.prior = make([]float64, c.NPost)
	case BCPNN:
		r.xw = make([]ext, (c.maxM11+1)*r.nv)
		r.lpi = make([]float64, c.NPre)
	}
	r.SetNoise(p.Noise)
	return r, nil
}

func meanActivity(counts []int32, m int) float64 {
	s := 0
	for _, u := range counts {
		s += int(u)
	}
	return float64(s) / float64(len(counts)*m)
}

// SetNoise recomputes the tables and biases for the query-noise model n
// (the Bayes and BCPNN rules; the others do not depend on it). n must be
// valid (Noise.Validate). It allocates nothing.
func (r *Readout) SetNoise(n Noise) {
	r.Noise = n
	c := r.c
	switch r.Rule {
	case Bayes:
		r.setBayes(n)
	case BCPNN:
		m := float64(c.M)
		for a := 0; a <= c.maxM11; a++ {
			for vi, v := range c.vs {
				if m01 := int(v) - a; m01 >= 0 {
					pij := math.Max((float64(a)*(1-n.P01)+float64(m01)*n.P10)/m, r.Floor*r.Floor)
					r.xw[a*r.nv+vi] = ext{f: math.Log(pij)}
				}
			}
		}
		for i, u := range c.Pre {
			pi := math.Max((float64(u)*(1-n.P01)+float64(c.M-int(u))*n.P10)/m, r.Floor)
			r.lpi[i] = math.Log(pi)
		}
		for j, v := range c.Post {
			r.bias[j] = ext{f: BCPNNBias(int(v), c.M, r.Floor)}
		}
	default:
		clear(r.bias)
	}
}

func (r *Readout) setBayes(n Noise) {
	c := r.c
	M := c.M
	for a := 0; a <= c.maxM11; a++ {
		for vi, v := range c.vs {
			m01 := int(v) - a
			if m01 < 0 {
				continue
			}
			av, _, cv, _ := Quad{M11: a, M01: m01}.bayesABCD(n)
			lc := extLog(cv, 1)
			r.xw[a*r.nv+vi] = extLog(av, 1).sub(lc)
			r.xc[a*r.nv+vi] = lc
		}
	}
	for ri, m10 := range c.r10 {
		for vi, v := range c.vs {
			m00 := M - int(m10) - int(v)
			if m00 < 0 {
				continue
			}
			_, bv, _, dv := Quad{M10: int(m10), M00: m00}.bayesABCD(n)
			ld := extLog(dv, -1)
			r.yw[ri*r.nv+vi] = extLog(bv, -1).sub(ld)
			r.yd[ri*r.nv+vi] = ld
		}
	}
	for j, v32 := range c.Post {
		v := int(v32)
		if v == 0 || v == M {
			r.bias[j] = ext{} // decided in Potentials
			continue
		}
		prior := math.Log(float64(v) / float64(M-v))
		r.prior[j] = prior
		// bias = prior + Σ_i e_ij(0), e_ij(0) = log c − log d − prior
		b := ext{f: prior * float64(1-c.NPre)}
		for _, h := range c.histEnts[c.histOff[j]:c.histOff[j+1]] {
			a, u := int(h.a), int(h.u)
			if n.P01 == 0 && u == M {
				b.f += prior * float64(h.n) // query bit 0 impossible under both: no evidence
				continue
			}
			vi := int(c.vIdx[j])
			e := r.xc[a*r.nv+vi].add(r.yd[int(c.r10Idx[u-a])*r.nv+vi])
			b = b.add(ext{e.f * float64(h.n), e.pos * h.n, e.neg * h.n})
		}
		r.bias[j] = b
	}
}

// Potentials writes into x (length NPost) the dendritic potential of every
// post unit for the query given by its active pre units (ascending):
//
//	Willshaw    x_j = Σ_{i∈q} min(1, M₁₁)          (a count)
//	BCPNN       x_j = log p_j + Σ_{i∈q} w_ij
//	covariance  x_j = Σ_{i∈q} w_ij
//	Bayes       x_j = the exact log-odds of v_j = 1 (±Inf for certainties)
//
// It allocates nothing.
func (r *Readout) Potentials(query []int32, x []float64) {
	c := r.c
	if r.version != c.version {
		panic("synapse: Readout of counts changed by Store; make a new Readout")
	}
	n := c.NPost
	x = x[:n]
	switch r.Rule {
	case Willshaw:
		clear(x)
		for _, i := range query {
			row := c.M11[int(i)*n : int(i+1)*n]
			for j, a := range row {
				if a > 0 {
					x[j]++
				}
			}
		}
	case Covariance:
		z := float64(len(query))
		sumU := 0.0
		for _, i := range query {
			sumU += float64(c.Pre[i])
		}
		for j, v := range c.Post {
			x[j] = -r.pv*sumU - z*(r.pu*float64(v)-float64(c.M)*r.pu*r.pv)
		}
		for _, i := range query {
			row := c.M11[int(i)*n : int(i+1)*n]
			for j, a := range row {
				x[j] += float64(a)
			}
		}
	case BCPNN:
		z := float64(len(query))
		sumPi := 0.0
		for _, i := range query {
			sumPi += r.lpi[i]
		}
		for j := range x {
			lpj := r.bias[j].f
			x[j] = lpj*(1-z) - sumPi
		}
		vIdx := c.vIdx[:n]
		for _, i := range query {
			row := c.M11[int(i)*n : int(i+1)*n]
			for j, a := range row {
				x[j] += r.xw[int(a)*r.nv+int(vIdx[j])].f
			}
		}
	case Bayes:
		r.bayesPotentials(query, x)
	}
	if r.NoSelf {
		for _, i := range query {
			if int(i) < n && int(i) < c.NPre {
				x[i] -= r.weight(int(i), int(i))
			}
		}
	}
}

// weight returns w_ij of the Willshaw, BCPNN or covariance readout.
func (r *Readout) weight(i, j int) float64 {
	q := r.c.Quad(i, j)
	switch r.Rule {
	case Willshaw:
		return q.Willshaw()
	case Covariance:
		return q.Covariance(r.pu, r.pv)
	}
	return r.xw[q.M11*r.nv+int(r.c.vIdx[j])].f - r.lpi[i] - r.bias[j].f
}

func (r *Readout) bayesPotentials(query []int32, x []float64) {
	c := r.c
	n, M := c.NPost, c.M
	pos, neg := r.pos[:n], r.neg[:n]
	vIdx, r10Idx := c.vIdx[:n], c.r10Idx
	for j, b := range r.bias[:n] {
		x[j], pos[j], neg[j] = b.f, b.pos, b.neg
	}
	for _, i := range query {
		row := c.M11[int(i)*n : int(i+1)*n]
		u := int(c.Pre[i])
		dropOn := r.Noise.P10 == 0 && u == 0  // bit 1 impossible under both: e(1) = 0
		dropOff := r.Noise.P01 == 0 && u == M // bit 0 was left out of the bias: e(0) = 0
		for j, a16 := range row {
			a, v := int(a16), int(c.Post[j])
			if v == 0 || v == M {
				continue
			}
			vi := int(vIdx[j])
			xi := a*r.nv + vi
			yi := int(r10Idx[u-a])*r.nv + vi
			var w ext
			switch {
			case dropOn: // −e(0) = −(log c − log d − prior)
				w = ext{}.sub(r.xc[xi].add(r.yd[yi]))
				w.f += r.prior[j]
			case dropOff: // e(1) = (e(1) − e(0)) + e(0)
				w = r.xw[xi].add(r.yw[yi]).add(r.xc[xi]).add(r.yd[yi])
				w.f -= r.prior[j]
			default:
				w = r.xw[xi].add(r.yw[yi])
			}
			x[j] += w.f
			pos[j] += w.pos
			neg[j] += w.neg
		}
	}
	for j, v32 := range c.Post[:n] {
		switch v := int(v32); {
		case v == 0:
			x[j] = math.Inf(-1)
		case v == M:
			x[j] = math.Inf(1)
		default:
			x[j] = resolve(x[j], int(pos[j]), int(neg[j]))
		}
	}
}
