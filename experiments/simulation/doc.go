// Package simulation is the simulation kind of run: a circuit file with
// task = "simulate" runs without learning for duration_ms, one seed,
// recording every spike and the [[record]] monitors (spikes.csv,
// states.csv, populations.csv, and on request a SONATA spikes.h5).
// SimulationKind registers it with the runner (experiments/kinds).
package simulation
