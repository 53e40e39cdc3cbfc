package circuits

import (
	"fmt"

	"github.com/dopa-sim/dopa/internal/chacha8"
	"github.com/dopa-sim/dopa/internal/team"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// MaxThreads bounds the threads of one circuit (SetThreads).
const MaxThreads = 256

// threads is a circuit split over several threads (SetThreads).
type threads struct {
	team   *team.Team
	bounds [][]int32 // per population, part k owns [bounds[k], bounds[k+1])
	parted []neuron.Parted
	spikes [][][]int32 // per population and part, the part's spikes of the step
	pre    [][]int32   // per sparse link, the pre spikes of the step
	post   [][]int32   // per plastic sparse link, the post spikes it pairs
	x      []float64   // a copy of the step's drive into the input population
	words  [][]uint64  // per population with input noise, the step's draws
	sweeps []int       // the sparse links whose parts settle in this step

	stepPart, sweepPart func(part int)
}

// SetThreads splits the circuit over n threads (1 ≤ n ≤ MaxThreads): each
// thread owns a contiguous range of every population's neurons — whole
// blocks of neuron.PoissonBlock, as evenly as the blocks allow — and the
// synapses onto them, and every Step runs the threads at once, joining
// them once per step to exchange the spikes. Each neuron receives its
// input in the order one thread would give it, so the results are
// bit-identical for any n: n only changes the speed. SetThreads(1) stops
// the threads (call it when done: they park, but they stay).
//
// A split circuit has spiking populations that can step in parts (lif,
// coba, izhikevich: neuron.Parted), with or without input noise (a step's
// draws are made once, before the threads add their ranges), and sparse
// projections, static or with two-factor STDP (rule "stdp"); SetThreads
// refuses anything else (dense links, reward-modulated STDP, the
// backpropagation tape), naming it. A circuit has a step's worth of
// parallel work only when it is large: with 10⁷ synapses (Brunel) a step
// is some 300 µs, the join a few.
func (c *Circuit) SetThreads(n int) error {
	if n < 1 || n > MaxThreads {
		return fmt.Errorf("circuits: %d threads, want 1 to %d", n, MaxThreads)
	}
	if c.th != nil {
		c.th.team.Close()
		for k := range c.Sparse {
			if err := c.Sparse[k].SetParts(nil); err != nil {
				return err
			}
		}
		c.th = nil
	}
	if n == 1 {
		return nil
	}
	if err := c.splittable(); err != nil {
		return err
	}
	th := &threads{
		bounds: make([][]int32, len(c.Pops)), parted: make([]neuron.Parted, len(c.Pops)),
		spikes: make([][][]int32, len(c.Pops)),
		pre:    make([][]int32, len(c.Sparse)), post: make([][]int32, len(c.Sparse)),
		sweeps: make([]int, 0, len(c.Sparse)),
	}
	for p, pop := range c.Pops {
		th.parted[p] = pop.(neuron.Parted)
		th.bounds[p] = partBounds(pop.Len(), n)
		th.spikes[p] = make([][]int32, n)
		for k := range n {
			th.spikes[p][k] = make([]int32, 0, th.bounds[p][k+1]-th.bounds[p][k])
		}
	}
	for k := range c.Sparse {
		l := &c.Sparse[k]
		if err := l.SetParts(th.bounds[l.Post]); err != nil {
			return fmt.Errorf("circuits: projection %q: %w", l.Name, err)
		}
	}
	if c.In >= 0 {
		th.x = make([]float64, c.Pops[c.In].Len())
	}
	th.words = make([][]uint64, len(c.Pops))
	for p, pop := range c.Pops {
		if c.noise[p].amp > 0 {
			th.words[p] = make([]uint64, (pop.Len()+1)/2)
		}
	}
	th.stepPart, th.sweepPart = c.stepPart, c.sweepPart
	th.team = team.New(n)
	c.th = th
	return nil
}

// Threads returns the number of threads the circuit steps on.
func (c *Circuit) Threads() int {
	if c.th == nil {
		return 1
	}
	return c.th.team.Parts()
}

// splittable reports what keeps the circuit from being split over threads.
func (c *Circuit) splittable() error {
	for p, pop := range c.Pops {
		if _, ok := pop.(neuron.Parted); !ok {
			return fmt.Errorf("circuits: population %q (%T) cannot be stepped on several threads (lif, coba and izhikevich can)", c.PopNames[p], pop)
		}
	}
	switch {
	case len(c.Links) > 0:
		return fmt.Errorf("circuits: dense projection %q cannot be split over threads (sparse ones can)", c.Links[0].Name)
	case len(c.Feedback) > 0:
		return fmt.Errorf("circuits: a circuit with feedback projections cannot be split over threads")
	case c.record:
		return fmt.Errorf("circuits: a circuit recording its backpropagation tape cannot be split over threads")
	}
	for _, l := range c.Sparse {
		if l.Plastic && l.STDP.Rule != synapse.Additive {
			return fmt.Errorf("circuits: projection %q learns by rule %q, which cannot be split over threads (rule \"stdp\" can)", l.Name, l.STDP.Rule)
		}
	}
	return nil
}

// partBounds cuts n neurons into parts of whole blocks of
// neuron.PoissonBlock, as even as the blocks allow.
func partBounds(n, parts int) []int32 {
	blocks := (n + neuron.PoissonBlock - 1) / neuron.PoissonBlock
	b := make([]int32, parts+1)
	for k := range b {
		b[k] = int32(min(k*blocks/parts*neuron.PoissonBlock, n))
	}
	return b
}

// stepThreads is Step on a split circuit.
func (c *Circuit) stepThreads(x []float64) {
	th := c.th
	if th.x != nil { // a copy: x itself must not escape (Step's callers keep it on their stack)
		if x == nil {
			clear(th.x)
		} else {
			copy(th.x, x[:len(th.x)])
		}
	}
	for k := range c.Sparse {
		l := &c.Sparse[k]
		th.pre[k] = l.src.Spikes()
		if l.Plastic {
			th.post[k] = l.pairedPost()
		}
		l.BeginStep(th.pre[k], c.DtMs)
	}
	for p, pop := range th.parted {
		pop.Prepare(c.DtMs)
		if w := th.words[p]; w != nil {
			c.noise[p].src.Fill(w)
		}
	}
	th.team.Run(th.stepPart)
	for p, pop := range th.parted {
		pop.Join(th.spikes[p])
	}
	th.sweeps = th.sweeps[:0]
	for k := range c.Sparse {
		if c.Sparse[k].EndStep() {
			th.sweeps = append(th.sweeps, k)
		}
	}
	if len(th.sweeps) > 0 {
		th.team.Run(th.sweepPart)
	}
}

// stepPart is thread k's share of a step: the spikes onto its neurons,
// then its neurons' drive and step, population by population, in the
// order of Step.
func (c *Circuit) stepPart(k int) {
	th := c.th
	for s := range c.Sparse {
		l := &c.Sparse[s]
		l.StepPart(k, th.pre[s], th.post[s], l.dst)
	}
	for p, pop := range th.parted {
		lo, hi := int(th.bounds[p][k]), int(th.bounds[p][k+1])
		in := pop.Input()
		if p == c.In && th.x != nil {
			for i := lo; i < hi; i++ {
				in[i] += th.x[i]
			}
		}
		if w := th.words[p]; w != nil && lo < hi {
			chacha8.AddWords(in[lo:hi], w[lo/2:(hi+1)/2], c.noise[p].amp)
		}
		if d := c.drive[p]; d != nil {
			d.AddPart(in, lo, hi)
		}
		th.spikes[p][k] = pop.StepPart(lo, hi, th.spikes[p][k][:0])
	}
}

// sweepPart is thread k's share of settling the plastic links due.
func (c *Circuit) sweepPart(k int) {
	for _, s := range c.th.sweeps {
		c.Sparse[s].SweepPart(k)
	}
}

// CheckThreads reports what keeps a circuit of this spec from being split
// over threads (Circuit.SetThreads): only lif, coba and izhikevich
// populations, and sparse projections, static or with rule "stdp", can be.
func (s *Spec) CheckThreads() error {
	for _, p := range s.Populations {
		if p.Model != "lif" && p.Model != "coba" && p.Model != "izhikevich" {
			return fmt.Errorf("population %q (%s) cannot be stepped on several threads (lif, coba and izhikevich can)", p.Name, p.Model)
		}
	}
	for _, p := range s.Projections {
		if p.Connectivity != "sparse" {
			return fmt.Errorf("projection %q is %s: only sparse projections can be split over threads", p.Name, p.Connectivity)
		}
		if p.Plastic && p.STDP.Rule != synapse.Additive {
			return fmt.Errorf("projection %q learns by rule %q, which cannot be split over threads (rule \"stdp\" can)", p.Name, p.STDP.Rule)
		}
	}
	if len(s.Feedback) > 0 {
		return fmt.Errorf("a circuit with feedback projections cannot be split over threads")
	}
	return nil
}
