package synapse_test

import (
	"math"
	"testing"

	"github.com/dopa-sim/dopa/synapse"
)

// pairSTDP returns a plastic projection with rule "stdp" over the edges.
func pairSTDP(t *testing.T, nPre, nPost int, edges []synapse.Edge, st synapse.STDPParams, wMin, wMax float64) *synapse.Sparse {
	t.Helper()
	p := synapse.SparseParams{}.Defaults()
	p.Plastic, p.STDP, p.WMin, p.WMax = true, st, wMin, wMax
	p.STDP.Rule = synapse.Additive
	s, err := synapse.NewSparseEdges(nPre, nPost, edges, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two-factor additive STDP against the sum of its pair terms, computed
// from the spike times alone: with all-to-all pairing and no bound
// reached, a synapse j→i ends at w₀ + Σ A₊·e^(−(t_post−t_arr)/τ₊) over
// the pairs with t_arr ≤ t_post − Σ A₋·e^(−(t_arr−t_post)/τ₋) over those
// with t_post < t_arr, t_arr the step a pre spike reaches the synapse
// (delay_steps − 1 after it was fired). Random spikes on a small dense
// network, several delays; post neurons firing far more often than pre
// neurons make the rows wait long and the post history fill (sweeps).
func TestPropagatePairIsTheSumOfPairs(t *testing.T) {
	const nPre, nPost, steps, dt = 5, 4, 3000, 0.1
	st := synapse.STDPParams{}.Defaults()
	st.APlus, st.AMinus, st.TauPlusMs, st.TauMinusMs = 0.01, 0.012, 17, 23
	for _, c := range []struct {
		delay       int
		pPre, pPost float64 // spike probability per step
	}{{1, 0.02, 0.02}, {2, 0.02, 0.02}, {16, 0.02, 0.02}, {16, 0.001, 0.3}, {3, 0.3, 0.001}} {
		delay := c.delay
		var edges []synapse.Edge
		for j := range nPre {
			for i := range nPost {
				edges = append(edges, synapse.Edge{Pre: int32(j), Post: int32(i), W: 1, Delay: delay})
			}
		}
		s := pairSTDP(t, nPre, nPost, edges, st, math.Inf(-1), math.Inf(1))
		rng := newRand(uint64(delay))
		preT := make([][]int, nPre)   // arrival steps per pre neuron
		postT := make([][]int, nPost) // spike steps per post neuron
		var pre, post []int32
		dst := make([]float64, nPost)
		for n := range steps {
			pre, post = pre[:0], post[:0]
			for j := range nPre {
				if rng.Float64() < c.pPre {
					pre = append(pre, int32(j))
					if a := n + delay - 1; a < steps {
						preT[j] = append(preT[j], a)
					}
				}
			}
			for i := range nPost {
				if rng.Float64() < c.pPost {
					post = append(post, int32(i))
					postT[i] = append(postT[i], n)
				}
			}
			s.PropagatePair(pre, post, dst, dt)
		}
		s.SettlePairs()
		moved := 0
		for j := range nPre {
			for k := s.RowPtr[j]; k < s.RowPtr[j+1]; k++ {
				i := s.Post[k]
				want := 1.0
				for _, a := range preT[j] {
					for _, p := range postT[i] {
						if a <= p {
							want += st.APlus * math.Exp(-float64(p-a)*dt/st.TauPlusMs)
						} else {
							want -= st.AMinus * math.Exp(-float64(a-p)*dt/st.TauMinusMs)
						}
					}
				}
				if want != 1 {
					moved++
				}
				if d := math.Abs(s.W[k] - want); d > 1e-12 {
					t.Errorf("delay %d, synapse %d→%d: w %.15g, the pair sum gives %.15g", delay, j, i, s.W[k], want)
				}
			}
		}
		if moved < nPre*nPost/2 {
			t.Errorf("delay %d: only %d of %d synapses paired", delay, moved, nPre*nPost)
		}
	}
}

// The bounds clip after every pairing, and nearest pairing counts only the
// latest spike on the other side.
func TestPropagatePairBoundsAndNearest(t *testing.T) {
	st := synapse.STDPParams{}.Defaults()
	st.APlus, st.AMinus, st.TauPlusMs, st.TauMinusMs = 0.3, 0.2, 20, 20
	edges := []synapse.Edge{{Pre: 0, Post: 0, W: 0.5, Delay: 1}}
	s := pairSTDP(t, 1, 1, edges, st, 0, 1)
	one := []int32{0}
	dst := []float64{0}
	s.PropagatePair(one, nil, dst, 1) // x = 1
	s.PropagatePair(nil, one, dst, 1) // +0.3·e^(−1/20)
	s.PropagatePair(nil, one, dst, 1) // +0.3·(e^(−2/20)) → clipped at 1
	s.SettlePairs()
	if s.W[0] != 1 {
		t.Errorf("w = %g, want clipped to w_max = 1", s.W[0])
	}
	for range 10 {
		s.PropagatePair(one, nil, dst, 1) // depressions by 0.2·y, clipped at 0
	}
	if s.W[0] != 0 {
		t.Errorf("w = %g, want clipped to w_min = 0", s.W[0])
	}

	st.Pairing = synapse.Nearest
	n := pairSTDP(t, 1, 1, edges, st, math.Inf(-1), math.Inf(1))
	n.PropagatePair(one, nil, dst, 1)
	n.PropagatePair(one, nil, dst, 1) // nearest: x = 1, not 1 + e^(−1/20)
	n.PropagatePair(nil, one, dst, 1)
	n.SettlePairs()
	want := 0.5 + 0.3*math.Exp(-1.0/20)
	if math.Abs(n.W[0]-want) > 1e-15 {
		t.Errorf("nearest: w = %.17g, want %.17g", n.W[0], want)
	}
	// The same step: an arrival pairs before the post spike (A₊ at lag 0).
	z := pairSTDP(t, 1, 1, edges, st, math.Inf(-1), math.Inf(1))
	z.PropagatePair(one, one, dst, 1)
	z.SettlePairs()
	if z.W[0] != 0.5+0.3 {
		t.Errorf("same-step pair: w = %.17g, want 0.8", z.W[0])
	}
}

// The three-factor methods refuse a two-factor projection, PropagatePair a
// three-factor one, and rule "stdp" refuses event_driven and varied delays.
func TestPropagatePairRefusals(t *testing.T) {
	st := synapse.STDPParams{}.Defaults()
	s := pairSTDP(t, 1, 1, []synapse.Edge{{}}, st, math.Inf(-1), math.Inf(1))
	mustPanic(t, "PlasticStep on rule stdp", func() { s.PlasticStep(nil, nil, 0.1, 0) })
	r := plastic(t, 1, 1, []synapse.Edge{{}}, st)
	mustPanic(t, "PropagatePair on rule rstdp", func() { r.PropagatePair(nil, nil, []float64{0}, 0.1) })
	st.Rule, st.EventDriven = synapse.Additive, true
	if err := st.Validate(); err == nil {
		t.Error("rule stdp with event_driven: no error")
	}
	p := synapse.SparseParams{}.Defaults()
	p.Plastic, p.STDP = true, synapse.STDPParams{}.Defaults()
	p.STDP.Rule = synapse.Additive
	if _, err := synapse.NewSparseEdges(2, 1, []synapse.Edge{{Pre: 0, Delay: 1}, {Pre: 1, Delay: 3}}, p); err == nil {
		t.Error("rule stdp with two delays: no error")
	}
}

// PropagatePair allocates nothing.
func TestPropagatePairAllocatesNothing(t *testing.T) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.Plastic, p.DelaySteps, p.WMin, p.WMax = 0.1, true, 5, 0, 2
	p.STDP.Rule = synapse.Additive
	s, err := synapse.NewSparse(200, 200, p, newRand(3))
	if err != nil {
		t.Fatal(err)
	}
	pre, post := []int32{1, 7, 50, 199}, []int32{0, 3, 150}
	dst := make([]float64, 200)
	if a := testing.AllocsPerRun(2000, func() { s.PropagatePair(pre, post, dst, 0.1) }); a != 0 {
		t.Errorf("%g allocations per step", a)
	}
}

// BenchmarkPropagatePair runs 100 ms (1000 steps of 0.1 ms) of two-factor STDP
// on Brunel's E→E projection (8000 → 8000, in-degree 800, 6.4e6 synapses,
// delay 16 steps) under independent Poisson spikes at 30 Hz; one op is the
// 100 ms.
func BenchmarkPropagatePair(b *testing.B) {
	p := synapse.SparseParams{}.Defaults()
	p.Connect, p.InDegree, p.Weight, p.DelaySteps, p.Plastic, p.WMin, p.WMax = synapse.InDegree, 800, 0.1, 16, true, 0, 0.2
	p.STDP.Rule, p.STDP.APlus, p.STDP.AMinus = synapse.Additive, 0.002, 0.0021
	s, err := synapse.NewSparse(8000, 8000, p, newRand(1))
	if err != nil {
		b.Fatal(err)
	}
	rng := newRand(2)
	const steps = 1000
	spikes := make([][]int32, steps)
	for n := range spikes {
		for i := range 8000 {
			if rng.Float64() < 30*0.1e-3 {
				spikes[n] = append(spikes[n], int32(i))
			}
		}
	}
	dst := make([]float64, 8000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for n := range steps {
			s.PropagatePair(spikes[n], spikes[(n+7)%steps], dst, 0.1)
		}
	}
}
