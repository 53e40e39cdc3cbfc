package modulator

// DopamineState is everything a Dopamine system has learned and is in the
// middle of: with the same Params and η₀, SetState continues it exactly
// where State left it (checkpoints of long runs).
type DopamineState struct {
	Eta, V, S2, Phasic, Base, LastBase float64
	Updates, Observed                  int
	Expected, Fresh                    bool
	Trace                              Trace
}

// State returns the system's state.
func (m *Dopamine) State() DopamineState {
	return DopamineState{Eta: m.eta, V: m.v, S2: m.s2, Phasic: m.phasic, Base: m.base, LastBase: m.lastBase,
		Updates: m.updates, Observed: m.observed, Expected: m.expected, Fresh: m.fresh, Trace: m.tr}
}

// SetState puts the system in a state State returned.
func (m *Dopamine) SetState(s DopamineState) {
	m.eta, m.v, m.s2, m.phasic, m.base, m.lastBase = s.Eta, s.V, s.S2, s.Phasic, s.Base, s.LastBase
	m.updates, m.observed, m.expected, m.fresh, m.tr = s.Updates, s.Observed, s.Expected, s.Fresh, s.Trace
}

// PulsedState is the state of a Pulsed modulator (its subscribers aside):
// SetState continues one with the same parameters and subscribers exactly
// where State left it.
type PulsedState struct {
	D, T, Base, Dt, K float64
	N                 int
}

// State returns the modulator's state.
func (m *Pulsed) State() PulsedState {
	return PulsedState{D: m.D, T: m.T, Base: m.base, Dt: m.dt, K: m.k, N: m.n}
}

// SetState puts the modulator in a state State returned (it does not tell
// the subscribers: restore their own state too).
func (m *Pulsed) SetState(s PulsedState) {
	m.D, m.T, m.base, m.dt, m.k, m.n = s.D, s.T, s.Base, s.Dt, s.K, s.N
}
