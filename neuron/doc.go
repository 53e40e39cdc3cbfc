// Package neuron holds populations of model neurons stepped in discrete time.
//
// A population stores its state as flat slices, one value per neuron (struct
// of arrays), and steps in place: Step allocates nothing. Every population
// model satisfies Population: projections add their drive into Input, Step
// consumes that drive and advances the state by one step of dt milliseconds,
// and Output is what downstream projections read (a firing rate r for rate
// models, a spike indicator for spiking models).
//
// Rate units follow
//
//	v ← I + (v − I)·exp(−dt/τ)   (τ = TauMs > 0: a leaky integrator, exact for input constant over the step)
//	v ← I                        (τ = 0: no leak, the unit follows its input at once)
//	r = f(v)                     (f: linear, tanh, sigmoid or relu)
//
// where I is the summed synaptic drive of the step. A rate network with no
// leak in which each population is stepped once, in order, is exactly a
// feedforward multilayer perceptron; that is how the perceptrons of the
// Dopamine paper live in dopa.
//
// Spiking models satisfy Spiking as well: Output is the spike indicator of
// the last step and Spikes lists the neurons that spiked, so that sparse
// projections touch only their synapses.
//
//   - LIF: leaky integrate-and-fire with excitatory (Input) and inhibitory
//     (InputInh) exponential current channels, integrated exactly over dt,
//     with threshold, reset and refractory period (LIFParams). A channel
//     whose time constant is 0 has delta synapses (Brunel 2000): a drive w
//     makes v jump by w, v ← v_rest + (v + w − v_rest)·exp(−dt/τ_m).
//   - PoissonInput: not a population but the external drive of one:
//     every neuron's input grows each step by weight·k, k a Poisson
//     count of mean n·rate·dt/1000 (Brunel's C_ext inputs at ν_ext), from
//     its own seeded ChaCha8 stream (PoissonInputParams).
//   - COBA: leaky integrate-and-fire with excitatory (Input) and
//     inhibitory (InputInh) exponential conductances and their reversal
//     potentials, v stepped by forward Euler, the neurons of the COBA
//     benchmark (Vogels & Abbott 2005; COBAParams):
//     τ_m·dv/dt = −(v − E_L) + I_b + g_e·(E_e − v) + g_i·(E_i − v),
//     τ_x·dg_x/dt = −g_x, conductances in units of the leak conductance.
//   - Izhikevich: the two-variable model of Izhikevich (2003), with the
//     RegularSpiking and FastSpiking presets (IzhikevichParams).
//   - ALIF: adaptive leaky integrate-and-fire neurons as e-prop uses them
//     (Bellec et al. 2020; ALIFParams), below.
//   - Poisson: spike sources that rate-code their drive, spiking in a step
//     of dt ms with probability min(1, RateHzPerUnit·max(0, I)·dt/1000),
//     from their own seeded ChaCha8 stream, optionally frozen (rewound at
//     every Reset) (PoissonParams).
//   - Escape: spike-response neurons with escape noise (Frémaux,
//     Sprekeler & Gerstner 2013; EscapeParams), below.
//
// ALIF neurons have potentials relative to rest, a reset by subtraction, a
// threshold A raised by each spike and decaying with its own time
// constant, and the pseudo-derivative ψ that e-prop's eligibility traces
// use in place of ∂z/∂v:
//
//	v_n = α·v_{n−1} + g·I_n − v_th·z_{n−1}
//	a_n = ρ·a_{n−1} + z_{n−1}
//	A_n = v_th + β·a_n
//	z_n = H(v_n − A_n)                          (0 while refractory)
//	ψ_n = γ/v_th·max(0, 1 − |v_n − A_n|/v_th)   (0 while refractory)
//
// with α = exp(−dt/τ_m), ρ = exp(−dt/τ_a), g = 1 − α or 1 (ScaleInput);
// β = 0 gives LIF neurons with e-prop's reset and pseudo-derivative.
// Escape neurons sum PSP kernels ε(s) = e^{−s/τ_m} − e^{−s/τ_s} of
// their input and a refractory kernel of their own spikes, and fire at a
// rate that grows exponentially with the potential:
//
//	A ← A·e^{−dt/τ_m} + I,  B ← B·e^{−dt/τ_s} + I,  R ← R·e^{−dt/τ_refr}
//	u = A − B − R
//	P(spike in dt) = 1 − exp(−ρ0·exp((u − θ)/Δu)·dt)
//	R ← R + refr_mv after a spike
//
// e-prop's leaky readout is a linear Rate unit with τ = τ_out:
// y ← κ·y + (1 − κ)·I, κ = exp(−dt/τ_out).
package neuron
