package modulator

import "math"

// Dopamine is the dopamine system of one circuit: it turns outcomes into
// the dopamine level D and the learning rate η it broadcasts, and decides
// whether the last weight change is consolidated or reverted.
//
// Per update t of a paired system (docs/dopamine.md), first the outcome of
// the unperturbed circuit b_t is measured and passed to Consolidate:
//
//	π_t = b_t − b_{t−1}                          progress RPE
//	η_t = η_{t−1}·(1+A)  if π_t > 0               learning rate, within
//	      η_{t−1}·(1−B)  if π_t < 0               [η₀/R, η₀·R]
//	      η_{t−1}        if π_t = 0
//	revert if π_t < −ε·|b_{t−1}| (and Revert is set); then b_t ← b_{t−1}
//
// then the outcome of the perturbed circuit r_t is passed to Observe:
//
//	δ_t = r_t − b_t                              RPE (the regret)
//	v_t = (1−β)·v_{t−1} + β·δ_t²                 adaptive gain (v_1 = δ_1²)
//	P_t = k_d·P_{t−1} + δ_t/√v_t                 phasic response, k_d = exp(−T/τ_d)
//	D_t = D₀ + P_t                               broadcast level
//
// With β = 0 the phasic response is the raw RPE δ_t; with A = B = 0 and no
// revert, η stays η₀: that is standard WP. A critic system measures no
// unperturbed outcome: its expectation is V_t, updated V_{t+1} = V_t +
// α_V·(r_t − V_t), and its progress is π_t = V_{t+1} − V_t (no revert;
// none either on the first outcome after NewContext).
type Dopamine struct {
	Params
	eta0     float64
	eta      float64
	v        float64 // critic expectation V
	s2       float64 // running mean square of the RPE
	phasic   float64 // P
	base     float64 // b_t, the expectation of the current update
	lastBase float64 // b_{t−1}
	updates  int     // Consolidate calls (paired) or Observe calls (critic)
	expected bool    // Expect set the expectation of the next Observe
	fresh    bool    // NewContext since the last Observe: a critic does not adapt η
	observed int
	tr       Trace
}

// New returns a dopamine system with initial learning rate η₀ = eta0.
func New(p Params, eta0 float64) *Dopamine {
	m := &Dopamine{Params: p, eta0: eta0}
	m.Reset()
	return m
}

// Reset forgets all history: η = η₀, no expectation, no phasic response.
func (m *Dopamine) Reset() {
	m.eta = m.eta0
	m.v, m.s2, m.phasic, m.base, m.lastBase, m.updates, m.observed = 0, 0, 0, 0, 0, 0, 0
	m.tr = Trace{LearningRate: m.eta0, Dopamine: m.Tonic, Progress: math.NaN()}
}

// Paired reports whether the expectation is the unperturbed circuit's
// outcome, which the caller must then measure and pass to Consolidate
// before every Observe.
func (m *Dopamine) Paired() bool { return m.RPE == Paired }

// Normalized reports whether the broadcast level is divided by the RPE's
// running scale (GainRate > 0), so that D is dimensionless.
func (m *Dopamine) Normalized() bool { return m.GainRate > 0 }

// Consolidate takes b, the outcome of the unperturbed circuit after the
// last weight change. It adapts the learning rate to the progress
// π = b − b_prev and reports whether the last change must be reverted; after
// a revert the expectation stays at the outcome before that change.
func (m *Dopamine) Consolidate(b float64) (revert bool) {
	m.tr.Progress, m.tr.Reverted = math.NaN(), false
	if m.updates > 0 {
		pi := b - m.lastBase
		m.adapt(pi)
		m.tr.Progress = pi
		if m.Revert && pi < -m.RevertTolerance*math.Abs(m.lastBase) {
			revert, b = true, m.lastBase
		}
	}
	m.tr.Reverted = revert
	m.base = b
	m.lastBase = b
	m.updates++
	return revert
}

// NewContext says that outcomes from now on are not comparable with the
// earlier ones (new data): the next Consolidate neither adapts η nor
// reverts, and a critic's next Observe does not adapt η (the change of V
// across the switch measures the data as much as the circuit).
func (m *Dopamine) NewContext() { m.updates, m.fresh = 0, true }

func (m *Dopamine) adapt(pi float64) {
	if m.LRUp == 0 && m.LRDown == 0 {
		return
	}
	switch {
	case pi > 0:
		m.eta = math.Min(m.eta*(1+m.LRUp), m.eta0*m.LRRange)
	case pi < 0:
		m.eta = math.Max(m.eta*(1-m.LRDown), m.eta0/m.LRRange)
	}
	// π = 0: the outcome did not change (a flat, e.g. spike-count, loss):
	// no information, η stays.
}

// Expect sets the expectation b of the next Observe without adapting
// anything: the first trial of an antithetic pair is the expectation of the
// second (Params.Central).
func (m *Dopamine) Expect(b float64) {
	m.base, m.expected = b, true
	m.tr.Progress, m.tr.Reverted = math.NaN(), false
}

// Observe takes the outcome of the perturbed circuit (the reward) and
// forms the RPE against the expectation, the dopamine level and, for a
// critic, the learning rate. lapseMs is the time since the last trial, over
// which the phasic response decays.
func (m *Dopamine) Observe(reward, lapseMs float64) {
	expected := m.base
	if m.RPE == Critic && !m.expected {
		if m.observed == 0 {
			m.v = reward
		}
		expected = m.v
		m.v += m.CriticRate * (reward - m.v)
		m.tr.Progress, m.tr.Reverted = math.NaN(), false
		if m.observed > 0 && !m.fresh {
			m.adapt(m.v - expected)
			m.tr.Progress = m.v - expected
		}
	}
	delta := reward - expected
	resp := delta
	if m.GainRate > 0 {
		if m.observed == 0 {
			m.s2 = delta * delta
		} else {
			m.s2 = (1-m.GainRate)*m.s2 + m.GainRate*delta*delta
		}
		if s := math.Sqrt(m.s2); s > 0 {
			resp = delta / s
		} else {
			resp = 0
		}
	}
	kd := 0.0
	if m.TauDMs > 0 {
		kd = math.Exp(-lapseMs / m.TauDMs)
	}
	m.phasic = kd*m.phasic + resp
	m.observed++
	m.expected, m.fresh = false, false
	m.tr.Reward, m.tr.Expectation, m.tr.RPE = reward, expected, delta
	m.tr.Dopamine, m.tr.LearningRate = m.Tonic+m.phasic, m.eta
}

// Level returns the dopamine level D broadcast after the last trial.
func (m *Dopamine) Level() float64 { return m.tr.Dopamine }

// LearningRate returns the current learning rate η.
func (m *Dopamine) LearningRate() float64 { return m.eta }

// Trace returns what the system computed for the last update.
func (m *Dopamine) Trace() Trace { return m.tr }
