package modulator

import "math"

// Retune changes the parameters and the initial learning rate η₀ of a
// running dopamine system between two updates, keeping its history (the
// expectation, the RPE's running scale, the phasic response): what a
// slider of the live view does. The adapted η is scaled by the ratio of
// the new η₀ to the old one and kept within the new [η₀/R, η₀·R]; the
// trace reports the new η at once. p must be valid (Params.Validate).
func (m *Dopamine) Retune(p Params, eta0 float64) {
	m.Params = p
	if eta0 != m.eta0 && m.eta0 > 0 {
		m.eta *= eta0 / m.eta0
	}
	m.eta0 = eta0
	if m.LRUp == 0 && m.LRDown == 0 {
		m.eta = eta0 // no adaptation: η is η₀
	} else if m.LRRange >= 1 {
		m.eta = math.Min(math.Max(m.eta, eta0/m.LRRange), eta0*m.LRRange)
	}
	m.tr.LearningRate = m.eta
}
