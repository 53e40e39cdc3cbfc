// Package stats holds the statistics dopa reports when it compares learning
// rules over seeds: the Mann-Whitney U as a win rate, with a two-sided
// permutation p-value that counts every relabelling exactly (ties
// included) for samples up to about 50 against 50, and otherwise comes
// from a fixed random stream, so that the same runs always give the same
// numbers.
package stats
