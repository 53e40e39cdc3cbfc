package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// The credit-assignment rules without weight transport (docs/credit.md).
// Each trains a feedforward chain of rate populations (input → hidden … →
// readout, one link onto each, one step per trial) by gradient descent on
// the forward weights, but the error each hidden layer receives is sent
// down by the rule (circuits.Sender) instead of through Wᵀ: through fixed
// random feedback synapses B (fa), from the readout directly (dfa),
// through the pseudo-inverse W⁺ (pbp), through the steady state of dynamic
// inversion (ndi) or its dynamics (di), or through feedback synapses that
// node perturbation and the dopamine RPE teach (npfb, npfb_ls). The
// readout's own weights always get their exact gradient.
var (
	faDef = Def{Name: "fa", Doc: "feedback alignment (Lillicrap et al. 2016): errors sent down through fixed random feedback synapses B",
		Trains: RateCircuits, Defaults: creditDefaults("fa", 10, FeedbackParams{Init: "normal", Scale: math.Sqrt2}), New: newCredit}
	dfaDef = Def{Name: "dfa", Doc: "direct feedback alignment (Nøkland 2016): the readout error sent to every hidden layer through fixed random B",
		Trains: RateCircuits, Defaults: creditDefaults("dfa", 10, FeedbackParams{Init: "normal", Scale: math.Sqrt2}), New: newCredit}
	pbpDef = Def{Name: "pbp", Doc: "pseudo-backprop (Podlaski & Machens 2020): errors sent down through the pseudo-inverse W⁺",
		Trains: RateCircuits, Defaults: creditDefaults("pbp", 10, PBPParams{}), New: newCredit}
	ndiDef = Def{Name: "ndi", Doc: "dynamic inversion at steady state (Podlaski & Machens 2020): B(WB − αI)⁻¹δ in closed form",
		Trains: RateCircuits, Defaults: creditDefaults("ndi", 2, InversionParams{Alpha: 0.01, Feedback: "neg_transpose", Scale: 0.5, Init: "uniform", Stabilize: true}), New: newCredit}
	diDef = Def{Name: "di", Doc: "dynamic inversion (Podlaski & Machens 2020): a leaky controller inverts the layer, Euler dt 0.5, 1000 steps",
		Trains: RateCircuits, Defaults: creditDefaults("di", 2, InversionParams{Alpha: 0.01, Feedback: "neg_transpose", Scale: 0.5, Init: "uniform", Dt: 0.5, Steps: 1000, Stabilize: true}), New: newCredit}
	npfbDef = Def{Name: "npfb", Doc: "feedback learned by node perturbation, SGD form (Lansdell, Prakash & Kording 2020): the dopamine RPE teaches B",
		Trains: RateCircuits, Defaults: creditDefaults("npfb", 10, LearnedFeedbackParams{Sigma: 0.01, FeedbackRate: 0.016, Init: "normal", Scale: math.Sqrt2}), New: newCredit}
	npfbLSDef = Def{Name: "npfb_ls", Doc: "feedback learned by node perturbation, exact least squares B = S V⁻¹ (Lansdell, Prakash & Kording 2020)",
		Trains: RateCircuits, Defaults: creditDefaults("npfb_ls", 10, LearnedFeedbackParams{Sigma: 0.01, Gamma: 0.1}), New: newCredit}
)

// chain is a feedforward chain of rate populations: pops[0] the input,
// pops[len−1] the readout, links[i] the one link from pops[i] to
// pops[i+1].
type chain struct {
	pops  []int
	links []int
	acts  []neuron.Activation
	sizes []int
}

// newChain checks that c is a chain the credit rules can train.
func newChain(c *circuits.Circuit) (chain, error) {
	var ch chain
	if c.StepsPerTrial != 1 || c.In < 0 || c.Out < 0 || len(c.Sparse) > 0 {
		return ch, fmt.Errorf("credit-assignment rules train a feedforward chain of rate populations, one step per trial (circuit %q has %d steps per trial)", c.Name, c.StepsPerTrial)
	}
	p := c.In
	for {
		r, ok := c.Pops[p].(*neuron.Rate)
		if !ok || r.TauMs > 0 {
			return ch, fmt.Errorf("credit-assignment rules need rate populations without leak; %q is not", c.PopNames[p])
		}
		ch.pops = append(ch.pops, p)
		ch.acts = append(ch.acts, r.Activation)
		ch.sizes = append(ch.sizes, r.Len())
		if p == c.Out {
			break
		}
		next := -1
		for k, l := range c.Links {
			if l.Pre == p {
				if next >= 0 {
					return ch, fmt.Errorf("credit-assignment rules need a chain: population %q projects to more than one", c.PopNames[p])
				}
				next = k
			}
		}
		if next < 0 || c.Links[next].Post <= p {
			return ch, fmt.Errorf("credit-assignment rules need a chain from the input to the readout; it breaks at %q", c.PopNames[p])
		}
		ch.links = append(ch.links, next)
		p = c.Links[next].Post
	}
	if len(ch.links) != len(c.Links) {
		return ch, fmt.Errorf("credit-assignment rules need a chain: circuit %q has links off the input-readout path", c.Name)
	}
	for _, k := range ch.links {
		if len(c.Incoming(c.Links[k].Post)) != 1 {
			return ch, fmt.Errorf("credit-assignment rules need one link onto each population; %q has more", c.PopNames[c.Links[k].Post])
		}
	}
	return ch, nil
}

type creditKind int

const (
	kindFA creditKind = iota
	kindDFA
	kindPBP
	kindNDI
	kindDI
	kindNPFB
	kindNPFBLS
)

var creditKinds = map[string]creditKind{"fa": kindFA, "dfa": kindDFA, "pbp": kindPBP, "ndi": kindNDI, "di": kindDI, "npfb": kindNPFB, "npfb_ls": kindNPFBLS}

// Credit is a credit-assignment rule bound to a chain circuit. Per update
// it measures the loss and the weight gradients of the batch with errors
// sent down by the rule (Measure), then steps every plastic forward link
// by −η times its gradient (Learn); npfb and npfb_ls first teach their
// feedback synapses from a noisy pass and the dopamine RPE.
type Credit struct {
	kind  creditKind
	c     *circuits.Circuit
	ch    chain
	eta   float64
	decay float64 // λ, weight decay of the forward weights per update
	clip  float64
	pos   []int // chain index of each circuit link
	fb    []int // per chain link i ≥ 1: its feedback projection in c.Feedback (−1: none)
	alpha float64
	dt    float64
	steps int

	// pbp, ndi: the matrix M_i (n_lower×n_upper) that sends link i's error
	// down, computed once per update; scratch for it.
	m          [][]float64
	a, ainv, b []float64

	// di: the controller's rates; scratch for the sent error.
	ry, rx, sent []float64

	// ndi, di: the stability of each hidden layer's controller (nil for
	// the input link), its last abscissa, and how often it is checked.
	stab       []*stability
	abscissa   []float64
	stabEvery  int
	stabilized int // stabilisations during training

	// dfa: the readout's drive error of the current sample.
	eOut []float64

	// npfb, npfb_ls.
	sigma, etaB float64
	warmup      int
	updates     int
	mod         *modulator.Dopamine
	noise       *rand.Rand
	noiseSrc    *rng.Source // noise's generator (checkpoints)
	h, hn, d    [][]float64 // per chain population: clean output, noisy output, drive error
	xi          [][]float64 // per chain population: noise ξ (hidden only)
	dB          [][]float64 // per feedback: accumulated ΔB (npfb) or S (npfb_ls)
	v           [][]float64 // npfb_ls: V per feedback (n_upper²)
	chol        []float64
	lambdaSum   float64 // Σ|λ̂| of the last update (traced)
}

func newCredit(s Spec, c *circuits.Circuit, r *rand.Rand) (Rule, error) {
	ch, err := newChain(c)
	if err != nil {
		return nil, param.New(err.Error(), "name")
	}
	kind := creditKinds[s.Name]
	cr := &Credit{kind: kind, c: c, ch: ch, eta: s.LearningRate}
	cr.pos = make([]int, len(c.Links))
	for i, k := range ch.links {
		cr.pos[k] = i
	}
	cr.fb = make([]int, len(ch.links))
	for i := range cr.fb {
		cr.fb[i] = -1
	}
	// The feedback weights are drawn from a stream of their own, derived
	// from the rule's: the noise of npfb does not shift them.
	fr := rng.Stream(r.Uint64(), "feedback")
	draw := func(init string, scale float64) func(d *synapse.Dense) {
		return func(d *synapse.Dense) {
			for i := range d.W {
				if init == "uniform" {
					d.W[i] = scale * (2*fr.Float64() - 1)
				} else {
					d.W[i] = scale / math.Sqrt(float64(d.NPost)) * fr.NormFloat64()
				}
			}
		}
	}
	negT := func(i int) func(d *synapse.Dense) {
		w := c.Links[ch.links[i]]
		return func(d *synapse.Dense) {
			for lo := 0; lo < d.NPost; lo++ {
				for up := 0; up < d.NPre; up++ {
					d.W[lo*d.NPre+up] = -w.W[up*w.NPre+lo]
				}
			}
		}
	}
	if p, ok := s.Params.(decayer); ok {
		cr.decay = p.weightDecay()
	}
	switch p := s.Params.(type) {
	case FeedbackParams:
		cr.clip = p.Clip
		err = cr.addFeedback(kind == kindDFA, false, func(int) func(*synapse.Dense) { return draw(p.Init, p.Scale) })
	case PBPParams:
		cr.clip = p.Clip
	case InversionParams:
		cr.clip, cr.alpha, cr.dt, cr.steps = p.Clip, p.Alpha, p.Dt, p.Steps
		if (kind == kindDI) != (p.Steps > 0) {
			return nil, param.New("dt and steps are di's keys (both set for di, neither for ndi)", "steps")
		}
		if err := cr.addFeedback(false, false, func(i int) func(*synapse.Dense) {
			if p.Feedback == "neg_transpose" {
				return negT(i)
			}
			return draw(p.Init, p.Scale)
		}); err != nil {
			return nil, err
		}
		cr.initStability(p.Stabilize, p.StabilityEvery)
	case LearnedFeedbackParams:
		if (kind == kindNPFBLS) != (p.Gamma > 0) {
			// Spec.Validate refuses it first (checkOwnKeys); the key at
			// fault is gamma for npfb_ls (unset) and npfb (set) alike.
			return nil, param.New("gamma is npfb_ls's key (> 0), not npfb's", "gamma")
		}
		cr.clip, cr.sigma, cr.etaB, cr.warmup = p.Clip, p.Sigma, p.FeedbackRate, p.Warmup
		if err := cr.addFeedback(false, true, func(int) func(*synapse.Dense) {
			if kind == kindNPFBLS {
				return func(d *synapse.Dense) { clear(d.W) }
			}
			return draw(p.Init, p.Scale)
		}); err != nil {
			return nil, err
		}
		mp := modulator.Params{}.Defaults(modulator.VariantWP)
		cr.mod = modulator.New(mp, s.LearningRate)
		cr.noiseSrc = rng.NewSource(r.Uint64(), "node-noise")
		cr.noise = rand.New(cr.noiseSrc)
		for _, n := range ch.sizes {
			cr.h = append(cr.h, make([]float64, n))
			cr.hn = append(cr.hn, make([]float64, n))
			cr.d = append(cr.d, make([]float64, n))
			cr.xi = append(cr.xi, make([]float64, n))
		}
		maxUp := 0
		for i := 1; i < len(ch.links); i++ {
			f := c.Feedback[cr.fb[i]]
			cr.dB = append(cr.dB, make([]float64, len(f.W)))
			if kind == kindNPFBLS {
				v := make([]float64, f.NPre*f.NPre)
				for j := range f.NPre {
					v[j*f.NPre+j] = p.Gamma
				}
				cr.v = append(cr.v, v)
			}
			maxUp = max(maxUp, f.NPre)
		}
		cr.chol = make([]float64, maxUp*maxUp)
	default:
		return nil, fmt.Errorf("train: rule %q has parameters %T", s.Name, s.Params)
	}
	if err != nil {
		return nil, err
	}
	maxN := 0
	for _, n := range ch.sizes {
		maxN = max(maxN, n)
	}
	cr.sent, cr.ry, cr.rx = make([]float64, maxN), make([]float64, maxN), make([]float64, maxN)
	cr.eOut = make([]float64, ch.sizes[len(ch.sizes)-1])
	if kind == kindPBP || kind == kindNDI {
		cr.m = make([][]float64, len(ch.links))
		for i := 1; i < len(ch.links); i++ {
			cr.m[i] = make([]float64, ch.sizes[i]*ch.sizes[i+1])
		}
		cr.a, cr.ainv, cr.b = make([]float64, maxN*maxN), make([]float64, maxN*maxN), make([]float64, maxN*maxN)
	}
	return cr, nil
}

// addFeedback gives every hidden layer i ≥ 1 of the chain its feedback
// projection from the upper population pops[i+1] (or, direct, from the
// readout) to pops[i]: the one the circuit declares ([[feedback]]), as
// declared, or else a new one named "LINK/feedback", its weights set by
// init(i). A rule that learns its feedback (learns) needs it plastic.
func (r *Credit) addFeedback(direct, learns bool, init func(i int) func(*synapse.Dense)) error {
	c, ch := r.c, r.ch
	out := ch.pops[len(ch.pops)-1]
	for i := 1; i < len(ch.links); i++ {
		from := ch.pops[i+1]
		if direct {
			from = out
		}
		if k, ok := c.FeedbackFor(from, ch.pops[i]); ok {
			if learns && !c.Feedback[k].Plastic {
				return param.New(fmt.Sprintf("this rule teaches its feedback, but the circuit's feedback %q is plastic = false", c.Feedback[k].Name), "name")
			}
			r.fb[i] = k
			continue
		}
		d, err := synapse.NewDense(c.Pops[from].Len(), ch.sizes[i], synapse.DenseParams{Plastic: learns, WMin: math.Inf(-1), WMax: math.Inf(1)})
		if err != nil {
			return err
		}
		init(i)(d)
		k, err := c.AddFeedback(circuits.Link{Name: c.Links[ch.links[i]].Name + "/feedback", Pre: from, Post: ch.pops[i], Dense: d})
		if err != nil {
			return err
		}
		r.fb[i] = k
	}
	return nil
}

// Feedback returns the feedback projection that sends chain link i's error
// down, or nil (the input link, pbp).
func (r *Credit) feedback(i int) *synapse.Dense {
	if r.fb[i] < 0 {
		return nil
	}
	return r.c.Feedback[r.fb[i]].Dense
}

// SendDown sends link k's post error gPost down into gPre by the rule
// (circuits.Sender).
func (r *Credit) SendDown(k int, gPost, gPre []float64) {
	i := r.pos[k]
	nLow := r.ch.sizes[i]
	s := r.sent[:nLow]
	clear(s)
	switch r.kind {
	case kindFA, kindNPFB, kindNPFBLS:
		r.feedback(i).Propagate(gPost, s)
	case kindDFA:
		if i == len(r.ch.links)-1 {
			copy(r.eOut, gPost)
		}
		r.feedback(i).Propagate(r.eOut, s)
	case kindPBP, kindNDI:
		blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: nLow, Cols: len(gPost), Stride: len(gPost), Data: r.m[i]},
			blas64.Vector{N: len(gPost), Inc: 1, Data: gPost}, 0, blas64.Vector{N: nLow, Inc: 1, Data: s})
	case kindDI:
		r.invert(i, gPost, s)
	}
	if r.clip > 0 {
		if n := blas64.Nrm2(blas64.Vector{N: nLow, Inc: 1, Data: s}); n > r.clip {
			blas64.Scal(r.clip/n, blas64.Vector{N: nLow, Inc: 1, Data: s})
		}
	}
	for j, x := range s {
		gPre[j] += x
	}
}

// invert runs the dynamic inversion of link i for the error delta from
// zero: r_y ← r_y + dt(−α r_y + W r_x − δ), r_x ← r_x + dt(−r_x + B r_y),
// Steps times (as wpodlaski/dynamic-inversion, sim_tools.py), and leaves
// r_x in out.
func (r *Credit) invert(i int, delta, out []float64) {
	w := r.c.Links[r.ch.links[i]].Dense
	b := r.feedback(i)
	nUp, nLow := w.NPost, w.NPre
	ry, rx := r.ry[:nUp], out[:nLow]
	clear(ry)
	clear(rx)
	dt, a := r.dt, r.alpha
	W := blas64.General{Rows: nUp, Cols: nLow, Stride: nLow, Data: w.W[:nUp*nLow]}
	B := blas64.General{Rows: nLow, Cols: nUp, Stride: nUp, Data: b.W}
	vy := blas64.Vector{N: nUp, Inc: 1, Data: ry}
	vx := blas64.Vector{N: nLow, Inc: 1, Data: rx}
	for range r.steps {
		// ry ← (1 − dt·α)·ry + dt·(W rx − δ)
		for j := range ry {
			ry[j] = (1-dt*a)*ry[j] - dt*delta[j]
		}
		blas64.Gemv(blas.NoTrans, dt, W, vx, 1, vy)
		// rx ← (1 − dt)·rx + dt·B ry
		blas64.Gemv(blas.NoTrans, dt, B, vy, 1-dt, vx)
	}
}

// prepare computes, for pbp and ndi, the matrices that send each hidden
// layer's error down: M = B(WB − αI)⁻¹ when the lower layer is at least as
// wide as the upper, else (BW − αI)⁻¹B; pbp takes B = −Wᵀ and α = 0, where
// both are the pseudo-inverse W⁺ of a full-rank W. It reports false if a
// matrix is singular (M is then NaN, and the loss with it).
func (r *Credit) prepare() bool {
	if r.kind != kindPBP && r.kind != kindNDI {
		return true
	}
	ok := true
	for i := 1; i < len(r.ch.links); i++ {
		w := r.c.Links[r.ch.links[i]].Dense
		nUp, nLow := w.NPost, w.NPre
		var b []float64
		alpha := r.alpha
		if r.kind == kindPBP {
			b, alpha = r.b[:nLow*nUp], 0
			for lo := range nLow {
				for up := range nUp {
					b[lo*nUp+up] = -w.W[up*nLow+lo]
				}
			}
		} else {
			b = r.feedback(i).W
		}
		W := blas64.General{Rows: nUp, Cols: nLow, Stride: nLow, Data: w.W[:nUp*nLow]}
		B := blas64.General{Rows: nLow, Cols: nUp, Stride: nUp, Data: b}
		M := blas64.General{Rows: nLow, Cols: nUp, Stride: nUp, Data: r.m[i]}
		if nLow >= nUp {
			A := blas64.General{Rows: nUp, Cols: nUp, Stride: nUp, Data: r.a[:nUp*nUp]}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, W, B, 0, A)
			Ai := blas64.General{Rows: nUp, Cols: nUp, Stride: nUp, Data: r.ainv[:nUp*nUp]}
			ok = invertShifted(A, alpha, Ai) && ok
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, B, Ai, 0, M)
		} else {
			A := blas64.General{Rows: nLow, Cols: nLow, Stride: nLow, Data: r.a[:nLow*nLow]}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, B, W, 0, A)
			Ai := blas64.General{Rows: nLow, Cols: nLow, Stride: nLow, Data: r.ainv[:nLow*nLow]}
			ok = invertShifted(A, alpha, Ai) && ok
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Ai, B, 0, M)
		}
	}
	return ok
}

// invertShifted writes (A − αI)⁻¹ into inv by Gauss–Jordan elimination
// with partial pivoting, destroying A; it reports false (inv NaN) if the
// matrix is singular.
func invertShifted(A blas64.General, alpha float64, inv blas64.General) bool {
	n := A.Rows
	a, v := A.Data, inv.Data
	if !allFinite(a[:n*n], []float64{alpha}) {
		fillNaN(v[:n*n])
		return false
	}
	for i := range n {
		a[i*n+i] -= alpha
		for j := range n {
			v[i*n+j] = 0
		}
		v[i*n+i] = 1
	}
	for col := range n {
		p, best := col, math.Abs(a[col*n+col])
		for row := col + 1; row < n; row++ {
			if x := math.Abs(a[row*n+col]); x > best {
				p, best = row, x
			}
		}
		if !(best > 0) {
			for i := range v[:n*n] {
				v[i] = math.NaN()
			}
			return false
		}
		if p != col {
			for j := range n {
				a[p*n+j], a[col*n+j] = a[col*n+j], a[p*n+j]
				v[p*n+j], v[col*n+j] = v[col*n+j], v[p*n+j]
			}
		}
		d := 1 / a[col*n+col]
		for j := range n {
			a[col*n+j] *= d
			v[col*n+j] *= d
		}
		for row := range n {
			if row == col {
				continue
			}
			f := a[row*n+col]
			if f == 0 {
				continue
			}
			for j := range n {
				a[row*n+j] -= f * a[col*n+j]
				v[row*n+j] -= f * v[col*n+j]
			}
		}
	}
	return true
}

// Measure computes the loss of the batch and the forward weights'
// gradients with the errors the rule sends down.
func (r *Credit) Measure(t task.Task) (float64, int) {
	if r.stab != nil {
		r.checkStability()
	}
	r.prepare()
	r.c.ZeroGrad()
	r.c.SetSender(r)
	loss := t.Grad(r.c)
	r.c.SetSender(nil)
	return loss, 1
}

// Learn teaches the feedback (npfb, npfb_ls) and steps the forward weights.
func (r *Credit) Learn(t task.Task) int {
	passes := 0
	if r.kind == kindNPFB || r.kind == kindNPFBLS {
		passes = r.learnFeedback(t)
	}
	r.updates++
	if r.updates <= r.warmup {
		return passes
	}
	for _, l := range r.c.Links {
		if l.Plastic {
			l.StepDecay(r.eta, r.decay, l.Grad)
		}
	}
	return passes
}

// forward runs the chain on x with the forward weights into r.h (noise
// false) or r.hn with ξ added to every hidden layer's output (noise true),
// and returns the readout.
func (r *Credit) forward(x []float64, noise bool) []float64 {
	hs := r.h
	if noise {
		hs = r.hn
	}
	copy(hs[0], x[:len(hs[0])])
	last := len(r.ch.pops) - 1
	for i, k := range r.ch.links {
		up := hs[i+1]
		clear(up)
		r.c.Links[k].Propagate(hs[i], up)
		f := r.ch.acts[i+1]
		for j, v := range up {
			up[j] = f.F(v)
		}
		if noise && i+1 < last {
			xi := r.xi[i+1]
			for j := range up {
				xi[j] = r.sigma * r.noise.NormFloat64()
				up[j] += xi[j]
			}
		}
	}
	return hs[last]
}

// learnFeedback teaches every feedback projection from the current batch:
// per sample, a clean pass gives the loss L = ½‖ŷ − y‖², the readout's
// drive error e and, through B, each layer's drive error d; a noisy pass
// (ξ ~ N(0, c²) on every hidden output) gives L̃. The dopamine system
// compares the two outcomes (reward −L̃ against the expectation −L): its
// RPE δ = L − L̃ is the dopamine level D, and λ̂_i = −D·ξ_i/c² estimates
// ∂L/∂h_i. B_i (the feedback from layer i+1 to i) regresses λ̂_i on d_{i+1}:
// npfb by SGD, ΔB = −η_B·mean(B d − λ̂) dᵀ; npfb_ls exactly, V ← V + d dᵀ,
// S ← S + λ̂ dᵀ, B = S V⁻¹. Two passes over the batch.
func (r *Credit) learnFeedback(t task.Task) int {
	sv, ok := t.(task.Supervised)
	if !ok {
		panic(fmt.Sprintf("train: %s needs a task with input-target pairs (task %s has none)", r.kindName(), t.Name()))
	}
	n := sv.BatchLen()
	if r.kind == kindNPFB {
		for _, db := range r.dB {
			clear(db)
		}
	}
	last := len(r.ch.pops) - 1
	r.lambdaSum = 0
	for s := range n {
		x, y := sv.Pair(s)
		out := r.forward(x, false)
		e := r.d[last]
		l := 0.0
		fo := r.ch.acts[last]
		for j, o := range out {
			diff := o - y[j]
			l += diff * diff / 2
			e[j] = diff * fo.Deriv(o, o) // linear, tanh and sigmoid take r
		}
		for i := last - 1; i >= 1; i-- {
			di := r.d[i]
			clear(di)
			r.feedback(i).Propagate(r.d[i+1], di) // λ_i = B_i d_{i+1}
			f := r.ch.acts[i]
			for j, h := range r.h[i] {
				di[j] *= f.Deriv(h, h)
			}
		}
		outN := r.forward(x, true)
		ln := 0.0
		for j, o := range outN {
			diff := o - y[j]
			ln += diff * diff / 2
		}
		r.mod.Expect(-l)
		r.mod.Observe(-ln, r.c.TrialMs())
		D := r.mod.Level()
		for i := 1; i < last; i++ {
			f := r.feedback(i)
			dUp := r.d[i+1]
			lam := r.sent[:f.NPost]
			// lam = λ̂_i = −D·ξ_i/c²
			for j := range lam {
				lam[j] = -D * r.xi[i][j] / (r.sigma * r.sigma)
				r.lambdaSum += math.Abs(lam[j])
			}
			G := blas64.General{Rows: f.NPost, Cols: f.NPre, Stride: f.NPre, Data: r.dB[i-1]}
			vd := blas64.Vector{N: f.NPre, Inc: 1, Data: dUp}
			if r.kind == kindNPFB {
				// residual B d − λ̂ into ry (scratch)
				res := r.ry[:f.NPost]
				copy(res, lam)
				blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: f.NPost, Cols: f.NPre, Stride: f.NPre, Data: f.W}, vd, -1, blas64.Vector{N: f.NPost, Inc: 1, Data: res})
				blas64.Ger(1, blas64.Vector{N: f.NPost, Inc: 1, Data: res}, vd, G)
			} else {
				blas64.Ger(1, blas64.Vector{N: f.NPost, Inc: 1, Data: lam}, vd, G)
				V := blas64.General{Rows: f.NPre, Cols: f.NPre, Stride: f.NPre, Data: r.v[i-1]}
				blas64.Ger(1, vd, vd, V)
			}
		}
	}
	for i := 1; i < last; i++ {
		f := r.feedback(i)
		if r.kind == kindNPFB {
			k := -r.etaB / float64(n)
			for j, g := range r.dB[i-1] {
				f.W[j] += k * g
			}
			continue
		}
		solveLS(f.W, r.dB[i-1], r.v[i-1], f.NPost, f.NPre, r.chol)
	}
	return 2 // a clean and a noisy pass over the batch
}

// solveLS sets B = S V⁻¹ (B, S: rows×m, V: m×m symmetric positive
// definite) by a Cholesky factorisation of V into chol.
func solveLS(B, S, V []float64, rows, m int, chol []float64) {
	if !allFinite(V[:m*m], S[:rows*m]) {
		fillNaN(B[:rows*m])
		return
	}
	L := chol[:m*m]
	clear(L)
	for j := range m {
		s := V[j*m+j]
		for k := range j {
			s -= L[j*m+k] * L[j*m+k]
		}
		if !(s > 0) {
			for i := range B {
				B[i] = math.NaN()
			}
			return
		}
		L[j*m+j] = math.Sqrt(s)
		for i := j + 1; i < m; i++ {
			s := V[i*m+j]
			for k := range j {
				s -= L[i*m+k] * L[j*m+k]
			}
			L[i*m+j] = s / L[j*m+j]
		}
	}
	// Each row b of B solves V b = s (V symmetric): L z = s, Lᵀ b = z.
	for row := range rows {
		b, s := B[row*m:(row+1)*m], S[row*m:(row+1)*m]
		for i := range m {
			z := s[i]
			for k := range i {
				z -= L[i*m+k] * b[k]
			}
			b[i] = z / L[i*m+i]
		}
		for i := m - 1; i >= 0; i-- {
			z := b[i]
			for k := i + 1; k < m; k++ {
				z -= L[k*m+i] * b[k]
			}
			b[i] = z / L[i*m+i]
		}
	}
}

func (r *Credit) kindName() string {
	for n, k := range creditKinds {
		if k == r.kind {
			return n
		}
	}
	return "?"
}

// Trace reports the learning rate and, for npfb and npfb_ls, the dopamine
// system's last comparison (reward −L̃, expectation −L, RPE = level D).
func (r *Credit) Trace() modulator.Trace {
	if r.mod != nil {
		tr := r.mod.Trace()
		tr.LearningRate = r.eta
		return tr
	}
	return modulator.Trace{RPE: math.NaN(), Reward: math.NaN(), Expectation: math.NaN(), Dopamine: math.NaN(), LearningRate: r.eta}
}

// StateBytes counts the feedback synapses and the rule's buffers.
func (r *Credit) StateBytes() int {
	n := len(r.sent) + len(r.ry) + len(r.rx) + len(r.eOut) + len(r.a) + len(r.ainv) + len(r.b) + len(r.chol)
	for _, f := range r.c.Feedback {
		n += len(f.W)
	}
	for _, xs := range [][][]float64{r.m, r.h, r.hn, r.d, r.xi, r.dB, r.v} {
		for _, x := range xs {
			n += len(x)
		}
	}
	return 8 * n
}
