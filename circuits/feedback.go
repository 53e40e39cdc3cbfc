package circuits

import "fmt"

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
