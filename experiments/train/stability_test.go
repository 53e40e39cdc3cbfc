package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/neuron"
)

// unstableLayer draws W (nUp×nLow) and a random B (nLow×nUp) whose
// controller is unstable.
func unstableLayer(t *testing.T, nLow, nUp int, seed uint64) (w, b []float64, st *stability) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	st = newStability(nLow, nUp)
	for range 100 {
		w, b = make([]float64, nUp*nLow), make([]float64, nLow*nUp)
		for i := range w {
			w[i] = r.NormFloat64() / math.Sqrt(float64(nLow))
		}
		for i := range b {
			b[i] = r.Float64() - 0.5
		}
		if st.abscissa(w, b, 0.01, false) > 0.1 {
			return w, b, st
		}
	}
	t.Fatal("no unstable layer in 100 draws")
	return
}

// TestAbscissaGradient: the gradient of the spectral abscissa with
// respect to B agrees with central finite differences, whether the
// critical eigenvalue is real or one of a complex pair.
func TestAbscissaGradient(t *testing.T) {
	sawReal, sawComplex := false, false
	for seed := uint64(1); seed <= 12 && !(sawReal && sawComplex); seed++ {
		w, b, st := unstableLayer(t, 6, 4, seed)
		s0 := st.abscissa(w, b, 0.01, true)
		k := 0
		for i := range st.wr {
			if st.wr[i] > st.wr[k] {
				k = i
			}
		}
		if st.wi[k] == 0 {
			sawReal = true
		} else {
			sawComplex = true
		}
		grad := append([]float64(nil), st.grad...)
		const h = 1e-6
		for i := range b {
			old := b[i]
			b[i] = old + h
			up := st.abscissa(w, b, 0.01, false)
			b[i] = old - h
			dn := st.abscissa(w, b, 0.01, false)
			b[i] = old
			fd := (up - dn) / (2 * h)
			if math.Abs(fd-grad[i]) > 1e-5*max(1, math.Abs(fd)) {
				t.Fatalf("seed %d (abscissa %.4f, complex %v): ∂s/∂B[%d] = %g, finite differences %g", seed, s0, st.wi[k] != 0, i, grad[i], fd)
			}
		}
	}
	if !sawReal || !sawComplex {
		t.Errorf("checked real critical eigenvalues: %v, complex: %v; want both", sawReal, sawComplex)
	}
}

// TestStabilizeLowersAbscissa: unstable random feedback of a 20→10 and a
// 10→20 layer is made stable (s < −0.01, or −α/2 = −0.005 for the wider
// upper layer, whose abscissa cannot go below −α) by the gradient steps,
// as the authors' SSA step does.
func TestStabilizeLowersAbscissa(t *testing.T) {
	for _, shape := range [][2]int{{20, 10}, {10, 20}} {
		w, b, st := unstableLayer(t, shape[0], shape[1], 7)
		before := st.abscissa(w, b, 0.01, false)
		b0 := append([]float64(nil), b...)
		after := st.stabilize(w, b, 0.01)
		if !(after < -stabilityTarget(0.01)) {
			t.Errorf("%v: abscissa %.3f → %.3f after %d steps, want < −%g", shape, before, after, st.steps, stabilityTarget(0.01))
		}
		if got := st.abscissa(w, b, 0.01, false); math.Abs(got-after) > 1e-12 {
			t.Errorf("stabilize reported %g, B has %g", after, got)
		}
		var d, n float64
		for i := range b {
			d += (b[i] - b0[i]) * (b[i] - b0[i])
			n += b0[i] * b0[i]
		}
		t.Logf("%v: abscissa %.3f → %.3f in %d steps, ‖ΔB‖/‖B‖ = %.2f", shape, before, after, st.steps, math.Sqrt(d/n))
	}
}

// TestDIRandomFeedbackStabilised: on Podlaski & Machens' linear regression
// (30-20-10, 1000 samples), di with a random feedback B ~ U(±0.5) fails
// (its controller, barely stable with the small initial W, turns
// unstable as W grows); stabilised at the start and checked every 10
// updates, the same B learns.
func TestDIRandomFeedbackStabilised(t *testing.T) {
	run := func(stabilize bool) (nse, start float64, stabilized int) {
		c := chainCircuit(t, []int{30, 20, 10}, neuron.Linear, neuron.Linear, false, 0.01, 4)
		p := task.RegressionParams{}.Defaults()
		p.Samples = 1000
		tk := regressionTask(t, c, p)
		every := 0
		if stabilize {
			every = 10
		}
		spec := Spec{Name: "di", LearningRate: 0.01, Params: DIParams{InversionParams: InversionParams{Alpha: 0.01, Feedback: "random", Init: "uniform", Scale: 0.5,
			Clip: 10, Stabilize: stabilize, StabilityEvery: every}, Dt: 0.5, Steps: 1000}}
		r := bindAs[*DI](t, spec, c, 4)
		st := newStability(20, 10)
		b := append([]float64(nil), r.feedback(1).W...)
		if !stabilize {
			start = st.abscissa(c.Links[1].W, b, 0.01, false)
		}
		rr := rand.New(rand.NewPCG(2, 2))
		for range 1000 {
			tk.Next(rr)
			r.Measure(tk)
			r.Learn(tk)
		}
		return tk.NSE(c), start, r.stab.stabilized
	}
	bad, s0, _ := run(false)
	good, _, n := run(true)
	t.Logf("abscissa at the start %.3f; NSE unstabilised %g, stabilised %g (%d stabilisations in training)", s0, bad, good, n)
	if !(good < 1e-3) {
		t.Errorf("stabilised di: NSE %g after 1000 samples, want < 1e-3", good)
	}
	if !(bad > 1e-1) && !math.IsNaN(bad) {
		t.Errorf("unstabilised di: NSE %g, want it to fail (> 0.1 or NaN)", bad)
	}
}
