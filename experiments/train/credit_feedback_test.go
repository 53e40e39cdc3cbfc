package train

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// declaredChain is a 6-5-4-3 tanh chain whose circuit file declares both
// feedback projections: out → h2 (uniform) and h2 → h1.
const declaredChain = `name = "declared"
input = "in"
[[population]]
name = "in"
size = 6
[[population]]
name = "h1"
size = 5
activation = "tanh"
[[population]]
name = "h2"
size = 4
activation = "tanh"
[[population]]
name = "out"
size = 3
[[projection]]
from = "in"
to = "h1"
[[projection]]
from = "h1"
to = "h2"
[[projection]]
from = "h2"
to = "out"
[readout]
population = "out"
[[feedback]]
from = "out"
to = "h2"
init = "uniform"
init_gain = 0.8
[[feedback]]
name = "h2_to_h1"
from = "h2"
to = "h1"
`

func declaredCircuit(t *testing.T, src string) (*circuits.Circuit, *task.Regression) {
	t.Helper()
	s, err := circuits.Parse("declared.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	p := task.RegressionParams{}.Defaults()
	p.Samples, p.BatchSize = 64, 4
	return c, regressionTask(t, c, p)
}

// TestDeclaredFeedbackIsUsed: the credit rules send errors through the
// feedback projections the circuit declares, as declared, and make their
// own only for the pairs of populations it leaves out; fa keeps them
// fixed, npfb teaches them, and a rule that teaches its feedback refuses
// a declared projection that is not plastic.
func TestDeclaredFeedbackIsUsed(t *testing.T) {
	train := func(r Rule, tk *task.Regression) {
		rr := rand.New(rand.NewPCG(1, 1))
		for range 20 {
			tk.Next(rr)
			r.Measure(tk)
			r.Learn(tk)
		}
	}
	// fa: both layers use the declared feedback, unchanged by learning.
	c, tk := declaredCircuit(t, declaredChain)
	start := [][]float64{slices.Clone(c.Feedback[0].W), slices.Clone(c.Feedback[1].W)}
	fa := bindSpec(t, Spec{Name: "fa", LearningRate: 0.05, Params: FeedbackParams{Init: "normal", Scale: 1}}, c, 1)
	if len(c.Feedback) != 2 || fa.core().feedback(2) != c.Feedback[0].Dense || fa.core().feedback(1) != c.Feedback[1].Dense {
		t.Fatalf("fa did not take the declared feedback (%d projections)", len(c.Feedback))
	}
	w0 := slices.Clone(c.Links[0].W)
	train(fa, tk)
	if !slices.Equal(c.Feedback[0].W, start[0]) || !slices.Equal(c.Feedback[1].W, start[1]) {
		t.Error("fa changed its fixed feedback")
	}
	if slices.Equal(c.Links[0].W, w0) {
		t.Error("fa did not change the input weights: nothing was sent down")
	}

	// dfa: h2 takes the declared out → h2; h1 needs out → h1, which the
	// circuit leaves out, so dfa draws its own.
	c, _ = declaredCircuit(t, declaredChain)
	dfa := bindSpec(t, Spec{Name: "dfa", LearningRate: 0.05, Params: FeedbackParams{Init: "normal", Scale: 1}}, c, 1)
	if len(c.Feedback) != 3 || dfa.core().feedback(2) != c.Feedback[0].Dense || c.Feedback[2].Name != "h1_h2/feedback" || dfa.core().feedback(1) != c.Feedback[2].Dense {
		t.Fatalf("dfa's feedback: %d projections", len(c.Feedback))
	}

	// npfb teaches the declared feedback.
	c, tk = declaredCircuit(t, declaredChain)
	start = [][]float64{slices.Clone(c.Feedback[0].W), slices.Clone(c.Feedback[1].W)}
	np := bindSpec(t, Spec{Name: "npfb", LearningRate: 0.05, Params: NPFBParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01}, FeedbackRate: 0.01, Init: "normal", Scale: 1}}, c, 1)
	train(np, tk)
	if len(c.Feedback) != 2 || slices.Equal(c.Feedback[0].W, start[0]) || slices.Equal(c.Feedback[1].W, start[1]) {
		t.Error("npfb did not teach the declared feedback")
	}

	// npfb refuses a declared feedback that is not plastic.
	c, _ = declaredCircuit(t, declaredChain+"plastic = false\n")
	_, err := New(Spec{Name: "npfb", LearningRate: 0.05, Params: NPFBParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01}, FeedbackRate: 0.01, Init: "normal", Scale: 1}}, c, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), `"h2_to_h1" is plastic = false`) {
		t.Errorf("npfb on a non-plastic declared feedback: %v", err)
	}
}
