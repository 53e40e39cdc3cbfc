package synapse

import "math"

// Probe follows one synapse of an event-driven plastic Sparse projection
// step by step, for traces and per-step statistics. The projection brings
// a synapse up to date only at its own events (a spike of its pre or post
// neuron) and at Flush; in between, a probe integrates the synapse's
// equations over each step of 1 ms with their exact factors,
//
//	w ← clip(w + η·c·(d·F_D + D₀·F_T), 0, w_max)
//	c ← c·e^(−1/τ_c)
//	d ← d·e^(−1/τ_d)
//
// with F_D = ∫₀¹ e^(−u/τ_d)·e^(−u/τ_c) du and F_T = ∫₀¹ e^(−u/τ_c) du (u in
// ms), and takes the projection's own values again at each of the
// synapse's events. d is the phasic dopamine (Reward adds to it), D₀ the
// tonic level.
type Probe struct {
	s         *Sparse
	k         int32
	eta, tone float64
	wMax      float64
	kc, decD  float64
	fD, fT    float64
	// C, W and D are the synapse's eligibility and weight and the phasic
	// dopamine after the last Step.
	C, W, D float64
}

// ProbeParams are the constants a probe integrates with: those the
// projection and its dopamine source were made with.
type ProbeParams struct {
	Rate   float64 // η, weight change per unit of c·dopamine per ms
	Tonic  float64 // D₀, tonic dopamine
	TauCMs float64 // τ_c, decay of the eligibility (ms)
	TauDMs float64 // τ_d, decay of the phasic dopamine (ms)
	WMax   float64 // upper weight bound
}

// NewProbe follows synapse k of s, starting from its current weight (and
// zero eligibility and phasic dopamine).
func (s *Sparse) NewProbe(k int32, p ProbeParams) *Probe {
	tcd := p.TauCMs * p.TauDMs / (p.TauCMs + p.TauDMs)
	return &Probe{s: s, k: k, eta: p.Rate, tone: p.Tonic, wMax: p.WMax,
		kc: math.Exp(-1 / p.TauCMs), decD: math.Exp(-1 / p.TauDMs),
		fD: -tcd * math.Expm1(-1/tcd), fT: -p.TauCMs * math.Expm1(-1/p.TauCMs),
		W: s.W[k]}
}

// Step advances the probe over one step of 1 ms; event says whether the
// synapse's pre or post neuron spiked at its end (the projection has then
// brought the synapse up to date, and the probe takes its values).
func (p *Probe) Step(event bool) {
	p.W = min(max(p.W+p.C*p.eta*(p.D*p.fD+p.tone*p.fT), 0), p.wMax)
	p.C *= p.kc
	p.D *= p.decD
	if event {
		p.C, p.W = p.s.EligibilityOf(p.k), p.s.W[p.k]
	}
}

// Reward adds phasic dopamine (the pulse of a reward).
func (p *Probe) Reward(d float64) { p.D += d }

// Dopamine returns the dopamine level: phasic plus tonic.
func (p *Probe) Dopamine() float64 { return p.D + p.tone }
