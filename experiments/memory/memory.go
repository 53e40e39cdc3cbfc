package memory

import (
	"fmt"
	"math"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// Config is one associative-memory experiment: what is stored, how it is
// queried and how it is retrieved.
type Config struct {
	// Patterns is the ensemble of the address patterns u (for
	// auto-association also the content, v = u).
	Patterns Ensemble `toml:"patterns"`
	// Hetero stores pairs (u, v) with v drawn from Content; otherwise v = u.
	Hetero bool `toml:"hetero"`
	// Content is the ensemble of the content patterns v of hetero-association.
	Content Ensemble `toml:"content"`
	// M is the number of stored patterns (pairs).
	M int `toml:"m" check:"[1,65535]"`
	// Query is the noise that makes queries from stored address patterns;
	// the rules' fixed noise model is its Model().
	Query QueryNoise `toml:"query"`
	// Rule is the learning rule: willshaw, bcpnn, covariance or bayes.
	Rule synapse.MemoryRule `toml:"rule"`
	// Activation decides the output units: threshold (each rule's own,
	// see Threshold), kwta (the k̂ = expected active units of the content
	// ensemble win) or module_wta (one winner per module; modular content).
	Activation neuron.BinaryActivation `toml:"activation"`
	// Threshold is the threshold of the covariance rule under threshold
	// activation (the other rules have their own, see docs/memory.md).
	Threshold float64 `toml:"threshold" check:"finite"`
	// Steps is the number of retrieval steps: 1 is one-step retrieval;
	// more feed the output back as the next query (auto-association only).
	Steps int `toml:"steps" check:">=1"`
	// UntilStable ends iterative retrieval early when the output equals
	// its query.
	UntilStable bool `toml:"until_stable"`
	// ANE re-estimates the query noise at every step (adaptive noise
	// estimation, dopa's definition in docs/memory.md; auto-association only).
	ANE bool `toml:"ane"`
	// NoSelf drops the self-synapses of auto-association from the
	// Willshaw, BCPNN and covariance rules (synapse.ReadoutParams.NoSelf;
	// ignored by the Bayes rule, whose self-synapse is evidence).
	NoSelf bool `toml:"no_self"`
	// Floor is the smallest probability of BCPNN.
	Floor float64 `toml:"floor" check:"(0,1)"`
	// Queries is the number of queries, each of a stored pattern drawn
	// uniformly (with replacement).
	Queries int `toml:"queries" check:">=1"`
	// Workers is the number of goroutines (0: one per CPU). Results do not
	// depend on it.
	Workers int `toml:"-"`
}

// Defaults returns one-step auto-association of M = 1000 patterns of
// k = 10 among n = 1000 units, half-pattern queries, the Bayesian rule
// with 10 winners, 1000 queries.
func (Config) Defaults() Config {
	return Config{
		Patterns:   Ensemble{Kind: FixedK, N: 1000, K: 10, P: 0.01, Modules: 10},
		Content:    Ensemble{Kind: FixedK, N: 1000, K: 10, P: 0.01, Modules: 10},
		M:          1000,
		Query:      QueryNoise{P01: 0.5, Exact: true},
		Rule:       synapse.Bayes,
		Activation: neuron.KWinners,
		Steps:      1,
		Floor:      1e-6,
		Queries:    1000,
	}
}

// content returns the ensemble of the content patterns.
func (c Config) content() Ensemble {
	if c.Hetero {
		return c.Content
	}
	return c.Patterns
}

// Validate reports a parameter out of range, naming its key.
func (c Config) Validate() error {
	if err := c.Patterns.Validate(); err != nil {
		return param.Under(err, "patterns")
	}
	if c.Hetero {
		if err := c.Content.Validate(); err != nil {
			return param.Under(err, "content")
		}
	}
	if err := param.Check(c); err != nil {
		return err
	}
	switch {
	case c.Rule < synapse.Willshaw || c.Rule > synapse.Bayes:
		return param.New(fmt.Sprintf("unknown memory rule %d", int(c.Rule)), "rule")
	case c.Activation < neuron.ThresholdActivation || c.Activation > neuron.ModuleWinners:
		return param.New(fmt.Sprintf("unknown activation %d", int(c.Activation)), "activation")
	case c.Activation == neuron.ModuleWinners && c.content().Kind != Modular:
		return param.New("module_wta needs modular content patterns", "activation")
	case c.Hetero && c.Steps > 1:
		return param.New("iterative retrieval needs auto-association (hetero = false)", "steps")
	case c.Hetero && c.ANE:
		return param.New("adaptive noise estimation needs auto-association (hetero = false)", "ane")
	}
	return param.Under(c.Query.Validate(), "query")
}

// Memory holds the stored patterns and their count synapses.
type Memory struct {
	Config
	U, V   [][]int32 // stored address and content patterns (V[μ] == U[μ] for auto-association)
	Counts *synapse.Counts
}

// Store draws cfg.M patterns (pairs) for the seed and stores them. The
// patterns come from the stream "memory/patterns" (and "memory/content"),
// one after another, so a memory of M patterns holds the first M patterns
// of any larger memory of the same seed.
func Store(cfg Config, seed uint64) (*Memory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cont := cfg.content()
	c, err := synapse.NewCounts(cfg.Patterns.N, cont.N)
	if err != nil {
		return nil, err
	}
	m := &Memory{Config: cfg, Counts: c, U: make([][]int32, cfg.M), V: make([][]int32, cfg.M)}
	ru := rng.Stream(seed, "memory/patterns")
	rv := rng.Stream(seed, "memory/content")
	for mu := range cfg.M {
		m.U[mu] = cfg.Patterns.Draw(ru, nil)
		m.V[mu] = m.U[mu]
		if cfg.Hetero {
			m.V[mu] = cont.Draw(rv, nil)
		}
		if err := c.Store(m.U[mu], m.V[mu]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Retriever retrieves from a Memory. It holds the readout of the rule and
// the scratch of retrieval, so each goroutine needs its own; Retrieve
// allocates nothing once its buffers have grown.
type Retriever struct {
	m       *Memory
	ro      *synapse.Readout
	model   synapse.Noise // the fixed noise model
	noise   synapse.Noise // the readout's current model
	kHat    int           // expected active units of the content
	x       []float64
	w       []float64        // Willshaw sums for ANE
	wro     *synapse.Readout // Willshaw readout for ANE
	hist    []int
	scratch []int32
	q, y    []int32
	// Estimates holds the noise estimated at each step of the last
	// retrieval with ANE.
	Estimates []synapse.Noise
}

// NewRetriever returns a retriever of the memory.
func (m *Memory) NewRetriever() (*Retriever, error) {
	model := m.Query.Model()
	noSelf := m.NoSelf && !m.Hetero && m.Rule != synapse.Bayes
	ro, err := m.Counts.NewReadout(synapse.ReadoutParams{Rule: m.Rule, Noise: model, Floor: m.Floor, NoSelf: noSelf})
	if err != nil {
		return nil, err
	}
	n := m.Counts.NPost
	r := &Retriever{
		m: m, ro: ro, model: model, noise: model, kHat: m.content().Active(),
		x: make([]float64, n), scratch: make([]int32, n),
		q: make([]int32, 0, n), y: make([]int32, 0, n),
	}
	if m.ANE {
		r.wro, err = m.Counts.NewReadout(synapse.ReadoutParams{Rule: synapse.Willshaw, Floor: m.Floor})
		if err != nil {
			return nil, err
		}
		r.w = make([]float64, n)
		r.hist = make([]int, n+1)
	}
	return r, nil
}

// setNoise switches the readout's noise model (a no-op if unchanged).
func (r *Retriever) setNoise(n synapse.Noise) {
	if n != r.noise {
		r.ro.SetNoise(n)
		r.noise = n
	}
}

// activate appends to dst the output units of the potentials r.x for a
// query of size z under noise model n.
func (r *Retriever) activate(dst []int32, z int, n synapse.Noise) []int32 {
	m := r.m
	switch m.Activation {
	case neuron.KWinners:
		return neuron.SelectKWinners(dst, r.x, r.kHat, r.scratch)
	case neuron.ModuleWinners:
		return neuron.SelectModuleWinners(dst, r.x, m.content().Modules)
	}
	return neuron.SelectThreshold(dst, r.x, r.threshold(z, n))
}

// threshold returns each rule's threshold for a query of z active units
// under noise model n (docs/memory.md):
//
//	Willshaw    θ = round(z − p₁₀·(n − k̂)), at least 1: the expected correct query units
//	Bayes       θ = 0: posterior ≥ ½
//	BCPNN       θ = log ½: the naive-Bayes posterior estimate ≥ ½
//	covariance  θ = Config.Threshold
func (r *Retriever) threshold(z int, n synapse.Noise) float64 {
	switch r.m.Rule {
	case synapse.Willshaw:
		return max(1, math.Round(float64(z)-n.P10*float64(r.m.Counts.NPre-r.kHat)))
	case synapse.Bayes:
		return 0
	case synapse.BCPNN:
		return math.Log(0.5)
	}
	return r.m.Threshold
}

// step appends to dst the output for query q under noise model n.
func (r *Retriever) step(dst, q []int32, n synapse.Noise) []int32 {
	r.setNoise(n)
	r.ro.Potentials(q, r.x)
	return r.activate(dst, len(q), n)
}

// Estimate returns dopa's adaptive noise estimate of a query of z active
// units (auto-association), from the Willshaw dendritic sums w of the query
// (w_j = #{i ∈ query : M₁₁(i,j) > 0}, self-synapses included, so
// 0 ≤ w_j ≤ z) and the expected pattern size k̂. Every unit of the stored
// pattern is connected to every correct query unit, so its sum is at least
// the number c of correct query units, and the k̂-th largest sum estimates
// c (from above):
//
//	ĉ = min(z, k̂-th largest w_j),   p̂₀₁ = (k̂ − ĉ)/k̂,   p̂₁₀ = (z − ĉ)/(n − k̂),
//
// clamped to half a unit away from 0 and 1 (p̂₀₁ ∈ [½/k̂, 1 − ½/k̂],
// p̂₁₀ ∈ [½/(n−k̂), ½]) and scaled so that p̂₀₁ + p̂₁₀ ≤ 0.99: an estimate
// of exactly zero noise would turn every zero count into a hard veto,
// which later steps cannot undo. hist is scratch of at least z+1 ints.
func Estimate(w []float64, z, kHat int, hist []int) synapse.Noise {
	n := len(w)
	hist = hist[:z+1]
	clear(hist)
	for _, v := range w {
		hist[min(max(int(v), 0), z)]++
	}
	c, seen := 0, 0
	for s := z; s >= 0; s-- {
		seen += hist[s]
		if seen >= kHat {
			c = s
			break
		}
	}
	p01 := float64(kHat-c) / float64(kHat)
	p10 := float64(z-c) / float64(n-kHat)
	lo01, lo10 := 0.5/float64(kHat), 0.5/float64(n-kHat)
	p01 = min(max(p01, lo01), 1-lo01)
	p10 = min(max(p10, lo10), 0.5)
	if s := p01 + p10; s > 0.99 {
		p01, p10 = p01*0.99/s, p10*0.99/s
	}
	return synapse.Noise{P01: p01, P10: p10}
}

// OutputNoise is the output noise ε of one retrieval: (false + missed)/k
// of the output y against the stored content v (ascending index lists,
// k = |v|).
func OutputNoise(y, v []int32) float64 {
	ov := overlap(y, v)
	return float64(len(y)-ov+len(v)-ov) / float64(max(len(v), 1))
}

// overlap returns |a ∩ b| of two ascending index lists.
func overlap(a, b []int32) int {
	c, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			c++
			i++
			j++
		}
	}
	return c
}

// Retrieve returns the output for the query (ascending active units) and
// the number of steps taken. Step t computes the potentials of the query
// x_t, activates the output y_t and, if more steps remain, feeds it back
// (x_{t+1} = y_t); with UntilStable it stops when y_t = x_t. Without ANE
// every step uses the fixed noise model (Config.Query); with ANE each step
// first estimates the noise of x_t (Estimate) and uses the estimate: the
// Bayes and BCPNN weights and biases are recomputed, the Willshaw
// threshold follows. The output is owned by the retriever and overwritten
// by the next call.
func (r *Retriever) Retrieve(query []int32) (out []int32, steps int) {
	r.q = append(r.q[:0], query...)
	r.Estimates = r.Estimates[:0]
	cur := r.model
	for steps < r.m.Steps {
		steps++
		if r.m.ANE {
			r.wro.Potentials(r.q, r.w)
			cur = Estimate(r.w, len(r.q), r.kHat, r.hist)
			r.Estimates = append(r.Estimates, cur)
		}
		r.y = r.step(r.y[:0], r.q, cur)
		if steps == r.m.Steps || (r.m.UntilStable && slices.Equal(r.y, r.q)) {
			break
		}
		r.q, r.y = r.y, r.q
	}
	return r.y, steps
}
