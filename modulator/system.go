package modulator

import "math"

// Dopamine is the dopamine system of one circuit: it turns outcomes into
// the dopamine level D and the learning rate η it broadcasts.
//
// Per trial t, with reward r_t (outcome of the perturbed circuit) and
// expectation b_t (the unperturbed circuit's outcome, or the critic's V_t):
//
//	δ_t = r_t − b_t                           RPE (regret, when paired)
//	V_{t+1} = V_t + α_V·(r_t − V_t)           critic
//	s²_t = (1−β)·s²_{t−1} + β·δ_t²            adaptive gain (β = GainRate)
//	P_t = k_d·P_{t−1} + δ_t/s_t               phasic response, k_d = exp(−T/τ_d)
//	D_t = D₀ + P_t                            broadcast level
//	η_t = η_{t−1}·(1+u) if b_t > b_{t−1}      learning rate, u = LRUp,
//	      η_{t−1}·(1−d) if b_t < b_{t−1}      d = LRDown, within η₀/R … η₀·R
//
// With β = 0 the division by s is skipped (s = 1), and with u = d = 0 the
// learning rate stays η₀: that is standard WP.
type Dopamine struct {
	Params
	eta0     float64
	eta      float64
	v        float64 // critic expectation V
	s2       float64 // running mean square of the RPE
	phasic   float64 // P
	lastBase float64 // b_{t−1}
	trials   int
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
	m.v, m.s2, m.phasic, m.lastBase, m.trials = 0, 0, 0, 0, 0
	m.tr = Trace{LearningRate: m.eta0, Dopamine: m.Tonic}
}

// Paired reports whether the expectation is the unperturbed circuit's
// outcome, which the caller must then measure and pass to Observe.
func (m *Dopamine) Paired() bool { return m.RPE == Paired }

// Observe takes the outcome of trial t. reward is the outcome of the
// perturbed circuit; expected the outcome of the unperturbed circuit for a
// paired system (ignored by a critic). lapseMs is the time since the last
// trial, for the decay of the phasic response.
func (m *Dopamine) Observe(reward, expected, lapseMs float64) {
	if m.RPE == Critic {
		if m.trials == 0 {
			m.v = reward
		}
		expected = m.v
		m.v += m.CriticRate * (reward - m.v)
	}
	delta := reward - expected

	resp := delta
	if m.GainRate > 0 {
		if m.trials == 0 {
			m.s2 = delta * delta
		} else {
			m.s2 += m.GainRate * (delta*delta - m.s2)
		}
		if s := math.Sqrt(m.s2); s > 0 {
			resp = delta / s
		}
	}
	kd := 0.0
	if m.TauDMs > 0 {
		kd = math.Exp(-lapseMs / m.TauDMs)
	}
	m.phasic = kd*m.phasic + resp

	if m.trials > 0 && (m.LRUp > 0 || m.LRDown > 0) {
		switch {
		case expected > m.lastBase:
			m.eta = math.Min(m.eta*(1+m.LRUp), m.eta0*m.LRRange)
		case expected < m.lastBase:
			m.eta = math.Max(m.eta*(1-m.LRDown), m.eta0/m.LRRange)
		}
	}
	m.lastBase = expected
	m.trials++
	m.tr = Trace{Reward: reward, Expectation: expected, RPE: delta, Dopamine: m.Tonic + m.phasic, LearningRate: m.eta}
}

// Level returns the dopamine level D broadcast after the last trial.
func (m *Dopamine) Level() float64 { return m.tr.Dopamine }

// LearningRate returns the current learning rate η.
func (m *Dopamine) LearningRate() float64 { return m.eta }

// Trace returns what the system computed for the last trial.
func (m *Dopamine) Trace() Trace { return m.tr }
