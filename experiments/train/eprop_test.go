package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/neuron"
)

// epropCircuit builds a tiny e-prop circuit from TOML: nIn rate inputs, a
// population "rec" of model (alif keys or rate keys given), recurrent if
// rec, and a leaky linear readout of nOut units (τ_out = 20 ms).
func epropCircuit(tb testing.TB, nIn, nRec, nOut int, model string, rec, bias bool, gain float64, seed uint64) *circuits.Circuit {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name = \"ep\"\ninput = \"in\"\n[[population]]\nname = \"in\"\nsize = %d\n", nIn)
	fmt.Fprintf(&b, "[[population]]\nname = \"rec\"\nsize = %d\n%s\n", nRec, model)
	fmt.Fprintf(&b, "[[population]]\nname = \"out\"\nsize = %d\ntau_ms = 20.0\n", nOut)
	proj := func(from, to string) {
		fmt.Fprintf(&b, "[[projection]]\nfrom = %q\nto = %q\nbias = %v\ninit_gain = %g\n", from, to, bias, gain)
	}
	proj("in", "rec")
	if rec {
		proj("rec", "rec")
	}
	proj("rec", "out")
	b.WriteString("[readout]\npopulation = \"out\"\n")
	s, err := circuits.Parse("ep.toml", []byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(seed, 7)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// testSeq is a batch of random sequences: inputs (spikes with probability
// pIn, or Gaussian values) and targets, loss ½Σ(y − y*)² at every step
// from step from on.
type testSeq struct {
	n, T, from int
	x, y       [][][]float64
}

func newTestSeq(n, T, nIn, nOut, from int, pIn float64, seed uint64) *testSeq {
	r := rand.New(rand.NewPCG(seed, 3))
	s := &testSeq{n: n, T: T, from: from}
	for range n {
		var xs, ys [][]float64
		for range T {
			x := make([]float64, nIn)
			for i := range x {
				if pIn > 0 {
					if r.Float64() < pIn {
						x[i] = 1
					}
				} else {
					x[i] = r.NormFloat64()
				}
			}
			y := make([]float64, nOut)
			for k := range y {
				y[k] = r.NormFloat64()
			}
			xs, ys = append(xs, x), append(ys, y)
		}
		s.x, s.y = append(s.x, xs), append(s.y, ys)
	}
	return s
}

func (s *testSeq) Trials() int              { return s.n }
func (s *testSeq) Steps() int               { return s.T }
func (s *testSeq) Input(b, t int) []float64 { return s.x[b][t] }
func (s *testSeq) StepLoss(b, t int, y, g []float64) float64 {
	clear(g)
	if t < s.from {
		return 0
	}
	l := 0.0
	for k, v := range y {
		d := v - s.y[b][t][k]
		g[k] = d
		l += d * d / 2
	}
	return l
}

// bpttALIF is the oracle: the circuit's equations (neuron.ALIF, a leaky
// linear readout) run forward in plain loops and differentiated in
// reverse through time with the pseudo-derivative ψ for ∂z/∂v, the reset
// term's derivative dropped (as e-prop and NEST drop it). With stopRec the
// gradient that flows from a spike z_j^t through the recurrent weights
// into the next step's potentials is dropped too: what is left is e-prop's
// factorisation, which e-prop computes forward in time. It returns the
// gradients of the links in the circuit's order (in→rec, rec→rec if any,
// rec→out), weights then biases as synapse.Dense lays them out.
//
// With cReg > 0 the loss also has the firing-rate term of each sequence,
// (c_reg/2)·Σ_j (f̄_j − f*)²/n, f̄_j the spikes of neuron j per step and
// fStar the target in spikes per step.
func bpttALIF(c *circuits.Circuit, s *testSeq, stopRec bool, cReg, fStar float64) [][]float64 {
	a := c.Pops[1].(*neuron.ALIF)
	out := c.Pops[2].(*neuron.Rate)
	alpha, rho, g := a.Coefficients(c.DtMs)
	kappa := out.Decay(c.DtMs)
	nIn, nRec, nOut := c.Pops[0].Len(), a.Len(), out.Len()
	nref := int(math.Round(a.TRefMs / c.DtMs))
	var lin, lrec, lout = &c.Links[0], (*circuits.Link)(nil), &c.Links[len(c.Links)-1]
	if len(c.Links) == 3 {
		lrec = &c.Links[1]
	}
	grads := make([][]float64, len(c.Links))
	for k, l := range c.Links {
		grads[k] = make([]float64, len(l.W))
	}
	gin, gout := grads[0], grads[len(grads)-1]
	var grec []float64
	if lrec != nil {
		grec = grads[1]
	}
	bias := func(l *circuits.Link, j int) float64 {
		if l.Bias {
			return l.W[l.NPre*l.NPost+j]
		}
		return 0
	}
	for b := 0; b < s.n; b++ {
		T := s.T
		v, ad, z, psi, u := make([][]float64, T), make([][]float64, T), make([][]float64, T+1), make([][]float64, T), make([][]float64, T)
		z[0] = make([]float64, nRec) // z[t+1] is the spike of step t; z[0] the rest
		vPrev, aPrev := make([]float64, nRec), make([]float64, nRec)
		uPrev := make([]float64, nOut)
		ref := make([]int, nRec)
		for t := 0; t < T; t++ {
			x := s.x[b][t]
			v[t], ad[t], z[t+1], psi[t], u[t] = make([]float64, nRec), make([]float64, nRec), make([]float64, nRec), make([]float64, nRec), make([]float64, nOut)
			for j := 0; j < nRec; j++ {
				I := bias(lin, j)
				for i := 0; i < nIn; i++ {
					I += lin.W[j*nIn+i] * x[i]
				}
				if lrec != nil {
					I += bias(lrec, j)
					for i := 0; i < nRec; i++ {
						I += lrec.W[j*nRec+i] * z[t][i]
					}
				}
				if ref[j] > 0 {
					ref[j]--
				}
				v[t][j] = alpha*vPrev[j] + g*I - a.VThMV*z[t][j]
				ad[t][j] = rho*aPrev[j] + z[t][j]
				th := a.VThMV + a.BetaOf(j)*ad[t][j]
				if ref[j] == 0 {
					psi[t][j] = a.Gamma / a.VThMV * math.Max(0, 1-math.Abs(v[t][j]-th)/a.VThMV)
					if v[t][j] >= th {
						z[t+1][j] = 1
						ref[j] = nref
					}
				}
			}
			for k := 0; k < nOut; k++ {
				I := bias(lout, k)
				for j := 0; j < nRec; j++ {
					I += lout.W[k*nRec+j] * z[t+1][j]
				}
				u[t][k] = kappa*uPrev[k] + (1-kappa)*I
			}
			vPrev, aPrev, uPrev = v[t], ad[t], u[t]
		}
		// ∂(c_reg/2·(f̄_j − f*)²/n)/∂z_j^t = c_reg·(f̄_j − f*)/(T·n) at every step.
		dreg := make([]float64, nRec)
		for j := range dreg {
			f := 0.0
			for t := 1; t <= T; t++ {
				f += z[t][j]
			}
			dreg[j] = cReg * (f/float64(T) - fStar) / float64(T) / float64(s.n)
		}
		du := make([]float64, nOut)
		dvNext, daNext := make([]float64, nRec), make([]float64, nRec)
		gl := make([]float64, nOut)
		for t := T - 1; t >= 0; t-- {
			s.StepLoss(b, t, u[t], gl)
			for k := range du {
				du[k] = gl[k] + kappa*du[k]
				for j := 0; j < nRec; j++ {
					gout[k*nRec+j] += (1 - kappa) * du[k] * z[t+1][j]
				}
				if lout.Bias {
					gout[nRec*nOut+k] += (1 - kappa) * du[k]
				}
			}
			dv, da := make([]float64, nRec), make([]float64, nRec)
			for j := 0; j < nRec; j++ {
				dz := daNext[j] + dreg[j] // z_j^t raises a_j^{t+1}
				for k := 0; k < nOut; k++ {
					dz += (1 - kappa) * lout.W[k*nRec+j] * du[k]
				}
				if lrec != nil && !stopRec {
					for jj := 0; jj < nRec; jj++ {
						dz += g * lrec.W[jj*nRec+j] * dvNext[jj]
					}
				}
				dv[j] = psi[t][j]*dz + alpha*dvNext[j]
				da[j] = -a.BetaOf(j)*psi[t][j]*dz + rho*daNext[j]
			}
			for j := 0; j < nRec; j++ {
				for i := 0; i < nIn; i++ {
					gin[j*nIn+i] += g * dv[j] * s.x[b][t][i]
				}
				if lin.Bias {
					gin[nIn*nRec+j] += g * dv[j]
				}
				if lrec != nil {
					for i := 0; i < nRec; i++ {
						grec[j*nRec+i] += g * dv[j] * z[t][i]
					}
					if lrec.Bias {
						grec[nRec*nRec+j] += g * dv[j]
					}
				}
			}
			dvNext, daNext = dv, da
		}
	}
	return grads
}

func epropRule(tb testing.TB, c *circuits.Circuit, mod func(*EpropParams)) *Eprop {
	tb.Helper()
	s, _ := Defaults("eprop")
	p := s.Params.(EpropParams)
	if mod != nil {
		mod(&p)
	}
	s.Params = p
	r, err := New(s, c, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		tb.Fatal(err)
	}
	return r.(*Eprop)
}

// relErr returns max |a − b| / max(max |b|, tiny).
func relErr(a, b []float64) float64 {
	d, m := 0.0, 1e-300
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		m = max(m, math.Abs(b[i]))
	}
	return d / m
}

// TestEpropIsStoppedBPTT is e-prop's reference test: with symmetric
// feedback, e-prop's weight change (computed forward in time, from
// eligibility traces) equals BPTT's gradient with the recurrent terms
// stopped (computed backward in time by an oracle written apart from the
// rule), for every synapse of the input, recurrent and readout
// projections, with and without adaptation, refractoriness, input
// scaling, biases and a loss that looks at part of the sequence only.
// The factorisation is exact, so the tolerance is rounding: 1e-10.
func TestEpropIsStoppedBPTT(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model string
		gain  float64
	}{
		{"lif", "model = \"alif\"\nalif.beta = 0.0\nalif.t_ref_ms = 0.0", 3},
		{"alif", "model = \"alif\"\nalif.beta = 0.4\nalif.tau_a_ms = 30.0\nalif.adapt_fraction = 0.6\nalif.t_ref_ms = 3.0", 3},
		{"alif_scaled", "model = \"alif\"\nalif.beta = 0.4\nalif.tau_a_ms = 30.0\nalif.scale_input = true\nalif.t_ref_ms = 2.0", 40},
	} {
		for _, v := range []struct {
			rec  bool
			cReg float64
		}{{false, 0}, {true, 0}, {false, 0.7}, {true, 0.7}} {
			rec := v.rec
			t.Run(fmt.Sprintf("%s/rec=%v/c_reg=%g", tc.name, rec, v.cReg), func(t *testing.T) {
				c := epropCircuit(t, 4, 5, 2, tc.model, rec, true, tc.gain, 11)
				seq := newTestSeq(2, 60, 4, 2, 10, 0.3, 5)
				r := epropRule(t, c, func(p *EpropParams) { p.Feedback = "symmetric"; p.CReg = v.cReg; p.FTargetHz = 20 })
				c.ZeroGrad()
				r.Pass(seq)
				fStar := 20 * c.DtMs / 1000
				want := bpttALIF(c, seq, true, v.cReg, fStar)
				spikes := c.SpikeCount
				if spikes == 0 {
					t.Fatal("no spikes: the test would check nothing")
				}
				for k, l := range c.Links {
					norm := 0.0
					for _, g := range want[k] {
						norm += g * g
					}
					if norm == 0 {
						t.Fatalf("link %s: zero gradient, nothing checked", l.Name)
					}
					if e := relErr(l.Grad, want[k]); e > 1e-10 {
						t.Errorf("link %s: e-prop differs from stopped BPTT by %.3g (relative)", l.Name, e)
					}
				}
				if !rec {
					// Without recurrence nothing is stopped: e-prop is the
					// surrogate gradient itself.
					full := bpttALIF(c, seq, false, v.cReg, fStar)
					for k, l := range c.Links {
						if e := relErr(l.Grad, full[k]); e > 1e-10 {
							t.Errorf("link %s: e-prop differs from full BPTT by %.3g without recurrence", l.Name, e)
						}
					}
				} else {
					full := bpttALIF(c, seq, false, v.cReg, fStar)
					for k, l := range c.Links {
						t.Logf("link %s: cosine(e-prop, BPTT) = %.4f", l.Name, cosine(l.Grad, full[k]))
					}
				}
			})
		}
	}
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

// TestEpropEqualsBackpropOnRateCircuits: on a rate circuit without
// recurrence (a leaky tanh population, a leaky readout), e-prop with
// symmetric feedback equals the exact gradient of the circuit's own BPTT
// (circuits.Circuit.Backward, itself checked against finite differences)
// to 1e-9; with recurrence, the cosine per projection is logged.
func TestEpropEqualsBackpropOnRateCircuits(t *testing.T) {
	for _, rec := range []bool{false, true} {
		c := epropCircuit(t, 3, 6, 2, "activation = \"tanh\"\ntau_ms = 5.0", rec, true, 1.5, 3)
		seq := newTestSeq(3, 25, 3, 2, 5, 0, 9)
		r := epropRule(t, c, func(p *EpropParams) { p.Feedback = "symmetric" })
		c.ZeroGrad()
		lossE := r.Pass(seq)
		ep := make([][]float64, len(c.Links))
		for k, l := range c.Links {
			ep[k] = append([]float64(nil), l.Grad...)
		}
		c.ZeroGrad()
		n := c.Pops[c.Out].Len()
		gOut := make([]float64, n*seq.T)
		lossB := 0.0
		for b := range seq.n {
			c.Record(true)
			c.Reset()
			for s := range seq.T {
				c.Step(seq.Input(b, s))
				lossB += seq.StepLoss(b, s, c.Output(), gOut[s*n:(s+1)*n])
			}
			c.Backward(gOut)
		}
		c.Record(false)
		if math.Abs(lossE-lossB) > 1e-12*math.Abs(lossB) {
			t.Errorf("rec=%v: losses %g and %g", rec, lossE, lossB)
		}
		for k, l := range c.Links {
			if !rec {
				if e := relErr(ep[k], l.Grad); e > 1e-9 {
					t.Errorf("link %s: e-prop differs from BPTT by %.3g (relative)", l.Name, e)
				}
				continue
			}
			cs := cosine(ep[k], l.Grad)
			t.Logf("recurrent rate circuit, link %s: cosine(e-prop, BPTT) = %.4f", l.Name, cs)
			if l.Post == c.Out && math.Abs(cs-1) > 1e-12 {
				t.Errorf("link %s onto the readout: e-prop's gradient is exact there, cosine %v", l.Name, cs)
			}
		}
	}
}

// TestEpropRegularisation: the firing-rate term's gradient is
// c_reg·(f̄_j − f*)/T·Σ_t e_ji per sequence (averaged over the batch),
// checked against the difference of two passes with and without it and
// the stopped-BPTT oracle's traces: with no loss at all (from ≥ T), the
// whole gradient is the regularisation's, and its sign pushes rates to f*.
func TestEpropRegularisation(t *testing.T) {
	c := epropCircuit(t, 4, 5, 2, "model = \"alif\"\nalif.beta = 0.3\nalif.tau_a_ms = 40.0", false, true, 3, 11)
	seq := newTestSeq(2, 50, 4, 2, 50, 0.3, 5) // no loss term
	r := epropRule(t, c, func(p *EpropParams) { p.CReg = 2; p.FTargetHz = 0 })
	c.ZeroGrad()
	r.Pass(seq)
	if c.SpikeCount == 0 {
		t.Fatal("no spikes")
	}
	// With f* = 0 the regularisation only lowers rates: the bias of a
	// neuron that spiked has a positive gradient (descent lowers it), one
	// that did not, zero. The readout gets nothing.
	l := c.Links[0]
	pos := 0
	for j := range l.NPost {
		gb := l.Grad[l.NPre*l.NPost+j]
		if gb < 0 {
			t.Errorf("neuron %d: bias gradient %g < 0 with f* = 0", j, gb)
		}
		if gb > 0 {
			pos++
		}
	}
	if pos == 0 {
		t.Error("no neuron's bias gradient is positive")
	}
	for _, g := range c.Links[1].Grad {
		if g != 0 {
			t.Fatal("the readout's weights got a regularisation gradient")
		}
	}
	// Linear in c_reg: doubling it doubles the gradient.
	g1 := append([]float64(nil), l.Grad...)
	r2 := epropRule(t, c, func(p *EpropParams) { p.CReg = 4; p.FTargetHz = 0 })
	c.ZeroGrad()
	r2.Pass(seq)
	for i := range g1 {
		if math.Abs(c.Links[0].Grad[i]-2*g1[i]) > 1e-12*(1+math.Abs(g1[i])) {
			t.Fatalf("synapse %d: %g with c_reg 4, %g with 2", i, c.Links[0].Grad[i], g1[i])
		}
	}
}

func TestEpropPassAllocatesNothing(t *testing.T) {
	c := epropCircuit(t, 4, 6, 2, "model = \"alif\"\nalif.beta = 0.3", true, true, 3, 2)
	seq := newTestSeq(1, 30, 4, 2, 0, 0.3, 1)
	r := epropRule(t, c, func(p *EpropParams) { p.CReg = 1 })
	if a := testing.AllocsPerRun(20, func() { r.Pass(seq); r.Learn(nil) }); a != 0 {
		t.Errorf("a pass and an update allocate %v times", a)
	}
}

func TestEpropParamsValidate(t *testing.T) {
	for key, mod := range map[string]func(*EpropParams){
		"feedback":       func(p *EpropParams) { p.Feedback = "transpose" },
		"feedback_scale": func(p *EpropParams) { p.FeedbackScale = 0 },
		"optimizer":      func(p *EpropParams) { p.Optimizer = "rmsprop" },
		"beta1":          func(p *EpropParams) { p.Beta1 = 1 },
		"c_reg":          func(p *EpropParams) { p.CReg = -1 },
		"f_target_hz":    func(p *EpropParams) { p.FTargetHz = math.NaN() },
		"adam_form":      func(p *EpropParams) { p.AdamForm = "tensorflow" },
	} {
		p := EpropParams{}.Defaults()
		mod(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: got %v", key, err)
		}
	}
}

// TestEpropMemoryIsFlatInSequenceLength: e-prop's memory (the rule's
// state and the circuit's) is the same for sequences of 100 and 1000
// steps, BPTT's (adam: the tape) grows with the length. Measured on the
// sines task and a rate circuit (the only kind BPTT runs on).
func TestEpropMemoryIsFlatInSequenceLength(t *testing.T) {
	mem := func(rule string, steps int) int {
		c := epropCircuit(t, 5, 20, 1, "activation = \"tanh\"\ntau_ms = 20.0", true, false, 1, 1)
		d, _ := task.Lookup("sines")
		p := task.SinesParams{}.Defaults()
		p.Inputs, p.SequenceSteps = 5, steps
		mk, err := d.Prepare(p)
		if err != nil {
			t.Fatal(err)
		}
		tk, _ := mk()
		if err := tk.Check(c); err != nil {
			t.Fatal(err)
		}
		s, _ := Defaults(rule)
		r, err := New(s, c, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		r.Measure(tk)
		r.Learn(tk)
		return r.StateBytes() + c.StateBytes()
	}
	e100, e1000 := mem("eprop", 100), mem("eprop", 1000)
	b100, b1000 := mem("adam", 100), mem("adam", 1000)
	t.Logf("bytes for 100 and 1000 steps: eprop %d, %d; adam (BPTT) %d, %d", e100, e1000, b100, b1000)
	if e100 != e1000 {
		t.Errorf("e-prop's memory grows with the sequence: %d → %d bytes", e100, e1000)
	}
	if b1000 < 5*b100 {
		t.Errorf("BPTT's memory %d → %d bytes: expected it to grow with the sequence", b100, b1000)
	}
}

// TestEpropSymmetricIsBackpropOnXOR: on the built-in XOR circuit (one
// step, feedforward) e-prop with symmetric feedback is backprop: its
// gradient of ½‖y − y*‖² averaged over the patterns (task.Supervised's
// loss) is half of XOR's own loss's (the mean of (y − y*)²) as sgd's
// Measure computes it, to rounding, at the initial weights and after 200
// updates (e-prop's SGD with twice sgd's η: the same trajectory); with
// random feedback the hidden layer's is another.
func TestEpropSymmetricIsBackpropOnXOR(t *testing.T) {
	s, err := circuits.Load("xor")
	if err != nil {
		t.Fatal(err)
	}
	grads := func(rule string, feedback string, updates int) []float64 {
		c, err := s.Build(rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := Defaults(rule)
		spec.LearningRate = 0.5
		if feedback != "" {
			p := spec.Params.(EpropParams)
			p.Feedback, p.Optimizer = feedback, "sgd"
			spec.Params = p
			spec.LearningRate = 1
		}
		r, err := New(spec, c, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		tk := &task.XOR{}
		for range updates {
			r.Measure(tk)
			r.Learn(tk)
		}
		r.Measure(tk)
		var g []float64
		for _, l := range c.Links {
			g = append(g, l.Grad...)
		}
		return g
	}
	for _, n := range []int{0, 200} {
		bp := grads("sgd", "", n)
		ep := grads("eprop", "symmetric", n)
		for i := range ep {
			ep[i] *= 2
		}
		if e := relErr(ep, bp); e > 1e-12 {
			t.Errorf("after %d updates: e-prop (symmetric) differs from backprop by %.3g", n, e)
		}
	}
	if e := relErr(grads("eprop", "random", 0), grads("eprop", "symmetric", 0)); e < 1e-3 {
		t.Errorf("random feedback gave symmetric feedback's gradient (%.3g): the feedback is not used", e)
	}
}

// TestEpropWithoutAutapses: with autapses = false the diagonal of the
// recurrent projection is 0 from the rule's start and stays 0 through
// learning, while the other recurrent weights learn; with the default the
// autapses learn too.
func TestEpropWithoutAutapses(t *testing.T) {
	const alif = "model = \"alif\"\nalif.v_th_mv = 0.2\nalif.t_ref_ms = 0.0"
	for _, autapses := range []bool{false, true} {
		c := epropCircuit(t, 5, 6, 2, alif, true, false, 1, 4)
		s := newTestSeq(2, 30, 5, 2, 0, 0.3, 5)
		r := epropRule(t, c, func(p *EpropParams) { p.Autapses = autapses })
		var rec *circuits.Link
		for k := range c.Links {
			if c.Links[k].Pre == c.Links[k].Post {
				rec = &c.Links[k]
			}
		}
		w0 := append([]float64(nil), rec.W...)
		for range 3 {
			c.ZeroGrad()
			r.Pass(s)
			r.Learn(nil)
		}
		diag, off := 0, 0
		for j := range rec.NPost {
			for i := range rec.NPre {
				k := j*rec.NPre + i
				switch {
				case i == j && (autapses && rec.W[k] != w0[k] || !autapses && rec.W[k] != 0):
					diag++ // learned (autapses) or not 0 (none)
				case i != j && rec.W[k] != w0[k]:
					off++
				}
			}
		}
		if off == 0 {
			t.Errorf("autapses = %v: no recurrent weight learned", autapses)
		}
		if !autapses && diag != 0 {
			t.Errorf("autapses = false: %d autapses are not 0", diag)
		}
		if autapses && diag == 0 {
			t.Errorf("autapses = true: no autapse learned")
		}
	}
}
