package train

import (
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
)

// Feedback alignment and direct feedback alignment: errors sent down
// through fixed random feedback synapses B.
var (
	faDef = Def{Name: "fa", Stream: "rule/fa", Doc: "feedback alignment (Lillicrap et al. 2016): errors sent down through fixed random feedback synapses B",
		Trains: RateCircuits, Defaults: creditDefaults("fa", 10, FeedbackParams{Init: "normal", Scale: math.Sqrt2}), New: newFA}
	dfaDef = Def{Name: "dfa", Stream: "rule/dfa", Doc: "direct feedback alignment (Nøkland 2016): the readout error sent to every hidden layer through fixed random B",
		Trains: RateCircuits, Defaults: creditDefaults("dfa", 10, FeedbackParams{Init: "normal", Scale: math.Sqrt2}), New: newDFA}
)

// FA is feedback alignment (Lillicrap et al. 2016): each hidden layer
// receives the error of the layer above through fixed random feedback
// synapses B (the circuit's [[feedback]], or drawn by feedback_init).
type FA struct{ credit }

func newFA(s Spec, c *circuits.Circuit, r *rand.Rand) (Rule, error) {
	p := s.Params.(FeedbackParams)
	f := &FA{}
	if err := f.init(f, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	if err := f.addFeedback(false, false, drawFeedback(feedbackStream(r), p.Init, p.Scale)); err != nil {
		return nil, err
	}
	return f, nil
}

func (r *FA) send(i int, gPost, s []float64) { r.feedback(i).Propagate(gPost, s) }

// DFA is direct feedback alignment (Nøkland 2016): every hidden layer
// receives the readout's error through fixed random feedback synapses
// from the readout.
type DFA struct {
	credit
	eOut []float64 // the readout's drive error of the current sample
}

func newDFA(s Spec, c *circuits.Circuit, r *rand.Rand) (Rule, error) {
	p := s.Params.(FeedbackParams)
	f := &DFA{}
	if err := f.init(f, s, c, p.Decay, p.Clip); err != nil {
		return nil, err
	}
	f.eOut = make([]float64, f.ch.sizes[len(f.ch.sizes)-1])
	if err := f.addFeedback(true, false, drawFeedback(feedbackStream(r), p.Init, p.Scale)); err != nil {
		return nil, err
	}
	return f, nil
}

// send sends the readout's error, kept when the readout's link passes it
// (the backward pass runs from the top), through B.
func (r *DFA) send(i int, gPost, s []float64) {
	if i == len(r.ch.links)-1 {
		copy(r.eOut, gPost)
	}
	r.feedback(i).Propagate(r.eOut, s)
}

func (r *DFA) ownBytes() int { return 8 * len(r.eOut) }
