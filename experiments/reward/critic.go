package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// critic forms the prediction error δ of every step (modulator.TD, or a
// spiking critic).
type critic interface {
	// Begin starts an episode in the state with features x.
	Begin(x []float64) float64
	// Step moves to the state x after reward r and returns δ.
	Step(r float64, x []float64, end bool) float64
	// Value returns the critic's current estimate of V(x) (for outputs).
	Value(x []float64) float64
}

// SpikingCritic are the keys of the spiking critic ([critic.spiking]).
//
// The state's features drive input neurons: feature i drives a block of
// input_neurons neurons, each spiking with probability x_i·input_rate_hz·dt
// per step of dt_ms. A population of `neurons` linear-nonlinear Poisson
// neurons reads them: neuron m spikes with probability
// hz_per_unit·max(0, Σ_j w_mj·s_j)·dt, s_j the input spikes of the step.
// Its spike count over a step of the task (critic.step_ms) codes V:
//
//	V̂ = count / (neurons · steps · hz_per_unit·dt · input_neurons·input_rate_hz·dt)
//
// whose expectation is Σ_i x_i·w̄_i, w̄_i the mean weight from block i. δ is
// formed from V̂ as by the TD critic, and every synapse learns by a TD rule
// with the presynaptic spike count as its eligibility (TD-LTP, Frémaux,
// Sprekeler & Gerstner 2013): Δw_mj = α·δ·z_j, z_j ← γλ·z_j + c_j/(input_rate_hz·dt·steps),
// c_j the neuron's spikes in the step left. In expectation this is TD(λ)
// on w̄; the spikes add noise, less with more neurons and longer steps.
type SpikingCritic struct {
	// InputNeurons is the number of input neurons per feature, in [1, 10000].
	InputNeurons int `toml:"input_neurons" check:"[1,10000]"`
	// InputRateHz is an input neuron's rate at feature value 1 (Hz), in (0, 1000].
	InputRateHz float64 `toml:"input_rate_hz" check:"(0,1000],unit=Hz"`
	// Neurons is the number of critic neurons, in [1, 100000].
	Neurons int `toml:"neurons" check:"[1,100000]"`
	// HzPerUnit is a critic neuron's rate per unit of drive (Hz), > 0.
	HzPerUnit float64 `toml:"hz_per_unit" check:"(0,1e6],unit=Hz"`
	// DtMs is the simulation step (ms), in (0, step_ms].
	DtMs float64 `toml:"dt_ms" check:"(0,1000],unit=ms"`
}

// Defaults: 40 input neurons per feature at 100 Hz, 100 critic neurons at
// 12.5 Hz per unit of drive (50 Hz for V = 1), steps of 1 ms. The TD rule
// on spike counts is biased low by about 1/(expected input spikes of a
// feature's block in a step) per step of bootstrapping (the count that
// drives V̂ is also the eligibility): 400 spikes per 100-ms step keep it
// near 0.25 % per step.
func (SpikingCritic) Defaults() SpikingCritic {
	return SpikingCritic{InputNeurons: 40, InputRateHz: 100, Neurons: 100, HzPerUnit: 12.5, DtMs: 1}
}

// Validate reports a key out of range.
func (p SpikingCritic) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.InputRateHz*p.DtMs/1000 > 1:
		return param.New(fmt.Sprintf("input_rate_hz·dt_ms = %g spikes per step: at most 1", p.InputRateHz*p.DtMs/1000), "input_rate_hz")
	}
	return nil
}

// spikingCritic is the spiking critic of one run.
type spikingCritic struct {
	SpikingCritic
	td           modulator.TDParams
	n            int       // features
	w            []float64 // neurons × (n·input_neurons)
	z            []float64 // eligibility per input neuron
	counts, prev []float64 // input spikes per input neuron in the step under way and the one left
	spikes       []int32   // input spikes of one simulation step
	steps        int       // simulation steps per task step
	pIn, scale   float64   // spike probability per unit of feature; V̂ per critic spike
	kOut         float64   // spike probability per unit of drive
	rng          *rand.Rand
	vLast        float64
	begun        bool
}

func newSpikingCritic(p SpikingCritic, td modulator.TDParams, stepMs float64, n int, rng *rand.Rand) *spikingCritic {
	in := n * p.InputNeurons
	c := &spikingCritic{SpikingCritic: p, td: td, n: n, w: make([]float64, p.Neurons*in), z: make([]float64, in),
		counts: make([]float64, in), prev: make([]float64, in), spikes: make([]int32, 0, in), rng: rng}
	c.steps = max(1, int(math.Round(stepMs/p.DtMs)))
	c.pIn = p.InputRateHz * p.DtMs / 1000
	c.kOut = p.HzPerUnit * p.DtMs / 1000
	c.scale = 1 / (float64(p.Neurons) * float64(c.steps) * c.kOut * float64(p.InputNeurons) * c.pIn)
	for i := range c.w {
		c.w[i] = td.Init
	}
	return c
}

// present runs one task step in the state x: the input spikes, the critic
// neurons' spikes; it returns V̂ and leaves the input counts in c.counts.
func (c *spikingCritic) present(x []float64) float64 {
	clear(c.counts)
	in := len(c.counts)
	count := 0
	for range c.steps {
		c.spikes = c.spikes[:0]
		for j := range in {
			if p := x[j/c.InputNeurons] * c.pIn; p > 0 && c.rng.Float64() < p {
				c.spikes = append(c.spikes, int32(j))
				c.counts[j]++
			}
		}
		if len(c.spikes) == 0 {
			continue
		}
		for m := range c.Neurons {
			row := c.w[m*in : (m+1)*in]
			drive := 0.0
			for _, j := range c.spikes {
				drive += row[j]
			}
			if drive > 0 && c.rng.Float64() < c.kOut*drive {
				count++
			}
		}
	}
	return float64(count) * c.scale
}

func (c *spikingCritic) Begin(x []float64) float64 {
	clear(c.z)
	c.vLast = c.present(x)
	c.prev, c.counts = c.counts, c.prev
	c.begun = true
	return c.vLast
}

func (c *spikingCritic) Step(r float64, x []float64, end bool) float64 {
	if !c.begun {
		panic("reward: spiking critic Step before Begin")
	}
	next := 0.0
	if !end {
		next = c.present(x)
	} else {
		clear(c.counts)
	}
	delta := c.td.Bound(r + c.td.Gamma*next - c.vLast)
	decay := c.td.Gamma * c.td.Lambda
	norm := 1 / (c.pIn * float64(c.steps))
	ad := c.td.Alpha * delta
	in := len(c.z)
	for j := range c.z {
		z := decay*c.z[j] + c.prev[j]*norm
		c.z[j] = z
		if z == 0 {
			continue
		}
		for k := j; k < len(c.w); k += in {
			c.w[k] += ad * z
		}
	}
	c.prev, c.counts = c.counts, c.prev
	c.vLast = next
	c.begun = !end
	return delta
}

// Value is the estimate of the state just presented (the spikes are
// drawn once per step: reading it does not draw again).
func (c *spikingCritic) Value([]float64) float64 { return c.vLast }

// MapValue is the spiking critic's expected V̂ in the state x, Σ_i x_i·w̄_i
// with w̄_i the mean weight from feature i's block (the rectification of
// a neuron's drive aside), for the value map: Value is the estimate of the
// last step, not a function of x.
func (c *spikingCritic) MapValue(x []float64) float64 {
	in := c.n * c.InputNeurons
	v := 0.0
	for i, xi := range x[:c.n] {
		if xi == 0 {
			continue
		}
		sum := 0.0
		for m := range c.Neurons {
			for _, w := range c.w[m*in+i*c.InputNeurons : m*in+(i+1)*c.InputNeurons] {
				sum += w
			}
		}
		v += xi * sum / float64(c.Neurons*c.InputNeurons)
	}
	return v
}
