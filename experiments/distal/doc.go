// Package distal is the distal-reward experiment of Izhikevich (2007,
// "Solving the distal reward problem through linkage of STDP and dopamine
// signaling", Cerebral Cortex 17:2443–2452, Fig. 1): in a spontaneously
// active network of 1000 spiking neurons, one synapse out of 80 000 is
// rewarded, 1–3 s late, each time its postsynaptic neuron fires shortly
// after its presynaptic one. Dopamine-gated STDP with a slow eligibility
// trace finds it: after an hour the rewarded synapse sits near the maximum
// while the others spread low. A control condition, the same network with
// the reward switched off, leaves the chosen synapse near zero.
//
// The reference implementation is Izhikevich's MATLAB script daspnet.m
// (ModelDB 84167), which "reproduces the experiment in Fig. 1"; this
// package reproduces that script, reformulated in continuous time as the
// paper's Methods write the model, and says below where it differs.
//
// # Network
//
// 800 excitatory regular-spiking and 200 inhibitory fast-spiking Izhikevich
// (2003) neurons (neuron.RegularSpiking, neuron.FastSpiking), v in mV, t in
// ms, dt = 1 ms, integrated as the script does (two Euler half steps of v,
// one step of u; see neuron.Izhikevich):
//
//	dv/dt = 0.04·v² + 5·v + 140 − u + I,   du/dt = a·(b·v − u),
//	v ≥ 30: v ← c, u ← u + d
//
// Every neuron has 100 outgoing synapses; an excitatory neuron's targets
// are drawn uniformly, with replacement, from all 1000 neurons (itself
// included), an inhibitory neuron's from the 800 excitatory ones, as in the
// script. Excitatory weights start at 1 and stay in [0, w_max = 4];
// inhibitory weights are −1 and fixed. Every conduction delay is 1 ms: a
// spike in step n adds its weight to the input current of its targets in
// step n+1. (The script sets its maximal delay D = 1; the random 1–20 ms
// delays belong to spnet.m, the polychronization network it is based on.)
//
// Repeated targets (network.repeated_targets): with replacement, about 5 %
// of a neuron's draws repeat an earlier target. The script adds the weights
// with I(ind) = I(ind) + s, which in MATLAB counts a repeated index once,
// so a repeated target receives the spike once, while every repeated
// synapse keeps its own plasticity and its weight. "drop" (the default)
// reproduces that; "sum" lets every synapse deliver; "distinct" redraws
// repeated targets. The statistics count every excitatory synapse, the
// silent repeats included, as the script's weight matrix does.
//
// Thalamic input (network.thalamic): the script gives every neuron an
// independent current 13·(U − 0.5), U uniform on [0, 1), every ms
// ("uniform", amplitude 13, the default); "single" gives instead one random
// neuron a current of amplitude (20 in spnet.m) every ms. The two drive the
// network quite differently; only "uniform" is the script of Fig. 1.
//
// # Plasticity (the paper's equations, the script's constants)
//
// Each excitatory synapse (exc→exc and exc→inh) has a weight s and an
// eligibility trace c; the extracellular dopamine d is global:
//
//	dc/dt = −c/τ_c + STDP(Δt)·δ(t − t_pre/post)     τ_c = 1000 ms
//	ds/dt = η·c·(d + tonic)                        η = 0.01 ms⁻¹, tonic = 0.002
//	dd/dt = −d/τ_d + 0.5·Σ_k δ(t − t_k^reward)      τ_d = 200 ms
//	STDP(Δt) = +A₊·exp(−Δt/τ₊) for Δt = t_post − t_pre > 0 (potentiation)
//	           −A₋·exp(+Δt/τ₋) for Δt < 0 (depression)
//	A₊ = 1, A₋ = 1.5, τ₊ = τ₋ = 20 ms, nearest-spike pairing
//
// and s is clipped to [0, w_max]. The paper writes ds/dt = c·d with A₊ = 1,
// A₋ = 1.5; the script keeps its STDP trace at 0.1 and 0.15 (that is, c/10),
// decays it by 0.95 per ms (τ = 19.5 ms), decays c by 0.99 every 10 ms
// (τ_c = 995 ms) and d by 0.995 per ms (τ_d = 199.5 ms), and every 10 ms
// adds (0.002 + d)·c/10 to s. In the paper's units of c that is
// ds/dt = 0.01 ms⁻¹·c·(d + 0.002): the η and tonic above. Issue 4 quotes a
// tonic level of 0.01, which we could not trace to the script; the script,
// which produced the figure, uses 0.002, and so do we (dopamine.tonic sets
// it). A reward adds 0.5 to d in both.
//
// The plasticity is synapse.Sparse's event-driven reward-modulated STDP: a
// synapse is updated only when its pre or post neuron fires (and at the
// end), and ∫c·(d + tonic) dt is integrated exactly between updates, with
// the dopamine passed as breakpoints by a modulator.Pulsed (gain η, tonic
// η·0.002). Since d ≥ 0 and c keeps its sign between updates, s is
// monotone between updates, so clipping at the updates equals clipping
// continuously. This costs a few exponentials per synapse per spike
// instead of touching all 80 000 synapses every ms.
//
// Where this differs from the script, beyond the exact integration in place
// of 10-ms weight updates and the nominal time constants (20, 1000, 200 ms
// for 19.5, 995, 199.5): spikes in the same step do not pair (the script
// depresses by the full A₋ for a pre and a post spike in the same ms), and
// potentiation at lag Δt ms is A₊·e^(−Δt/20) where the script has
// A₊·0.95^(Δt−1), about 5 % more.
//
// # Reward
//
// The rewarded synapse is drawn uniformly among the excitatory→excitatory
// synapses between two different neurons whose pair is not repeated (the
// script takes the first synapse of neuron 1, whatever its target); its
// weight starts at 0 (network.w_rewarded_init), as in the script. Every
// spike of its postsynaptic neuron that comes 1 to 19 ms after the last
// spike of its presynaptic neuron (0 < lag < reward.window_ms = 20, as the
// script's test) schedules one reward after a delay drawn uniformly from
// the integers [1000, 3000] ms (the script: 1001–3000); each reward adds
// 0.5 to d in the step it falls due (two rewards due in the same ms add 1;
// the script adds 0.5 once). The control condition counts the pairings but
// schedules nothing.
//
// # Runs, randomness, speed
//
// A file lists conditions ([[condition]], name and reward on/off) and a
// number of seeds; every (condition, seed) is a run, and Run simulates them
// on parallel goroutines. Each run draws from its own ChaCha8 streams, keyed
// by SHA-256 of (seed, name) as experiments.Stream does, with the names
// "network", "rewarded_synapse", "thalamic" and "reward_delay": results are
// bit-identical for any number of workers, and the conditions of one seed
// share the network, the rewarded synapse and the input, so they agree
// exactly until the first reward. The step allocates nothing. One hour of
// network time (3.6 M steps) takes a couple of minutes per run on one core.
//
// # Outputs
//
// Write puts into a directory summary.json (per run: spike count,
// sim_seconds = wall time of the simulation loop only, the rewarded weight
// at the end and averaged over the last 10 minutes, its mid-rank percentile
// among the other excitatory weights, their mean, median and fraction
// above 90 % of w_max, the rewards delivered, wall_seconds; by_rule: medians
// over seeds per condition; checks: the criteria of issue 4 on each run),
// synapse_traces.csv (every 100 ms: d + tonic, c and s of the rewarded
// synapse, the mean excitatory weight), weights_end.csv (every excitatory
// weight at the end, with its neurons), network_rasters.csv (the spikes of
// the first and the last recorded second), manifest.json, and plots/
// (distal_reward: d, c and s against time for the rewarded condition with
// the control's s; weights_end: histograms of the final weights with the
// rewarded synapse marked; raster: the first and the last second).
//
// In synapse_traces.csv, c and s of the rewarded synapse are integrated every ms
// alongside the projection (and resynchronised with it at each of its
// updates), so they are exact at every sample; the mean excitatory weight
// is the mean of the stored weights, each as of its synapse's last update
// (typically under a second earlier: a bias far below 0.01).
package distal
