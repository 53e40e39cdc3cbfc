// Package training is the training kind of run: an experiment file (or a
// circuit file with its own [rule] and task) compares learning rules on a
// task over seeds. A Plan is the experiment, its circuit and its rule
// variants, ready to run; each job trains one rule variant on one seed
// through train.Loop, checkpointing as it goes, and the kind writes
// summary.json (every run's fields and, per rule, medians and
// comparisons), metrics.csv, traces.csv, weights.csv, predictions.csv,
// rasters and diagnostics through their schemas. TrainingKind registers
// it with the runner (experiments/kinds).
package training
