package modulator

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/internal/param"
)

// PulsedParams are the parameters of a dopamine level driven by reward
// events in continuous time (see Pulsed).
type PulsedParams struct {
	// TauDMs is the decay time constant τ_d of the phasic dopamine (ms), > 0.
	TauDMs float64 `toml:"tau_d_ms" check:"finite,>0"`
	// Tonic is the tonic baseline added to the broadcast level.
	Tonic float64 `toml:"tonic" check:"finite"`
	// Gain is the phasic pulse per unit of reward: a reward r adds Gain·r to d.
	Gain float64 `toml:"gain" check:"finite"`
}

// Defaults returns τ_d = 200 ms (NEST's stdp_dopamine_synapse τ_n and
// Izhikevich 2007), no tonic baseline and unit gain.
func (PulsedParams) Defaults() PulsedParams { return PulsedParams{TauDMs: 200, Gain: 1} }

// Validate reports a parameter out of range, naming its key.
func (p PulsedParams) Validate() error {
	return param.Check(p)
}

// Subscriber receives the dopamine signal of a Pulsed modulator as
// breakpoints, for exact event-driven plasticity: from time t (ms) on, the
// broadcast level is d·exp(−(t'−t)/τ_d) + tonic, until the next call.
// synapse.Sparse with event-driven STDP satisfies it.
type Subscriber interface {
	Dopamine(t, d, tauDMs, tonic float64)
}

// Pulsed is a dopamine level in continuous time driven by reward events,
// as in Izhikevich (2007):
//
//	τ_d·dd/dt = −d + τ_d·Σ Gain·r_k·δ(t − t_k)    phasic level d
//	D = d + tonic                                  broadcast level
//
// A reward r_k at t_k makes d jump by Gain·r_k; between rewards d decays
// exactly, d(t) = d(t₀)·exp(−(t−t₀)/τ_d).
//
// It has a per-step form and an event-driven form, which share the clock T:
//
//   - per step: Reward(r) adds a pulse at the current time, Level() is the
//     level broadcast during the step, and Step(dt) advances by dt;
//   - event-driven: RewardAt(t, r) advances to t and adds a pulse, and
//     LevelAt(t) reads the level at any t ≥ T. Every pulse is also sent to
//     the subscribers (see Subscriber).
//
// Consecutive steps of the same dt place the clock at T₀ + n·dt, without
// accumulating rounding.
type Pulsed struct {
	PulsedParams
	D float64 // phasic level d at time T
	T float64 // the clock (ms)

	subs []Subscriber

	// Step clock: T = base + n·dt while dt stays the same.
	base, dt, k float64
	n           int
}

// NewPulsed returns a modulator at T = 0 with d = 0.
func NewPulsed(p PulsedParams) (*Pulsed, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Pulsed{PulsedParams: p}, nil
}

// Subscribe adds a subscriber and sends it the current state (T, d).
func (m *Pulsed) Subscribe(s Subscriber) {
	m.subs = append(m.subs, s)
	s.Dopamine(m.T, m.D, m.TauDMs, m.Tonic)
}

// Reset sets T = 0 and d = 0. Subscribers are not told: reset their state
// too (synapse.Sparse.ResetState) and subscribe them again if needed.
func (m *Pulsed) Reset() {
	m.D, m.T, m.base, m.dt, m.n = 0, 0, 0, 0, 0
}

// Level returns the broadcast level D = d + tonic at the clock T.
func (m *Pulsed) Level() float64 { return m.D + m.Tonic }

// Phasic returns the phasic level d at the clock T.
func (m *Pulsed) Phasic() float64 { return m.D }

// Step advances the clock by dt ms: d ← d·exp(−dt/τ_d).
func (m *Pulsed) Step(dt float64) {
	if dt != m.dt {
		m.base, m.n, m.dt = m.T, 0, dt
		m.k = math.Exp(-dt / m.TauDMs)
	}
	m.n++
	m.T = m.base + float64(m.n)*dt
	m.D *= m.k
}

// Reward adds a pulse Gain·r to d at the clock T and tells the subscribers.
func (m *Pulsed) Reward(r float64) {
	m.D += m.Gain * r
	for _, s := range m.subs {
		s.Dopamine(m.T, m.D, m.TauDMs, m.Tonic)
	}
}

// AdvanceTo moves the clock to t ms (t ≥ T), decaying d exactly.
func (m *Pulsed) AdvanceTo(t float64) {
	if t < m.T || math.IsNaN(t) {
		panic(fmt.Sprintf("modulator: AdvanceTo(%g) before the clock %g", t, m.T))
	}
	if t == m.T {
		return
	}
	m.D *= math.Exp(-(t - m.T) / m.TauDMs)
	m.T = t
	m.dt, m.n = 0, 0
}

// RewardAt advances the clock to t ms (t ≥ T) and adds a pulse Gain·r.
func (m *Pulsed) RewardAt(t, r float64) {
	m.AdvanceTo(t)
	m.Reward(r)
}

// LevelAt returns the broadcast level d(t) + tonic at t ≥ T without moving
// the clock.
func (m *Pulsed) LevelAt(t float64) float64 {
	return m.D*math.Exp(-(t-m.T)/m.TauDMs) + m.Tonic
}
