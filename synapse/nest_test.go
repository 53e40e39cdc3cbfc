package synapse_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/synapse"
)

// nestSynapse is a test oracle: the update of NEST's stdp_dopamine_synapse
// (models/stdp_dopamine_synapse.h, NEST 3), written again in Go from its
// equations and its order of operations, for one synapse whose delay is
// purely dendritic:
//
//   - a presynaptic spike at t reaches the synapse at t; a postsynaptic
//     spike at t reaches it at t + d;
//   - the presynaptic trace K₊ jumps by 1 per pre spike and decays with
//     τ₊; the postsynaptic trace K₋ (kept by the neuron) by 1 per post
//     spike, decaying with τ₋;
//   - a post spike arriving at t₀ = t_post + d adds A₊·K₊(t₀) to c (not if
//     it coincides with the pre spike being sent, d = 0); a pre spike at t
//     subtracts A₋·K₋(t − d), the trace of the post spikes strictly before
//     t − d;
//   - the dopamine trace n jumps by 1/τ_n per dopamine spike and decays
//     with τ_n; c decays with τ_c; dw/dt = c·(n − b), integrated exactly
//     between events and clipped to [Wmin, Wmax] at each.
//
// The weight is brought up to date at each pre spike (send) and at the end
// (trigger_update_weight).
type nestSynapse struct {
	aPlus, aMinus, tauPlus, tauMinus, tauC, tauN, b, wMin, wMax, d float64

	w, kPlus, c, n float64
	idx            int     // the dopamine spike just processed (0: the pseudo spike at 0)
	tLast          float64 // t_last_update
	dopa           []float64
	post           []float64 // the post neuron's spike history
}

const nestEps = 1e-6

func (s *nestSynapse) updateWeight(c0, n0, minusDt float64) {
	taus := (s.tauC + s.tauN) / (s.tauC * s.tauN)
	s.w -= c0 * (n0/taus*math.Expm1(taus*minusDt) - s.b*s.tauC*math.Expm1(minusDt/s.tauC))
	s.w = min(max(s.w, s.wMin), s.wMax)
}

func (s *nestSynapse) updateDopamine() {
	minusDt := s.dopa[s.idx] - s.dopa[s.idx+1]
	s.idx++
	s.n = s.n*math.Exp(minusDt/s.tauN) + 1/s.tauN
}

// processDopa brings w and c from t0 to t1 through the dopamine spikes in
// (t0, t1].
func (s *nestSynapse) processDopa(t0, t1 float64) {
	if len(s.dopa) > s.idx+1 && t1-s.dopa[s.idx+1] > -nestEps {
		n0 := s.n * math.Exp((s.dopa[s.idx]-t0)/s.tauN)
		s.updateWeight(s.c, n0, t0-s.dopa[s.idx+1])
		s.updateDopamine()
		for len(s.dopa) > s.idx+1 && t1-s.dopa[s.idx+1] > -nestEps {
			cd := s.c * math.Exp((t0-s.dopa[s.idx])/s.tauC)
			s.updateWeight(cd, s.n, s.dopa[s.idx]-s.dopa[s.idx+1])
			s.updateDopamine()
		}
		cd := s.c * math.Exp((t0-s.dopa[s.idx])/s.tauC)
		s.updateWeight(cd, s.n, s.dopa[s.idx]-t1)
	} else {
		n0 := s.n * math.Exp((s.dopa[s.idx]-t0)/s.tauN)
		s.updateWeight(s.c, n0, t0-t1)
	}
	s.c *= math.Exp((t0 - t1) / s.tauC)
}

// history returns the post spikes in (t1, t2].
func (s *nestSynapse) history(t1, t2 float64) []float64 {
	var out []float64
	for _, t := range s.post {
		if t > t1+nestEps && t <= t2+nestEps {
			out = append(out, t)
		}
	}
	return out
}

// kMinus is the post neuron's trace at t: its spikes strictly before t.
func (s *nestSynapse) kMinus(t float64) float64 {
	k := 0.0
	for _, tp := range s.post {
		if t-tp > nestEps {
			k += math.Exp(-(t - tp) / s.tauMinus)
		}
	}
	return k
}

// send is a presynaptic spike at tSpike.
func (s *nestSynapse) send(tSpike float64) {
	t0 := s.tLast
	for _, tp := range s.history(s.tLast-s.d, tSpike-s.d) {
		s.processDopa(t0, tp+s.d)
		t0 = tp + s.d
		if tSpike-tp > nestEps {
			s.c += s.aPlus * s.kPlus * math.Exp((s.tLast-t0)/s.tauPlus)
		}
	}
	s.processDopa(t0, tSpike)
	s.c -= s.aMinus * s.kMinus(tSpike-s.d)
	s.kPlus = s.kPlus*math.Exp((s.tLast-tSpike)/s.tauPlus) + 1
	s.tLast = tSpike
}

// trigger brings the synapse to tTrig.
func (s *nestSynapse) trigger(tTrig float64) {
	t0 := s.tLast
	for _, tp := range s.history(s.tLast-s.d, tTrig-s.d) {
		s.processDopa(t0, tp+s.d)
		t0 = tp + s.d
		s.c += s.aPlus * s.kPlus * math.Exp((s.tLast-t0)/s.tauPlus)
	}
	s.processDopa(t0, tTrig)
}

// poissonTimes draws spike times on a 1-ms grid in (0, end) at rate hz.
func poissonTimes(rng *rand.Rand, hz, end float64) []float64 {
	var out []float64
	for t := 1.0; t < end; t++ {
		if rng.Float64() < hz/1000 {
			out = append(out, t)
		}
	}
	return out
}

// R-STDP with NEST's conventions equals NEST's stdp_dopamine_synapse: the
// dopamine as n − b (a modulator.Pulsed whose Gain is 1/τ_n per dopamine
// spike, its Tonic −b, its τ_d = τ_n) and the post spikes paired after the
// dendritic delay (handed to the synapse d ms late), event-driven, all-to-
// all. Random pre, post and dopamine spike trains over 20 s, several
// seeds: the final weights agree to 1e-12 (relative).
func TestRSTDPEqualsNESTDopamineSynapse(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 77))
		const end = 20000.0
		d := float64(1 + seed%4) // dendritic delay (ms)
		pre, post, dopa := poissonTimes(rng, 8, end), poissonTimes(rng, 12, end), poissonTimes(rng, 1, end)
		nest := &nestSynapse{aPlus: 1, aMinus: 1.5, tauPlus: 20, tauMinus: 20, tauC: 1000, tauN: 200, b: 0.002,
			wMin: -1e9, wMax: 1e9, d: d, w: 10, dopa: append([]float64{0}, dopa...), post: post}
		for _, tp := range pre {
			nest.send(tp)
		}
		nest.trigger(end)

		st := synapse.STDPParams{}.Defaults() // NEST's A₊, A₋, τ₊, τ₋, τ_c, all to all
		st.EventDriven = true
		s := plastic(t, 1, 1, []synapse.Edge{{Pre: 0, Post: 0, W: 10}}, st)
		s.WMin, s.WMax = -1e9, 1e9
		da, err := modulator.NewPulsed(modulator.PulsedParams{TauDMs: nest.tauN, Gain: 1 / nest.tauN, Tonic: -nest.b})
		if err != nil {
			t.Fatal(err)
		}
		da.Subscribe(s)
		// Events in time order: dopamine spikes, pre spikes, post spikes
		// arriving d ms late.
		type ev struct {
			t    float64
			kind int // 0 dopamine, 1 pre, 2 post
		}
		var evs []ev
		for _, x := range dopa {
			evs = append(evs, ev{x, 0})
		}
		for _, x := range pre {
			evs = append(evs, ev{x, 1})
		}
		for _, x := range post {
			if x+d < end {
				evs = append(evs, ev{x + d, 2})
			}
		}
		slices.SortStableFunc(evs, func(a, b ev) int {
			if a.t != b.t {
				if a.t < b.t {
					return -1
				}
				return 1
			}
			return a.kind - b.kind
		})
		one := []int32{0}
		for i := 0; i < len(evs); {
			tt := evs[i].t
			var p, q []int32
			for ; i < len(evs) && evs[i].t == tt; i++ {
				switch evs[i].kind {
				case 0:
					da.RewardAt(tt, 1)
				case 1:
					p = one
				case 2:
					q = one
				}
			}
			if p != nil || q != nil {
				s.SpikesAt(tt, p, q)
			}
		}
		s.Flush(end)
		got, want := s.W[0], nest.w
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) || math.Abs(want-10) < 1e-3 {
			t.Errorf("seed %d (d = %g ms, %d pre, %d post, %d dopamine spikes): w = %.15g, NEST's synapse %.15g", seed, d, len(pre), len(post), len(dopa), got, want)
		}
	}
}
