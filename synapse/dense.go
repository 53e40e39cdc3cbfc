package synapse

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/dopa-sim/dopa/internal/param"
)

// DenseParams are the parameters of a dense projection.
type DenseParams struct {
	// Bias adds one plastic bias per post neuron (a tonic drive).
	Bias bool `toml:"bias"`
	// Plastic says whether learning rules may change the projection.
	Plastic bool `toml:"plastic"`
	// InitGain scales the initial weights to the variance InitGain²/n_pre.
	// Biases start at 0.
	InitGain float64 `toml:"init_gain" check:"finite,>=0"`
	// Init is the law of the initial weights: "normal", w ~ N(0,
	// InitGain²/n_pre), or "uniform", w ~ U(−a, a) with a =
	// √3·InitGain/√n_pre (the same variance). "" means normal.
	Init string `toml:"init" check:"oneof=normal|uniform,optional"`
	// WMin and WMax bound every weight (not the biases) after each change; ±Inf for none.
	WMin float64 `toml:"w_min" check:"number|-inf"`
	WMax float64 `toml:"w_max" check:"number|inf"`
	// TauEMs is the decay time constant τ_e of the eligibility trace (ms);
	// 0 means the trace holds only the last trial's term.
	TauEMs float64 `toml:"tau_e_ms" check:"finite,>=0"`
}

// Defaults returns a plastic projection with biases, unit init gain,
// unbounded weights and no eligibility memory.
func (DenseParams) Defaults() DenseParams {
	return DenseParams{Bias: true, Plastic: true, InitGain: 1, Init: "normal", WMin: math.Inf(-1), WMax: math.Inf(1)}
}

// Validate reports a parameter out of range, naming its key.
func (p DenseParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.WMin > p.WMax {
		return param.New(fmt.Sprintf("must be >= w_min (%g), got %g", p.WMin, p.WMax), "w_max")
	}
	return nil
}

// ParamError is a parameter out of its valid range: the one parameter-error
// type of dopa (internal/param), carrying the key path.
type ParamError = param.Error

// Dense is an all-to-all projection from NPre to NPost neurons.
//
// Its synapses are laid out flat: W[:NPost*NPre] are the weights, row-major
// (the weight from pre j to post i at i*NPre+j), followed by NPost biases
// when Bias is set. Xi, E and Grad share that layout.
type Dense struct {
	DenseParams
	NPre, NPost int

	W    []float64 // weights then biases
	Xi   []float64 // perturbation ξ
	E    []float64 // eligibility trace e
	M    []float64 // plasticity trace m (the synaptic tag): m ← λ·m + D·e, Δw = η·m
	Grad []float64 // gradient ∂L/∂W, filled by backpropagation (baselines only)

	wp        []float64 // w + ξ, used by perturbed passes
	prev      []float64 // w before the last Apply, restored by Revert
	perturbed bool
}

// NewDense returns a projection with zero weights; see Init.
func NewDense(nPre, nPost int, p DenseParams) (*Dense, error) {
	if nPre <= 0 || nPost <= 0 {
		return nil, fmt.Errorf("synapse: dense projection needs nPre, nPost > 0, got %d, %d", nPre, nPost)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := nPre * nPost
	if p.Bias {
		n += nPost
	}
	return &Dense{
		DenseParams: p, NPre: nPre, NPost: nPost,
		W: make([]float64, n), Xi: make([]float64, n), E: make([]float64, n), M: make([]float64, n),
		Grad: make([]float64, n), wp: make([]float64, n), prev: make([]float64, n),
	}, nil
}

// Init draws the weights from N(0, InitGain²/NPre) (or, with Init
// "uniform", from U(−a, a), a = √3·InitGain/√NPre), sets the biases to 0,
// clears ξ, e and the gradient, and clips to the bounds.
func (d *Dense) Init(rng *rand.Rand) {
	s := d.InitGain / math.Sqrt(float64(d.NPre))
	nw := d.NPre * d.NPost
	for i := range d.W {
		switch {
		case i >= nw:
			d.W[i] = 0
		case d.DenseParams.Init == "uniform":
			d.W[i] = math.Sqrt(3) * s * (2*rng.Float64() - 1)
		default:
			d.W[i] = s * rng.NormFloat64()
		}
	}
	clear(d.Xi)
	clear(d.E)
	clear(d.M)
	clear(d.Grad)
	d.clip()
	copy(d.prev, d.W)
	d.perturbed = false
}

// Weights returns the weight matrix, row-major NPost×NPre (a view into W).
func (d *Dense) Weights() []float64 { return d.W[:d.NPre*d.NPost] }

// Biases returns the biases (a view into W; empty without Bias).
func (d *Dense) Biases() []float64 { return d.W[d.NPre*d.NPost:] }

// Propagate adds the drive of the pre activity r into post: post += W·r + b,
// with w + ξ in place of w while the projection is perturbed.
func (d *Dense) Propagate(r, post []float64) {
	w := d.W
	if d.perturbed {
		w = d.wp
	}
	nw := d.NPre * d.NPost
	if d.NPre*d.NPost <= 64 {
		// Small projections: a plain loop beats the BLAS call overhead.
		for i := 0; i < d.NPost; i++ {
			row := w[i*d.NPre : (i+1)*d.NPre]
			s := 0.0
			for j, x := range r[:len(row)] {
				s += row[j] * x
			}
			post[i] += s
		}
	} else {
		blas64.Gemv(blas.NoTrans, 1,
			blas64.General{Rows: d.NPost, Cols: d.NPre, Stride: d.NPre, Data: w[:nw]},
			blas64.Vector{N: d.NPre, Inc: 1, Data: r},
			1, blas64.Vector{N: d.NPost, Inc: 1, Data: post})
	}
	if d.Bias {
		for i, b := range w[nw:] {
			post[i] += b
		}
	}
}

// Backprop accumulates the gradient of a post drive error gPost = ∂L/∂I_post
// into Grad (∂L/∂w = gPost ⊗ r, ∂L/∂b = gPost), and adds Wᵀ·gPost into gPre
// (∂L/∂r_pre) when gPre is not nil. It uses the unperturbed weights.
func (d *Dense) Backprop(r, gPost, gPre []float64) {
	d.addOuter(d.Grad, gPost, r)
	if gPre != nil {
		blas64.Gemv(blas.Trans, 1,
			blas64.General{Rows: d.NPost, Cols: d.NPre, Stride: d.NPre, Data: d.W[:d.NPre*d.NPost]},
			blas64.Vector{N: d.NPost, Inc: 1, Data: gPost},
			1, blas64.Vector{N: d.NPre, Inc: 1, Data: gPre})
	}
}

// Perturb draws a fresh perturbation ξ ~ N(0, σ²) for every synapse
// (weights and biases) and prepares w + ξ for perturbed passes.
func (d *Dense) Perturb(rng *rand.Rand, sigma float64) {
	for i, w := range d.W {
		x := sigma * rng.NormFloat64()
		d.Xi[i] = x
		d.wp[i] = w + x
	}
}

// Negate flips the perturbation, ξ ← −ξ (and w + ξ with it), for the
// second trial of an antithetic pair.
func (d *Dense) Negate() {
	for i, x := range d.Xi {
		d.Xi[i] = -x
		d.wp[i] = d.W[i] - x
	}
}

// ClearXi sets ξ to zero, before node perturbation accumulates into it.
func (d *Dense) ClearXi() { clear(d.Xi) }

// AddNodeNoise adds to ξ the signature of node noise ζ on the post
// neurons while the projection carried the presynaptic rates r:
// ξ_ij += ζ_i·r_j, and ξ of post i's bias += ζ_i. Summed over the steps of
// a trial, ξ is the weight perturbation that would have moved the post
// drive as the noise did, to first order; node perturbation uses it as
// the eligibility's ξ (Fiete & Seung 2006).
func (d *Dense) AddNodeNoise(r, zeta []float64) { d.addOuter(d.Xi, zeta, r) }

// addOuter adds post ⊗ r to the weights' part of dst and post to its
// biases' part (dst has the layout of W).
func (d *Dense) addOuter(dst, post, r []float64) {
	nw := d.NPre * d.NPost
	blas64.Ger(1, blas64.Vector{N: d.NPost, Inc: 1, Data: post}, blas64.Vector{N: d.NPre, Inc: 1, Data: r},
		blas64.General{Rows: d.NPost, Cols: d.NPre, Stride: d.NPre, Data: dst[:nw]})
	if d.Bias {
		for i, g := range post[:d.NPost] {
			dst[nw+i] += g
		}
	}
}

// SetPerturbed selects w + ξ (true) or w (false) for the following passes.
func (d *Dense) SetPerturbed(on bool) { d.perturbed = on }

// Perturbed reports whether passes use w + ξ.
func (d *Dense) Perturbed() bool { return d.perturbed }

// Eligibility decays the trace by the factor k = exp(−Δt/τ_e) for a lapse
// Δt (ms) (k = 0 when τ_e = 0) and adds scale·ξ: e ← k·e + scale·ξ.
// WP uses scale = 1/σ².
func (d *Dense) Eligibility(dtMs, scale float64) {
	k := 0.0
	if d.TauEMs > 0 {
		k = math.Exp(-dtMs / d.TauEMs)
	}
	for i, x := range d.Xi {
		d.E[i] = k*d.E[i] + scale*x
	}
}

// Pair decays the trace by k = exp(−Δt/τ_e) for a lapse Δt (ms) (k = 0
// when τ_e = 0) and adds the pairing of the presynaptic rates r with a
// postsynaptic term post: e_ij ← k·e_ij + post_i·r_j, and e of post i's
// bias ← k·e + post_i. It is the eligibility of a rate three-factor rule
// (post the post rate: Hebbian; post a deviation of the post activity
// from its expectation: a policy gradient); Apply then makes the change.
// It allocates nothing.
func (d *Dense) Pair(dtMs float64, post, r []float64) {
	k := 0.0
	if d.TauEMs > 0 {
		k = math.Exp(-dtMs / d.TauEMs)
	}
	for i := range d.E {
		d.E[i] *= k
	}
	d.addOuter(d.E, post, r)
}

// Apply makes the three-factor change: the plasticity trace takes up the
// meeting of dopamine and eligibility, m ← λ·m + D·e, and the weight
// follows it, Δw = η·m (with λ = 0, exactly Δw = η·D·e). Weights are then
// clipped to [WMin, WMax]. The weights before the change are kept for
// Revert.
func (d *Dense) Apply(eta, dopamine, lambda float64) {
	copy(d.prev, d.W)
	w, m := d.W, d.M[:len(d.W)]
	for i, e := range d.E[:len(d.W)] {
		m[i] = lambda*m[i] + dopamine*e
		w[i] += eta * m[i]
	}
	d.clip()
}

// Revert undoes the weight change of the last Apply (the plasticity trace
// is kept): a change not confirmed by the next outcome is not consolidated.
func (d *Dense) Revert() { copy(d.W, d.prev) }

// Step adds Δw = −η·g for a given per-synapse step g (same layout as W) and
// clips; optimizers that compute their own step use it.
func (d *Dense) Step(eta float64, g []float64) {
	d.StepDecay(eta, 0, g)
}

// StepDecay is Step with weight decay: every weight and bias first shrinks
// by the factor 1 − lambda, w ← (1 − λ)·w − η·g (decoupled decay, per
// step). λ = 0 is exactly Step.
func (d *Dense) StepDecay(eta, lambda float64, g []float64) {
	copy(d.prev, d.W)
	if lambda == 0 {
		for i, x := range g[:len(d.W)] {
			d.W[i] -= eta * x
		}
	} else {
		keep := 1 - lambda
		for i, x := range g[:len(d.W)] {
			d.W[i] = keep*d.W[i] - eta*x
		}
	}
	d.clip()
}

func (d *Dense) clip() {
	if math.IsInf(d.WMin, -1) && math.IsInf(d.WMax, 1) {
		return
	}
	for i, w := range d.Weights() {
		d.W[i] = min(max(w, d.WMin), d.WMax)
	}
}
