package train

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/neuron"
)

// denseBatch is backprop a minibatch at a time, for sgd and adam on a
// plain feedforward rate circuit (one step per trial, every link from an
// earlier population, no sparse links, no feedback): what task.Batch's
// per-sample path (a trial with the tape on, then Circuit.Backward, per
// sample) computes, with the same bits, but with the large projections'
// matrix products done for the whole batch at once.
//
// A projection whose Propagate calls the BLAS (more than 64 synapses) is
// batched: its forward drive for every sample is one pass of dotPairs over
// the batch's presynaptic rates (each weight row read once per 8 samples,
// not once per sample), combined as gonum's GemvN combines its partial
// sums (gemvCombine); its gradient is one pass of gerRows over the batch
// (each gradient entry loaded and stored once per batch, not once per
// sample), adding the samples' terms in sample order as the per-sample Ger
// calls do. Everything else (the populations' steps, the small
// projections, the errors sent down) runs per sample through the
// circuit's own code. Its scratch grows with the batch size, once.
type denseBatch struct {
	c        *circuits.Circuit
	pops     []*neuron.Rate
	off      []int   // offset of each population in gCur
	incoming [][]int // per population, the links onto it, in the circuit's order
	big      []bool  // per link: batched

	n, ldx int            // batch size the scratch holds, and n rounded up to 8
	xs, ys [][]float64    // the batch's inputs and targets
	bp     []*neuron.Rate // per population, a copy n times its size: sample s's units at s·size
	v, r   [][]float64    // per population, n×size: state and rate after the trial (bp's)
	sum    [][]float64    // per batched link, NPost×ldx: W·r of every sample
	dIn    [][]float64    // per batched link, n×NPost: ∂L/∂I_post of every sample
	xt     []float64      // the presynaptic rates of one link, transposed: NPre×ldx
	e, o   []float64      // dotPairs' even and odd sums, NPost×ldx
	gCur   []float64      // ∂L/∂r of every population for one sample
	zero   []float64      // Circuit.Backward's cleared carry
	gIn    []float64      // ∂L/∂I of one population
	row    []float64      // ∂L/∂ŷ of one sample
}

// newDenseBatch returns batched backprop for c, or nil when c is not a
// plain feedforward rate circuit or the architecture's BLAS takes an order
// of additions it does not reproduce.
func newDenseBatch(c *circuits.Circuit) *denseBatch {
	if !denseExact || c.StepsPerTrial != 1 || len(c.Sparse) > 0 || len(c.Feedback) > 0 || c.Out < 0 || c.Differentiable() != nil {
		return nil
	}
	d := &denseBatch{c: c, off: make([]int, len(c.Pops)), incoming: make([][]int, len(c.Pops)), big: make([]bool, len(c.Links))}
	total := 0
	for p, pop := range c.Pops {
		r, ok := pop.(*neuron.Rate)
		if !ok {
			return nil
		}
		d.pops = append(d.pops, r)
		d.off[p] = total
		total += r.Len()
	}
	maxPost := 0
	for k, l := range c.Links {
		if l.Pre >= l.Post || l.Inh {
			return nil
		}
		d.incoming[l.Post] = append(d.incoming[l.Post], k)
		d.big[k] = l.NPre*l.NPost > 64 // as synapse.Dense.Propagate's BLAS path
		maxPost = max(maxPost, l.NPost)
	}
	d.gCur = make([]float64, total)
	d.zero = make([]float64, total)
	d.gIn = make([]float64, total)
	d.row = make([]float64, c.Pops[c.Out].Len())
	d.v = make([][]float64, len(c.Pops))
	d.r = make([][]float64, len(c.Pops))
	d.sum = make([][]float64, len(c.Links))
	d.dIn = make([][]float64, len(c.Links))
	return d
}

// grow makes the scratch hold a batch of n.
func (d *denseBatch) grow(n int) {
	if n == d.n {
		return
	}
	d.n, d.ldx = n, (n+7)&^7
	d.xs, d.ys = make([][]float64, n), make([][]float64, n)
	d.bp = d.bp[:0]
	for p, pop := range d.pops {
		bp, err := neuron.NewRate(n*pop.Len(), pop.RateParams)
		if err != nil {
			panic(err) // the population's own parameters, already valid
		}
		d.bp = append(d.bp, bp)
		d.v[p], d.r[p] = bp.V, bp.R
	}
	maxPre, maxPost := 0, 0
	for k, l := range d.c.Links {
		if d.big[k] {
			d.sum[k] = make([]float64, l.NPost*d.ldx)
			d.dIn[k] = make([]float64, n*l.NPost)
			maxPre, maxPost = max(maxPre, l.NPre), max(maxPost, l.NPost)
		}
	}
	d.xt = make([]float64, maxPre*d.ldx) // the padding columns stay 0
	d.e = make([]float64, maxPost*d.ldx)
	d.o = make([]float64, maxPost*d.ldx)
}

// usable reports whether the batched path computes what the per-sample
// path would now: no projection is perturbed.
func (d *denseBatch) usable() bool {
	for _, l := range d.c.Links {
		if l.Perturbed() {
			return false
		}
	}
	return true
}

// grad runs the batch of t forward and backward, adds ∂L/∂w to every
// link's Grad and returns the batch's mean loss: what t.Grad(c) returns
// and adds, bit for bit. It allocates nothing once the scratch holds the
// batch size.
func (d *denseBatch) grad(t task.Batch) float64 {
	n := t.BatchLen()
	d.grow(n)
	c := d.c
	for s := range n {
		d.xs[s], d.ys[s] = t.Pair(s)
	}
	// Forward, a population at a time over the batch: in a feedforward
	// circuit of one step per trial, population p of a sample depends only
	// on populations before p of that sample. The copy bp of n times the
	// population's units takes every sample's drive and steps once (a rate
	// unit's step depends on its own state, drive and the population's
	// parameters only), as the population would step in each trial.
	for p, pop := range d.pops {
		m := pop.Len()
		bp := d.bp[p]
		if p == c.In && d.copyInput(pop, n) {
			continue
		}
		clear(bp.V) // at rest; Step zeroed the drive and overwrites the rates
		for _, k := range d.incoming[p] {
			if d.big[k] {
				d.drive(k)
			}
		}
		for s := range n {
			in := bp.I[s*m : (s+1)*m]
			if p == c.In {
				for i, x := range d.xs[s][:len(in)] {
					in[i] += x
				}
			}
			for _, k := range d.incoming[p] {
				l := c.Links[k]
				if !d.big[k] {
					l.Propagate(d.r[l.Pre][s*l.NPre:(s+1)*l.NPre], in)
					continue
				}
				sk := d.sum[k]
				for i := range in {
					in[i] += sk[i*d.ldx+s]
				}
				if l.Bias {
					for i, b := range l.Biases() {
						in[i] += b
					}
				}
			}
		}
		bp.Step(c.DtMs)
		// The circuit's population ends as after the last sample's trial.
		copy(pop.V, bp.V[(n-1)*m:])
		copy(pop.R, bp.R[(n-1)*m:])
		clear(pop.I)
	}
	// Backward, a sample at a time, as Circuit.Backward unwinds one step.
	l := 0.0
	k := 1 / float64(n)
	nOut := len(d.row)
	for s := range n {
		l = t.SampleGrad(d.r[c.Out][s*nOut:(s+1)*nOut], d.ys[s], d.row, k, l)
		for p, pop := range d.pops {
			if len(d.incoming[p]) > 0 || p == c.Out {
				clear(d.gCur[d.off[p] : d.off[p]+pop.Len()]) // the others' stay unread
			}
		}
		g := d.gCur[d.off[c.Out] : d.off[c.Out]+nOut]
		for i, x := range d.row {
			g[i] += x
		}
		for p := len(d.pops) - 1; p >= 0; p-- {
			if len(d.incoming[p]) == 0 {
				continue // no weight receives its error
			}
			pop := d.pops[p]
			m, o := pop.Len(), d.off[p]
			b := pop.Gain(c.DtMs)
			gIn := d.gIn[:m]
			v, r := d.v[p][s*m:(s+1)*m], d.r[p][s*m:(s+1)*m]
			for i := range m {
				gv := d.gCur[o+i]*pop.Deriv(v[i], r[i]) + d.zero[o+i]
				gIn[i] = b * gv
			}
			for _, kk := range d.incoming[p] {
				lk := c.Links[kk]
				var gPre []float64
				if len(d.incoming[lk.Pre]) > 0 {
					po := d.off[lk.Pre]
					gPre = d.gCur[po : po+lk.NPre]
				}
				if !d.big[kk] {
					lk.Backprop(d.r[lk.Pre][s*lk.NPre:(s+1)*lk.NPre], gIn, gPre)
					continue
				}
				copy(d.dIn[kk][s*lk.NPost:(s+1)*lk.NPost], gIn)
				if gPre != nil {
					blas64.Gemv(blas.Trans, 1,
						blas64.General{Rows: lk.NPost, Cols: lk.NPre, Stride: lk.NPre, Data: lk.Weights()},
						blas64.Vector{N: lk.NPost, Inc: 1, Data: gIn},
						1, blas64.Vector{N: lk.NPre, Inc: 1, Data: gPre})
				}
			}
		}
	}
	for kk := range c.Links {
		if d.big[kk] {
			d.gradient(kk)
		}
	}
	c.Record(false)
	return l * k
}

// copyInput does the input population's part of the forward pass when
// its step only copies its drive: linear units without leak that no link
// reaches, whose step from rest, v' = I + (0 − I)·0, r = v', gives r = I
// = 0 + x exactly for every finite x. It reports false, having done
// nothing that counts, when the population is not such or an input is not
// finite (then the population steps as any other).
func (d *denseBatch) copyInput(pop *neuron.Rate, n int) bool {
	if pop.Activation != neuron.Linear || pop.TauMs != 0 || len(d.incoming[d.c.In]) > 0 {
		return false
	}
	m := pop.Len()
	r := d.r[d.c.In]
	zero := d.zero[0]
	for s := range n {
		rs := r[s*m : (s+1)*m]
		for i, x := range d.xs[s][:m] {
			v := zero + x
			if v-v != 0 {
				return false // ±Inf or NaN
			}
			rs[i] = v
		}
	}
	// The circuit's population ends as after the last sample's trial.
	copy(pop.V, r[(n-1)*m:])
	copy(pop.R, r[(n-1)*m:])
	clear(pop.I)
	return true
}

// drive fills sum[k] with W·r of every sample of the batch for batched
// link k: the partial sums dotPairs makes, combined as gonum's GemvN
// combines them.
func (d *denseBatch) drive(k int) {
	l := d.c.Links[k]
	n, ldx := d.n, d.ldx
	nPre, nPost := l.NPre, l.NPost
	r := d.r[l.Pre]
	for s := range n {
		for j, x := range r[s*nPre : (s+1)*nPre] {
			d.xt[j*ldx+s] = x
		}
	}
	w := l.Weights()
	xt, e, o := d.xt[:nPre*ldx], d.e[:nPost*ldx], d.o[:nPost*ldx]
	n2 := nPre &^ 1
	rows := 0
	if useDenseAVX2 {
		for ; rows+2 <= nPost; rows += 2 {
			dotPairsAVX2(&w[rows*nPre], nPre, &xt[0], ldx, n2, ldx/8, &e[rows*ldx], &o[rows*ldx], ldx)
		}
	}
	dotPairsGo(w[rows*nPre:], nPre, xt, ldx, n2, nPost-rows, n, e[rows*ldx:], o[rows*ldx:], ldx)
	gemvCombine(w, nPre, nPost, xt, ldx, n, e, o, d.sum[k])
}

// dotPairsGo writes, for rows i < rows of w (row stride ldw) and samples
// s < ns (columns of xt, row stride ldx), the two partial sums of gonum's
// GemvN: e[i·lde+s] = Σ w[i][j]·xt[j][s] over the even j < n2, o the same
// over the odd j, each added in increasing j from 0.
func dotPairsGo(w []float64, ldw int, xt []float64, ldx, n2, rows, ns int, e, o []float64, lde int) {
	for i := range rows {
		wi := w[i*ldw : i*ldw+n2]
		for s := range ns {
			ev, ov := 0.0, 0.0
			for j := 0; j+1 < len(wi); j += 2 {
				ev += float64(wi[j] * xt[j*ldx+s])
				ov += float64(wi[j+1] * xt[(j+1)*ldx+s])
			}
			e[i*lde+s], o[i*lde+s] = ev, ov
		}
	}
}

// gemvCombine writes sum[i·ldx+s] = W·r of sample s for post neuron i
// from the partial sums e and o, as gonum's GemvN (amd64 assembly) ends
// each row: e + o, then the last column's product when the number of
// columns is odd; for the last row of an odd number of rows, which it
// runs alone, that product goes into e first. (Propagate then adds it to
// the drive: post + sum.)
func gemvCombine(w []float64, nPre, nPost int, xt []float64, ldx, n int, e, o, sum []float64) {
	for i := range nPost {
		alone := nPost%2 == 1 && i == nPost-1
		for s := range n {
			ev, ov := e[i*ldx+s], o[i*ldx+s]
			if nPre%2 == 0 {
				sum[i*ldx+s] = ev + ov
				continue
			}
			p := float64(w[i*nPre+nPre-1] * xt[(nPre-1)*ldx+s])
			if alone {
				sum[i*ldx+s] = float64(ev+p) + ov
			} else {
				sum[i*ldx+s] = float64(ev+ov) + p
			}
		}
	}
}

// gradient adds the batch's ∂L/∂w of batched link k to its Grad: for
// every weight, the samples' terms in sample order, as one Ger call per
// sample adds them; then the biases' terms, likewise.
func (d *denseBatch) gradient(k int) {
	l := d.c.Links[k]
	nPre, nPost, n := l.NPre, l.NPost, d.n
	g := l.Grad[:nPre*nPost]
	dIn, r := d.dIn[k], d.r[l.Pre]
	rows, cols := 0, 0
	if useDenseAVX2 && nPre >= 16 {
		cols = nPre &^ 15
		for ; rows+2 <= nPost; rows += 2 {
			gerRowsAVX2(&g[rows*nPre], nPre, &dIn[rows], nPost, &r[0], nPre, n, cols/16)
		}
	}
	// What the kernel left: the rows after the pairs, every column; the
	// columns after the blocks of 16, in the kernel's rows.
	gerRowsGo(g[rows*nPre:], nPre, dIn[rows:], nPost, r, nPre, n, nPost-rows, 0, nPre)
	gerRowsGo(g, nPre, dIn, nPost, r, nPre, n, rows, cols, nPre)
	if l.Bias {
		gb := l.Grad[nPre*nPost:]
		for s := range n {
			for i, x := range dIn[s*nPost : (s+1)*nPost] {
				gb[i] += x
			}
		}
	}
}

// gerRowsGo adds, for rows i < rows of g (row stride ldg) and columns
// from ≤ j < to, the terms d[s][i]·r[s][j] of the samples s < n in
// order: g[i][j] += d[s][i]·r[s][j] (d's row stride ldd, r's ldr).
func gerRowsGo(g []float64, ldg int, d []float64, ldd int, r []float64, ldr, n, rows, from, to int) {
	for i := range rows {
		gi := g[i*ldg : i*ldg+to]
		for j := from; j < to; j++ {
			acc := gi[j]
			for s := range n {
				acc += float64(d[s*ldd+i] * r[s*ldr+j])
			}
			gi[j] = acc
		}
	}
}
