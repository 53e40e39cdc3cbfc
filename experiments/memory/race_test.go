//go:build race

package memory

// raceEnabled shortens the slow statistical tests under the race detector,
// which runs them about ten times slower; the full tests run without it.
const raceEnabled = true
