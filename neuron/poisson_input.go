package neuron

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// MaxPoissonInputMean bounds the mean count λ = n·rate·dt/1000 of a
// PoissonInput per neuron and step, which sizes its table of probabilities.
const MaxPoissonInputMean = 1000

// PoissonInputParams are the parameters of an external Poisson drive (see
// PoissonInput): n independent Poisson spike trains of rate_hz each onto
// every neuron, each spike adding weight to the neuron's input.
type PoissonInputParams struct {
	// N is the number of external inputs per neuron (Brunel's C_ext), >= 0;
	// 0 switches the drive off.
	N int `toml:"n" check:"[0,1e9]"`
	// RateHz is the rate ν_ext (Hz) of each input, finite and >= 0.
	RateHz float64 `toml:"rate_hz" check:"finite,>=0"`
	// Weight is what one input spike adds to the neuron's input, in the
	// units of the population's input (a lif delta channel: mV of v);
	// finite.
	Weight float64 `toml:"weight" check:"finite"`
}

// Defaults returns no drive (n = 0, rate 0 Hz, weight 0).
func (PoissonInputParams) Defaults() PoissonInputParams { return PoissonInputParams{} }

// Off reports whether the drive adds nothing.
func (p PoissonInputParams) Off() bool { return p.N == 0 || p.RateHz == 0 || p.Weight == 0 }

// Validate reports a parameter out of range, naming its key.
func (p PoissonInputParams) Validate() error { return param.Check(p) }

// Mean returns λ = n·rate·dt/1000, the mean count of input spikes per
// neuron in a step of dt ms.
func (p PoissonInputParams) Mean(dt float64) float64 { return float64(p.N) * p.RateHz * dt / 1000 }

// ValidateFor checks the drive for a step of dt ms: λ <= MaxPoissonInputMean.
func (p PoissonInputParams) ValidateFor(dt float64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if l := p.Mean(dt); !(l <= MaxPoissonInputMean) {
		return param.New(fmt.Sprintf("n·rate_hz·dt/1000 = %g input spikes per neuron and step, more than %d", l, MaxPoissonInputMean), "rate_hz")
	}
	return nil
}

// PoissonInput is the external drive of Brunel (2000): every neuron
// receives n independent Poisson spike trains of rate ν each. Their
// superposition is one Poisson train of rate n·ν, so in a step of dt ms
// the number of input spikes of neuron i is a Poisson count
//
//	k_i ~ Poisson(λ),   λ = n·ν·dt/1000
//
// (which may exceed one spike per step), and Add adds weight·k_i to the
// neuron's input. Brian2's PoissonInput draws Binomial(n, ν·dt) instead,
// which differs from Poisson(λ) by the O(ν·dt) chance that one input
// fires twice in a step, a variance smaller by the factor 1 − ν·dt.
//
// Each neuron and step takes exactly one uniform 32-bit number U (two
// neurons per 64-bit draw) of a ChaCha8 stream of its block: the neurons
// are cut into blocks of PoissonBlock, each drawing from its own stream in
// neuron order, the blocks' seeds drawn from the drive's seed, so that a
// range of whole blocks can be drawn on its own (AddPart) with the bits of
// Add, whatever the ranges. k_i is the
// smallest k with U < round(F(k)·2³²), F the cumulative Poisson
// distribution (tabulated once for dt; probabilities are thus resolved to
// 2⁻³², and counts whose cumulative probability rounds to 1 are never
// drawn), so a neuron's counts do not depend on the others'. A guide
// table of 1024 buckets finds k in about one comparison.
type PoissonInput struct {
	PoissonInputParams

	cdf   []float64       // F(0), F(1), …; the last entry is 1
	cut   []uint64        // round(F(k)·2³²), the last 2³²: k is the smallest with U·2³² < cut[k]
	guide []int32         // guide[j]: the smallest k with cut[k] > j·2²²
	n     int             // neurons
	src   []*rand.ChaCha8 // one stream per block of PoissonBlock neurons
}

// PoissonBlock is the number of neurons that draw from one stream of a
// PoissonInput: the ranges given to AddPart start at a multiple of it.
const PoissonBlock = 64

// guideSize is the number of buckets of the guide table: a count is
// found in about one comparison instead of λ (Chen & Asau 1974).
const guideSize = 1024

// NewPoissonInput returns the drive of a population of n neurons stepped
// with dt ms: block b of PoissonBlock neurons draws from ChaCha8(s_b), s_b
// the b-th 32 bytes of the stream ChaCha8(seed).
func NewPoissonInput(p PoissonInputParams, n int, dt float64, seed [32]byte) (*PoissonInput, error) {
	if err := p.ValidateFor(dt); err != nil {
		return nil, err
	}
	if !(dt > 0) || math.IsInf(dt, 0) {
		return nil, param.New(fmt.Sprintf("must be a finite number > 0, got %g", dt), "dt_ms")
	}
	cdf := poissonCDF(p.Mean(dt))
	cut := make([]uint64, len(cdf))
	for k, f := range cdf {
		cut[k] = uint64(math.Round(f * (1 << 32)))
	}
	cut[len(cut)-1] = 1 << 32
	guide := make([]int32, guideSize)
	k := 0
	for j := range guide {
		for cut[k] <= uint64(j)<<22 {
			k++
		}
		guide[j] = int32(k)
	}
	if n < 0 {
		return nil, fmt.Errorf("neuron: a Poisson drive of %d neurons", n)
	}
	master := rand.NewChaCha8(seed)
	src := make([]*rand.ChaCha8, (n+PoissonBlock-1)/PoissonBlock)
	for b := range src {
		var s [32]byte
		_, _ = master.Read(s[:]) // never fails
		src[b] = rand.NewChaCha8(s)
	}
	return &PoissonInput{PoissonInputParams: p, cdf: cdf, cut: cut, guide: guide, n: n, src: src}, nil
}

// poissonCDF tabulates F(k) = P(K <= k) for K ~ Poisson(lambda) until it
// reaches 1 in float64, and ends the table with 1.
func poissonCDF(lambda float64) []float64 {
	if lambda == 0 {
		return []float64{1}
	}
	var cdf []float64
	// p(k) by the recurrence p(k) = p(k−1)·λ/k from log p(0) = −λ, in log
	// space so that a large λ does not underflow p(0).
	s := 0.0
	for k := 0; ; k++ {
		lg, _ := math.Lgamma(float64(k + 1))
		term := math.Exp(-lambda + float64(k)*math.Log(lambda) - lg)
		s += term
		if s >= 1 || float64(k) > lambda && term < 1e-18 {
			break
		}
		cdf = append(cdf, s)
	}
	return append(cdf, 1)
}

// Counts returns the table F(0), F(1), … the drive draws its counts from.
func (z *PoissonInput) Counts() []float64 { return z.cdf }

// Add adds weight·k_i to in[i] for every neuron i, k_i the neuron's count
// of input spikes in this step; in has one value per neuron. It allocates
// nothing.
func (z *PoissonInput) Add(in []float64) { z.AddPart(in, 0, z.n) }

// AddPart is Add for the neurons [lo, hi) alone, lo a multiple of
// PoissonBlock and hi one too or the number of neurons: parts that cover
// the neurons, drawn in any order or at once, add what Add adds. in holds
// every neuron. It allocates nothing.
func (z *PoissonInput) AddPart(in []float64, lo, hi int) {
	if lo%PoissonBlock != 0 || hi%PoissonBlock != 0 && hi != z.n || lo > hi || hi > z.n {
		panic(fmt.Sprintf("neuron: Poisson drive part [%d, %d) of %d neurons, not whole blocks of %d", lo, hi, z.n, PoissonBlock))
	}
	in = in[:z.n]
	for b := lo / PoissonBlock; b*PoissonBlock < hi; b++ {
		e := min((b+1)*PoissonBlock, z.n)
		z.addBlock(in[b*PoissonBlock:e], z.src[b])
	}
}

// addBlock draws the counts of one block from its stream.
func (z *PoissonInput) addBlock(in []float64, src *rand.ChaCha8) {
	cut, w := z.cut, z.Weight
	guide := z.guide[:guideSize]
	count := func(u uint64) float64 {
		// u lies in bucket u>>22, whose guide is a lower bound of the
		// count; cut ends with 2³² > u, which ends the search.
		k := int(guide[u>>22&(guideSize-1)])
		for u >= cut[k] {
			k++
		}
		return float64(k)
	}
	i := 0
	for ; i+1 < len(in); i += 2 {
		x := src.Uint64()
		in[i] += w * count(x>>32)
		in[i+1] += w * count(x&(1<<32-1))
	}
	if i < len(in) {
		in[i] += w * count(src.Uint64()>>32)
	}
}
