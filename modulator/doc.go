// Package modulator is the global dopamine system.
//
// After each trial the modulator receives the outcome (a reward, for
// learning tasks the negative loss) and forms a reward prediction error
// against an expectation. The expectation is either the outcome of the
// unperturbed circuit on the same trial ("paired": the RPE is then the
// regret of the Dopamine paper) or a running critic (fully online, one
// pass per trial). The RPE drives a dopamine level, a tonic baseline plus a
// phasic response that decays with τ_d, which is broadcast to every plastic
// synapse, and it adapts the learning rate. The system knows no learning
// rule: Params says what it does (the expectation source, the adaptive
// gain, the learning-rate steps, revert, the plasticity trace), and the
// rules of experiments/train (wp, np, dopamine, dopamine2, npfb, npfb_ls)
// each choose their values. See docs/dopamine.md for the equations and
// their biological reading.
//
// For reinforcement in closed loop the expectation is a temporal-difference
// critic (TD): a value V(x) = w·x of the state's features, and the error
//
//	δ = r + γ·V(x′) − V(x)
//
// of Schultz, Dayan & Montague (1997), learned by TD(λ). δ is then the
// dopamine signal: a Pulsed level jumps by Gain·δ and decays with τ_d.
//
// In continuous time (ContinuousTD; Doya 2000, Frémaux, Sprekeler &
// Gerstner 2013) V is the filtered rate of a spiking critic population and
//
//	δ(t) = r(t) − V(t)/τ_r + dV/dt,
//
// declared in a circuit file as its [modulator] (kind = "continuous_td").
//
// The modulator knows nothing of synapses: the caller applies
// Δw = η·D·e with η = LearningRate() and D = Level().
package modulator
