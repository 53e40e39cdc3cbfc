//go:build !linux

package synapse

// hugePages does nothing outside Linux.
func hugePages([]float64) {}
