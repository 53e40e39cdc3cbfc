package synapse_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/synapse"
)

var _ modulator.Subscriber = (*synapse.Sparse)(nil)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// checkCSR verifies the layout invariants and returns the (pre, post) pairs.
func checkCSR(t *testing.T, s *synapse.Sparse) [][2]int32 {
	t.Helper()
	if len(s.RowPtr) != s.NPre+1 || s.RowPtr[0] != 0 || int(s.RowPtr[s.NPre]) != s.Len() {
		t.Fatalf("bad RowPtr ends: len %d, first %d, last %d, synapses %d", len(s.RowPtr), s.RowPtr[0], s.RowPtr[s.NPre], s.Len())
	}
	var pairs [][2]int32
	for j := 0; j < s.NPre; j++ {
		row := s.Post[s.RowPtr[j]:s.RowPtr[j+1]]
		for k, i := range row {
			if i < 0 || int(i) >= s.NPost || (k > 0 && row[k-1] >= i) {
				t.Fatalf("row %d not strictly ascending in range: %v", j, row)
			}
			pairs = append(pairs, [2]int32{int32(j), i})
		}
	}
	return pairs
}

func TestSparseFixedProbability(t *testing.T) {
	for _, noSelf := range []bool{false, true} {
		p := synapse.SparseParams{}.Defaults()
		p.P, p.NoSelf, p.Weight = 0.05, noSelf, 0.7
		const n = 1000
		s, err := synapse.NewSparse(n, n, p, newRand(1))
		if err != nil {
			t.Fatal(err)
		}
		pairs := checkCSR(t, s)
		self := 0
		for _, e := range pairs {
			if e[0] == e[1] {
				self++
			}
		}
		if noSelf && self != 0 {
			t.Fatalf("%d self-connections with no_self", self)
		}
		cand := float64(n * n)
		if noSelf {
			cand -= n
		}
		mean, sd := cand*p.P, math.Sqrt(cand*p.P*(1-p.P))
		if got := float64(s.Len()); math.Abs(got-mean) > 5*sd {
			t.Fatalf("%g synapses, want %g ± %g", got, mean, 5*sd)
		}
		// Every post neuron gets about p·n inputs: the gaps are not biased
		// towards low indices.
		lowHalf := 0
		for _, e := range pairs {
			if e[1] < n/2 {
				lowHalf++
			}
		}
		if f := float64(lowHalf) / float64(len(pairs)); math.Abs(f-0.5) > 0.01 {
			t.Errorf("fraction of targets in the lower half %g, want 0.5", f)
		}
		for _, w := range s.W {
			if w != 0.7 {
				t.Fatalf("weight %g, want 0.7", w)
			}
		}
		// Same seed, same projection; other seed, another one.
		s2, _ := synapse.NewSparse(n, n, p, newRand(1))
		s3, _ := synapse.NewSparse(n, n, p, newRand(2))
		if !slices.Equal(s.Post, s2.Post) || !slices.Equal(s.RowPtr, s2.RowPtr) {
			t.Fatal("same seed, different projection")
		}
		if slices.Equal(s.Post, s3.Post) {
			t.Fatal("different seeds, same projection")
		}
	}
	// p = 1 connects everything, p = 0 nothing.
	p := synapse.SparseParams{}.Defaults()
	p.P, p.NoSelf = 1, true
	s, _ := synapse.NewSparse(7, 5, p, newRand(3))
	if s.Len() != 7*5-5 {
		t.Fatalf("p = 1, no_self: %d synapses, want 30", s.Len())
	}
	p.P = 0
	s, _ = synapse.NewSparse(7, 5, p, newRand(3))
	if s.Len() != 0 {
		t.Fatalf("p = 0: %d synapses", s.Len())
	}
	s.Propagate([]int32{0, 3}, make([]float64, 5)) // must not panic
}

func TestSparseFixedInDegree(t *testing.T) {
	for _, noSelf := range []bool{false, true} {
		p := synapse.SparseParams{}.Defaults()
		p.Connect, p.InDegree, p.NoSelf = synapse.InDegree, 25, noSelf
		s, err := synapse.NewSparse(60, 80, p, newRand(4))
		if err != nil {
			t.Fatal(err)
		}
		pairs := checkCSR(t, s)
		in := make([]int, 80)
		preCount := make([]int, 60)
		for _, e := range pairs {
			in[e[1]]++
			preCount[e[0]]++
			if noSelf && e[0] == e[1] {
				t.Fatalf("self-connection %v", e)
			}
		}
		for i, k := range in {
			if k != 25 {
				t.Fatalf("post %d has in-degree %d, want 25 (strictly ascending rows rule out duplicates)", i, k)
			}
		}
		// Out-degrees average 80·25/60 ≈ 33.3; none is wildly off.
		for j, k := range preCount {
			if k < 10 || k > 60 {
				t.Errorf("pre %d has out-degree %d", j, k)
			}
		}
	}
	p := synapse.SparseParams{}.Defaults()
	p.Connect, p.InDegree, p.NoSelf = synapse.InDegree, 10, true
	var pe *synapse.ParamError
	if _, err := synapse.NewSparse(10, 10, p, newRand(5)); !errors.As(err, &pe) || pe.Key() != "in_degree" {
		t.Fatalf("in_degree 10 of 9 candidates: got %v", err)
	}
	p.NoSelf = false
	s, err := synapse.NewSparse(10, 4, p, newRand(5))
	if err != nil || s.Len() != 40 {
		t.Fatalf("full in-degree: %v, %d synapses", err, s.Len())
	}
}

func TestSparseFixedOutDegree(t *testing.T) {
	for _, noSelf := range []bool{false, true} {
		p := synapse.SparseParams{}.Defaults()
		p.Connect, p.OutDegree, p.NoSelf = synapse.OutDegree, 25, noSelf
		s, err := synapse.NewSparse(80, 60, p, newRand(4))
		if err != nil {
			t.Fatal(err)
		}
		pairs := checkCSR(t, s)
		out := make([]int, 80)
		in := make([]int, 60)
		for _, e := range pairs {
			out[e[0]]++
			in[e[1]]++
			if noSelf && e[0] == e[1] {
				t.Fatalf("self-connection %v", e)
			}
		}
		for j, k := range out {
			if k != 25 {
				t.Fatalf("pre %d has out-degree %d, want 25 (strictly ascending rows rule out duplicates)", j, k)
			}
		}
		// In-degrees average 80·25/60 ≈ 33.3; none is wildly off.
		for i, k := range in {
			if k < 10 || k > 60 {
				t.Errorf("post %d has in-degree %d", i, k)
			}
		}
	}
	p := synapse.SparseParams{}.Defaults()
	p.Connect, p.OutDegree, p.NoSelf = synapse.OutDegree, 10, true
	var pe *synapse.ParamError
	if _, err := synapse.NewSparse(10, 10, p, newRand(5)); !errors.As(err, &pe) || pe.Key() != "out_degree" {
		t.Fatalf("out_degree 10 of 9 candidates: got %v", err)
	}
	p.NoSelf = false
	s, err := synapse.NewSparse(4, 10, p, newRand(5))
	if err != nil || s.Len() != 40 {
		t.Fatalf("full out-degree: %v, %d synapses", err, s.Len())
	}
	p.OutDegree = -1
	if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != "out_degree" {
		t.Fatalf("out_degree -1: got %v", err)
	}
	var cr synapse.ConnectRule
	if err := cr.UnmarshalText([]byte("out_degree")); err != nil || cr != synapse.OutDegree {
		t.Errorf("UnmarshalText(out_degree) = %v, %v", cr, err)
	}
}

func TestSparsePropagateDelays(t *testing.T) {
	edges := []synapse.Edge{
		{Pre: 0, Post: 1, W: 1, Delay: 1},
		{Pre: 0, Post: 2, W: 10, Delay: 3},
		{Pre: 1, Post: 1, W: 100, Delay: 2},
		{Pre: 2, Post: 0, W: 1000}, // delay 0 reads as 1
	}
	s, err := synapse.NewSparseEdges(3, 3, edges, synapse.SparseParams{}.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if s.Delay == nil {
		t.Fatal("mixed delays not stored")
	}
	post := make([]float64, 3)
	step := func(spikes ...int32) []float64 {
		clear(post)
		s.Propagate(spikes, post)
		return slices.Clone(post)
	}
	// Spikes of call n arrive at call n+d−1.
	want := [][]float64{
		{0, 1, 0},    // call 0: pre 0 spikes, delay-1 synapse arrives at once
		{1000, 0, 0}, // call 1: pre 2 spikes (delay 1); pre 1 of call 1 (delay 2) later
		{0, 100, 10}, // call 2: pre 1 from call 1 (delay 2), pre 0 from call 0 (delay 3)
		{0, 0, 0},
	}
	got := [][]float64{step(0), step(2, 1), step(), step()}
	for n := range want {
		if !slices.Equal(got[n], want[n]) {
			t.Fatalf("call %d: got %v, want %v", n, got[n], want[n])
		}
	}
	// Uniform delay > 1 uses the ring without per-synapse delays.
	p := synapse.SparseParams{}.Defaults()
	p.P, p.DelaySteps, p.Weight = 1, 4, 0.5
	u, _ := synapse.NewSparse(2, 3, p, newRand(1))
	if u.Delay != nil {
		t.Fatal("uniform delays stored per synapse")
	}
	for n := 0; n < 10; n++ {
		clear(post)
		var sp []int32
		if n == 2 {
			sp = []int32{0, 1}
		}
		u.Propagate(sp, post)
		w := 0.0
		if n == 2+4-1 {
			w = 1
		}
		if !slices.Equal(post, []float64{w, w, w}) {
			t.Fatalf("uniform delay 4, call %d: %v", n, post)
		}
	}
	// ResetState drops spikes in flight.
	u.Propagate([]int32{0}, post)
	u.ResetState()
	for n := 0; n < 5; n++ {
		clear(post)
		u.Propagate(nil, post)
		if post[0] != 0 {
			t.Fatal("spike in flight survived ResetState")
		}
	}
}

func TestSparseRandomDelaysAndPropagateTotals(t *testing.T) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.DelaySteps, p.DelayMaxSteps = 0.3, 2, 6
	s, err := synapse.NewSparse(40, 30, p, newRand(9))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint16]bool{}
	for _, d := range s.Delay {
		if d < 2 || d > 6 {
			t.Fatalf("delay %d outside [2, 6]", d)
		}
		seen[d] = true
	}
	if len(seen) != 5 {
		t.Fatalf("delays used: %v", seen)
	}
	rng := newRand(10)
	for k := range s.W {
		s.W[k] = rng.Float64()
	}
	// Everything sent arrives: the sum over time of the delivered input equals
	// Σ over spikes of the outgoing weights.
	post := make([]float64, 30)
	var sent, got float64
	for n := 0; n < 200; n++ {
		var sp []int32
		if n < 190 {
			for j := int32(0); j < 40; j++ {
				if rng.Float64() < 0.1 {
					sp = append(sp, j)
					for k := s.RowPtr[j]; k < s.RowPtr[j+1]; k++ {
						sent += s.W[k]
					}
				}
			}
		}
		clear(post)
		s.Propagate(sp, post)
		for _, x := range post {
			got += x
		}
	}
	if math.Abs(sent-got) > 1e-9*sent {
		t.Fatalf("sent %g, delivered %g", sent, got)
	}
}

func TestSparseValidate(t *testing.T) {
	cases := []struct {
		key string
		mod func(*synapse.SparseParams)
	}{
		{"p", func(p *synapse.SparseParams) { p.P = 1.5 }},
		{"p", func(p *synapse.SparseParams) { p.P = math.NaN() }},
		{"in_degree", func(p *synapse.SparseParams) { p.Connect, p.InDegree = synapse.InDegree, -1 }},
		{"connect", func(p *synapse.SparseParams) { p.Connect = 7 }},
		{"weight", func(p *synapse.SparseParams) { p.Weight = math.Inf(1) }},
		{"weight", func(p *synapse.SparseParams) { p.WMax = 0.5 }},
		{"delay_steps", func(p *synapse.SparseParams) { p.DelaySteps = 0 }},
		{"delay_max_steps", func(p *synapse.SparseParams) { p.DelaySteps, p.DelayMaxSteps = 3, 2 }},
		{"w_min", func(p *synapse.SparseParams) { p.WMin = math.NaN() }},
		{"w_max", func(p *synapse.SparseParams) { p.WMin, p.WMax = 2, 1 }},
		{"stdp.a_plus", func(p *synapse.SparseParams) { p.Plastic, p.STDP.APlus = true, -1 }},
		{"stdp.tau_c_ms", func(p *synapse.SparseParams) { p.Plastic, p.STDP.TauCMs = true, 0 }},
		{"stdp.tau_minus_ms", func(p *synapse.SparseParams) { p.Plastic, p.STDP.TauMinusMs = true, math.Inf(1) }},
		{"stdp.pairing", func(p *synapse.SparseParams) { p.Plastic, p.STDP.Pairing = true, 5 }},
	}
	for _, c := range cases {
		p := synapse.SparseParams{}.Defaults()
		c.mod(&p)
		var pe *synapse.ParamError
		if err := p.Validate(); !errors.As(err, &pe) || pe.Key() != c.key {
			t.Errorf("want error on %s, got %v", c.key, err)
		}
		if _, err := synapse.NewSparse(5, 5, p, newRand(1)); err == nil {
			t.Errorf("NewSparse accepted bad %s", c.key)
		}
	}
	if _, err := synapse.NewSparseEdges(2, 2, []synapse.Edge{{Pre: 2, Post: 0}}, synapse.SparseParams{}.Defaults()); err == nil {
		t.Error("edge out of range accepted")
	}
	var pr synapse.Pairing
	if err := pr.UnmarshalText([]byte("nearest")); err != nil || pr != synapse.Nearest {
		t.Errorf("UnmarshalText(nearest) = %v, %v", pr, err)
	}
	if err := pr.UnmarshalText([]byte("closest")); err == nil {
		t.Error("UnmarshalText accepted an unknown pairing")
	}
	var cr synapse.ConnectRule
	if err := cr.UnmarshalText([]byte("in_degree")); err != nil || cr != synapse.InDegree {
		t.Errorf("UnmarshalText(in_degree) = %v, %v", cr, err)
	}
}

// plastic returns a projection with the given edges and STDP parameters.
func plastic(t *testing.T, nPre, nPost int, edges []synapse.Edge, st synapse.STDPParams) *synapse.Sparse {
	t.Helper()
	p := synapse.SparseParams{}.Defaults()
	p.Plastic, p.STDP = true, st
	s, err := synapse.NewSparseEdges(nPre, nPost, edges, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The STDP window and the pairing schemes, in both integration modes: the
// eligibility after the spikes must equal the sum of the pair terms.
func TestSTDPPairing(t *testing.T) {
	st := synapse.STDPParams{}.Defaults()
	st.APlus, st.AMinus, st.TauPlusMs, st.TauMinusMs, st.TauCMs = 1, 1.5, 20, 30, 1e12 // c does not decay
	ep, em := func(d float64) float64 { return math.Exp(-d / 20) }, func(d float64) float64 { return math.Exp(-d / 30) }
	type spike struct {
		t   float64
		pre bool
	}
	cases := []struct {
		name            string
		spikes          []spike
		allToAll, nearE float64
	}{
		{"pre→post 10 ms", []spike{{0, true}, {10, false}}, ep(10), ep(10)},
		{"post→pre 10 ms", []spike{{0, false}, {10, true}}, -1.5 * em(10), -1.5 * em(10)},
		{"same step", []spike{{5, true}, {5, false}}, 0, 0},
		{"pre pre post", []spike{{0, true}, {4, true}, {10, false}}, ep(10) + ep(6), ep(6)},
		{"pre post post", []spike{{0, true}, {10, false}, {15, false}}, ep(10) + ep(15), ep(10) + ep(15)},
		{"post pre pre", []spike{{0, false}, {3, true}, {8, true}}, -1.5 * (em(3) + em(8)), -1.5 * (em(3) + em(8))},
		{"post post pre", []spike{{0, false}, {3, false}, {8, true}}, -1.5 * (em(8) + em(5)), -1.5 * em(5)},
	}
	for _, c := range cases {
		for _, pairing := range []synapse.Pairing{synapse.AllToAll, synapse.Nearest} {
			want := c.allToAll
			if pairing == synapse.Nearest {
				want = c.nearE
			}
			for _, event := range []bool{false, true} {
				st.Pairing, st.EventDriven = pairing, event
				s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0, W: 0}}, st)
				one := []int32{0}
				if event {
					// Spikes of one instant arrive together.
					for k := 0; k < len(c.spikes); {
						var pre, post []int32
						tt := c.spikes[k].t
						for ; k < len(c.spikes) && c.spikes[k].t == tt; k++ {
							if c.spikes[k].pre {
								pre = one
							} else {
								post = one
							}
						}
						s.SpikesAt(tt, pre, post)
					}
				} else {
					dt := 0.5
					k := 0
					for n := 0; n <= 40; n++ {
						var pre, post []int32
						for ; k < len(c.spikes) && c.spikes[k].t == float64(n)*dt; k++ {
							if c.spikes[k].pre {
								pre = one
							} else {
								post = one
							}
						}
						s.PlasticStep(pre, post, dt, 0)
					}
				}
				if got := s.Eligibility()[0]; math.Abs(got-want) > 1e-9 {
					t.Errorf("%s, %v, event-driven %v: c = %.12g, want %.12g", c.name, pairing, event, got, want)
				}
				if s.W[0] != 0 {
					t.Errorf("%s: weight changed without dopamine: %g", c.name, s.W[0])
				}
			}
		}
	}
}

// The reference test of reward-modulated STDP: pre at 0 ms, post at 10 ms
// (A₊ = 1, τ₊ = 20 ms, τ_c = 1000 ms), one dopamine pulse of 0.5 at
// 1000 ms (τ_d = 200 ms) changes the weight by
// A₊·e^(−10/20)·e^(−990/1000)·0.5·τ_c·τ_d/(τ_c+τ_d) ≈ 18.78 in the
// continuous model. The event-driven path matches it to 1e-6 (relative),
// the per-step path to 1 % at dt = 0.1 and 1 ms.
func TestRewardModulatedSTDPReference(t *testing.T) {
	const (
		tauC, tauD, pulse, tPulse, tEnd = 1000.0, 200.0, 0.5, 1000.0, 6000.0
	)
	tcd := tauC * tauD / (tauC + tauD)
	cAt := math.Exp(-10.0/20) * math.Exp(-(tPulse-10)/tauC)
	want := cAt * pulse * tcd // the integral to infinity
	if math.Abs(want-18.78) > 0.005 {
		t.Fatalf("reference value %g, the brief says ≈ 18.78", want)
	}
	// The integral to tEnd, where the runs stop (a 1e-11 relative difference).
	wantEnd := want * -math.Expm1(-(tEnd-tPulse)/tcd)

	st := synapse.STDPParams{}.Defaults()
	st.APlus, st.AMinus, st.TauPlusMs, st.TauCMs = 1, 1.5, 20, tauC
	mp := modulator.PulsedParams{}.Defaults()
	mp.TauDMs = tauD

	t.Run("event-driven", func(t *testing.T) {
		st.EventDriven = true
		s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0, W: 0}}, st)
		m, err := modulator.NewPulsed(mp)
		if err != nil {
			t.Fatal(err)
		}
		m.Subscribe(s)
		s.SpikesAt(0, []int32{0}, nil)
		s.SpikesAt(10, nil, []int32{0})
		m.RewardAt(tPulse, pulse)
		s.Flush(tEnd)
		if rel := math.Abs(s.W[0]-wantEnd) / wantEnd; rel > 1e-6 {
			t.Fatalf("Δw = %.10g, want %.10g (rel. error %.2g)", s.W[0], wantEnd, rel)
		}
		t.Logf("event-driven Δw = %.10g (continuous model %.10g)", s.W[0], want)
		// Flushing again later adds only the remaining tail.
		s.Flush(1e5)
		if rel := math.Abs(s.W[0]-want) / want; rel > 1e-9 {
			t.Fatalf("Δw(∞) = %.10g, want %.10g", s.W[0], want)
		}
	})
	for _, dt := range []float64{0.1, 1} {
		t.Run("per-step", func(t *testing.T) {
			st.EventDriven = false
			s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0, W: 0}}, st)
			m, _ := modulator.NewPulsed(mp)
			one := []int32{0}
			nPost, nPulse := int(math.Round(10/dt)), int(math.Round(tPulse/dt))
			for n := 0; n < int(math.Round(tEnd/dt)); n++ {
				var pre, post []int32
				if n == 0 {
					pre = one
				}
				if n == nPost {
					post = one
				}
				if n == nPulse {
					m.Reward(pulse)
				}
				s.PlasticStep(pre, post, dt, m.Level())
				m.Step(dt)
			}
			rel := math.Abs(s.W[0]-wantEnd) / wantEnd
			t.Logf("dt = %g ms: Δw = %.6g, rel. error %.2e", dt, s.W[0], rel)
			if rel > 0.01 {
				t.Fatalf("dt = %g ms: Δw = %.6g, want %.6g within 1 %%", dt, s.W[0], wantEnd)
			}
			if math.Abs(m.T-tEnd) > 1e-9 {
				t.Fatalf("modulator clock %g after %g ms", m.T, tEnd)
			}
		})
	}
}

// A random plastic network driven by random spikes and rewards: the
// event-driven and the per-step paths agree (to the per-step path's
// O(dt/τ_d) error), the tonic baseline included, and weight bounds hold.
func TestSTDPEventDrivenMatchesPerStep(t *testing.T) {
	const dt, steps = 0.1, 20000
	mk := func(event bool) *synapse.Sparse {
		p := synapse.SparseParams{}.Defaults()
		p.P, p.Weight, p.WMin, p.WMax, p.Plastic = 0.3, 1, 0, 2.5, true
		p.DelaySteps, p.DelayMaxSteps = 1, 3
		p.STDP.EventDriven = event
		s, err := synapse.NewSparse(30, 20, p, newRand(77))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	se, sp := mk(true), mk(false)
	mp := modulator.PulsedParams{TauDMs: 200, Tonic: 0.01, Gain: 1}
	me, _ := modulator.NewPulsed(mp)
	ms, _ := modulator.NewPulsed(mp)
	me.Subscribe(se)
	rng := newRand(5)
	post := make([]float64, 20)
	for n := 0; n < steps; n++ {
		var pre, pst []int32
		for j := int32(0); j < 30; j++ {
			if rng.Float64() < 0.002 {
				pre = append(pre, j)
			}
		}
		for i := int32(0); i < 20; i++ {
			if rng.Float64() < 0.003 {
				pst = append(pst, i)
			}
		}
		if n%2500 == 1000 {
			r := rng.Float64() - 0.3
			ms.Reward(r)
			me.RewardAt(float64(n)*dt, r)
		}
		sp.PlasticStep(pre, pst, dt, ms.Level())
		ms.Step(dt)
		se.SpikesAt(float64(n)*dt, pre, pst)
		se.Propagate(pre, post) // propagation reads weights while they change
	}
	// SynapseAt reads every synapse at the end without changing it, and
	// reads what Flush then gives.
	end := float64(steps) * dt
	before := slices.Clone(se.W)
	ws, cs := make([]float64, len(se.W)), make([]float64, len(se.W))
	for k := range se.W {
		ws[k], cs[k] = se.SynapseAt(int32(k), end)
	}
	if !slices.Equal(before, se.W) {
		t.Fatal("SynapseAt changed the weights")
	}
	// One synapse brought to the end alone holds what Flush gives it.
	k0 := int32(len(se.W) / 2)
	se.FlushSynapse(k0, float64(steps)*dt)
	w0, c0 := se.W[k0], se.Eligibility()[k0]
	se.Flush(float64(steps) * dt)
	if se.W[k0] != w0 || se.Eligibility()[k0] != c0 {
		t.Fatalf("FlushSynapse gave w %g, c %g; Flush w %g, c %g", w0, c0, se.W[k0], se.Eligibility()[k0])
	}
	for k := range se.W {
		if se.W[k] != ws[k] || se.Eligibility()[k] != cs[k] {
			t.Fatalf("synapse %d: SynapseAt read w %g, c %g; Flush gave w %g, c %g", k, ws[k], cs[k], se.W[k], se.Eligibility()[k])
		}
	}
	var maxDiff, maxChange float64
	for k := range sp.W {
		if sp.W[k] < 0 || sp.W[k] > 2.5 || se.W[k] < 0 || se.W[k] > 2.5 {
			t.Fatalf("weight %d out of bounds: %g, %g", k, sp.W[k], se.W[k])
		}
		maxDiff = max(maxDiff, math.Abs(sp.W[k]-se.W[k]))
		maxChange = max(maxChange, math.Abs(sp.W[k]-1))
		if d := math.Abs(sp.Eligibility()[k] - se.Eligibility()[k]); d > 1e-9 {
			t.Fatalf("synapse %d: eligibility %g (per step) vs %g (event-driven)", k, sp.Eligibility()[k], se.Eligibility()[k])
		}
	}
	t.Logf("max |Δw| %.4g, max per-step vs event-driven difference %.3g", maxChange, maxDiff)
	if maxChange < 0.1 {
		t.Fatalf("weights hardly changed (max %g): the test tests nothing", maxChange)
	}
	if maxDiff > 0.01*maxChange {
		t.Fatalf("per-step and event-driven weights differ by %g (changes up to %g)", maxDiff, maxChange)
	}
}

// The dopamine history is bounded: many rewards between spikes trigger the
// internal flush, which must not change the result.
func TestSTDPManyRewards(t *testing.T) {
	st := synapse.STDPParams{}.Defaults()
	st.EventDriven = true
	run := func(rewards int) float64 {
		s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0}}, st)
		m, _ := modulator.NewPulsed(modulator.PulsedParams{TauDMs: 50, Tonic: 0.002, Gain: 1})
		m.Subscribe(s)
		s.SpikesAt(0, []int32{0}, nil)
		s.SpikesAt(5, nil, []int32{0})
		for r := 0; r < rewards; r++ {
			m.RewardAt(10+float64(r)*3, 0.1)
		}
		s.Flush(2000)
		return s.W[0]
	}
	// Closed form: c(t) = e^(−5/20)·e^(−(t−5)/τc) from 5 ms on; the
	// rewards at 10 + 3r give d a sum of exponentials.
	n := 500
	c5 := math.Exp(-5.0 / 20)
	tcd := 1000.0 * 50 / 1050
	want := 0.002 * c5 * 1000 * -math.Expm1(-(2000-5)/1000.0)
	for r := 0; r < n; r++ {
		tr := 10 + float64(r)*3
		want += 0.1 * c5 * math.Exp(-(tr-5)/1000) * tcd * -math.Expm1(-(2000-tr)/tcd)
	}
	got := run(n)
	if rel := math.Abs(got-want) / want; rel > 1e-9 {
		t.Fatalf("after %d rewards Δw = %.12g, want %.12g", n, got, want)
	}
}

func TestSparseAllocatesNothing(t *testing.T) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.Plastic, p.DelayMaxSteps = 0.2, true, 4
	sp, _ := synapse.NewSparse(100, 100, p, newRand(1))
	p.STDP.EventDriven = true
	se, _ := synapse.NewSparse(100, 100, p, newRand(1))
	m, _ := modulator.NewPulsed(modulator.PulsedParams{}.Defaults())
	m.Subscribe(se)
	post := make([]float64, 100)
	spikes := []int32{3, 17, 50, 99}
	n := 0
	if a := testing.AllocsPerRun(500, func() {
		n++
		tt := float64(n) * 0.1
		sp.Propagate(spikes, post)
		sp.PlasticStep(spikes, spikes[1:], 0.1, 0.3)
		se.Propagate(spikes, post)
		se.SpikesAt(tt, spikes, spikes[1:])
		if n%7 == 0 {
			m.RewardAt(tt, 0.2) // enough rewards to wrap the history
		}
	}); a != 0 {
		t.Fatalf("%g allocations per step", a)
	}
}

func TestSTDPModePanics(t *testing.T) {
	st := synapse.STDPParams{}.Defaults()
	s := plastic(t, 1, 1, []synapse.Edge{{}}, st)
	mustPanic(t, "SpikesAt on a per-step projection", func() { s.SpikesAt(1, nil, nil) })
	st.EventDriven = true
	e := plastic(t, 1, 1, []synapse.Edge{{}}, st)
	mustPanic(t, "PlasticStep on an event-driven projection", func() { e.PlasticStep(nil, nil, 0.1, 0) })
	e.SpikesAt(5, nil, nil)
	mustPanic(t, "time going back", func() { e.SpikesAt(4, nil, nil) })
	static, _ := synapse.NewSparseEdges(1, 1, []synapse.Edge{{}}, synapse.SparseParams{}.Defaults())
	mustPanic(t, "PlasticStep on a static projection", func() { static.PlasticStep(nil, nil, 0.1, 0) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// benchPlastic runs 1 s (10000 steps of 0.1 ms) of a CUBA-sized plastic
// projection (3200 → 3200, p = 0.02) under Poisson spikes at 6 Hz, with a
// reward every 100 ms; one op is the whole second.
func benchPlastic(b *testing.B, event bool) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.Weight, p.WMin, p.WMax, p.Plastic = 0.02, 1, 0, 4, true
	p.STDP.EventDriven = event
	s, err := synapse.NewSparse(3200, 3200, p, newRand(1))
	if err != nil {
		b.Fatal(err)
	}
	m, _ := modulator.NewPulsed(modulator.PulsedParams{}.Defaults())
	if event {
		m.Subscribe(s)
	}
	// Pre-drawn spike trains, so that drawing is not timed.
	rng := newRand(2)
	const steps = 10000
	trains := make([][]int32, steps)
	for n := range trains {
		for j := int32(0); j < 3200; j++ {
			if rng.Float64() < 6e-4 {
				trains[n] = append(trains[n], j)
			}
		}
	}
	post := make([]float64, 3200)
	b.ReportAllocs()
	b.ResetTimer()
	t0 := 0.0
	for b.Loop() {
		for n, sp := range trains {
			t := t0 + float64(n)*0.1
			s.Propagate(sp, post)
			if event {
				if n%1000 == 0 {
					m.RewardAt(t, 0.1)
				}
				s.SpikesAt(t, sp, sp)
			} else {
				if n%1000 == 0 {
					m.Reward(0.1)
				}
				s.PlasticStep(sp, sp, 0.1, m.Level())
				m.Step(0.1)
			}
		}
		t0 += steps * 0.1
	}
}

func BenchmarkPlasticPerStep(b *testing.B)     { benchPlastic(b, false) }
func BenchmarkPlasticEventDriven(b *testing.B) { benchPlastic(b, true) }

// Florian's (2007) rules, against hand-computed weight changes. MSTDPET is
// R-STDP with the trace z = c/τ_c: pre at 0 ms, post at 10 ms and a
// constant dopamine 0.5 (a tonic level) from 100 ms on change w by
// (A₊/τ_c)·e^(−10/20)·0.5·∫ e^(−(t−10)/τ_c) dt over [100, end). MSTDP has
// no trace: the same pairing changes w by D·A₊·e^(−10/20) if dopamine D is
// present at the post spike, and not at all if it comes later.
func TestFlorianRules(t *testing.T) {
	const tauC, aP, end = 500.0, 1.0, 3000.0
	base := synapse.STDPParams{}.Defaults()
	base.APlus, base.AMinus, base.TauPlusMs, base.TauCMs = aP, 1.5, 20, tauC
	pair := math.Exp(-10.0 / 20)
	cases := []struct {
		name    string
		rule    synapse.Rule
		daFrom  float64 // the tonic level 0.5 holds from here on
		want    float64
		perStep float64 // relative tolerance of the per-step path (dt = 0.1 ms)
	}{
		{"mstdpet, dopamine later", synapse.MSTDPET, 100,
			aP / tauC * pair * 0.5 * tauC * (math.Exp(-90/tauC) - math.Exp(-(end-10)/tauC)), 1e-3},
		{"rstdp, dopamine later", synapse.RSTDP, 100,
			aP * pair * 0.5 * tauC * (math.Exp(-90/tauC) - math.Exp(-(end-10)/tauC)), 1e-3},
		{"mstdp, dopamine present", synapse.MSTDP, 5, 0.5 * aP * pair, 1e-9},
		{"mstdp, dopamine later", synapse.MSTDP, 100, 0, 0},
	}
	for _, c := range cases {
		for _, event := range []bool{false, true} {
			st := base
			st.Rule, st.EventDriven = c.rule, event
			s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0, W: 0}}, st)
			one := []int32{0}
			if event {
				s.SpikesAt(0, one, nil)
				if c.daFrom < 10 {
					s.Dopamine(c.daFrom, 0, 200, 0.5)
					s.SpikesAt(10, nil, one)
				} else {
					s.SpikesAt(10, nil, one)
					s.Dopamine(c.daFrom, 0, 200, 0.5)
				}
				s.Flush(end)
			} else {
				const dt = 0.1
				for n := 0; n < int(end/dt); n++ {
					tt := float64(n) * dt
					var pre, post []int32
					if n == 0 {
						pre = one
					}
					if n == 100 {
						post = one
					}
					d := 0.0
					if tt >= c.daFrom-1e-9 {
						d = 0.5
					}
					s.PlasticStep(pre, post, dt, d)
				}
			}
			got := s.W[0]
			tol := 1e-9 * math.Max(1, math.Abs(c.want))
			if !event {
				tol = math.Max(tol, c.perStep*math.Abs(c.want))
			}
			if math.Abs(got-c.want) > tol {
				t.Errorf("%s, event-driven %v: Δw = %.10g, want %.10g", c.name, event, got, c.want)
			}
		}
	}
}
