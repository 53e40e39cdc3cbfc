package circuits

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/chacha8"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// Link is a projection placed in a circuit: a dense projection from
// population Pre to population Post (indices into Circuit.Pops). It reads
// the pre population's Output (the spike indicator, for spiking
// populations) and drives the post population's Input, or, with Inh, the
// inhibitory channel of a LIF or COBA post population (InputInh).
type Link struct {
	Name      string
	Pre, Post int
	Inh       bool
	*synapse.Dense
}

// SparseLink is a sparse, event-driven projection placed in a circuit: the
// spikes of population Pre (a neuron.Spiking) reach population Post through
// per-synapse delays (synapse.Sparse.Propagate), into its Input or, with
// Inh, into the inhibitory channel of a LIF or COBA population. The
// training rules do not touch sparse links; a plastic one
// (synapse.SparseParams.Plastic) learns by reward-modulated STDP through
// Circuit.Plasticity.
type SparseLink struct {
	Name      string
	Pre, Post int
	Inh       bool
	*synapse.Sparse

	src  neuron.Spiking
	post neuron.Spiking // the post population, for plastic links
	dst  []float64
	// lagged holds the post spikes of the last steps for a dendritic
	// delay of len(lagged)−1 steps (stdp.dendritic_delay_ms); step n
	// writes lagged[n mod len] and pairs lagged[(n+1) mod len].
	lagged [][]int32
	lagPos int
}

// pairedPost returns the post spikes that reach the pairing in this step:
// those of the step itself, or with a dendritic delay of D steps those of
// D steps ago (the current ones are kept for later).
func (l *SparseLink) pairedPost() []int32 {
	now := l.post.Spikes()
	if l.lagged == nil {
		return now
	}
	n := len(l.lagged)
	l.lagged[l.lagPos] = append(l.lagged[l.lagPos][:0], now...)
	l.lagPos = (l.lagPos + 1) % n
	return l.lagged[l.lagPos]
}

// inhibitory is a population with a separate inhibitory input channel.
type inhibitory interface{ InputInh() []float64 }

// Circuit is a built, runnable network of populations and projections.
//
// Populations are stepped once per step, in the order they were declared.
// Before a population steps, every projection onto it adds its drive from
// the current output of its pre population: a projection from an earlier
// population carries this step's activity, a projection from the same or a
// later population (a recurrent one) carries the previous step's. A
// feedforward chain of rate populations without leak therefore computes a
// multilayer perceptron in one step.
type Circuit struct {
	Name          string
	DtMs          float64 // step dt (ms)
	StepsPerTrial int     // steps a trial presents its input for
	Pops          []neuron.Population
	PopNames      []string
	Links         []Link
	Sparse        []SparseLink // event-driven projections (see AddSparse)
	In, Out       int          // input and readout population indices; -1 for none

	// SpikeCount counts the spikes of every spiking population over every
	// step since the circuit was made (Reset keeps it).
	SpikeCount int64

	incoming [][]int                // per population, indices of links onto it
	noise    []popNoise             // per population, its input noise (amp 0: none)
	drive    []*neuron.PoissonInput // per population, its external Poisson drive (nil: none)
	spiking  []neuron.Spiking       // the spiking populations
	// Spike-count readout: counts per readout neuron over a trial, divided
	// by countScale (0: the readout is the population's output).
	countScale float64
	counts     []float64

	// Node perturbation (see PerturbNodes): noise ζ on the drive of every
	// population a plastic link reaches.
	node      bool
	nodeScale float64    // ±σ
	nodeSrc   *rand.PCG  // reseeded per PerturbNodes: a seed replays its noise
	nodeRNG   *rand.Rand // draws from nodeSrc
	zeta      []float64  // ζ of one population at one step

	// Feedback are the feedback projections of a credit-assignment rule
	// (see AddFeedback); sender sends errors down in their place of Wᵀ.
	Feedback []Link
	sender   Sender

	// Backpropagation tape (baselines only).
	record   bool
	offsets  []int     // offset of each population in a tape row
	rowLen   int       // Σ population sizes
	tapeV    []float64 // v of every population, one row per recorded step
	tapeR    []float64 // r of every population, one row per recorded step
	gCur     []float64 // ∂L/∂r of the step being unwound, one row
	gPrev    []float64 // ∂L/∂r of the step before it
	gCarry   []float64 // ∂L/∂v carried through the leak to the previous step
	gIn      []float64 // ∂L/∂I of one population
	restingR []float64 // r at rest, the "previous step" of step 0

	th *threads // the circuit split over threads (SetThreads); nil: one
}

// popDrive is the external Poisson drive of a population
// (PopulationSpec.PoissonInput), while the circuit is built.
type popDrive struct {
	pop int
	in  *neuron.PoissonInput
}

// popNoise is the input noise of a population (PopulationSpec.NoiseUniform):
// amp·(U − 0.5) on every neuron and step, U uniform with 32 random bits,
// two draws per 64-bit value of the ChaCha8 stream of its seed (that of
// rand.NewChaCha8, drawn in bulk).
type popNoise struct {
	pop int
	amp float64
	src *chacha8.Stream
}

func (n *popNoise) add(in []float64) { n.src.AddUniform(in, n.amp) }

// New assembles a circuit; Build in this package does it from a Spec.
func New(name string, dtMs float64, stepsPerTrial int, pops []neuron.Population, popNames []string, links []Link, in, out int) (*Circuit, error) {
	if len(pops) != len(popNames) {
		return nil, fmt.Errorf("circuits: %d populations, %d names", len(pops), len(popNames))
	}
	c := &Circuit{Name: name, DtMs: dtMs, StepsPerTrial: stepsPerTrial, Pops: pops, PopNames: popNames, Links: links, In: in, Out: out}
	c.incoming = make([][]int, len(pops))
	c.noise = make([]popNoise, len(pops))
	c.drive = make([]*neuron.PoissonInput, len(pops))
	c.offsets = make([]int, len(pops))
	for i, p := range pops {
		c.offsets[i] = c.rowLen
		c.rowLen += p.Len()
	}
	for k, l := range links {
		if l.Pre < 0 || l.Pre >= len(pops) || l.Post < 0 || l.Post >= len(pops) {
			return nil, fmt.Errorf("circuits: link %q joins populations %d→%d of %d", l.Name, l.Pre, l.Post, len(pops))
		}
		if l.NPre != pops[l.Pre].Len() || l.NPost != pops[l.Post].Len() {
			return nil, fmt.Errorf("circuits: link %q is %d→%d but populations are %d→%d", l.Name, l.NPre, l.NPost, pops[l.Pre].Len(), pops[l.Post].Len())
		}
		if _, ok := pops[l.Post].(inhibitory); l.Inh && !ok {
			return nil, fmt.Errorf("circuits: link %q feeds the inhibitory channel of %q, which has none", l.Name, popNames[l.Post])
		}
		c.incoming[l.Post] = append(c.incoming[l.Post], k)
	}
	if in >= len(pops) || out >= len(pops) {
		return nil, fmt.Errorf("circuits: input %d or readout %d out of %d populations", in, out, len(pops))
	}
	for _, p := range pops {
		if s, ok := p.(neuron.Spiking); ok {
			c.spiking = append(c.spiking, s)
		}
	}
	c.gCur = make([]float64, c.rowLen)
	c.gPrev = make([]float64, c.rowLen)
	c.gCarry = make([]float64, c.rowLen)
	c.restingR = make([]float64, c.rowLen)
	maxN := 0
	for i, p := range pops {
		p.Reset()
		copy(c.restingR[c.offsets[i]:], p.Output())
		maxN = max(maxN, p.Len())
	}
	c.gIn = make([]float64, maxN)
	c.zeta = make([]float64, maxN)
	c.nodeSrc = rand.NewPCG(0, 0)
	c.nodeRNG = rand.New(c.nodeSrc)
	return c, nil
}

// AddSparse places a sparse projection; its Pre population must be
// neuron.Spiking. It is propagated at the start of every Step, before any
// population steps, with the spikes of the previous step: a spike of step n
// reaches the post population in step n + delay.
func (c *Circuit) AddSparse(l SparseLink) error {
	if l.Pre < 0 || l.Pre >= len(c.Pops) || l.Post < 0 || l.Post >= len(c.Pops) {
		return fmt.Errorf("circuits: sparse link %q joins populations %d→%d of %d", l.Name, l.Pre, l.Post, len(c.Pops))
	}
	if l.NPre != c.Pops[l.Pre].Len() || l.NPost != c.Pops[l.Post].Len() {
		return fmt.Errorf("circuits: sparse link %q is %d→%d but populations are %d→%d", l.Name, l.NPre, l.NPost, c.Pops[l.Pre].Len(), c.Pops[l.Post].Len())
	}
	src, ok := c.Pops[l.Pre].(neuron.Spiking)
	if !ok {
		return fmt.Errorf("circuits: sparse link %q: population %q does not spike", l.Name, c.PopNames[l.Pre])
	}
	l.src, l.dst = src, c.Pops[l.Post].Input()
	if l.Plastic {
		post, ok := c.Pops[l.Post].(neuron.Spiking)
		if !ok {
			return fmt.Errorf("circuits: plastic sparse link %q: population %q does not spike", l.Name, c.PopNames[l.Post])
		}
		l.post = post
		if d := l.STDP.DendriticDelayMs; d > 0 {
			k := math.Round(d / c.DtMs)
			if k < 1 || math.Abs(k*c.DtMs-d) > 1e-9*d {
				return fmt.Errorf("circuits: plastic sparse link %q: a dendritic delay of %g ms is not a whole number of dt = %g ms", l.Name, d, c.DtMs)
			}
			l.lagged = make([][]int32, int(k)+1)
			for i := range l.lagged {
				l.lagged[i] = make([]int32, 0, post.Len())
			}
		}
	}
	if l.Inh {
		h, ok := c.Pops[l.Post].(inhibitory)
		if !ok {
			return fmt.Errorf("circuits: sparse link %q feeds the inhibitory channel of %q, which has none", l.Name, c.PopNames[l.Post])
		}
		l.dst = h.InputInh()
	}
	c.Sparse = append(c.Sparse, l)
	return nil
}

// SetSpikeCountReadout makes Trial return, for each readout neuron, its
// spike count over the trial divided by scale (> 0). The readout population
// must be neuron.Spiking.
func (c *Circuit) SetSpikeCountReadout(scale float64) error {
	if c.Out < 0 {
		return fmt.Errorf("circuits: %q has no readout population", c.Name)
	}
	if _, ok := c.Pops[c.Out].(neuron.Spiking); !ok || !(scale > 0) {
		return fmt.Errorf("circuits: a spike-count readout needs a spiking readout population and a scale > 0 (population %q, scale %g)", c.PopNames[c.Out], scale)
	}
	c.countScale = scale
	c.counts = make([]float64, c.Pops[c.Out].Len())
	return nil
}

// Spiking reports whether the circuit has a spiking population.
func (c *Circuit) Spiking() bool { return len(c.spiking) > 0 }

// Differentiable reports why backpropagation cannot run through the
// circuit, or nil if it can (every population is neuron.Differentiable and
// the readout is the output).
func (c *Circuit) Differentiable() error {
	for i, p := range c.Pops {
		if _, ok := p.(neuron.Differentiable); !ok {
			return fmt.Errorf("circuits: %q cannot backpropagate: population %q (%T) is not differentiable (spiking circuits learn by wp, dopamine or dopamine2)", c.Name, c.PopNames[i], p)
		}
	}
	if c.countScale > 0 {
		return fmt.Errorf("circuits: %q cannot backpropagate through a spike-count readout", c.Name)
	}
	return nil
}

// Init draws fresh initial weights for every link (see synapse.Dense.Init)
// and resets the populations.
func (c *Circuit) Init(rng *rand.Rand) {
	for _, l := range c.Links {
		l.Init(rng)
	}
	c.Reset()
}

// Reset returns every population to rest, empties the spikes in flight
// on sparse links and empties the tape.
func (c *Circuit) Reset() {
	for _, p := range c.Pops {
		p.Reset()
	}
	for k := range c.Sparse {
		l := &c.Sparse[k]
		l.ResetState()
		for i := range l.lagged {
			l.lagged[i] = l.lagged[i][:0]
		}
		l.lagPos = 0
	}
	c.tapeV = c.tapeV[:0]
	c.tapeR = c.tapeR[:0]
}

// Record turns the backpropagation tape on or off. While on, every Step
// stores the state of every population, so memory grows with the number of
// steps since the last Reset. It panics if the circuit is not
// differentiable (see Differentiable): spiking circuits have no tape.
func (c *Circuit) Record(on bool) {
	if on {
		if err := c.Differentiable(); err != nil {
			panic(err.Error())
		}
		if c.th != nil {
			panic("circuits: Record on a circuit split over threads (SetThreads(1) first)")
		}
	}
	c.record = on
	c.tapeV = c.tapeV[:0]
	c.tapeR = c.tapeR[:0]
}

// Step advances the circuit by one step with external drive x into the
// input population. First every sparse link delivers the spikes of the
// previous step (through its delays; a link with two-factor STDP, rule
// "stdp", also pairs the spikes of the previous step:
// synapse.Sparse.PropagatePair, whose weights hold every change after
// SettlePlastic); then each population, in order, receives the drive of
// its dense links and steps.
func (c *Circuit) Step(x []float64) {
	if c.th != nil {
		c.stepThreads(x)
		c.countSpikes()
		return
	}
	for k := range c.Sparse {
		l := &c.Sparse[k]
		if l.Plastic && l.STDP.Rule == synapse.Additive {
			l.PropagatePair(l.src.Spikes(), l.pairedPost(), l.dst, c.DtMs)
			continue
		}
		l.Propagate(l.src.Spikes(), l.dst)
	}
	for p, pop := range c.Pops {
		in := pop.Input()
		if p == c.In {
			for i, v := range x[:len(in)] {
				in[i] += v
			}
		}
		for _, k := range c.incoming[p] {
			l := &c.Links[k]
			dst := in
			if l.Inh {
				dst = pop.(inhibitory).InputInh()
			}
			l.Propagate(c.Pops[l.Pre].Output(), dst)
		}
		if c.node {
			c.addNodeNoise(p, in)
		}
		if n := &c.noise[p]; n.amp > 0 {
			n.add(in)
		}
		if d := c.drive[p]; d != nil {
			d.Add(in)
		}
		pop.Step(c.DtMs)
	}
	c.countSpikes()
	if c.record {
		for _, pop := range c.Pops {
			d := pop.(neuron.Differentiable)
			c.tapeV = append(c.tapeV, d.State()...)
			c.tapeR = append(c.tapeR, pop.Output()...)
		}
	}
}

// countSpikes adds the spikes of the step to SpikeCount.
func (c *Circuit) countSpikes() {
	for _, s := range c.spiking {
		c.SpikeCount += int64(len(s.Spikes()))
	}
}

// Plasticity advances the reward-modulated STDP of every plastic sparse
// link after a Step (two-factor links, rule "stdp", learn in Step itself):
// per-step links pair this step's spikes and change
// their weights by c·dopamine over the step (synapse.Sparse.PlasticStep,
// dopamine the level D broadcast during the step); event-driven links take
// this step's spikes at time tMs (synapse.Sparse.SpikesAt) and read the
// dopamine from the breakpoints of the modulator they subscribe to (see
// PlasticLinks). It allocates nothing.
func (c *Circuit) Plasticity(tMs, dopamine float64) {
	for k := range c.Sparse {
		l := &c.Sparse[k]
		if !l.Plastic {
			continue
		}
		if l.STDP.Rule == synapse.Additive {
			continue // Step applies it (PropagatePair)
		}
		if l.STDP.EventDriven {
			l.SpikesAt(tMs, l.src.Spikes(), l.pairedPost())
		} else {
			l.PlasticStep(l.src.Spikes(), l.pairedPost(), c.DtMs, dopamine)
		}
	}
}

// SettlePlastic brings the weights of the links with two-factor STDP
// (rule "stdp") up to date (synapse.Sparse.SettlePairs): call it before
// reading them.
func (c *Circuit) SettlePlastic() {
	for k := range c.Sparse {
		if l := &c.Sparse[k]; l.Plastic && l.STDP.Rule == synapse.Additive {
			l.SettlePairs()
		}
	}
}

// PlasticLinks returns the plastic sparse links (an event-driven one must
// subscribe to the dopamine modulator: modulator.Pulsed.Subscribe).
func (c *Circuit) PlasticLinks() []*SparseLink {
	var out []*SparseLink
	for k := range c.Sparse {
		if c.Sparse[k].Plastic {
			out = append(out, &c.Sparse[k])
		}
	}
	return out
}

// Trial resets the circuit, presents x for StepsPerTrial steps and returns
// the readout (owned by the circuit): the readout population's output
// after the last step, or, with a spike-count readout, each readout
// neuron's spike count over the trial divided by the count scale.
func (c *Circuit) Trial(x []float64) []float64 {
	c.Reset()
	if c.countScale == 0 {
		for range c.StepsPerTrial {
			c.Step(x)
		}
		return c.Pops[c.Out].Output()
	}
	clear(c.counts)
	sp := c.Pops[c.Out].(neuron.Spiking)
	for range c.StepsPerTrial {
		c.Step(x)
		for _, i := range sp.Spikes() {
			c.counts[i]++
		}
	}
	for i := range c.counts {
		c.counts[i] /= c.countScale
	}
	return c.counts
}

// Output returns the readout population's current output.
func (c *Circuit) Output() []float64 { return c.Pops[c.Out].Output() }

// Perturb draws a fresh perturbation ξ ~ N(0, σ²) on every plastic synapse.
func (c *Circuit) Perturb(rng *rand.Rand, sigma float64) {
	for _, l := range c.Links {
		if l.Plastic {
			l.Perturb(rng, sigma)
		}
	}
}

// PerturbNodes makes the following passes perturb nodes instead of
// weights (node perturbation, Fiete & Seung 2006): at every step, each
// neuron of every population that a plastic link reaches gets noise
// ζ_i(t) = sign·σ·N(0, 1) added to its drive, and every plastic synapse
// accumulates the noise's signature into ξ: ξ_ij = Σ_t ζ_i(t)·r_j(t), with
// r_j(t) the presynaptic rate it carried (1 for a bias). ξ is cleared here;
// the noise is drawn from a stream seeded by seed, so the same seed with
// sign −1 replays the opposite noise (an antithetic pair). Only rate
// circuits support it (the rule checks this).
func (c *Circuit) PerturbNodes(seed uint64, sigma, sign float64) {
	c.node, c.nodeScale = true, sign*sigma
	c.nodeSrc.Seed(seed, 0x6e6f6465) // "node"
	for _, l := range c.Links {
		if l.Plastic {
			l.ClearXi()
		}
	}
}

// StopNodeNoise ends node perturbation: passes run without noise and ξ
// keeps its accumulated signature.
func (c *Circuit) StopNodeNoise() { c.node = false }

// addNodeNoise adds ζ to the drive in of population p and its signature
// to the ξ of the plastic links onto p.
func (c *Circuit) addNodeNoise(p int, in []float64) {
	z := c.zeta[:len(in)]
	drawn := false
	for _, k := range c.incoming[p] {
		l := &c.Links[k]
		if !l.Plastic {
			continue
		}
		if !drawn {
			for i := range z {
				z[i] = c.nodeScale * c.nodeRNG.NormFloat64()
				in[i] += z[i]
			}
			drawn = true
		}
		l.AddNodeNoise(c.Pops[l.Pre].Output(), z)
	}
}

// Negate flips the perturbation of every plastic synapse, ξ ← −ξ.
func (c *Circuit) Negate() {
	for _, l := range c.Links {
		if l.Plastic {
			l.Negate()
		}
	}
}

// SetPerturbed makes the following passes use w + ξ (true) or w (false)
// on every plastic synapse.
func (c *Circuit) SetPerturbed(on bool) {
	for _, l := range c.Links {
		if l.Plastic {
			l.SetPerturbed(on)
		}
	}
}

// Eligibility updates every plastic synapse's trace: e ← k·e + scale·ξ
// (see synapse.Dense.Eligibility), for a lapse of dtMs since the last update.
func (c *Circuit) Eligibility(dtMs, scale float64) {
	for _, l := range c.Links {
		if l.Plastic {
			l.Eligibility(dtMs, scale)
		}
	}
}

// Apply makes the three-factor change m ← λ·m + D·e, Δw = η·m on every
// plastic synapse (see synapse.Dense.Apply).
func (c *Circuit) Apply(eta, dopamine, lambda float64) {
	for _, l := range c.Links {
		if l.Plastic {
			l.Apply(eta, dopamine, lambda)
		}
	}
}

// Revert undoes the last weight change on every plastic synapse.
func (c *Circuit) Revert() {
	for _, l := range c.Links {
		if l.Plastic {
			l.Revert()
		}
	}
}

// NumPlastic returns the number of plastic synapses (weights and biases).
func (c *Circuit) NumPlastic() int {
	n := 0
	for _, l := range c.Links {
		if l.Plastic {
			n += len(l.W)
		}
	}
	return n
}

// TrialMs returns the duration of one trial (ms).
func (c *Circuit) TrialMs() float64 { return c.DtMs * float64(c.StepsPerTrial) }

// ZeroGrad clears the accumulated gradients.
func (c *Circuit) ZeroGrad() {
	for _, l := range c.Links {
		clear(l.Grad)
	}
}

// Steps returns the number of steps on the tape.
func (c *Circuit) Steps() int {
	if c.rowLen == 0 {
		return 0
	}
	return len(c.tapeR) / c.rowLen
}

// Backward backpropagates through the recorded steps (through time, for
// recurrent circuits) and adds ∂L/∂w to every link's Grad. gOut holds
// ∂L/∂r of the readout population for every recorded step, row after row
// (Steps()×n_out; zero rows where the loss does not look). Every population
// must be neuron.Differentiable. It uses the unperturbed weights.
func (c *Circuit) Backward(gOut []float64) {
	T := c.Steps()
	nOut := c.Pops[c.Out].Len()
	clear(c.gCur)
	clear(c.gCarry)
	for t := T - 1; t >= 0; t-- {
		clear(c.gPrev)
		g := c.gCur[c.offsets[c.Out] : c.offsets[c.Out]+nOut]
		for i, x := range gOut[t*nOut : (t+1)*nOut] {
			g[i] += x
		}
		row := t * c.rowLen
		for p := len(c.Pops) - 1; p >= 0; p-- {
			d := c.Pops[p].(neuron.Differentiable)
			n, o := d.Len(), c.offsets[p]
			a, b := d.Decay(c.DtMs), d.Gain(c.DtMs)
			gIn := c.gIn[:n]
			for i := range n {
				gv := c.gCur[o+i]*d.Deriv(c.tapeV[row+o+i], c.tapeR[row+o+i]) + c.gCarry[o+i]
				c.gCarry[o+i] = a * gv
				gIn[i] = b * gv
			}
			for _, k := range c.incoming[p] {
				l := &c.Links[k]
				po := c.offsets[l.Pre]
				if l.Pre < p && c.sender != nil {
					// A rule sends the error down in place of Wᵀ (SetSender).
					l.Backprop(c.tapeR[row+po:row+po+l.NPre], gIn, nil)
					if len(c.incoming[l.Pre]) > 0 {
						c.sender.SendDown(k, gIn, c.gCur[po:po+l.NPre])
					}
				} else if l.Pre < p {
					// Same step: the pre population stepped earlier. A
					// population that no link reaches (the input) needs no
					// error: its gradient would reach no weight.
					r := c.tapeR[row+po : row+po+l.NPre]
					var gPre []float64
					if len(c.incoming[l.Pre]) > 0 {
						gPre = c.gCur[po : po+l.NPre]
					}
					l.Backprop(r, gIn, gPre)
				} else if t > 0 {
					// Recurrent: the pre output of the previous step.
					r := c.tapeR[row-c.rowLen+po : row-c.rowLen+po+l.NPre]
					l.Backprop(r, gIn, c.gPrev[po:po+l.NPre])
				} else {
					l.Backprop(c.restingR[po:po+l.NPre], gIn, nil)
				}
			}
		}
		c.gCur, c.gPrev = c.gPrev, c.gCur
	}
}

// StateBytes returns the memory the circuit holds for simulation and
// learning: population state, per-synapse state (weights, perturbations,
// traces, gradients) and the backpropagation tape as allocated so far.
func (c *Circuit) StateBytes() int {
	n := 0
	for _, p := range c.Pops {
		n += 3 * p.Len() // state, output, input of every neuron model here
	}
	for _, l := range c.Links {
		n += len(l.W) + len(l.Xi) + len(l.E) + len(l.M) + len(l.Grad) + 2*len(l.W) // + w+ξ and the pre-change copy
	}
	n += cap(c.tapeV) + cap(c.tapeR) + len(c.gCur) + len(c.gPrev) + len(c.gCarry) + len(c.gIn) + len(c.restingR)
	return 8 * n
}

// SpikesOf returns the neurons of population p that spiked in the last
// step (nil for a population that does not spike).
func (c *Circuit) SpikesOf(p int) []int32 {
	if s, ok := c.Pops[p].(neuron.Spiking); ok {
		return s.Spikes()
	}
	return nil
}

// Variable returns the state variable of population p that a [[record]]
// monitor names ("v", "r", "syn_e", "syn_i", "g_e", "g_i", "u"; see RecordSpec), one
// value per neuron, owned by the population; nil if it has none.
func (c *Circuit) Variable(p int, name string) []float64 {
	switch z := c.Pops[p].(type) {
	case *neuron.Rate:
		switch name {
		case "v":
			return z.V
		case "r":
			return z.R
		}
	case *neuron.LIF:
		switch name {
		case "v":
			return z.V
		case "syn_e":
			return z.SynE
		case "syn_i":
			return z.SynI
		}
	case *neuron.COBA:
		switch name {
		case "v":
			return z.V
		case "g_e":
			return z.GE
		case "g_i":
			return z.GI
		}
	case *neuron.Izhikevich:
		switch name {
		case "v":
			return z.V
		case "u":
			return z.U
		}
	case *neuron.ALIF:
		switch name {
		case "v":
			return z.V
		case "a":
			return z.A
		case "psi":
			return z.Psi
		}
	}
	return nil
}
