package synapse

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// TDLTPParams are the keys of TD-LTP (Frémaux, Sprekeler & Gerstner 2013),
// the three-factor rule of a dense projection from spiking neurons onto
// escape-noise neurons (neuron.Escape), gated by the TD error δ of a
// continuous-time critic (modulator.ContinuousTD):
//
//	dw_ij/dt = eta·δ(t)·E_ij(t),   E_ij = κ * (Y_i·(ε * X_j)),
//
// Y_i the post spikes, ε * X_j the PSP of pre neuron j (neuron.Escape's
// kernel) and κ the critic's kernel (unit area, 1/s). The weights stay in
// the projection's [w_min, w_max].
type TDLTPParams struct {
	// Eta is the learning rate η (mV per unit of ∫δ·E dt).
	Eta float64 `toml:"eta" check:"[0,1e6]"`
	// WInitMV: the weights start uniform in [0, w_init_mv) (mV).
	WInitMV float64 `toml:"w_init_mv" check:"[0,1e4],unit=mV"`
	// Normalize rescales, after every weight change, each pre neuron's
	// weights onto the projection to the sum they started with
	// (presynaptic scaling, dopa's addition, not the paper's): the post
	// neurons compete for a pre neuron's drive.
	Normalize bool `toml:"normalize"`
	// Center subtracts from each post spike the spikes the neuron was
	// expected to fire: E_ij = κ * ((Y_i − ρ_i)·(ε * X_j)), ρ_i the post
	// neuron's escape rate: the policy-gradient (REINFORCE) form of the
	// rule for stochastic spiking neurons, which Vasilaki et al. (2009)
	// set against the Hebbian one. A constant δ then moves no weight on
	// average: the rule credits a neuron only for firing more or less
	// than its potential made likely. ρ_i is taken as its mean over the
	// chunk (TDLTP.Expect), an approximation within κ's memory.
	Center bool `toml:"center"`
}

// Defaults are the critic's link of circuits/fremaux_maze.toml (our
// choices).
func (TDLTPParams) Defaults() TDLTPParams { return TDLTPParams{Eta: 0.002, WInitMV: 0.6} }

// Validate reports a parameter out of range, naming its key.
func (p TDLTPParams) Validate() error { return param.Check(p) }

// TDChunk is the δ side of TD-LTP's lazy update, shared by the projections
// one critic gates. κ(s) ∝ d_a^s − d_b^s has two exponential parts; over a
// chunk of steps s = 0, 1, … it keeps H_x(s) = Σ_{t≤s} δ_t·d_x^t and
// d_x^{±s} for x = a, b, so that a projection's weight change over the
// chunk needs work only at post spikes and once at its end (TDLTP.Flush).
type TDChunk struct {
	Da, Db     float64 // κ's decays per step, e^{−dt/τ_κ} and e^{−dt/ν_κ}
	Norm       float64 // 1/(τ_κ − ν_κ) (1/s)
	DtS        float64 // the step (s)
	Ha, Hb     float64 // H_a(s−1), H_b(s−1)
	PowA, PowB float64 // d^s
	InvA, InvB float64 // d^{−s}
	S          int     // steps in the chunk so far
}

// NewTDChunk returns an empty chunk for κ's decays per step da and db,
// its norm 1/(τ_κ − ν_κ) (1/s) and a step of dtS seconds.
func NewTDChunk(da, db, norm, dtS float64) TDChunk {
	c := TDChunk{Da: da, Db: db, Norm: norm, DtS: dtS}
	c.Start()
	return c
}

// Start empties the chunk.
func (c *TDChunk) Start() {
	c.S, c.Ha, c.Hb, c.PowA, c.PowB, c.InvA, c.InvB = 0, 0, 0, 1, 1, 1, 1
}

// Add closes a step whose TD error was delta.
func (c *TDChunk) Add(delta float64) {
	c.Ha += delta * c.PowA
	c.Hb += delta * c.PowB
	c.S++
	c.PowA *= c.Da
	c.PowB *= c.Db
	c.InvA /= c.Da
	c.InvB /= c.Db
}

// TDLTP is a dense projection of NPre spiking neurons onto NPost escape
// neurons that learns by TD-LTP (TDLTPParams). Its weights W (post-major,
// W[i·NPre + j] from j to i) may be a circuit link's own.
//
// Its eligibility E = e_a − e_b is advanced lazily: a post spike of neuron
// i in step s of a chunk adds ε_j·d_x^{−s} to p_x and ε_j·d_x^{−s}·H_x(s−1)
// to q_x for every pre neuron j with a PSP ε_j ≠ 0, and Flush applies the
// chunk's change η·dt·norm·Σ_x ±(d_x·e_x·H_x + p_x·H_x − q_x), exactly
// Σ_s η·δ_s·E_ij(s)·dt, and carries e over. Within a chunk the neurons see
// the weights of its start. A weight change dw of synapse (i, j) also
// changes the PSP it carries: PostA[i] += dw·PreA[j], PostB[i] +=
// dw·PreB[j] (the PSP is w(t)·(ε * X_j), its two exponential parts kept
// by the caller; nil: not tracked).
type TDLTP struct {
	TDLTPParams
	NPre, NPost int
	W           []float64
	WMin, WMax  float64
	// PreA and PreB are the pre neurons' PSP parts (ε * X_j = PreA_j −
	// PreB_j), PostA and PostB the post neurons' (neuron.Escape's A and B).
	PreA, PreB, PostA, PostB []float64

	ea, eb, pa, qa, pb, qb []float64
	touched                []bool    // rows with a post spike in the chunk
	colSum                 []float64 // per pre neuron, the initial sum of its weights (Normalize)
	colF                   []float64 // per pre neuron, normalize's factor (scratch)

	// Center: the expected-spike side of E, per pre neuron as if one
	// post neuron fired ρ = 1 every step (c·), and per post neuron Σ_s ρ_i
	// over the chunk and its mean over the last flushed chunk.
	cea, ceb, cpa, cqa, cpb, cqb, cg []float64
	rhoSum, rhoBar                   []float64
}

// NewTDLTP returns a TD-LTP projection over the weights w (nPost × nPre),
// bounded to [wMin, wMax].
func NewTDLTP(w []float64, nPre, nPost int, p TDLTPParams, wMin, wMax float64) (*TDLTP, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if nPre < 1 || nPost < 1 || len(w) != nPre*nPost || !(wMin <= wMax) {
		return nil, fmt.Errorf("synapse: TD-LTP over %d weights for %d × %d synapses in [%g, %g]", len(w), nPost, nPre, wMin, wMax)
	}
	n := nPre * nPost
	l := &TDLTP{TDLTPParams: p, NPre: nPre, NPost: nPost, W: w, WMin: wMin, WMax: wMax,
		ea: make([]float64, n), eb: make([]float64, n), pa: make([]float64, n), qa: make([]float64, n),
		pb: make([]float64, n), qb: make([]float64, n), touched: make([]bool, nPost)}
	if p.Center {
		l.cea, l.ceb, l.cpa, l.cqa = make([]float64, nPre), make([]float64, nPre), make([]float64, nPre), make([]float64, nPre)
		l.cpb, l.cqb, l.cg = make([]float64, nPre), make([]float64, nPre), make([]float64, nPre)
		l.rhoSum, l.rhoBar = make([]float64, nPost), make([]float64, nPost)
	}
	if p.Normalize {
		l.colSum, l.colF = make([]float64, nPre), make([]float64, nPre)
		for i := range nPost {
			for j := range nPre {
				l.colSum[j] += w[i*nPre+j]
			}
		}
	}
	return l, nil
}

// Reset forgets the eligibility (a trial starting from rest); the weights
// stay.
func (l *TDLTP) Reset() {
	clear(l.ea)
	clear(l.eb)
	clear(l.pa)
	clear(l.qa)
	clear(l.pb)
	clear(l.qb)
	clear(l.touched)
	for _, x := range [][]float64{l.cea, l.ceb, l.cpa, l.cqa, l.cpb, l.cqb, l.rhoSum, l.rhoBar} {
		clear(x)
	}
}

// Transmit adds the weights from pre neuron j to the post neurons' drive
// in (a pre spike).
func (l *TDLTP) Transmit(j int, in []float64) {
	for i := range l.NPost {
		in[i] += l.W[i*l.NPre+j]
	}
}

// Drive is Σ_j w_ij·x_j, post neuron i's drive from pre activities x.
func (l *TDLTP) Drive(i int, x []float64) float64 {
	u := 0.0
	for j, w := range l.W[i*l.NPre : (i+1)*l.NPre] {
		u += w * x[j]
	}
	return u
}

// Eligible records the post spikes of the step (before c.Add of its δ),
// the pre PSPs being eps.
func (l *TDLTP) Eligible(post []int32, eps []float64, c *TDChunk) {
	for _, i := range post {
		l.touched[i] = true
		row := int(i) * l.NPre
		ea, eb := c.InvA, c.InvB
		qa, qb := c.InvA*c.Ha, c.InvB*c.Hb
		for j, e := range eps {
			if e == 0 {
				continue
			}
			l.pa[row+j] += e * ea
			l.qa[row+j] += e * qa
			l.pb[row+j] += e * eb
			l.qb[row+j] += e * qb
		}
	}
}

// Expect records, with Center, the post neurons' expected spikes of the
// step, p_i (neuron.Escape's Prob: the probability of a spike in the
// step, ≈ ρ_i·dt), beside the pre PSPs eps (before c.Add of the step's
// δ, as Eligible). Without Center it does nothing.
func (l *TDLTP) Expect(p, eps []float64, c *TDChunk) {
	if !l.Center {
		return
	}
	for i, x := range p[:l.NPost] {
		l.rhoSum[i] += x
	}
	ea, eb := c.InvA, c.InvB
	qa, qb := c.InvA*c.Ha, c.InvB*c.Hb
	for j, e := range eps[:l.NPre] {
		if e == 0 {
			continue
		}
		l.cpa[j] += e * ea
		l.cqa[j] += e * qa
		l.cpb[j] += e * eb
		l.cqb[j] += e * qb
	}
}

// set changes weight k = (i, j) to w within bounds, and the PSP it
// carries.
func (l *TDLTP) set(k, i, j int, w float64) {
	w = min(max(w, l.WMin), l.WMax)
	if dw := w - l.W[k]; dw != 0 {
		l.W[k] = w
		if l.PostA != nil {
			l.PostA[i] += dw * l.PreA[j]
			l.PostB[i] += dw * l.PreB[j]
		}
	}
}

// Flush applies the weight change of the chunk c (not yet started over)
// and carries the eligibility over to the next one.
func (l *TDLTP) Flush(c *TDChunk) {
	la, lb := c.PowA, c.PowB // d^L
	fa, fb := la/c.Da, lb/c.Db
	eta := l.Eta * (c.DtS * c.Norm)
	if l.Center {
		l.flushExpected(c)
	}
	for i := range l.NPost {
		off := i * l.NPre
		rho := 0.0
		if l.Center {
			rho = l.rhoBar[i]
		}
		if !l.touched[i] {
			// No post spike in the chunk: p and q are 0, and the row
			// needs only its carried eligibility (the same operations
			// on the terms that are not 0, the same bits).
			ear, ebr := l.ea[off:off+l.NPre], l.eb[off:off+l.NPre]
			for j, ea := range ear {
				eb := ebr[j]
				if ea == 0 && eb == 0 && (rho == 0 || l.cg[j] == 0) {
					continue
				}
				ga := c.Da * ea * c.Ha
				gb := c.Db * eb * c.Hb
				if rho != 0 {
					ga -= rho * l.cg[j]
				}
				if eta != 0 {
					l.set(off+j, i, j, l.W[off+j]+eta*(ga-gb))
				}
				ear[j] = la * ea
				ebr[j] = lb * eb
			}
			continue
		}
		for j := range l.NPre {
			ea, eb := l.ea[off+j], l.eb[off+j]
			ga := c.Da*ea*c.Ha + l.pa[off+j]*c.Ha - l.qa[off+j]
			gb := c.Db*eb*c.Hb + l.pb[off+j]*c.Hb - l.qb[off+j]
			if rho != 0 {
				ga -= rho * l.cg[j]
			}
			if eta != 0 {
				l.set(off+j, i, j, l.W[off+j]+eta*(ga-gb))
			}
			l.ea[off+j] = la*ea + fa*l.pa[off+j]
			l.eb[off+j] = lb*eb + fb*l.pb[off+j]
			l.pa[off+j], l.qa[off+j], l.pb[off+j], l.qb[off+j] = 0, 0, 0, 0
		}
		l.touched[i] = false
	}
	if l.Normalize {
		l.normalize()
	}
}

// flushExpected closes the chunk's expected-spike side (Center): cg_j is
// the change per unit of ρ of every synapse from pre neuron j, the
// eligibility carries over, and ρ̄_i becomes the chunk's mean.
func (l *TDLTP) flushExpected(c *TDChunk) {
	la, lb := c.PowA, c.PowB
	fa, fb := la/c.Da, lb/c.Db
	for j := range l.NPre {
		ea, eb := l.cea[j], l.ceb[j]
		l.cg[j] = (c.Da*ea*c.Ha + l.cpa[j]*c.Ha - l.cqa[j]) - (c.Db*eb*c.Hb + l.cpb[j]*c.Hb - l.cqb[j])
		l.cea[j] = la*ea + fa*l.cpa[j]
		l.ceb[j] = lb*eb + fb*l.cpb[j]
		l.cpa[j], l.cqa[j], l.cpb[j], l.cqb[j] = 0, 0, 0, 0
	}
	inv := 1 / float64(max(c.S, 1))
	for i, x := range l.rhoSum {
		l.rhoBar[i] = x * inv
		l.rhoSum[i] = 0
	}
}

// Pulse applies a δ pulse of area d (reward units), Δw = η·d·norm·E, right
// after a Flush.
func (l *TDLTP) Pulse(d, norm float64) {
	if eta := l.Eta * d * norm; eta != 0 {
		for k, w := range l.W {
			e := l.ea[k] - l.eb[k]
			if l.Center {
				i, j := k/l.NPre, k%l.NPre
				e -= l.rhoBar[i] * (l.cea[j] - l.ceb[j])
			}
			if e != 0 {
				l.set(k, k/l.NPre, k%l.NPre, w+eta*e)
			}
		}
	}
	if l.Normalize {
		l.normalize()
	}
}

// normalize rescales each pre neuron's weights to their initial sum,
// within bounds. It runs along the rows (post-major, as W is stored): each
// column's sum is still taken over i ascending, and each post neuron's
// PSP still receives its changes over j ascending, so the result is the
// column-by-column loop's, bit for bit, at a fraction of its cache misses.
func (l *TDLTP) normalize() {
	f := l.colF
	clear(f)
	for i := range l.NPost {
		for j, w := range l.W[i*l.NPre : (i+1)*l.NPre] {
			f[j] += w
		}
	}
	for j, sum := range f {
		f[j] = math.NaN() // a column of no weight stays as it is
		if sum > 0 {
			f[j] = l.colSum[j] / sum
		}
	}
	for i := range l.NPost {
		off := i * l.NPre
		for j, fj := range f {
			if fj == fj {
				l.set(off+j, i, j, l.W[off+j]*fj)
			}
		}
	}
}
