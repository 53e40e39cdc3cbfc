package train

import (
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// Dynamic inversion's controller for one layer, r_x' = −r_x + B r_y,
// r_y' = W r_x − α r_y − δ, is the linear system with matrix
//
//	M = [[−I, B], [W, −αI]]   (n_lower + n_upper square)
//
// and reaches its steady state (ndi's closed form) only when M is stable:
// every eigenvalue has a negative real part. Its spectral abscissa
// s(M) = max Re λ(M) says how stable. Podlaski & Machens make a random B
// stable by gradient steps on B that lower the abscissa
// (wpodlaski/dynamic-inversion, sim_tools.py, SSA_opt: 10 to 200 steps of
// 0.05 along a normalised gradient, until s < −0.01). Their gradient is
// Q·P from two Lyapunov equations shifted by s, which at that shift is
// dominated by the critical eigenvalue; we take the gradient of the
// critical eigenvalue itself, ∂Re λ/∂B = Re(ū v̄ᵀ…) from its left and
// right eigenvectors (u and v: Re(conj(u_a) v_b / uᴴv) for the entry
// (a, b) of M), which is the same direction without the Lyapunov solves.

// stability computes the abscissa of M for one layer and lowers it. Its
// buffers are allocated once; abscissa and stabilize allocate nothing.
type stability struct {
	nLow, nUp      int
	m, vl, vr      []float64 // n×n
	wr, wi, work   []float64
	grad           []float64 // ∂s/∂B, nLow×nUp
	steps, maxIter int
}

// stabilityMargin is the abscissa a stabilised B aims for: s < −0.01
// (theirs), or s < −α/2 for a leak below 0.02: when the upper layer is
// the wider, every r_y in the null space of B decays at exactly −α, so
// no B brings s below −α.
const stabilityMargin = 0.01

func stabilityTarget(alpha float64) float64 { return min(stabilityMargin, alpha/2) }

func newStability(nLow, nUp int) *stability {
	n := nLow + nUp
	s := &stability{nLow: nLow, nUp: nUp, m: make([]float64, n*n), vl: make([]float64, n*n), vr: make([]float64, n*n),
		wr: make([]float64, n), wi: make([]float64, n), grad: make([]float64, nLow*nUp), maxIter: 200}
	q := []float64{0}
	lapack64.Geev(lapack.LeftEVCompute, lapack.RightEVCompute, s.general(s.m), s.wr, s.wi, s.general(s.vl), s.general(s.vr), q, -1)
	s.work = make([]float64, max(int(q[0]), 4*n))
	return s
}

func (s *stability) general(d []float64) blas64.General {
	n := s.nLow + s.nUp
	return blas64.General{Rows: n, Cols: n, Stride: n, Data: d}
}

// abscissa returns s(M) for the layer's forward weights w (nUp×nLow,
// row-major, the leading nUp·nLow entries of a Dense's W), feedback b
// (nLow×nUp) and leak alpha, and leaves ∂s/∂B in s.grad when wantGrad.
func (s *stability) abscissa(w, b []float64, alpha float64, wantGrad bool) float64 {
	nLow, nUp, n := s.nLow, s.nUp, s.nLow+s.nUp
	if !allFinite(w[:nUp*nLow], b[:nLow*nUp], []float64{alpha}) {
		// A diverged layer: Geev would iterate for ever on it.
		fillNaN(s.grad)
		return math.NaN()
	}
	m := s.m
	clear(m)
	for i := range nLow {
		m[i*n+i] = -1
		copy(m[i*n+nLow:i*n+n], b[i*nUp:(i+1)*nUp])
	}
	for j := range nUp {
		row := (nLow + j) * n
		copy(m[row:row+nLow], w[j*nLow:(j+1)*nLow])
		m[row+nLow+j] = -alpha
	}
	jobL := lapack.LeftEVNone
	jobR := lapack.RightEVNone
	if wantGrad {
		jobL, jobR = lapack.LeftEVCompute, lapack.RightEVCompute
	}
	if first := lapack64.Geev(jobL, jobR, s.general(m), s.wr, s.wi, s.general(s.vl), s.general(s.vr), s.work, len(s.work)); first != 0 {
		return math.NaN()
	}
	k := 0
	for i := range n {
		if s.wr[i] > s.wr[k] {
			k = i
		}
	}
	if !wantGrad {
		return s.wr[k]
	}
	// The eigenvectors of λ_k: real, or (for a complex pair, the one with
	// the positive imaginary part first) columns k and k+1 hold the real
	// and imaginary parts; the conjugate is column k−1's pair.
	col, sign := k, 1.0
	complexPair := s.wi[k] != 0
	if complexPair && s.wi[k] < 0 {
		col, sign = k-1, -1
	}
	part := func(v []float64, row int) (re, im float64) {
		re = v[row*n+col]
		if complexPair {
			im = sign * v[row*n+col+1]
		}
		return
	}
	var p, q float64 // uᴴv = p + iq
	for r := range n {
		ur, ui := part(s.vl, r)
		vr, vi := part(s.vr, r)
		p += ur*vr + ui*vi
		q += ur*vi - ui*vr
	}
	d := p*p + q*q
	for a := range nLow {
		ur, ui := part(s.vl, a)
		for c := range nUp {
			vr, vi := part(s.vr, nLow+c)
			re, im := ur*vr+ui*vi, ur*vi-ui*vr // conj(u_a)·v_b
			s.grad[a*nUp+c] = (re*p + im*q) / d
		}
	}
	return s.wr[k]
}

// stabilize lowers the abscissa of the layer by steps on b (in place):
// each moves b by 5 % of its norm against the normalised gradient, at
// least 10 and at most 200 of them, until s < −stabilityTarget(α). It
// returns the abscissa reached; s.steps counts the steps taken in all.
func (s *stability) stabilize(w, b []float64, alpha float64) float64 {
	a := s.abscissa(w, b, alpha, true)
	target := stabilityTarget(alpha)
	for it := 0; it < s.maxIter && (it < 10 || a >= -target); it++ {
		if math.IsNaN(a) {
			return a
		}
		gn := blas64.Nrm2(blas64.Vector{N: len(s.grad), Inc: 1, Data: s.grad})
		bn := blas64.Nrm2(blas64.Vector{N: len(b), Inc: 1, Data: b})
		if gn == 0 {
			return a
		}
		step := 0.05 * max(bn, 1e-3) / gn
		for i := range b {
			b[i] -= step * s.grad[i]
		}
		s.steps++
		a = s.abscissa(w, b, alpha, true)
	}
	return a
}

// controllers keeps the controller of every hidden layer of dynamic
// inversion (ndi, di) stable: the stability of each (nil for the input
// link), its last abscissa, how often it is checked, and how often it was
// stabilised during training.
type controllers struct {
	stab       []*stability
	abscissa   []float64
	alpha      float64
	every      int
	stabilized int
}

// start measures the abscissa of every hidden layer's controller and,
// with stabilize, lowers it where it starts above −min(0.01, α/2) (a random
// or declared B; B = −W₀ᵀ starts below −α).
func (s *controllers) start(cr *credit, alpha float64, stabilize bool, every int) {
	s.stab = make([]*stability, len(cr.ch.links))
	s.abscissa = make([]float64, len(cr.ch.links))
	s.alpha, s.every = alpha, every
	for i := 1; i < len(cr.ch.links); i++ {
		st := newStability(cr.ch.sizes[i], cr.ch.sizes[i+1])
		s.stab[i] = st
		w, b := cr.c.Links[cr.ch.links[i]].W, cr.feedback(i).W
		s.abscissa[i] = st.abscissa(w, b, alpha, false)
		if stabilize && s.abscissa[i] >= -stabilityTarget(alpha) {
			s.abscissa[i] = st.stabilize(w, b, alpha)
		}
	}
}

// recheck, every `every` updates, measures each layer's abscissa and
// stabilises a layer found unstable (s > 0), as the authors' DI loop
// does.
func (s *controllers) recheck(cr *credit) {
	if s.every == 0 || cr.updates%s.every != 0 {
		return
	}
	for i := 1; i < len(cr.ch.links); i++ {
		w, b := cr.c.Links[cr.ch.links[i]].W, cr.feedback(i).W
		s.abscissa[i] = s.stab[i].abscissa(w, b, s.alpha, false)
		if s.abscissa[i] > 0 {
			s.abscissa[i] = s.stab[i].stabilize(w, b, s.alpha)
			s.stabilized++
		}
	}
}

// current measures the abscissa of hidden layer i's controller now.
func (s *controllers) current(cr *credit, i int) float64 {
	w, b := cr.c.Links[cr.ch.links[i]].W, cr.feedback(i).W
	return s.stab[i].abscissa(w, b, s.alpha, false)
}
