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
//
// A plastic Sparse projection of spiking populations learns by a spike-timing
// three-factor rule instead (STDPParams): a pre spike at t_pre and a post
// spike at t_post form the pairing term
//
//	ζ = +A₊·exp(−(t_post − t_pre)/τ₊)   pre before post
//	ζ = −A₋·exp(−(t_pre − t_post)/τ₋)   post before pre
//
// and the dopamine level D turns it into weight change: R-STDP (Izhikevich
// 2007) keeps an eligibility trace, c ← c + ζ, τ_c·dc/dt = −c, dw/dt = c·D;
// MSTDPET (Florian 2007) the trace z = c/τ_c; MSTDP (Florian 2007) none,
// Δw = D·ζ at the pairing. Per step (PlasticStep) or event-driven
// (SpikesAt, Dopamine, Flush), where a synapse is touched only when its
// neurons spike and c·D is integrated exactly in between.
//
// TDLTP is the three-factor rule of Frémaux, Sprekeler & Gerstner (2013)
// on a dense projection onto escape neurons: dw_ij/dt = η·δ·E_ij,
// E_ij = κ * (Y_i·(ε * X_j)), δ a continuous TD error; its eligibility's
// two exponential parts are advanced lazily over chunks of steps
// (TDChunk), touched only at post spikes and once per chunk. Centred
// (TDLTPParams.Center), E_ij = κ * ((Y_i − ρ_i)·(ε * X_j)), ρ_i the post
// neuron's escape rate: the policy-gradient form, its ρ side kept per pre
// neuron and ρ_i taken as its mean over the chunk.
package synapse
