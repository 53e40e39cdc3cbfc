package circuits

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// transposeSender sends errors down through Wᵀ, as backprop does.
type transposeSender struct{ c *Circuit }

func (s transposeSender) SendDown(k int, gPost, gPre []float64) {
	l := s.c.Links[k]
	for j := range gPre {
		for u, g := range gPost {
			gPre[j] += l.W[u*l.NPre+j] * g
		}
	}
}

// zeroSender sends nothing down.
type zeroSender struct{}

func (zeroSender) SendDown(int, []float64, []float64) {}

// TestSenderReplacesTranspose: a Sender that sends Wᵀ·gPost gives the
// gradients of backpropagation; one that sends nothing leaves every link
// but the readout's without gradient.
func TestSenderReplacesTranspose(t *testing.T) {
	s, err := Load("xor")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	grads := func(snd Sender) [][]float64 {
		c.ZeroGrad()
		c.SetSender(snd)
		defer c.SetSender(nil)
		c.Record(true)
		y := c.Trial([]float64{1, 0})
		c.Backward([]float64{y[0] - 1})
		c.Record(false)
		var out [][]float64
		for _, l := range c.Links {
			out = append(out, append([]float64(nil), l.Grad...))
		}
		return out
	}
	bp, tr, zero := grads(nil), grads(transposeSender{c}), grads(zeroSender{})
	for k := range bp {
		for i := range bp[k] {
			if d := bp[k][i] - tr[k][i]; d > 1e-15 || d < -1e-15 {
				t.Fatalf("link %d synapse %d: Wᵀ sender %g, backprop %g", k, i, tr[k][i], bp[k][i])
			}
			if k == 0 && zero[k][i] != 0 {
				t.Fatalf("link 0 got gradient %g with nothing sent down", zero[k][i])
			}
		}
	}
	if bp[1][0] != zero[1][0] {
		t.Errorf("the readout link's gradient changed with the sender")
	}
}

// TestAddFeedbackChecksShapes: a feedback projection must fit its populations.
func TestAddFeedbackChecksShapes(t *testing.T) {
	s, _ := Load("xor")
	c, _ := s.Build(rand.New(rand.NewPCG(1, 2)))
	if _, err := c.AddFeedback(Link{Name: "bad", Pre: 2, Post: 1, Dense: c.Links[0].Dense}); err == nil {
		t.Error("a 2→4 projection placed as feedback 1→4")
	}
}

// fbBase is a 4-3-2 rate chain with one declared feedback projection.
const fbBase = `name = "fb"
input = "in"

[[population]]
name = "in"
size = 4

[[population]]
name = "hid"
size = 3
activation = "tanh"

[[population]]
name = "out"
size = 2

[[projection]]
from = "in"
to = "hid"

[[projection]]
from = "hid"
to = "out"

[readout]
population = "out"

[[feedback]]
from = "out"
to = "hid"
init = "uniform"
init_gain = 0.5
`

// TestFeedbackDeclared: a [[feedback]] is built as a projection of its
// own (out → hid, named out_hid), its weights drawn last from the
// circuit's stream by its law, so the forward weights are those of the
// same circuit without it.
func TestFeedbackDeclared(t *testing.T) {
	s, err := Parse("fb.toml", []byte(fbBase))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := Parse("bare.toml", []byte(strings.Split(fbBase, "[[feedback]]")[0]))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := bare.Build(rand.New(rand.NewPCG(3, 4)))
	for k := range c.Links {
		if !slices.Equal(c.Links[k].W, cb.Links[k].W) {
			t.Fatalf("declaring feedback moved the forward weights of %s", c.Links[k].Name)
		}
	}
	k, ok := c.FeedbackFor(2, 1)
	if !ok || len(c.Feedback) != 1 {
		t.Fatalf("feedback out→hid not found (have %d)", len(c.Feedback))
	}
	f := c.Feedback[k]
	if f.Name != "out_hid" || f.NPre != 2 || f.NPost != 3 || f.Bias || !f.Plastic || len(f.W) != 6 {
		t.Fatalf("feedback %s %d→%d bias %v plastic %v, want out_hid 2→3, no bias, plastic", f.Name, f.NPre, f.NPost, f.Bias, f.Plastic)
	}
	bound := math.Sqrt(3) * 0.5 / math.Sqrt(2)
	nonzero := 0
	for _, w := range f.W {
		if math.Abs(w) > bound {
			t.Errorf("weight %g beyond the uniform bound %g", w, bound)
		}
		if w != 0 {
			nonzero++
		}
	}
	if nonzero != 6 {
		t.Errorf("%d of 6 feedback weights drawn", nonzero)
	}
	if _, ok := c.FeedbackFor(1, 2); ok {
		t.Error("found feedback hid→out, which is not declared")
	}
}

func TestFeedbackErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{`from = "out"`, `from = "outt"`, `fb.toml:29: feedback[0].from: no population named "outt"`},
		{`to = "hid"` + "\ninit = ", `to = "out"` + "\ninit = ", `feedback[0].to: feedback carries one population's error to another`},
		{`init = "uniform"`, `init = "orthogonal"`, `feedback[0].init: must be normal or uniform, got "orthogonal"`},
		{`init_gain = 0.5`, "init_gain = 0.5\nbias = true", "feedback[0].bias: feedback synapses have no bias, bounds or eligibility trace"},
		{`init_gain = 0.5`, "init_gain = 0.5\nw_max = 1.0", "feedback[0].w_max: feedback synapses have no bias"},
		{`init_gain = 0.5`, "init_gain = 0.5\nname = \"in_hid\"", `feedback[in_hid].name: "in_hid" is already the name of a projection or feedback`},
		{`init_gain = 0.5`, "init_gain = 0.5\n\n[[feedback]]\nfrom = \"out\"\nto = \"hid\"", `feedback[1].to: feedback from "out" to "hid" is declared twice`},
		{`init_gain = 0.5`, "init_gain = -1.0", "feedback[0].init_gain: must be a finite number >= 0"},
		{`init_gain = 0.5`, "init_gain = 0.5\ndelay = 2", `unknown key`},
	} {
		src := strings.Replace(fbBase, tc.old, tc.new, 1)
		if src == fbBase {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		_, err := Parse("fb.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: got %v, want an error containing %q", tc.old, tc.new, err, tc.want)
		}
	}
}
