// Package stats holds the statistics dopa reports when it compares learning
// rules over seeds: the Mann-Whitney U as a win rate, with a two-sided
// permutation p-value (exact when the samples are small, from a fixed random
// stream otherwise, so that the same runs always give the same numbers).
package stats
