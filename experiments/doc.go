// Package experiments drives circuits: it expands an experiment (a circuit,
// a task, the learning rules to compare, their parameter sweeps and the
// seeds) into runs, trains each run on a pool of workers, and writes what
// the runs leave behind: manifest.json, summary.json, metrics.csv,
// traces.csv and the figures in plots/.
//
// Reproducibility: every run draws its random numbers from streams derived
// by hashing (seed, stream name) into a ChaCha8 key, never from shared
// state, and results are collected by run index, so one seed gives
// bit-identical outputs for any number of workers. The initial weights of a
// seed depend on the seed alone: all rules start from the same circuit.
package experiments
