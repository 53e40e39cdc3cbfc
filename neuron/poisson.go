package neuron

import (
	"fmt"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// PoissonParams are the parameters of a population of Poisson spike
// sources (see Poisson).
type PoissonParams struct {
	// RateHzPerUnit converts the drive into a firing rate: neuron i fires at
	// rate_i = RateHzPerUnit · max(0, I_i) Hz, where I_i is its input drive
	// in the step. >= 0.
	RateHzPerUnit float64 `toml:"rate_hz_per_unit" check:"finite,>=0"`
	// Frozen makes Reset rewind the random stream to its start, so that
	// every trial presenting the same drive sees the same spike trains
	// ("frozen" Poisson noise). Without it the stream runs on across trials.
	Frozen bool `toml:"frozen"`
}

// Defaults returns 100 Hz per unit of drive, stream not frozen.
func (PoissonParams) Defaults() PoissonParams { return PoissonParams{RateHzPerUnit: 100} }

// Validate reports a parameter out of range, naming its key.
func (p PoissonParams) Validate() error {
	return param.Check(p)
}

// Poisson is a population of Poisson spike sources: rate coding of its
// input. In each step of dt ms, neuron i spikes with probability
//
//	p_i = min(1, rate_i · dt / 1000),   rate_i = RateHzPerUnit · max(0, I_i)  (Hz)
//
// independently of every other neuron and step, where I_i is the drive
// added into Input before the step (the task's input for an input
// population, or projections). Output is the spike indicator and Spikes the
// list of spiking neurons, as for the other spiking models.
//
// The random stream is the population's own ChaCha8 generator, seeded by
// whoever builds it (circuits.Spec.Build derives the seed from the circuit's
// init stream), so a circuit's spike trains are a function of its seed.
// Each step draws exactly one uniform number per neuron, whatever the
// drive, so the draws of neuron i in step t do not depend on other
// neurons' drives; with Frozen, Reset rewinds the stream, and the spike
// trains of a trial then depend only on the drive (monotonically: a higher
// rate spikes in a superset of steps).
type Poisson struct {
	PoissonParams

	in     []float64
	out    []float64
	spikes []int32
	seed   [32]byte
	src    *rand.ChaCha8
	rng    *rand.Rand
}

// NewPoisson returns n Poisson sources whose random stream is ChaCha8(seed).
func NewPoisson(n int, p PoissonParams, seed [32]byte) (*Poisson, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	src := rand.NewChaCha8(seed)
	z := &Poisson{PoissonParams: p, in: make([]float64, n), out: make([]float64, n), spikes: make([]int32, 0, n),
		seed: seed, src: src, rng: rand.New(src)}
	return z, nil
}

// Len returns the number of neurons.
func (z *Poisson) Len() int { return len(z.in) }

// Input returns the drive buffer I for the next step.
func (z *Poisson) Input() []float64 { return z.in }

// Output returns the spike indicator of the last step (1 spiked, 0 not).
func (z *Poisson) Output() []float64 { return z.out }

// Spikes returns the neurons that spiked in the last step, ascending.
func (z *Poisson) Spikes() []int32 { return z.spikes }

// Reset clears spikes and input, and rewinds the stream when Frozen.
func (z *Poisson) Reset() {
	clear(z.in)
	clear(z.out)
	z.spikes = z.spikes[:0]
	if z.Frozen {
		z.src.Seed(z.seed)
	}
}

// Step draws the spikes of one step of dt ms and zeroes the input.
func (z *Poisson) Step(dt float64) {
	for _, i := range z.spikes {
		z.out[i] = 0
	}
	spikes := z.spikes[:0]
	k := z.RateHzPerUnit * dt / 1000 // spike probability per unit of drive
	in, out := z.in, z.out[:len(z.in)]
	for i, x := range in {
		u := z.rng.Float64()
		in[i] = 0
		if u < k*x { // x <= 0 never spikes; k·x >= 1 always does
			out[i] = 1
			spikes = append(spikes, int32(i))
		}
	}
	z.spikes = spikes
}
