package train

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/synapse"
)

// Pseudo-backprop and dynamic inversion (Podlaski & Machens 2020): errors
// sent down through an inverse of the forward weights.
var (
	pbpDef = Def{Name: "pbp", Stream: "rule/pbp", Doc: "pseudo-backprop (Podlaski & Machens 2020): errors sent down through the pseudo-inverse W⁺",
		Trains: RateCircuits, Defaults: creditDefaults("pbp", 10, PBPParams{}), New: newPBP}
	ndiDef = Def{Name: "ndi", Stream: "rule/ndi", Doc: "dynamic inversion at steady state (Podlaski & Machens 2020): B(WB − αI)⁻¹δ in closed form",
		Trains: RateCircuits, Defaults: creditDefaults("ndi", 2, InversionParams{Alpha: 0.01, Feedback: "neg_transpose", Scale: 0.5, Init: "uniform", Stabilize: true}), New: newNDI}
	diDef = Def{Name: "di", Stream: "rule/di", Doc: "dynamic inversion (Podlaski & Machens 2020): a leaky controller inverts the layer, Euler dt 0.5, 1000 steps",
		Trains: RateCircuits, Defaults: creditDefaults("di", 2, DIParams{InversionParams: InversionParams{Alpha: 0.01, Feedback: "neg_transpose", Scale: 0.5, Init: "uniform", Stabilize: true}, Dt: 0.5, Steps: 1000}), New: newDI}
)

// inverse holds the matrices M_i (n_lower×n_upper) that send each hidden
// layer's error down (pbp, ndi), computed once per update, and scratch for
// them.
type inverse struct {
	m          [][]float64
	a, ainv, b []float64
}

func newInverse(cr *credit) inverse {
	var v inverse
	v.m = make([][]float64, len(cr.ch.links))
	for i := 1; i < len(cr.ch.links); i++ {
		v.m[i] = make([]float64, cr.ch.sizes[i]*cr.ch.sizes[i+1])
	}
	n := cr.maxWidth()
	v.a, v.ainv, v.b = make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	return v
}

// compute sets M_i = B(WB − αI)⁻¹ when the lower layer is at least as wide
// as the upper, else (BW − αI)⁻¹B, for the forward weights w of link i
// and b (n_lower×n_upper). It reports false if a matrix is singular (M is
// then NaN, and the loss with it).
func (v *inverse) compute(i int, w *synapse.Dense, b []float64, alpha float64) bool {
	nUp, nLow := w.NPost, w.NPre
	W := blas64.General{Rows: nUp, Cols: nLow, Stride: nLow, Data: w.W[:nUp*nLow]}
	B := blas64.General{Rows: nLow, Cols: nUp, Stride: nUp, Data: b}
	M := blas64.General{Rows: nLow, Cols: nUp, Stride: nUp, Data: v.m[i]}
	var ok bool
	if nLow >= nUp {
		A := blas64.General{Rows: nUp, Cols: nUp, Stride: nUp, Data: v.a[:nUp*nUp]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, W, B, 0, A)
		Ai := blas64.General{Rows: nUp, Cols: nUp, Stride: nUp, Data: v.ainv[:nUp*nUp]}
		ok = invertShifted(A, alpha, Ai)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, B, Ai, 0, M)
	} else {
		A := blas64.General{Rows: nLow, Cols: nLow, Stride: nLow, Data: v.a[:nLow*nLow]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, B, W, 0, A)
		Ai := blas64.General{Rows: nLow, Cols: nLow, Stride: nLow, Data: v.ainv[:nLow*nLow]}
		ok = invertShifted(A, alpha, Ai)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Ai, B, 0, M)
	}
	return ok
}

// apply sends gPost down through M_i into s.
func (v *inverse) apply(i int, gPost, s []float64) {
	nLow := len(s)
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: nLow, Cols: len(gPost), Stride: len(gPost), Data: v.m[i]},
		blas64.Vector{N: len(gPost), Inc: 1, Data: gPost}, 0, blas64.Vector{N: nLow, Inc: 1, Data: s})
}

func (v *inverse) bytes() int { return 8*(len(v.a)+len(v.ainv)+len(v.b)) + floatsBytes(v.m) }

// PBP is pseudo-backprop: each hidden layer receives the error of the
// layer above through the pseudo-inverse W⁺ of the forward weights, M
// with B = −Wᵀ and α = 0 (where W has full rank, both forms are W⁺).
type PBP struct {
	credit
	inv inverse
}

func newPBP(s Spec, c *circuits.Circuit, _ *rand.Rand) (Rule, error) {
	p := s.Params.(PBPParams)
	r := &PBP{}
	if err := r.init(r, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	r.inv = newInverse(&r.credit)
	return r, nil
}

func (r *PBP) prepare() bool {
	ok := true
	for i := 1; i < len(r.ch.links); i++ {
		w := r.c.Links[r.ch.links[i]].Dense
		nUp, nLow := w.NPost, w.NPre
		b := r.inv.b[:nLow*nUp]
		for lo := range nLow {
			for up := range nUp {
				b[lo*nUp+up] = -w.W[up*nLow+lo]
			}
		}
		ok = r.inv.compute(i, w, b, 0) && ok
	}
	return ok
}

func (r *PBP) send(i int, gPost, s []float64) { r.inv.apply(i, gPost, s) }
func (r *PBP) downMatrix(i int) []float64     { return r.inv.m[i] }
func (r *PBP) ownBytes() int                  { return r.inv.bytes() }

// invertedFeedback sets the feedback of dynamic inversion: B = −W₀ᵀ
// (neg_transpose) or drawn from fr.
func invertedFeedback(cr *credit, p InversionParams, fr *rand.Rand) func(i int, d *synapse.Dense) {
	if p.Feedback != "neg_transpose" {
		return drawFeedback(fr, p.Init, p.Scale)
	}
	return func(i int, d *synapse.Dense) {
		w := cr.c.Links[cr.ch.links[i]]
		for lo := 0; lo < d.NPost; lo++ {
			for up := 0; up < d.NPre; up++ {
				d.W[lo*d.NPre+up] = -w.W[up*w.NPre+lo]
			}
		}
	}
}

// NDI is dynamic inversion at its steady state: each hidden layer
// receives B(WB − αI)⁻¹δ, in closed form, with the controller's feedback B
// kept stable (stability.go).
type NDI struct {
	credit
	inv   inverse
	stab  controllers
	alpha float64
}

func newNDI(s Spec, c *circuits.Circuit, fr *rand.Rand) (Rule, error) {
	p := s.Params.(InversionParams)
	r := &NDI{alpha: p.Alpha}
	if err := r.init(r, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	if err := r.addFeedback(false, false, invertedFeedback(&r.credit, p, feedbackStream(fr))); err != nil {
		return nil, err
	}
	r.stab.start(&r.credit, p.Alpha, p.Stabilize, p.StabilityEvery)
	r.inv = newInverse(&r.credit)
	return r, nil
}

func (r *NDI) check() { r.stab.recheck(&r.credit) }

func (r *NDI) prepare() bool {
	ok := true
	for i := 1; i < len(r.ch.links); i++ {
		ok = r.inv.compute(i, r.c.Links[r.ch.links[i]].Dense, r.feedback(i).W, r.alpha) && ok
	}
	return ok
}

func (r *NDI) send(i int, gPost, s []float64) { r.inv.apply(i, gPost, s) }
func (r *NDI) downMatrix(i int) []float64     { return r.inv.m[i] }
func (r *NDI) ownBytes() int                  { return r.inv.bytes() }
func (r *NDI) controllers() *controllers      { return &r.stab }
func (r *NDI) saveState(s *creditState) error { s.Stabilized = r.stab.stabilized; return nil }
func (r *NDI) loadState(s *creditState) error { r.stab.stabilized = s.Stabilized; return nil }

// DI is dynamic inversion: each hidden layer receives the state r_x of a
// leaky controller driven by the error, run Steps Euler steps of Dt from
// zero (as wpodlaski/dynamic-inversion, sim_tools.py).
type DI struct {
	credit
	stab      controllers
	alpha, dt float64
	steps     int
	ry        []float64 // the controller's upper rates
}

func newDI(s Spec, c *circuits.Circuit, fr *rand.Rand) (Rule, error) {
	p := s.Params.(DIParams)
	r := &DI{alpha: p.Alpha, dt: p.Dt, steps: p.Steps}
	if err := r.init(r, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	if err := r.addFeedback(false, false, invertedFeedback(&r.credit, p.InversionParams, feedbackStream(fr))); err != nil {
		return nil, err
	}
	r.stab.start(&r.credit, p.Alpha, p.Stabilize, p.StabilityEvery)
	r.ry = make([]float64, r.maxWidth())
	return r, nil
}

func (r *DI) check() { r.stab.recheck(&r.credit) }

// send runs the dynamic inversion of link i for the error delta from
// zero: r_y ← r_y + dt(−α r_y + W r_x − δ), r_x ← r_x + dt(−r_x + B r_y),
// Steps times, and leaves r_x in out.
func (r *DI) send(i int, delta, out []float64) {
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

func (r *DI) ownBytes() int                  { return 8 * len(r.ry) }
func (r *DI) controllers() *controllers      { return &r.stab }
func (r *DI) saveState(s *creditState) error { s.Stabilized = r.stab.stabilized; return nil }
func (r *DI) loadState(s *creditState) error { r.stab.stabilized = s.Stabilized; return nil }

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
