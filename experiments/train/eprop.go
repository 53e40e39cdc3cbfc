package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// e-prop (Bellec et al. 2020, "A solution to the learning dilemma for
// recurrent networks of spiking neurons", Nat. Commun. 11:3625): every
// synapse onto a trained population keeps an eligibility trace computed
// forward in time, and a learning signal broadcast from the readout's
// error through feedback synapses turns it into a weight change.
// docs/eprop.md has the equations and the biological reading of every
// symbol.

var epropDef = Def{
	Name:   "eprop",
	Stream: "rule/eprop",
	Doc:    "e-prop (Bellec et al. 2020): eligibility traces computed forward in time times a learning signal broadcast from the readout through random (or symmetric) feedback; Adam",
	Trains: RateCircuits | SpikingCircuits | RecurrentCircuits,
	Check:  checkEprop,
	Learns: func(d *task.Def) error {
		if d.Forecast {
			return fmt.Errorf("eprop needs an error at every step of a trial; task %s forecasts a series (a task of sequences or of input-target pairs: sines, evidence, xor, regression, mnist)", d.Name)
		}
		return nil
	},
	Defaults: func() Spec {
		return Spec{Name: "eprop", LearningRate: 0.05, Params: EpropParams{}.Defaults()}
	},
	New: func(s Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) { return newEprop(s, c, rng) },
}

// EpropParams are eprop's keys.
type EpropParams struct {
	// Feedback is how the readout's error reaches each trained
	// population: "random" (fixed feedback synapses B, the circuit's
	// [[feedback]] from the readout if it declares one, else drawn by
	// FeedbackInit and FeedbackScale) or "symmetric" (B = the current
	// readout weights' transpose: e-prop with stopped recurrent terms of
	// BPTT's gradient).
	Feedback string `toml:"feedback" check:"oneof=random|symmetric"`
	// FeedbackInit and FeedbackScale draw a random B: "normal", N(0,
	// scale²/n) with n the trained population's size, or "uniform",
	// U(−scale, scale).
	FeedbackInit  string  `toml:"feedback_init" check:"oneof=normal|uniform"`
	FeedbackScale float64 `toml:"feedback_scale" check:"finite,>0"`
	// Optimizer is "adam" (as the paper and NEST's examples) or "sgd"
	// (w ← w − η·g).
	Optimizer string `toml:"optimizer" check:"oneof=adam|sgd"`
	// Beta1, Beta2 and Epsilon are Adam's.
	Beta1   float64 `toml:"beta1" check:"[0,1)"`
	Beta2   float64 `toml:"beta2" check:"[0,1)"`
	Epsilon float64 `toml:"epsilon" check:">0"`
	// CReg is c_reg ≥ 0, the weight of the firing-rate regularisation
	// (c_reg/2)·Σ_j (f̄_j − f*)² per sequence, f̄_j the spikes of neuron j
	// per step over the sequence; 0 = none. Spiking (alif) populations only.
	CReg float64 `toml:"c_reg" check:"finite,>=0,note=0: none"`
	// FTargetHz is f*, the target rate of the regularisation (Hz), ≥ 0.
	FTargetHz float64 `toml:"f_target_hz" check:"finite,>=0"`
	// AdamForm is where Adam adds ε: "kingma" (Kingma & Ba's algorithm 1,
	// w ← w − η·m̂/(√v̂ + ε)) or "nest" (NEST's and TensorFlow's form, the
	// bias corrections moved into the step size: w ← w −
	// η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε)). The two differ where |g| is
	// not large against ε; "nest" reproduces NEST's e-prop losses.
	AdamForm string `toml:"adam_form" check:"oneof=kingma|nest"`
	// Autapses trains the diagonal of a trained population's projection
	// onto itself (a neuron's synapse onto itself). false: there are
	// none, as in NEST's e-prop networks — the rule sets those weights to
	// 0 when it is bound to the circuit and never changes them.
	Autapses bool `toml:"autapses"`
}

// Defaults returns random feedback B ~ N(0, 1/n), Adam (0.9, 0.999, 1e-8,
// Kingma & Ba's form), no regularisation, and autapses trained.
func (EpropParams) Defaults() EpropParams {
	return EpropParams{Feedback: "random", FeedbackInit: "normal", FeedbackScale: 1, Optimizer: "adam",
		Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, FTargetHz: 10, AdamForm: "kingma", Autapses: true}
}

// Validate checks every key.
func (p EpropParams) Validate() error {
	return param.Check(p)
}

// checkEprop accepts circuits of e-prop's shape: an input, trained
// populations of rate or alif neurons, and a rate readout read as its
// output, declared after every population that projects onto it, that
// projects nowhere; dense projections only; every trained population but
// the readout projects onto the readout by exactly one projection.
func checkEprop(s Spec, cs *circuits.Spec) error {
	fail := func(format string, a ...any) error { return param.New(fmt.Sprintf("eprop: "+format, a...), "name") }
	if cs.Input == "" || cs.Readout.Population == "" {
		return fail("needs an input and a readout population")
	}
	if cs.Readout.Mode != "output" {
		return fail("reads the readout's output at every step, not its spike count")
	}
	out, _ := cs.PopulationIndex(cs.Readout.Population)
	if m := cs.Populations[out].Model; m != "rate" {
		return fail("the readout %q must be a rate population (a leaky linear readout: tau_ms = τ_out), not %s", cs.Readout.Population, m)
	}
	trained := map[string]bool{}
	toOut := map[string]int{}
	for _, p := range cs.Projections {
		if p.Connectivity != "dense" {
			return fail("trains dense projections only; %q is %s", p.Label(), p.Connectivity)
		}
		from, _ := cs.PopulationIndex(p.From)
		if p.From == cs.Readout.Population {
			return fail("the readout must project nowhere, but %q leaves it", p.Label())
		}
		if p.To == cs.Readout.Population {
			if from >= out {
				return fail("projection %q reaches the readout from a population declared after it (the readout must step last)", p.Label())
			}
			toOut[p.From]++
		}
		if p.Plastic {
			trained[p.To] = true
		}
	}
	for i, p := range cs.Populations {
		if !trained[p.Name] || i == out {
			continue
		}
		if p.Model != "rate" && p.Model != "alif" {
			return fail("trains rate and alif populations; %q is %s", p.Name, p.Model)
		}
		if toOut[p.Name] != 1 {
			return fail("population %q is trained, so it needs exactly one projection onto the readout (its learning signal comes from there); it has %d", p.Name, toOut[p.Name])
		}
	}
	return nil
}

// seqSource is what one e-prop pass runs: task.Sequential's methods.
type seqSource interface {
	Trials() int
	Steps() int
	Input(b, t int) []float64
	StepLoss(b, t int, y, g []float64) float64
}

// supervisedSeq runs a task of input-target pairs (task.Supervised, such
// as XOR) as sequences: each pair's input held for the circuit's steps per
// trial, the loss ½‖y − target‖²/n at the last step.
type supervisedSeq struct {
	s     task.Supervised
	steps int
}

func (q supervisedSeq) Trials() int { return q.s.BatchLen() }
func (q supervisedSeq) Steps() int  { return q.steps }
func (q supervisedSeq) Input(b, _ int) []float64 {
	x, _ := q.s.Pair(b)
	return x
}
func (q supervisedSeq) StepLoss(b, t int, y, g []float64) float64 {
	clear(g)
	if t != q.steps-1 {
		return 0
	}
	_, target := q.s.Pair(b)
	n := float64(q.s.BatchLen())
	l := 0.0
	for k, v := range y {
		d := v - target[k]
		g[k] = d / n
		l += d * d / (2 * n)
	}
	return l
}

// epHidden is a trained population other than the readout.
type epHidden struct {
	pop   int
	alif  *neuron.ALIF          // nil for a rate population
	rate  neuron.Differentiable // nil for an alif population
	decay float64               // α (alif) or a (rate): the eligibility vector's decay
	gain  float64               // g (alif) or b (rate): the weight of the input in it
	rho   float64               // ρ (alif)
	beta  []float64             // β_j per neuron (alif)
	psi   []float64             // ψ_j of the step (alif: the neuron's; rate: f'(v))
	sig   []float64             // learning signal L_j of the step
	count []float64             // spikes of the sequence (alif)
	out   int                   // the link onto the readout
	fb    int                   // its feedback projection (random), index in Circuit.Feedback
}

// epLink is the eligibility state of one plastic link.
type epLink struct {
	k         int  // index in Circuit.Links
	h         int  // index in hidden; -1: onto the readout
	recurrent bool // reads the pre population's previous step
	noAutapse bool // a population onto itself without autapses: its diagonal stays 0
	zbar      []float64
	ea        []float64 // ε^a per synapse (adaptive post neurons)
	ebar      []float64 // ē per synapse (hidden)
	sumE      []float64 // Σ_t e per synapse (regularisation)
	sE, sA    []float64 // per post neuron: the scale of its row of ē and ε^a (hiddenRows)
}

// Eprop is the e-prop rule bound to a circuit.
type Eprop struct {
	c      *circuits.Circuit
	p      EpropParams
	eta    float64
	out    neuron.Differentiable
	kappa  float64 // the readout's decay κ
	gOut   float64 // the readout's input gain (1 − κ)
	hidden []epHidden
	links  []epLink
	prev   [][]float64 // per population, its output before the step (nil if no recurrent link reads it)
	err    []float64   // ∂L/∂y of the step
	errV   []float64   // ∂L/∂v of the readout: err·f'(v)
	freg   float64     // f*·dt/1000: the target in spikes per step
	m, v   [][]float64 // Adam's moments, per link
	step   []float64
	t      int
	seq    supervisedSeq
	watch  []epWatch // synapses recorded in the first sequence of each pass (Watch)
}

// Watch names one synapse whose eligibility and learning signal a rule
// records: link Link of the circuit (an index in Circuit.Links), from
// presynaptic neuron Pre to postsynaptic neuron Post.
type Watch struct{ Link, Pre, Post int }

// Watcher is a rule that records, for chosen synapses, the eligibility
// trace and the learning signal of every step of the first sequence of
// its last pass (eprop). Watch allocates; a pass of a rule that watches
// nothing does no recording work.
type Watcher interface {
	Watch(ws []Watch) error
	// Watched returns, per watched synapse, the eligibility and the
	// learning signal of each step of the last pass's first sequence
	// (owned by the rule, overwritten by the next pass).
	Watched() (elig, signal [][]float64)
}

// epWatch is one watched synapse and what the last pass recorded of it.
type epWatch struct {
	Watch
	el        int // index in Eprop.links
	elig, sig []float64
	length    int
}

func newEprop(s Spec, c *circuits.Circuit, rng *rand.Rand) (*Eprop, error) {
	p := s.Params.(EpropParams)
	if c.In < 0 || c.Out < 0 || len(c.Sparse) > 0 {
		return nil, fmt.Errorf("eprop: circuit %q needs an input, a readout and dense projections only", c.Name)
	}
	out, ok := c.Pops[c.Out].(neuron.Differentiable)
	if !ok {
		return nil, fmt.Errorf("eprop: the readout %q of %q is not a rate population", c.PopNames[c.Out], c.Name)
	}
	r := &Eprop{c: c, p: p, eta: s.LearningRate, out: out, freg: p.FTargetHz * c.DtMs / 1000}
	r.kappa, r.gOut = out.Decay(c.DtMs), out.Gain(c.DtMs)
	nOut := out.Len()
	r.err, r.errV = make([]float64, nOut), make([]float64, nOut)
	r.prev = make([][]float64, len(c.Pops))
	hid := map[int]int{}
	fr := feedbackStream(rng)
	draw := drawFeedback(fr, p.FeedbackInit, p.FeedbackScale)
	maxW := 0
	for k, l := range c.Links {
		r.m = append(r.m, make([]float64, len(l.W)))
		r.v = append(r.v, make([]float64, len(l.W)))
		maxW = max(maxW, len(l.W))
		if !l.Plastic {
			continue
		}
		if l.Pre >= l.Post && r.prev[l.Pre] == nil {
			r.prev[l.Pre] = make([]float64, c.Pops[l.Pre].Len())
		}
		el := epLink{k: k, h: -1, recurrent: l.Pre >= l.Post, zbar: make([]float64, l.NPre+1)}
		if !p.Autapses && l.Pre == l.Post {
			el.noAutapse = true
			for j := range l.NPost {
				l.W[j*l.NPre+j] = 0
			}
		}
		if l.Post != c.Out {
			h, seen := hid[l.Post]
			if !seen {
				eh, err := r.newHidden(l.Post, k, draw)
				if err != nil {
					return nil, err
				}
				h = len(r.hidden)
				hid[l.Post] = h
				r.hidden = append(r.hidden, eh)
			}
			el.h = h
			el.ebar = make([]float64, len(l.W))
			el.sE, el.sA = make([]float64, l.NPost), make([]float64, l.NPost)
			if eh := r.hidden[h]; eh.alif != nil {
				if eh.alif.Beta > 0 && eh.alif.Adaptive() > 0 {
					el.ea = make([]float64, len(l.W))
				}
				if p.CReg > 0 {
					el.sumE = make([]float64, len(l.W))
				}
			}
		}
		r.links = append(r.links, el)
	}
	r.step = make([]float64, maxW)
	return r, nil
}

// newHidden sets up trained population p (link k reaches it).
func (r *Eprop) newHidden(p, k int, draw func(int, *synapse.Dense)) (epHidden, error) {
	c := r.c
	n := c.Pops[p].Len()
	h := epHidden{pop: p, psi: make([]float64, n), sig: make([]float64, n), out: -1, fb: -1}
	switch z := c.Pops[p].(type) {
	case *neuron.ALIF:
		h.alif = z
		h.decay, h.rho, h.gain = z.Coefficients(c.DtMs)
		h.beta = make([]float64, n)
		for j := range h.beta {
			h.beta[j] = z.BetaOf(j)
		}
		h.count = make([]float64, n)
	case neuron.Differentiable:
		h.rate = z
		h.decay, h.gain = z.Decay(c.DtMs), z.Gain(c.DtMs)
	default:
		return h, fmt.Errorf("eprop: population %q (%T) of %q is neither rate nor alif", c.PopNames[p], c.Pops[p], c.Name)
	}
	for kk, l := range c.Links {
		if l.Pre == p && l.Post == c.Out {
			if h.out >= 0 {
				return h, fmt.Errorf("eprop: population %q has more than one projection onto the readout", c.PopNames[p])
			}
			h.out = kk
		}
	}
	if h.out < 0 {
		return h, fmt.Errorf("eprop: trained population %q (link %q reaches it) has no projection onto the readout", c.PopNames[p], c.Links[k].Name)
	}
	if r.p.Feedback == "random" {
		if f, ok := c.FeedbackFor(c.Out, p); ok {
			h.fb = f
		} else {
			d, err := synapse.NewDense(c.Pops[c.Out].Len(), n, synapse.DenseParams{WMin: math.Inf(-1), WMax: math.Inf(1)})
			if err != nil {
				return h, err
			}
			draw(0, d)
			f, err := c.AddFeedback(circuits.Link{Name: c.Links[h.out].Name + "/feedback", Pre: c.Out, Post: p, Dense: d})
			if err != nil {
				return h, err
			}
			h.fb = f
		}
	}
	return h, nil
}

// source returns what the pass runs for task t.
func (r *Eprop) source(t task.Task) (seqSource, error) {
	if s, ok := t.(task.Sequential); ok {
		return s, nil
	}
	if s, ok := t.(task.Supervised); ok {
		r.seq = supervisedSeq{s: s, steps: r.c.StepsPerTrial}
		return &r.seq, nil
	}
	return nil, fmt.Errorf("eprop: task %s gives no error per step (neither sequential nor input-target pairs)", t.Name())
}

// Measure runs the batch once, step by step, accumulating e-prop's
// gradient estimate into the circuit's Grad, and returns the task's loss.
func (r *Eprop) Measure(t task.Task) (float64, int) {
	src, err := r.source(t)
	if err != nil {
		return math.NaN(), 1
	}
	r.c.ZeroGrad()
	loss := r.Pass(src)
	if _, ok := t.(task.Sequential); !ok {
		loss = t.Loss(r.c) // the task's own loss (the pass's is ½‖y − target‖²)
	}
	return loss, 1
}

// Pass runs every sequence of src from rest, adds e-prop's estimate of
// ∂L/∂w to every plastic link's Grad and returns the loss (the sum of the
// step terms). It allocates nothing.
func (r *Eprop) Pass(src seqSource) float64 {
	n, T := src.Trials(), src.Steps()
	loss := 0.0
	for b := range n {
		r.Begin()
		loss = r.steps(src, b, T, b == 0 && r.watch != nil, loss)
		r.endSequence(T, n)
	}
	r.clearAutapses()
	return loss
}

// Begin puts the circuit and every eligibility trace at rest: the start
// of a sequence that Continue runs in pieces (an agent's episode).
func (r *Eprop) Begin() {
	r.c.Reset()
	r.startSequence()
}

// Continue runs sequence 0 of src from where the last Begin or Continue
// left the circuit and the traces (nothing is reset), adds e-prop's
// estimate of ∂L/∂w over its steps to every plastic link's Grad and
// returns the loss of those steps. A sequence run in pieces this way
// computes what one Pass over the whole sequence computes, without the
// firing-rate regularisation (a sequence's end is not known). It
// allocates nothing.
func (r *Eprop) Continue(src seqSource) float64 {
	loss := r.steps(src, 0, src.Steps(), false, 0)
	r.clearAutapses()
	return loss
}

// steps runs T steps of sequence b of src, advancing the traces (and
// recording the watched synapses if watch), and returns loss plus the
// loss of every step, added one by one (a pass's sum, rounded as always).
func (r *Eprop) steps(src seqSource, b, T int, watch bool, loss float64) float64 {
	c := r.c
	for t := range T {
		for p, buf := range r.prev {
			if buf != nil {
				copy(buf, c.Pops[p].Output())
			}
		}
		c.Step(src.Input(b, t))
		loss += src.StepLoss(b, t, c.Output(), r.err)
		r.stepEligibility()
		if watch {
			r.sample(t, T)
		}
	}
	return loss
}

// clearAutapses zeroes the gradient of the autapses a rule without them
// never changes.
func (r *Eprop) clearAutapses() {
	c := r.c
	for i := range r.links {
		if el := &r.links[i]; el.noAutapse {
			l := &c.Links[el.k]
			for j := range l.NPost {
				l.Grad[j*l.NPre+j] = 0
			}
		}
	}
}

// Watch records synapses ws from the next pass on (nil: none). A synapse
// must be one of a plastic link the rule trains.
func (r *Eprop) Watch(ws []Watch) error {
	r.watch = nil
	for _, w := range ws {
		if w.Link < 0 || w.Link >= len(r.c.Links) {
			return fmt.Errorf("eprop: no link %d in circuit %q", w.Link, r.c.Name)
		}
		l := &r.c.Links[w.Link]
		if w.Pre < 0 || w.Pre >= l.NPre || w.Post < 0 || w.Post >= l.NPost {
			return fmt.Errorf("eprop: projection %q has no synapse from %d to %d (%d × %d neurons)", l.Name, w.Pre, w.Post, l.NPre, l.NPost)
		}
		el := -1
		for i := range r.links {
			if r.links[i].k == w.Link {
				el = i
			}
		}
		if el < 0 {
			return fmt.Errorf("eprop: projection %q is not plastic", l.Name)
		}
		r.watch = append(r.watch, epWatch{Watch: w, el: el})
	}
	return nil
}

// Watched returns what the last pass recorded of the watched synapses
// (Watcher).
func (r *Eprop) Watched() (elig, signal [][]float64) {
	for i := range r.watch {
		w := &r.watch[i]
		elig, signal = append(elig, w.elig[:w.length]), append(signal, w.sig[:w.length])
	}
	return elig, signal
}

// sample records step t (of T) of the watched synapses: the filtered
// eligibility trace ē_ji and the learning signal L_j whose product the
// step adds to the gradient (onto the readout: z̄_i and ∂E/∂v_k).
func (r *Eprop) sample(t, T int) {
	for i := range r.watch {
		w := &r.watch[i]
		if t == 0 {
			if len(w.elig) < T {
				w.elig, w.sig = make([]float64, T), make([]float64, T)
			}
			w.length = 0
		}
		el := &r.links[w.el]
		if el.h < 0 {
			w.elig[t], w.sig[t] = el.zbar[w.Pre], r.errV[w.Post]
		} else {
			nPre := r.c.Links[el.k].NPre
			w.elig[t], w.sig[t] = el.ebar[w.Post*nPre+w.Pre]*el.sE[w.Post], r.hidden[el.h].sig[w.Post]
		}
		w.length = t + 1
	}
}

// startSequence clears the eligibility state: every sequence starts from rest.
func (r *Eprop) startSequence() {
	for i := range r.links {
		el := &r.links[i]
		clear(el.zbar)
		clear(el.ea)
		clear(el.ebar)
		clear(el.sumE)
		for j := range el.sE {
			el.sE[j], el.sA[j] = 1, 1
		}
	}
	for i := range r.hidden {
		clear(r.hidden[i].count)
	}
}

// stepEligibility advances every eligibility trace by the step just made
// and adds the learning signal times the filtered trace to the gradient.
func (r *Eprop) stepEligibility() {
	c := r.c
	// The readout's error on its membrane: ∂L/∂v_k = ∂L/∂y_k·f'(v_k).
	ov, oy := r.out.State(), r.out.Output()
	for k, e := range r.err {
		r.errV[k] = e * r.out.Deriv(ov[k], oy[k])
	}
	nOut := len(r.errV)
	for i := range r.hidden {
		h := &r.hidden[i]
		if h.alif != nil {
			copy(h.psi, h.alif.Psi)
			for _, j := range h.alif.Spikes() {
				h.count[j]++
			}
		} else {
			v, y := h.rate.State(), h.rate.Output()
			for j := range h.psi {
				h.psi[j] = h.rate.Deriv(v[j], y[j])
			}
		}
		// L_j = Σ_k B_jk·∂L/∂v_k, B random or the readout weights' transpose.
		if h.fb >= 0 {
			w := c.Feedback[h.fb].W
			for j := range h.sig {
				s := 0.0
				for k, e := range r.errV {
					s += w[j*nOut+k] * e
				}
				h.sig[j] = s
			}
		} else {
			w := c.Links[h.out].W
			nH := len(h.sig)
			for j := range h.sig {
				s := 0.0
				for k, e := range r.errV {
					s += w[k*nH+j] * e
				}
				h.sig[j] = s
			}
		}
	}
	for i := range r.links {
		el := &r.links[i]
		l := &c.Links[el.k]
		x := c.Pops[l.Pre].Output()
		if el.recurrent {
			x = r.prev[l.Pre]
		}
		nPre := l.NPre
		zb := el.zbar
		if el.h < 0 {
			// Onto the readout: the exact gradient, ∂L/∂w_ki = Σ_t ∂L/∂v_k·z̄_i.
			a, g := r.kappa, r.gOut
			for i, xi := range x[:nPre] {
				zb[i] = a*zb[i] + g*xi
			}
			zb[nPre] = a*zb[nPre] + g
			for k, e := range r.errV {
				if e == 0 {
					continue
				}
				row := l.Grad[k*nPre : (k+1)*nPre]
				for i, z := range zb[:nPre] {
					row[i] += e * z
				}
				if l.Bias {
					l.Grad[nPre*l.NPost+k] += e * zb[nPre]
				}
			}
			continue
		}
		h := &r.hidden[el.h]
		a, g := h.decay, h.gain
		for i, xi := range x[:nPre] {
			zb[i] = a*zb[i] + g*xi
		}
		zb[nPre] = a*zb[nPre] + g
		r.hiddenRows(el, l, h)
	}
}

// hiddenRows advances the traces of the synapses onto a trained
// population by one step, row by row (one post neuron j):
//
//	e   = ψ_j·(z̄_i − β_j·ε^a_ji)
//	ε^a ← ρ·ε^a + e
//	ē   ← κ·ē + (1 − κ)·e
//	g  += L_j·ē,  Σe += e
//
// A neuron far from threshold has ψ_j = 0, so e = 0 for its whole row:
// its ē and ε^a only decay, which the row's scale factors (sE, sA) record
// without touching the row, until a step with ψ_j ≠ 0 or L_j ≠ 0 needs
// its values.
func (r *Eprop) hiddenRows(el *epLink, l *circuits.Link, h *epHidden) {
	nPre := l.NPre
	nW := nPre * l.NPost
	zb := el.zbar[:nPre]
	zbias := el.zbar[nPre]
	kap, gk, rho := r.kappa, r.gOut, h.rho
	for j := range l.NPost {
		psi, sig := h.psi[j], h.sig[j]
		var beta float64
		if h.beta != nil {
			beta = h.beta[j]
		}
		lo, hi := j*nPre, (j+1)*nPre
		eb, gr := el.ebar[lo:hi], l.Grad[lo:hi]
		bi := nW + j
		if psi == 0 {
			el.sE[j] *= kap
			if el.ea != nil {
				el.sA[j] *= rho
			}
			if sig != 0 {
				f := sig * el.sE[j]
				for i, v := range eb {
					gr[i] += f * v
				}
				if l.Bias {
					l.Grad[bi] += f * el.ebar[bi]
				}
			}
			if el.sE[j] < 1e-150 || el.ea != nil && el.sA[j] < 1e-150 {
				el.rescale(j, nPre, nW, l.Bias)
			}
			continue
		}
		kE := kap * el.sE[j]
		el.sE[j] = 1
		if beta == 0 {
			if el.ea != nil && el.sA[j] != 1 {
				el.rescale(j, nPre, nW, l.Bias)
			}
			for i, z := range zb {
				e := psi * z
				eb[i] = kE*eb[i] + gk*e
			}
			if el.sumE != nil {
				se := el.sumE[lo:hi]
				for i, z := range zb {
					se[i] += psi * z
				}
			}
		} else {
			cA := el.sA[j]
			el.sA[j] = 1
			ea := el.ea[lo:hi]
			if el.sumE != nil {
				se := el.sumE[lo:hi]
				for i, z := range zb {
					av := cA * ea[i]
					e := psi * (z - beta*av)
					ea[i] = rho*av + e
					eb[i] = kE*eb[i] + gk*e
					se[i] += e
				}
			} else {
				for i, z := range zb {
					av := cA * ea[i]
					e := psi * (z - beta*av)
					ea[i] = rho*av + e
					eb[i] = kE*eb[i] + gk*e
				}
			}
			if l.Bias {
				el.ea[bi] *= cA
			}
		}
		if sig != 0 {
			for i, v := range eb {
				gr[i] += sig * v
			}
		}
		if l.Bias {
			var e float64
			if beta != 0 {
				e = psi * (zbias - beta*el.ea[bi])
				el.ea[bi] = rho*el.ea[bi] + e
			} else {
				e = psi * zbias
			}
			el.ebar[bi] = kE*el.ebar[bi] + gk*e
			l.Grad[bi] += sig * el.ebar[bi]
			if el.sumE != nil {
				el.sumE[bi] += e
			}
		}
	}
}

// rescale writes row j's scale factors into its values (ē, ε^a and the
// bias's) and sets them to 1.
func (el *epLink) rescale(j, nPre, nW int, bias bool) {
	lo, hi := j*nPre, (j+1)*nPre
	if f := el.sE[j]; f != 1 {
		for i := lo; i < hi; i++ {
			el.ebar[i] *= f
		}
		if bias {
			el.ebar[nW+j] *= f
		}
		el.sE[j] = 1
	}
	if el.ea != nil {
		if f := el.sA[j]; f != 1 {
			for i := lo; i < hi; i++ {
				el.ea[i] *= f
			}
			if bias {
				el.ea[nW+j] *= f
			}
			el.sA[j] = 1
		}
	}
}

// endSequence adds the firing-rate regularisation's gradient of the
// sequence just run (T steps, one of n in the batch):
// c_reg·(f̄_j − f*)/T·Σ_t e_ji/n.
func (r *Eprop) endSequence(T, n int) {
	if r.p.CReg == 0 {
		return
	}
	c := r.c
	for i := range r.links {
		el := &r.links[i]
		if el.sumE == nil {
			continue
		}
		h := &r.hidden[el.h]
		l := &c.Links[el.k]
		nPre := l.NPre
		for j := range l.NPost {
			reg := r.p.CReg * (h.count[j]/float64(T) - r.freg) / float64(T) / float64(n)
			lo, hi := j*nPre, (j+1)*nPre
			gr, se := l.Grad[lo:hi], el.sumE[lo:hi]
			for i, s := range se {
				gr[i] += reg * s
			}
			if l.Bias {
				l.Grad[nPre*l.NPost+j] += reg * el.sumE[nPre*l.NPost+j]
			}
		}
	}
}

// Learn steps every plastic link by Adam (or SGD) on the gradient of the
// last Measure.
func (r *Eprop) Learn(task.Task) int {
	r.t++
	p := r.p
	c1 := 1 - math.Pow(p.Beta1, float64(r.t))
	c2 := 1 - math.Pow(p.Beta2, float64(r.t))
	nest := p.AdamForm == "nest"
	a := math.Sqrt(c2) / c1 // NEST's form: the bias corrections in the step size
	for k, l := range r.c.Links {
		if !l.Plastic {
			continue
		}
		if p.Optimizer == "sgd" {
			l.Step(r.eta, l.Grad)
			continue
		}
		m, v, s := r.m[k], r.v[k], r.step[:len(l.W)]
		for i, g := range l.Grad {
			m[i] = p.Beta1*m[i] + (1-p.Beta1)*g
			v[i] = p.Beta2*v[i] + (1-p.Beta2)*g*g
			if nest {
				s[i] = a * m[i] / (math.Sqrt(v[i]) + p.Epsilon)
			} else {
				s[i] = (m[i] / c1) / (math.Sqrt(v[i]/c2) + p.Epsilon)
			}
		}
		l.Step(r.eta, s)
	}
	return 0
}

// Trace reports the learning rate.
func (r *Eprop) Trace() modulator.Trace {
	return modulator.Trace{RPE: math.NaN(), Reward: math.NaN(), Expectation: math.NaN(), Dopamine: math.NaN(), LearningRate: r.eta}
}

// StateBytes counts the eligibility state, Adam's moments and the scratch:
// independent of the sequences' length.
func (r *Eprop) StateBytes() int {
	n := len(r.step) + 2*len(r.err)
	for k := range r.m {
		n += len(r.m[k]) + len(r.v[k])
	}
	for _, el := range r.links {
		n += len(el.zbar) + len(el.ea) + len(el.ebar) + len(el.sumE) + len(el.sE) + len(el.sA)
	}
	for _, b := range r.prev {
		n += len(b)
	}
	for _, h := range r.hidden {
		n += len(h.beta) + len(h.psi) + len(h.sig) + len(h.count)
	}
	return 8 * n
}

type epropState struct {
	M, V [][]float64
	T    int
}

// State saves Adam's moments and step count (the feedback synapses are
// the circuit's, drawn again from the same stream).
func (r *Eprop) State() ([]byte, error) { return encode(epropState{M: r.m, V: r.v, T: r.t}) }

// SetState restores what State saved.
func (r *Eprop) SetState(b []byte) error {
	var s epropState
	if err := decode(b, &s); err != nil {
		return err
	}
	if len(s.M) != len(r.m) || len(s.V) != len(r.v) {
		return fmt.Errorf("train: eprop state for %d links, circuit has %d", len(s.M), len(r.m))
	}
	for k := range r.m {
		if len(s.M[k]) != len(r.m[k]) || len(s.V[k]) != len(r.v[k]) {
			return fmt.Errorf("train: eprop state of another circuit")
		}
		copy(r.m[k], s.M[k])
		copy(r.v[k], s.V[k])
	}
	r.t = s.T
	return nil
}
