package train

import (
	"math"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// Alignment is how well a credit rule's error signal at one hidden layer
// agrees with backprop's.
type Alignment struct {
	// Layer is the hidden population's name.
	Layer string
	// AngleDeg is the angle, in [0°, 180°] (not folded), between the
	// errors ∂L/∂r the rule sends to the layer and those backprop sends,
	// over the samples of the batch stacked into one vector.
	AngleDeg float64
	// NormDiff is ‖B − Wᵀ‖/‖W‖ for the matrix B that sends the error down
	// to the layer (the feedback synapses of fa, dfa's top layer, di,
	// npfb, npfb_ls; the effective M of pbp and ndi); NaN where it has not
	// the shape of Wᵀ (dfa's lower layers).
	NormDiff float64
	// SignCongruence is the fraction of entries of B whose sign agrees
	// with Wᵀ's (NaN as NormDiff).
	SignCongruence float64
}

// recorder keeps what is sent down, per chain link, sample after sample.
type recorder struct {
	c    *circuits.Circuit
	r    *credit
	sent [][]float64
}

// CreditAlignment measures, on the task's current batch, the alignment of
// rule r's error signal with backprop's at every hidden layer of its chain.
// It runs the batch twice (backprop, then the rule) and leaves the
// circuit's gradients cleared; call it between updates (for example from
// Hooks.Update, after Task.Next). It returns nil for a rule that is not a
// credit-assignment rule.
func CreditAlignment(rule Rule, c *circuits.Circuit, t task.Task) []Alignment {
	cr, ok := rule.(creditRule)
	if !ok {
		return nil
	}
	r := cr.core()
	cr.prepare()
	n := len(r.ch.links)
	run := func(useRule bool) [][]float64 {
		rec := &recorder{c: c, r: r, sent: make([][]float64, n)}
		c.ZeroGrad()
		c.SetSender(&passthrough{rec: rec, useRule: useRule})
		t.Grad(c)
		c.SetSender(nil)
		c.ZeroGrad()
		return rec.sent
	}
	bp, rl := run(false), run(true)
	var out []Alignment
	for i := 1; i < n; i++ {
		a := Alignment{Layer: c.PopNames[r.ch.pops[i]], AngleDeg: angleDeg(rl[i], bp[i]), NormDiff: math.NaN(), SignCongruence: math.NaN()}
		w := c.Links[r.ch.links[i]].Dense
		if b := cr.downMatrix(i); b != nil {
			a.NormDiff, a.SignCongruence = transposeDiff(b, w.W[:w.NPost*w.NPre], w.NPre, w.NPost)
		}
		out = append(out, a)
	}
	return out
}

// passthrough is a Sender that sends down by the rule (useRule) or by Wᵀ
// as backprop does, and records what it sent.
type passthrough struct {
	rec     *recorder
	useRule bool
}

func (p *passthrough) SendDown(k int, gPost, gPre []float64) {
	i := p.rec.r.pos[k]
	before := append([]float64(nil), gPre...)
	if p.useRule {
		p.rec.r.SendDown(k, gPost, gPre)
	} else {
		l := p.rec.c.Links[k]
		for j := range gPre {
			s := 0.0
			for u, g := range gPost {
				s += l.W[u*l.NPre+j] * g
			}
			gPre[j] += s
		}
	}
	for j := range before {
		p.rec.sent[i] = append(p.rec.sent[i], gPre[j]-before[j])
	}
}

// angleDeg returns the angle between a and b in degrees, in [0, 180].
func angleDeg(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	c := ab / math.Sqrt(aa*bb)
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

// transposeDiff returns ‖B − Wᵀ‖_F/‖W‖_F and the fraction of entries of B
// with the sign of Wᵀ's; B is nLow×nUp, W nUp×nLow, both row-major.
func transposeDiff(b, w []float64, nLow, nUp int) (norm, sign float64) {
	var d, ww float64
	agree := 0
	for lo := range nLow {
		for up := range nUp {
			x, y := b[lo*nUp+up], w[up*nLow+lo]
			d += (x - y) * (x - y)
			ww += y * y
			if math.Signbit(x) == math.Signbit(y) {
				agree++
			}
		}
	}
	return math.Sqrt(d / ww), float64(agree) / float64(nLow*nUp)
}
