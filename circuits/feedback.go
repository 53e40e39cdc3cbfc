package circuits

import (
	"fmt"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/synapse"
)

// FeedbackSpec declares a feedback projection ([[feedback]] in a circuit
// file): dense synapses B from the population From (the upper one, whose
// error they carry) to the population To (the lower one), which the
// credit-assignment rules use in place of the transpose of the forward
// weights. They are drawn, seeded and recorded like forward projections:
// init and init_gain set their law (w ~ N(0, init_gain²/n_from), or
// uniform with the same variance), plastic says whether a rule that
// learns its feedback (npfb, npfb_ls) may change them. Feedback has no
// bias, no bounds and no eligibility trace.
type FeedbackSpec struct {
	// Name identifies the projection in outputs (default FROM_TO).
	Name string `toml:"name"`
	From string `toml:"from"`
	To   string `toml:"to"`
	synapse.DenseParams
}

// Defaults returns a plastic feedback projection without bias, unit init
// gain, normal law.
func (FeedbackSpec) Defaults() FeedbackSpec {
	d := synapse.DenseParams{}.Defaults()
	d.Bias = false
	return FeedbackSpec{DenseParams: d}
}

// name is the declared name or FROM_TO.
func (f FeedbackSpec) name() string {
	if f.Name != "" {
		return f.Name
	}
	return f.From + "_" + f.To
}

// validateFeedback checks every [[feedback]]: its populations (ref), a
// name no projection or other feedback has (links holds the projections'
// names), its keys, and that the keys feedback lacks keep their defaults.
func (s *Spec) validateFeedback(ref func(string, ...any) error, links map[string]bool) error {
	pairs := map[[2]string]bool{}
	for i, f := range s.Feedback {
		if err := ref(f.From, "feedback", i, "from"); err != nil {
			return err
		}
		if err := ref(f.To, "feedback", i, "to"); err != nil {
			return err
		}
		if f.From == f.To {
			return fieldErr(fmt.Sprintf("feedback carries one population's error to another; from and to are both %q", f.To), "feedback", i, "to")
		}
		if f.To == s.Input {
			return fieldErr(fmt.Sprintf("population %q is the input: it has no weights below it to take an error to", f.To), "feedback", i, "to")
		}
		if from, to := s.indexOf(f.From), s.indexOf(f.To); from < to {
			return fieldErr(fmt.Sprintf("feedback carries an error down, from an upper population to a lower one: %q (population %d) is below %q (population %d)", f.From, from+1, f.To, to+1), "feedback", i, "from")
		}
		if pairs[[2]string{f.From, f.To}] {
			return fieldErr(fmt.Sprintf("feedback from %q to %q is declared twice", f.From, f.To), "feedback", i, "to")
		}
		pairs[[2]string{f.From, f.To}] = true
		if links[f.name()] {
			return fieldErr(fmt.Sprintf("%q is already the name of a projection or feedback", f.name()), "feedback", i, "name")
		}
		links[f.name()] = true
		if err := f.DenseParams.Validate(); err != nil {
			return param.Under(err, "feedback", i)
		}
		d := FeedbackSpec{}.Defaults().DenseParams
		d.Plastic, d.InitGain, d.Init = f.Plastic, f.InitGain, f.Init
		if key := changedKey(f.DenseParams, d); key != "" {
			return fieldErr("feedback synapses have no bias, bounds or eligibility trace (keys: init, init_gain, plastic)", "feedback", i, key)
		}
	}
	return nil
}

// buildFeedback places every declared feedback projection, its weights
// drawn from rng in the order of declaration.
func (s *Spec) buildFeedback(c *Circuit, idx map[string]int, rng *rand.Rand) error {
	for i, f := range s.Feedback {
		from, to := idx[f.From], idx[f.To]
		d, err := synapse.NewDense(c.Pops[from].Len(), c.Pops[to].Len(), f.DenseParams)
		if err != nil {
			return param.Under(err, "feedback", i)
		}
		d.Init(rng)
		if _, err := c.AddFeedback(Link{Name: f.name(), Pre: from, Post: to, Dense: d}); err != nil {
			return err
		}
	}
	return nil
}

// FeedbackFor returns the index in Feedback of the feedback projection
// from population pre to population post, if the circuit has one.
func (c *Circuit) FeedbackFor(pre, post int) (int, bool) {
	for k, l := range c.Feedback {
		if l.Pre == pre && l.Post == post {
			return k, true
		}
	}
	return -1, false
}

// Sender sends the error of a link's post population down to its pre
// population in place of the transpose of its forward weights: the hook of
// the credit-assignment rules (feedback alignment, pseudo-backprop,
// dynamic inversion, learned feedback), which send errors through feedback
// synapses of their own instead of transporting the forward weights.
type Sender interface {
	// SendDown adds to gPre (∂L/∂r of link k's pre population, as the
	// rule estimates it) the error that link k carries down from gPost
	// (∂L/∂I of its post population, as the rule estimated it). Backward
	// calls it for every feedforward link whose pre population has links
	// onto it, from the readout down, one sample at a time. It must not
	// allocate.
	SendDown(k int, gPost, gPre []float64)
}

// SetSender makes Backward send errors down through s instead of Wᵀ for
// feedforward links (the links from an earlier population); nil restores
// backpropagation. The weight gradients (Grad) are computed as before,
// from each link's own post error.
func (c *Circuit) SetSender(s Sender) { c.sender = s }

// AddFeedback places a feedback projection: a Dense projection from the
// population Pre (the upper one, whose error it carries) to the population
// Post (the lower one), which a Sender uses in place of Wᵀ. Feedback
// projections are synapses of their own: they are not stepped by Step, not
// touched by the forward rules, and listed in Feedback for recording.
// AddFeedback returns the projection's index in Feedback.
func (c *Circuit) AddFeedback(l Link) (int, error) {
	if l.Pre < 0 || l.Pre >= len(c.Pops) || l.Post < 0 || l.Post >= len(c.Pops) {
		return 0, fmt.Errorf("circuits: feedback %q joins populations %d→%d of %d", l.Name, l.Pre, l.Post, len(c.Pops))
	}
	if l.Dense == nil || l.NPre != c.Pops[l.Pre].Len() || l.NPost != c.Pops[l.Post].Len() {
		return 0, fmt.Errorf("circuits: feedback %q does not fit populations %q→%q", l.Name, c.PopNames[l.Pre], c.PopNames[l.Post])
	}
	c.Feedback = append(c.Feedback, l)
	return len(c.Feedback) - 1, nil
}

// Incoming returns the indices (into Links) of the links onto population
// p, in the order Step adds their drive. The slice is the circuit's.
func (c *Circuit) Incoming(p int) []int { return c.incoming[p] }

// indexOf returns the index of the population of that name (populations
// step in order: a lower index is a lower population), -1 if none.
func (s *Spec) indexOf(name string) int {
	i, _ := s.PopulationIndex(name)
	return i
}
