// Package reward is reinforcement in closed loop: agents act in an
// environment (experiments/env), a temporal-difference critic
// (modulator.TD) predicts the reward, and its prediction error
//
//	δ = r + γ·V(x′) − V(x)
//
// is the dopamine signal (Schultz, Dayan & Montague 1997): it drives a
// dopamine level (modulator.Pulsed: a jump of gain·δ, decay τ_d, a tonic
// baseline) and is broadcast to the agent's plastic synapses, which apply
// a three-factor rule Δθ = η·δ·e with their eligibility e.
//
// A reward file (kind = "reward") names the environment, the critic, the
// agents compared (the registered agents: critic, actor_critic,
// ase, rate, spiking, network, q_learning, random, eprop) and optional conditions (variants of the file's keys,
// as --set spells them, such as reward probabilities); it runs every
// condition, agent and seed through the one runner (experiments/runner).
//
// One step of an episode, in order: the agent acts on the features x of
// the state it is in; the environment moves and returns the reward r and
// the features x′ of the new state; the critic forms δ and learns; the
// dopamine decays over the step (critic.step_ms) and jumps by gain·δ; the
// agent learns from δ. Metrics of conditioning (delta_cs, delta_us,
// delta_omitted) read δ on the steps the environment marks.
package reward
