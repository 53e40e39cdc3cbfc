package train

import (
	"errors"
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
	"github.com/dopa-sim/dopa/synapse"
)

// Feedback learned by node perturbation (Lansdell, Prakash & Kording
// 2020): the dopamine RPE between a noisy and a clean pass teaches the
// feedback synapses B that send the errors down.
var (
	npfbDef = Def{Name: "npfb", Stream: "rule/npfb", Doc: "feedback learned by node perturbation, SGD form (Lansdell, Prakash & Kording 2020): the dopamine RPE teaches B",
		Trains: RateCircuits, Check: plasticFeedback, Defaults: creditDefaults("npfb", 10, NPFBParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01}, FeedbackRate: 0.016, Init: "normal", Scale: math.Sqrt2}), New: newNPFB}
	npfbLSDef = Def{Name: "npfb_ls", Stream: "rule/npfb_ls", Doc: "feedback learned by node perturbation, exact least squares B = S V⁻¹ (Lansdell, Prakash & Kording 2020)",
		Trains: RateCircuits, Check: plasticFeedback, Defaults: creditDefaults("npfb_ls", 10, NPFBLSParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01}, Gamma: 0.1}), New: newNPFBLS}
)

// plasticFeedback refuses a circuit whose declared feedback is not
// plastic: the rule teaches it. Found when the file is read, not when the
// run starts.
func plasticFeedback(s Spec, cs *circuits.Spec) error {
	for i, f := range cs.Feedback {
		if !f.Plastic {
			name := f.Name
			if name == "" {
				name = f.From + "_" + f.To
			}
			return param.New(fmt.Sprintf("%s teaches its feedback, but the circuit's feedback %q ([[feedback]] %d) is plastic = false", s.Name, name, i+1), "name")
		}
	}
	return nil
}

// nodeFeedback is what npfb and npfb_ls share: the noisy pass, the
// dopamine system that compares it with the clean one, and the estimates
// λ̂ it gives.
type nodeFeedback struct {
	cr        *credit
	sigma     float64
	mod       *modulator.Dopamine
	noise     *rand.Rand
	noiseSrc  *rng.Source // noise's generator (checkpoints)
	h, hn, d  [][]float64 // per chain population: clean output, noisy output, drive error
	xi        [][]float64 // per chain population: noise ξ (hidden only)
	dB        [][]float64 // per feedback: accumulated ΔB (npfb) or S (npfb_ls)
	lambdaSum float64     // Σ|λ̂| of the last update (traced)
}

// feedbackLearner is how a rule turns the estimates λ̂ into its feedback.
type feedbackLearner interface {
	// begin starts a batch.
	begin()
	// accumulate takes λ̂_i and d_{i+1} of one sample for the feedback f of
	// hidden layer i, with G its accumulator (n_lower×n_upper).
	accumulate(i int, f *synapse.Dense, lam []float64, d blas64.Vector, G blas64.General)
	// finish sets the feedback f of hidden layer i after n samples.
	finish(i int, f *synapse.Dense, n int)
}

// startNodeFeedback binds the shared part of npfb and npfb_ls: the
// feedback (plastic, set by init), the dopamine system (the plain one of
// wp: the raw RPE, η fixed) and the node-noise stream derived from the
// rule's.
func (nf *nodeFeedback) start(cr *credit, s Spec, p NodeFeedbackParams, r *rand.Rand, init func(i int, d *synapse.Dense)) error {
	*nf = nodeFeedback{cr: cr, sigma: p.Sigma}
	cr.warmup = p.Warmup
	if err := cr.addFeedback(false, true, init); err != nil {
		return err
	}
	nf.mod = modulator.New(modulator.Params{}.Defaults(), s.LearningRate)
	nf.noiseSrc = rng.NewSource(r.Uint64(), "node-noise")
	nf.noise = rand.New(nf.noiseSrc)
	for _, n := range cr.ch.sizes {
		nf.h = append(nf.h, make([]float64, n))
		nf.hn = append(nf.hn, make([]float64, n))
		nf.d = append(nf.d, make([]float64, n))
		nf.xi = append(nf.xi, make([]float64, n))
	}
	for i := 1; i < len(cr.ch.links); i++ {
		nf.dB = append(nf.dB, make([]float64, len(cr.c.Feedback[cr.fb[i]].W)))
	}
	return nil
}

// forward runs the chain on x with the forward weights into h (noise
// false) or hn with ξ added to every hidden layer's output (noise true),
// and returns the readout.
func (nf *nodeFeedback) forward(x []float64, noise bool) []float64 {
	cr := nf.cr
	hs := nf.h
	if noise {
		hs = nf.hn
	}
	copy(hs[0], x[:len(hs[0])])
	last := len(cr.ch.pops) - 1
	for i, k := range cr.ch.links {
		up := hs[i+1]
		clear(up)
		cr.c.Links[k].Propagate(hs[i], up)
		f := cr.ch.acts[i+1]
		for j, v := range up {
			up[j] = f.F(v)
		}
		if noise && i+1 < last {
			xi := nf.xi[i+1]
			for j := range up {
				xi[j] = nf.sigma * nf.noise.NormFloat64()
				up[j] += xi[j]
			}
		}
	}
	return hs[last]
}

// learn teaches every feedback projection from the current batch: per
// sample, a clean pass gives the loss L = ½‖ŷ − y‖², the readout's drive
// error e and, through B, each layer's drive error d; a noisy pass (ξ ~
// N(0, c²) on every hidden output) gives L̃. The dopamine system compares
// the two outcomes (reward −L̃ against the expectation −L): its RPE
// δ = L − L̃ is the dopamine level D, and λ̂_i = −D·ξ_i/c² estimates ∂L/∂h_i.
// B_i (the feedback from layer i+1 to i) regresses λ̂_i on d_{i+1}, as the
// learner l does. Two passes over the batch.
func (nf *nodeFeedback) learn(t task.Task, l feedbackLearner) int {
	cr := nf.cr
	sv, ok := t.(task.Supervised)
	if !ok {
		panic(fmt.Sprintf("train: %s needs a task with input-target pairs (task %s has none)", cr.name, t.Name()))
	}
	n := sv.BatchLen()
	l.begin()
	last := len(cr.ch.pops) - 1
	nf.lambdaSum = 0
	for s := range n {
		x, y := sv.Pair(s)
		out := nf.forward(x, false)
		e := nf.d[last]
		loss := 0.0
		fo := cr.ch.acts[last]
		for j, o := range out {
			diff := o - y[j]
			loss += diff * diff / 2
			e[j] = diff * fo.Deriv(o, o) // linear, tanh and sigmoid take r
		}
		for i := last - 1; i >= 1; i-- {
			di := nf.d[i]
			clear(di)
			cr.feedback(i).Propagate(nf.d[i+1], di) // λ_i = B_i d_{i+1}
			f := cr.ch.acts[i]
			for j, h := range nf.h[i] {
				di[j] *= f.Deriv(h, h)
			}
		}
		outN := nf.forward(x, true)
		ln := 0.0
		for j, o := range outN {
			diff := o - y[j]
			ln += diff * diff / 2
		}
		nf.mod.Expect(-loss)
		nf.mod.Observe(-ln, cr.c.TrialMs())
		D := nf.mod.Level()
		for i := 1; i < last; i++ {
			f := cr.feedback(i)
			lam := cr.sent[:f.NPost]
			// lam = λ̂_i = −D·ξ_i/c²
			for j := range lam {
				lam[j] = -D * nf.xi[i][j] / (nf.sigma * nf.sigma)
				nf.lambdaSum += math.Abs(lam[j])
			}
			G := blas64.General{Rows: f.NPost, Cols: f.NPre, Stride: f.NPre, Data: nf.dB[i-1]}
			l.accumulate(i, f, lam, blas64.Vector{N: f.NPre, Inc: 1, Data: nf.d[i+1]}, G)
		}
	}
	for i := 1; i < last; i++ {
		l.finish(i, cr.feedback(i), n)
	}
	return 2 // a clean and a noisy pass over the batch
}

// trace reports the dopamine system's last comparison (reward −L̃,
// expectation −L, RPE = level D) and the learning rate of the forward
// weights.
func (nf *nodeFeedback) trace() modulator.Trace {
	tr := nf.mod.Trace()
	tr.LearningRate = nf.cr.eta
	return tr
}

// save and load add the dopamine system and the node-noise stream to a
// checkpoint.
func (nf *nodeFeedback) save(s *creditState) error {
	ms := nf.mod.State()
	s.Mod = &ms
	b, err := nf.noiseSrc.MarshalBinary()
	s.Noise = b
	return err
}

func (nf *nodeFeedback) load(s *creditState) error {
	if s.Mod == nil {
		return errors.New("train: the checkpoint has no dopamine system")
	}
	if err := nf.noiseSrc.UnmarshalBinary(s.Noise); err != nil {
		return err
	}
	nf.mod.SetState(*s.Mod)
	return nil
}

func (nf *nodeFeedback) bytes() int { return floatsBytes(nf.h, nf.hn, nf.d, nf.xi, nf.dB) }

// NPFB learns its feedback by SGD: ΔB = −η_B·mean(B d − λ̂) dᵀ per batch.
type NPFB struct {
	credit
	nf   nodeFeedback
	etaB float64
	res  []float64 // scratch: the residual B d − λ̂
}

func newNPFB(s Spec, c *circuits.Circuit, r *rand.Rand) (Rule, error) {
	p := s.Params.(NPFBParams)
	f := &NPFB{etaB: p.FeedbackRate}
	if err := f.init(f, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	if err := f.nf.start(&f.credit, s, p.NodeFeedbackParams, r, drawFeedback(feedbackStream(r), p.Init, p.Scale)); err != nil {
		return nil, err
	}
	f.res = make([]float64, f.maxWidth())
	return f, nil
}

func (r *NPFB) send(i int, gPost, s []float64) { r.feedback(i).Propagate(gPost, s) }
func (r *NPFB) teach(t task.Task) int          { return r.nf.learn(t, r) }

func (r *NPFB) begin() {
	for _, db := range r.nf.dB {
		clear(db)
	}
}

// accumulate adds (B d − λ̂) dᵀ to G.
func (r *NPFB) accumulate(_ int, f *synapse.Dense, lam []float64, d blas64.Vector, G blas64.General) {
	res := r.res[:f.NPost]
	copy(res, lam)
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: f.NPost, Cols: f.NPre, Stride: f.NPre, Data: f.W}, d, -1, blas64.Vector{N: f.NPost, Inc: 1, Data: res})
	blas64.Ger(1, blas64.Vector{N: f.NPost, Inc: 1, Data: res}, d, G)
}

func (r *NPFB) finish(i int, f *synapse.Dense, n int) {
	k := -r.etaB / float64(n)
	for j, g := range r.nf.dB[i-1] {
		f.W[j] += k * g
	}
}

func (r *NPFB) Trace() modulator.Trace         { return r.nf.trace() }
func (r *NPFB) saveState(s *creditState) error { return r.nf.save(s) }
func (r *NPFB) loadState(s *creditState) error { return r.nf.load(s) }
func (r *NPFB) ownBytes() int                  { return r.nf.bytes() + 8*len(r.res) }

// NPFBLS learns its feedback exactly, by least squares: V ← V + d dᵀ,
// S ← S + λ̂ dᵀ, B = S V⁻¹, from V₀ = γI and B₀ = S₀ = 0.
type NPFBLS struct {
	credit
	nf   nodeFeedback
	v    [][]float64 // V per feedback (n_upper²)
	chol []float64
}

func newNPFBLS(s Spec, c *circuits.Circuit, r *rand.Rand) (Rule, error) {
	p := s.Params.(NPFBLSParams)
	f := &NPFBLS{}
	if err := f.init(f, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	// B starts at S V⁻¹ = 0; the feedback stream is drawn all the same, so
	// that the node noise is the stream npfb's would be.
	feedbackStream(r)
	if err := f.nf.start(&f.credit, s, p.NodeFeedbackParams, r, func(_ int, d *synapse.Dense) { clear(d.W) }); err != nil {
		return nil, err
	}
	maxUp := 0
	for i := 1; i < len(f.ch.links); i++ {
		fb := c.Feedback[f.fb[i]]
		v := make([]float64, fb.NPre*fb.NPre)
		for j := range fb.NPre {
			v[j*fb.NPre+j] = p.Gamma
		}
		f.v = append(f.v, v)
		maxUp = max(maxUp, fb.NPre)
	}
	f.chol = make([]float64, maxUp*maxUp)
	return f, nil
}

func (r *NPFBLS) send(i int, gPost, s []float64) { r.feedback(i).Propagate(gPost, s) }
func (r *NPFBLS) teach(t task.Task) int          { return r.nf.learn(t, r) }
func (r *NPFBLS) begin()                         {}

// accumulate adds λ̂ dᵀ to S and d dᵀ to V.
func (r *NPFBLS) accumulate(i int, f *synapse.Dense, lam []float64, d blas64.Vector, G blas64.General) {
	blas64.Ger(1, blas64.Vector{N: f.NPost, Inc: 1, Data: lam}, d, G)
	V := blas64.General{Rows: f.NPre, Cols: f.NPre, Stride: f.NPre, Data: r.v[i-1]}
	blas64.Ger(1, d, d, V)
}

func (r *NPFBLS) finish(i int, f *synapse.Dense, _ int) {
	solveLS(f.W, r.nf.dB[i-1], r.v[i-1], f.NPost, f.NPre, r.chol)
}

func (r *NPFBLS) Trace() modulator.Trace { return r.nf.trace() }
func (r *NPFBLS) ownBytes() int          { return r.nf.bytes() + floatsBytes(r.v) + 8*len(r.chol) }

// saveState adds S and V to the checkpoint.
func (r *NPFBLS) saveState(s *creditState) error {
	s.S, s.V = r.nf.dB, r.v
	return r.nf.save(s)
}

func (r *NPFBLS) loadState(s *creditState) error {
	if !sameShapes(s.S, r.nf.dB) || !sameShapes(s.V, r.v) {
		return errBadCreditState
	}
	for i := range r.nf.dB {
		copy(r.nf.dB[i], s.S[i])
		copy(r.v[i], s.V[i])
	}
	return r.nf.load(s)
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
