package synapse

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every entry of a projection's decay tables has the bits of the call it
// replaces, with the argument formed as the integration forms it; gaps
// that are not whole numbers, or too long, are not looked up.
func TestExpTablesHoldTheCallsBits(t *testing.T) {
	p := SparseParams{}.Defaults()
	p.Plastic, p.STDP.EventDriven = true, true
	p.STDP.TauPlusMs, p.STDP.TauMinusMs, p.STDP.TauCMs = 16.8, 33.7, 1000
	s, err := NewSparseEdges(2, 2, []Edge{{Pre: 0, Post: 1}}, p)
	if err != nil {
		t.Fatal(err)
	}
	s.Dopamine(0, 0, 200, 0)
	ev := s.stdp.hist[len(s.stdp.hist)-1]
	st := &s.stdp
	for _, c := range []struct {
		name  string
		tab   expTable
		value func(g float64) float64
	}{
		{"e^(-g/tau_c)", st.gc, func(g float64) float64 { return math.Exp(-g * (1 / p.STDP.TauCMs)) }},
		{"e^(-g/tau_plus)", st.gp, func(g float64) float64 { return math.Exp(-g * (1 / p.STDP.TauPlusMs)) }},
		{"e^(-g/tau_minus)", st.gm, func(g float64) float64 { return math.Exp(-g * (1 / p.STDP.TauMinusMs)) }},
		{"e^(-g/tau_d)", ev.ed, func(g float64) float64 { return math.Exp(-g * ev.invTauD) }},
		{"expm1(-g/tau_cd)", ev.em, func(g float64) float64 { return math.Expm1(-g / ev.tauCD) }},
	} {
		for n := range expTableLen {
			g := float64(n)
			v, ok := lookup(c.tab, g)
			if want := c.value(g); !ok || math.Float64bits(v) != math.Float64bits(want) {
				t.Fatalf("%s at %g: %v %v, want %v", c.name, g, v, ok, want)
			}
		}
		for _, g := range []float64{0.5, 1e-300, 3.999999, expTableLen, 1e12, math.Inf(1), math.NaN(), -1} {
			if _, ok := lookup(c.tab, g); ok {
				t.Errorf("%s: gap %g looked up", c.name, g)
			}
		}
	}
	if got := len(expTables.m); got > 16 {
		t.Errorf("%d tables for a handful of time constants: not shared", got)
	}
}

// refAt is Sparse.at as it was before the tables, calling math.Exp and
// math.Expm1 for every factor.
func refAt(s *Sparse, k int32, t float64) (w, c float64) {
	st := &s.stdp
	a := st.tc[k].a
	w, c = s.W[k], st.tc[k].c
	if t <= a || c == 0 {
		return w, c
	}
	h := st.hist
	e := len(h) - 1
	for h[e].T > a {
		e--
	}
	invTauC, tauC := 1/s.STDP.TauCMs, s.STDP.TauCMs
	dw, u := 0.0, a
	for {
		ev := &h[e]
		end := t
		last := e+1 >= len(h) || h[e+1].T >= t
		if !last {
			end = h[e+1].T
		}
		lapse := end - u
		if ev.D != 0 {
			d := ev.D * math.Exp(-(u-ev.T)*ev.invTauD)
			dw -= c * d * ev.tauCD * math.Expm1(-lapse/ev.tauCD)
		}
		kc := math.Exp(-lapse * invTauC)
		if ev.Tonic != 0 {
			dw += c * ev.Tonic * tauC * (1 - kc)
		}
		c *= kc
		if last {
			break
		}
		u = end
		e++
	}
	if dw != 0 {
		w = min(max(w+dw, s.WMin), s.WMax)
	}
	return w, c
}

// Brought up to date between random spikes and rewards, at whole and at
// fractional times, every synapse holds the bits of the integration
// without tables.
func TestEventDrivenAtEqualsExpCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	p := SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.EventDriven = 0.3, true, true
	p.WMin, p.WMax = -1, 4
	s, err := NewSparse(40, 40, p, rng)
	if err != nil {
		t.Fatal(err)
	}
	s.Dopamine(0, 0, 200, 2e-5)
	var pre, post []int32
	checked := 0
	for step := 1; step <= 20000; step++ {
		tm := float64(step)
		if step > 10000 {
			tm = 10000 + float64(step-10000)*0.25 // fractional times: the calls
		}
		if rng.IntN(700) == 0 {
			s.Dopamine(tm, 0.5+rng.Float64(), 200, 2e-5)
		}
		pre, post = pre[:0], post[:0]
		for i := range int32(40) {
			if rng.IntN(50) == 0 {
				pre = append(pre, i)
			}
			if rng.IntN(50) == 0 {
				post = append(post, i)
			}
		}
		if step%997 == 0 {
			for k := range int32(len(s.W)) {
				w, c := s.at(k, tm)
				rw, rc := refAt(s, k, tm)
				if math.Float64bits(w) != math.Float64bits(rw) || math.Float64bits(c) != math.Float64bits(rc) {
					t.Fatalf("t = %g, synapse %d: (%v, %v), want (%v, %v)", tm, k, w, c, rw, rc)
				}
				if c != 0 {
					checked++
				}
			}
		}
		s.SpikesAt(tm, pre, post)
	}
	if checked < 1000 {
		t.Fatalf("only %d synapses with a trace compared", checked)
	}
}

// expTail gives math.Exp's bits, 0 included, around and below the
// underflow where it skips the call.
func TestExpTailIsTheCall(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	xs := []float64{math.Inf(-1), math.NaN(), -800, math.Nextafter(-800, 0), -745.1332191019411, -745.2, -744, -708, -1e300, 0, 1}
	for range 100000 {
		xs = append(xs, -700-rng.Float64()*400)
	}
	for _, x := range xs {
		if got, want := expTail(x), math.Exp(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("expTail(%v) = %v, math.Exp gives %v", x, got, want)
		}
	}
}

// Far from its last reward (beyond the tables' 65.5 s and past the
// dopamine's underflow), a synapse still holds the bits of the
// integration without tables, and SumWeightsAt adds what a loop of
// SynapseAt adds.
func TestSumWeightsAtIsSynapseAtLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	p := SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.EventDriven = 0.3, true, true
	p.WMin, p.WMax = -1, 4
	s, err := NewSparse(30, 30, p, rng)
	if err != nil {
		t.Fatal(err)
	}
	s.Dopamine(0, 0, 200, 2e-5)
	var pre, post []int32
	sums := 0
	for tm := 1.0; tm < 400000; tm += 1 + float64(rng.IntN(3000)) {
		if rng.IntN(60) == 0 {
			s.Dopamine(tm, 0.5+rng.Float64(), 200, 2e-5)
		}
		pre, post = pre[:0], post[:0]
		for i := range int32(30) {
			if rng.IntN(10) == 0 {
				pre = append(pre, i)
			}
			if rng.IntN(10) == 0 {
				post = append(post, i)
			}
		}
		s.SpikesAt(tm, pre, post)
		at := tm + float64(rng.IntN(200000))
		want := 0.5
		for k := range int32(len(s.W)) {
			w, c := s.SynapseAt(k, at)
			rw, rc := refAt(s, k, at)
			if math.Float64bits(w) != math.Float64bits(rw) || math.Float64bits(c) != math.Float64bits(rc) {
				t.Fatalf("t = %g, synapse %d: (%v, %v), want (%v, %v)", at, k, w, c, rw, rc)
			}
			want += w
		}
		if got := s.SumWeightsAt(at, 0.5); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("t = %g: SumWeightsAt %v, the loop of SynapseAt %v", at, got, want)
		}
		sums++
	}
	if sums < 100 {
		t.Fatalf("only %d sums compared", sums)
	}
}

// clipSum gives the bits of min(max(w+dw, lo), hi) for every nonzero dw,
// signed zeros, infinities and NaN included.
func TestClipSumIsMinMax(t *testing.T) {
	z := math.Copysign(0, -1)
	vals := []float64{0, z, 1, -1, 0.5, -0.5, 1e-300, -1e-300, math.Inf(1), math.Inf(-1), math.NaN(), 2, 3}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		vals = append(vals, rng.NormFloat64())
	}
	for _, w := range vals {
		for _, dw := range vals[:40] {
			if dw == 0 {
				continue
			}
			for _, lo := range []float64{0, z, -1, math.Inf(-1), 0.25} {
				for _, hi := range []float64{0, z, 1, 4, math.Inf(1), 0.25} {
					if lo > hi {
						continue
					}
					got, want := clipSum(w, dw, lo, hi), min(max(w+dw, lo), hi)
					if math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("clipSum(%v, %v, %v, %v) = %v, min and max give %v", w, dw, lo, hi, got, want)
					}
				}
			}
		}
	}
}

// refSpikesAt is SpikesAt for rule rstdp with all-to-all pairing as it
// was before the tables and bring: each synapse of a spiking neuron is
// brought to t by refAt, then paired, with math.Exp for every factor.
func refSpikesAt(s *Sparse, t float64, pre, post []int32) {
	st := &s.stdp
	st.tNow = t
	up := func(k int32) {
		if t > st.tc[k].a {
			s.W[k], st.tc[k].c = refAt(s, k, t)
			st.tc[k].a = t
		}
	}
	aP, aM := s.STDP.APlus, s.STDP.AMinus
	itp, itm := 1/s.STDP.TauPlusMs, 1/s.STDP.TauMinusMs
	for _, j := range pre {
		for k := s.RowPtr[j]; k < s.RowPtr[j+1]; k++ {
			up(k)
			if i := s.Post[k]; st.post[i].v != 0 {
				st.tc[k].c -= aM * st.post[i].v * math.Exp(-(t-st.post[i].t)*itm)
			}
		}
	}
	for _, i := range post {
		for x := st.colPtr[i]; x < st.colPtr[i+1]; x++ {
			k := st.colSyn[x]
			up(k)
			if j := st.colPre[x]; st.pre[j].v != 0 {
				st.tc[k].c += aP * st.pre[j].v * math.Exp(-(t-st.pre[j].t)*itp)
			}
		}
	}
	for _, j := range pre {
		st.pre[j] = trace{1 + st.pre[j].v*math.Exp(-(t-st.pre[j].t)*itp), t}
	}
	for _, i := range post {
		st.post[i] = trace{1 + st.post[i].v*math.Exp(-(t-st.post[i].t)*itm), t}
	}
}

// SpikesAt, through bring and the tables, leaves every synapse with the
// bits of refSpikesAt, over random spikes and rewards at whole and
// fractional times, with weights that reach both bounds.
func TestSpikesAtEqualsReference(t *testing.T) {
	p := SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.EventDriven = 0.3, true, true
	p.WMin, p.WMax, p.Weight = 0, 0.05, 0.02
	p.STDP.AMinus = 1.05
	mk := func() *Sparse {
		s, err := NewSparse(40, 40, p, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		s.Dopamine(0, 0, 200, 2e-5)
		return s
	}
	s, r := mk(), mk()
	rng := rand.New(rand.NewPCG(8, 1))
	var pre, post []int32
	clipped := 0
	for step := 1; step <= 30000; step++ {
		tm := float64(step)
		if step > 20000 {
			tm = 20000 + float64(step-20000)*0.25
		}
		if rng.IntN(500) == 0 {
			d := 1e-4 * (0.5 + rng.Float64())
			s.Dopamine(tm, d, 200, 2e-5)
			r.Dopamine(tm, d, 200, 2e-5)
		}
		pre, post = pre[:0], post[:0]
		for i := range int32(40) {
			if rng.IntN(100) == 0 {
				pre = append(pre, i)
			}
			if rng.IntN(100) == 0 {
				post = append(post, i)
			}
		}
		s.SpikesAt(tm, pre, post)
		refSpikesAt(r, tm, pre, post)
	}
	for k := range s.W {
		sc, rc := s.stdp.tc[k], r.stdp.tc[k]
		if math.Float64bits(s.W[k]) != math.Float64bits(r.W[k]) || math.Float64bits(sc.c) != math.Float64bits(rc.c) || sc.a != rc.a {
			t.Fatalf("synapse %d: w %v, c %v, at %v; the reference %v, %v, %v", k, s.W[k], sc.c, sc.a, r.W[k], rc.c, rc.a)
		}
		if s.W[k] == p.WMin || s.W[k] == p.WMax {
			clipped++
		}
	}
	t.Logf("%d of %d weights at a bound", clipped, len(s.W))
	if clipped == 0 || clipped == len(s.W) {
		t.Fatalf("%d of %d weights at a bound: the bounds are not exercised", clipped, len(s.W))
	}
}

// An event-driven projection saved (State) and restored into a fresh one
// drawn the same way (SetState) goes on with the same bits: its paired
// update times and eligibilities and its paired traces go through
// SparseState's separate slices and back.
func TestEventDrivenStateRoundTrip(t *testing.T) {
	p := SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.EventDriven = 0.3, true, true
	p.WMin, p.WMax, p.Weight = 0, 0.05, 0.02
	mk := func() *Sparse {
		s, err := NewSparse(30, 30, p, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		s.Dopamine(0, 0, 200, 2e-5)
		return s
	}
	run := func(ss []*Sparse, from, to int, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var pre, post []int32
		for step := from; step < to; step++ {
			tm := float64(step)
			if rng.IntN(300) == 0 {
				d := 1e-4 * (0.5 + rng.Float64())
				for _, s := range ss {
					s.Dopamine(tm, d, 200, 2e-5)
				}
			}
			pre, post = pre[:0], post[:0]
			for i := range int32(30) {
				if rng.IntN(60) == 0 {
					pre = append(pre, i)
				}
				if rng.IntN(60) == 0 {
					post = append(post, i)
				}
			}
			for _, s := range ss {
				s.SpikesAt(tm, pre, post)
			}
		}
	}
	s := mk()
	run([]*Sparse{s}, 1, 5000, 1)
	r := mk()
	if err := r.SetState(s.State()); err != nil {
		t.Fatal(err)
	}
	run([]*Sparse{s, r}, 5000, 12000, 2)
	s.Flush(12000)
	r.Flush(12000)
	for k := range s.W {
		if math.Float64bits(s.W[k]) != math.Float64bits(r.W[k]) || math.Float64bits(s.stdp.tc[k].c) != math.Float64bits(r.stdp.tc[k].c) {
			t.Fatalf("synapse %d: restored w %v, c %v; the original %v, %v", k, r.W[k], r.stdp.tc[k].c, s.W[k], s.stdp.tc[k].c)
		}
	}
}
