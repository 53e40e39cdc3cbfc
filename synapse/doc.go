// Package synapse holds projections: the synapses from one population to
// another, with the per-synapse state that three-factor learning needs.
//
// Each plastic synapse i of a projection holds
//
//	W[i]   its weight (or, past the weights, a bias: the tonic drive of a post neuron)
//	Xi[i]  its current perturbation ξ, the synaptic noise of weight perturbation (WP)
//	E[i]   its eligibility trace e, what it recently did, decaying with τ_e
//	M[i]   its plasticity trace m (a synaptic tag), where dopamine met eligibility
//
// and changes only where a broadcast dopamine signal D meets an eligible
// synapse:
//
//	m ← λ·m + D·e,   Δw = η·m
//
// with η the learning rate and λ the persistence of the tag. With λ = 0 this
// is the plain three-factor rule Δw = η·D·e. For WP the eligibility is the
// perturbation itself, scaled by 1/σ² (so that η·D·e is an estimate of a
// gradient step); other rules put other local terms into e. A change can be
// reverted (Revert) when the next outcome does not confirm it.
//
// A perturbed pass propagates with the weights w + ξ; an unperturbed pass with
// w. Both are computed in place, without allocation.
package synapse
