package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// The credit-assignment rules without weight transport (docs/credit.md).
// Each trains a feedforward chain of rate populations (input → hidden … →
// readout, one link onto each, one step per trial) by gradient descent on
// the forward weights, but the error each hidden layer receives is sent
// down by the rule (circuits.Sender) instead of through Wᵀ: through fixed
// random feedback synapses B (fa), from the readout directly (dfa),
// through the pseudo-inverse W⁺ (pbp), through the steady state of dynamic
// inversion (ndi) or its dynamics (di), or through feedback synapses that
// node perturbation and the dopamine RPE teach (npfb, npfb_ls). The
// readout's own weights always get their exact gradient.

// creditDefaults returns a credit rule's defaults: its η, the fastest of
// 0.5, 2 and 10 that solved the built-in XOR circuit from 6 of 6 starts
// (the experiment files set the authors' η), and its keys.
func creditDefaults(name string, eta float64, p Params) func() Spec {
	return func() Spec { return Spec{Name: name, LearningRate: eta, Params: p} }
}

// chain is a feedforward chain of rate populations: pops[0] the input,
// pops[len−1] the readout, links[i] the one link from pops[i] to
// pops[i+1].
type chain struct {
	pops  []int
	links []int
	acts  []neuron.Activation
	sizes []int
}

// newChain checks that c is a chain the credit rules can train.
func newChain(c *circuits.Circuit) (chain, error) {
	var ch chain
	if c.StepsPerTrial != 1 || c.In < 0 || c.Out < 0 || len(c.Sparse) > 0 {
		return ch, fmt.Errorf("credit-assignment rules train a feedforward chain of rate populations, one step per trial (circuit %q has %d steps per trial)", c.Name, c.StepsPerTrial)
	}
	p := c.In
	for {
		r, ok := c.Pops[p].(*neuron.Rate)
		if !ok || r.TauMs > 0 {
			return ch, fmt.Errorf("credit-assignment rules need rate populations without leak; %q is not", c.PopNames[p])
		}
		ch.pops = append(ch.pops, p)
		ch.acts = append(ch.acts, r.Activation)
		ch.sizes = append(ch.sizes, r.Len())
		if p == c.Out {
			break
		}
		next := -1
		for k, l := range c.Links {
			if l.Pre == p {
				if next >= 0 {
					return ch, fmt.Errorf("credit-assignment rules need a chain: population %q projects to more than one", c.PopNames[p])
				}
				next = k
			}
		}
		if next < 0 || c.Links[next].Post <= p {
			return ch, fmt.Errorf("credit-assignment rules need a chain from the input to the readout; it breaks at %q", c.PopNames[p])
		}
		ch.links = append(ch.links, next)
		p = c.Links[next].Post
	}
	if len(ch.links) != len(c.Links) {
		return ch, fmt.Errorf("credit-assignment rules need a chain: circuit %q has links off the input-readout path", c.Name)
	}
	for _, k := range ch.links {
		if len(c.Incoming(c.Links[k].Post)) != 1 {
			return ch, fmt.Errorf("credit-assignment rules need one link onto each population; %q has more", c.PopNames[c.Links[k].Post])
		}
	}
	return ch, nil
}

// credit is the machinery the credit-assignment rules share, embedded in
// each rule's type (FA, DFA, PBP, NDI, DI, NPFB, NPFBLS): per update it
// measures the loss and the weight gradients of the batch with errors
// sent down by the rule (Measure), then steps every plastic forward link
// by −η times its gradient (Learn). What differs between the rules — how
// an error is sent down, what is prepared before a pass, how feedback is
// taught, what state is kept — is the rule's creditParts.
type credit struct {
	self  creditParts // the rule whose machinery this is
	name  string      // the rule's name, for messages
	c     *circuits.Circuit
	ch    chain
	eta   float64
	decay float64 // λ, weight decay of the forward weights per update
	clip  float64
	pos   []int     // chain index of each circuit link
	fb    []int     // per chain link i ≥ 1: its feedback projection in c.Feedback (−1: none)
	sent  []float64 // scratch: the error sent to one layer

	updates int
	warmup  int // updates at the start in which only the feedback learns
}

// creditParts are what a credit-assignment rule adds to the shared
// machinery. credit has a default for every method but send.
type creditParts interface {
	// send writes into s (cleared, n_lower long) the error that chain link
	// i sends down for the post error gPost.
	send(i int, gPost, s []float64)
	// check runs before each measurement (the stability checks of ndi, di).
	check()
	// prepare computes what sends errors down on the current weights (the
	// matrices of pbp and ndi); false if one is singular.
	prepare() bool
	// teach teaches the feedback synapses before the forward step (npfb,
	// npfb_ls) and returns the passes it spent.
	teach(t task.Task) int
	// downMatrix is the matrix that sends the error down to hidden layer
	// i, as B (n_lower×n_upper), or nil where it has not that shape.
	downMatrix(i int) []float64
	// saveState and loadState add the rule's own state to a checkpoint.
	saveState(s *creditState) error
	loadState(s *creditState) error
	// ownBytes is the memory of the rule's own buffers.
	ownBytes() int
}

// creditRule is a credit-assignment rule bound to a chain circuit.
type creditRule interface {
	Rule
	circuits.Sender
	Stateful
	creditParts
	core() *credit
}

func (r *credit) core() *credit { return r }

// init binds the shared machinery of rule self to circuit c.
func (r *credit) init(self creditParts, s Spec, c *circuits.Circuit, d Decay, clip float64) error {
	ch, err := newChain(c)
	if err != nil {
		return param.New(err.Error(), "name")
	}
	*r = credit{self: self, name: s.Name, c: c, ch: ch, eta: s.LearningRate, decay: d.WeightDecay, clip: clip}
	r.pos = make([]int, len(c.Links))
	for i, k := range ch.links {
		r.pos[k] = i
	}
	r.fb = make([]int, len(ch.links))
	for i := range r.fb {
		r.fb[i] = -1
	}
	r.sent = make([]float64, r.maxWidth())
	return nil
}

// maxWidth is the size of the widest population of the chain.
func (r *credit) maxWidth() int {
	n := 0
	for _, m := range r.ch.sizes {
		n = max(n, m)
	}
	return n
}

// The defaults of creditParts.
func (r *credit) check()                         {}
func (r *credit) prepare() bool                  { return true }
func (r *credit) teach(task.Task) int            { return 0 }
func (r *credit) saveState(*creditState) error   { return nil }
func (r *credit) loadState(s *creditState) error { return nil }
func (r *credit) ownBytes() int                  { return 0 }
func (r *credit) downMatrix(i int) []float64 {
	w := r.c.Links[r.ch.links[i]].Dense
	if r.fb[i] >= 0 && r.c.Feedback[r.fb[i]].NPre == w.NPost {
		return r.feedback(i).W
	}
	return nil
}

// feedbackStream is the stream the feedback weights are drawn from,
// derived from the rule's: the noise of npfb does not shift them.
func feedbackStream(r *rand.Rand) *rand.Rand { return rng.Stream(r.Uint64(), "feedback") }

// drawFeedback sets a feedback projection's weights from fr: "uniform",
// U(−scale, scale), or "normal", N(0, scale²/n) with n its post size.
func drawFeedback(fr *rand.Rand, init string, scale float64) func(i int, d *synapse.Dense) {
	return func(_ int, d *synapse.Dense) {
		for i := range d.W {
			if init == "uniform" {
				d.W[i] = scale * (2*fr.Float64() - 1)
			} else {
				d.W[i] = scale / math.Sqrt(float64(d.NPost)) * fr.NormFloat64()
			}
		}
	}
}

// addFeedback gives every hidden layer i ≥ 1 of the chain its feedback
// projection from the upper population pops[i+1] (or, direct, from the
// readout) to pops[i]: the one the circuit declares ([[feedback]]), as
// declared, or else a new one named "LINK/feedback", its weights set by
// init. A rule that learns its feedback (learns) needs it plastic.
func (r *credit) addFeedback(direct, learns bool, init func(i int, d *synapse.Dense)) error {
	c, ch := r.c, r.ch
	out := ch.pops[len(ch.pops)-1]
	for i := 1; i < len(ch.links); i++ {
		from := ch.pops[i+1]
		if direct {
			from = out
		}
		if k, ok := c.FeedbackFor(from, ch.pops[i]); ok {
			if learns && !c.Feedback[k].Plastic {
				return param.New(fmt.Sprintf("this rule teaches its feedback, but the circuit's feedback %q is plastic = false", c.Feedback[k].Name), "name")
			}
			r.fb[i] = k
			continue
		}
		d, err := synapse.NewDense(c.Pops[from].Len(), ch.sizes[i], synapse.DenseParams{Plastic: learns, WMin: math.Inf(-1), WMax: math.Inf(1)})
		if err != nil {
			return err
		}
		init(i, d)
		k, err := c.AddFeedback(circuits.Link{Name: c.Links[ch.links[i]].Name + "/feedback", Pre: from, Post: ch.pops[i], Dense: d})
		if err != nil {
			return err
		}
		r.fb[i] = k
	}
	return nil
}

// feedback returns the feedback projection that sends chain link i's error
// down, or nil (the input link, pbp).
func (r *credit) feedback(i int) *synapse.Dense {
	if r.fb[i] < 0 {
		return nil
	}
	return r.c.Feedback[r.fb[i]].Dense
}

// SendDown sends link k's post error gPost down into gPre by the rule
// (circuits.Sender), its norm bounded by clip.
func (r *credit) SendDown(k int, gPost, gPre []float64) {
	i := r.pos[k]
	nLow := r.ch.sizes[i]
	s := r.sent[:nLow]
	clear(s)
	r.self.send(i, gPost, s)
	if r.clip > 0 {
		if n := blas64.Nrm2(blas64.Vector{N: nLow, Inc: 1, Data: s}); n > r.clip {
			blas64.Scal(r.clip/n, blas64.Vector{N: nLow, Inc: 1, Data: s})
		}
	}
	for j, x := range s {
		gPre[j] += x
	}
}

// Measure computes the loss of the batch and the forward weights'
// gradients with the errors the rule sends down.
func (r *credit) Measure(t task.Task) (float64, int) {
	r.self.check()
	r.self.prepare()
	r.c.ZeroGrad()
	r.c.SetSender(r)
	loss := t.Grad(r.c)
	r.c.SetSender(nil)
	return loss, 1
}

// Learn teaches the feedback (npfb, npfb_ls) and steps the forward weights.
func (r *credit) Learn(t task.Task) int {
	passes := r.self.teach(t)
	r.updates++
	if r.updates <= r.warmup {
		return passes
	}
	for _, l := range r.c.Links {
		if l.Plastic {
			l.StepDecay(r.eta, r.decay, l.Grad)
		}
	}
	return passes
}

// Trace reports the learning rate (npfb and npfb_ls add their dopamine
// system's comparison).
func (r *credit) Trace() modulator.Trace {
	return modulator.Trace{RPE: math.NaN(), Reward: math.NaN(), Expectation: math.NaN(), Dopamine: math.NaN(), LearningRate: r.eta}
}

// StateBytes counts the feedback synapses and the rule's buffers.
func (r *credit) StateBytes() int {
	n := len(r.sent)
	for _, f := range r.c.Feedback {
		n += len(f.W)
	}
	return 8*n + r.self.ownBytes()
}

// floatsBytes is the size of float64 buffers.
func floatsBytes(xss ...[][]float64) int {
	n := 0
	for _, xs := range xss {
		for _, x := range xs {
			n += len(x)
		}
	}
	return 8 * n
}
