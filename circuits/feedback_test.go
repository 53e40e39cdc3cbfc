package circuits

import (
	"math/rand/v2"
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
	s, _, err := Load("xor")
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
	s, _, _ := Load("xor")
	c, _ := s.Build(rand.New(rand.NewPCG(1, 2)))
	if _, err := c.AddFeedback(Link{Name: "bad", Pre: 2, Post: 1, Dense: c.Links[0].Dense}); err == nil {
		t.Error("a 2→4 projection placed as feedback 1→4")
	}
}
