// Package plots makes the figures of a dopa run from the files the run
// wrote to its output directory, so that `dopa plot DIR` can (re)draw them
// without re-running anything.
//
// [Write] reads
//
//   - DIR/metrics.csv (required): columns rule, seed, epoch, trials, loss;
//   - DIR/traces.csv (optional): modulator traces with columns rule, seed,
//     epoch, trials, reward, expectation, rpe, dopamine, learning_rate,
//     eligibility_rms, weight_rms;
//   - DIR/summary.json (optional): the loss criterion and the fraction of
//     solved runs per rule;
//   - DIR/predictions.csv (optional, written by forecasting experiments):
//     columns rule, seed, step, dim, target, one_step, free_run, one block
//     per traced (rule, seed), in the series' units, free_run NaN outside
//     the closed-loop forecast,
//
// and writes PNG and SVG versions of these figures to DIR/plots/:
//
//   - loss.png, loss.svg: loss against trials (forward passes), one line per
//     rule giving the median over seeds with a shaded band from the 25th to
//     the 75th percentile, on log trials and log loss axes, with the
//     criterion as a dashed line when summary.json gives one;
//   - modulator.png, modulator.svg: stacked panels of RPE, dopamine,
//     learning rate and weight RMS against trials for the first seed of
//     every rule in traces.csv that has a finite RPE. Rules without one (the
//     gradient baselines sgd and adam, which have no dopamine system) are
//     not drawn but named in a single legend note; if no rule has a finite
//     RPE, or traces.csv is missing or has no rows, there is no modulator
//     figure;
//   - predictions.png, predictions.svg: for the first seed of every rule in
//     predictions.csv (dimension 0 only, which the title names, e.g. "x of
//     (x, y, z)", when there are more), a row of two panels against the
//     sample index, in the rule order and colours of the loss figure: the
//     one-step forecast over the test segment, and the closed-loop forecast
//     over the steps where free_run is finite and a few before, each with
//     the target in black. Both panels of a row share a y axis, which
//     reaches at most ten times the target's range beyond it; a rule whose
//     forecast goes further is clipped and named in a legend note. Rules
//     whose one-step forecast has no finite value (diverged runs) are not
//     drawn but named in a legend note; if no rule has one, or
//     predictions.csv is missing or has no rows, there is no predictions
//     figure.
//
// Columns are found by their header names, so their order does not matter
// and extra columns are ignored. Errors name the file and, for bad CSV
// values, the line.
//
// # Loss statistics
//
// Runs stop when they reach the criterion, so they differ in length and in
// the trials at which they were logged: on XOR a solved run may stop after
// a few dozen trials and an unsolved one run on to tens of thousands, hence
// the log trials axis. [LossCurves] resamples every (rule, seed) series onto
// a grid of [GridPoints] geometrically spaced trial counts (evenly spaced on
// the log axis) running from the first logged trial count of the rule, or 1
// if that is smaller, to the last. At a grid point a run contributes its
// last logged loss at or before that point (so a run that stopped keeps its
// final loss, and a row logged at trial 0 counts from the first grid point
// on); a run whose first row comes later than the grid point does not
// contribute there.
//
// A non-finite loss (NaN or ±Inf, written e.g. "NaN" or "+Inf") marks a
// diverged run and is ranked as +Inf, i.e. worse than any finite loss, so
// that divergence raises the median instead of being silently dropped.
// Quantiles use gonum's stat.Empirical definition: the smallest sample with
// at least the fraction p of the samples at or below it (for an even number
// of seeds the median is the lower of the two middle values). Where a
// quantile is infinite the median line is interrupted and the band is drawn
// up to the top of the axis. The log axis spans the powers of ten around
// the positive finite quartiles (but not below [LossFloor]); smaller losses,
// including zero, are drawn at its bottom.
package plots
