package neuron

// Parted is a spiking population whose neurons can be stepped in disjoint
// ranges by several goroutines at once, with the very bits of Step (each
// neuron's update reads and writes only its own state). One step in parts
// is:
//
//	pop.Prepare(dt)                          // one goroutine
//	parts[k] = pop.StepPart(lo_k, hi_k, parts[k][:0])  // concurrently; the ranges cover [0, Len)
//	pop.Join(parts)                          // one goroutine, ranges ascending
//
// after which Spikes and Output are what Step(dt) would have left.
type Parted interface {
	Spiking
	// Prepare readies a step of dt ms (the propagators for dt).
	Prepare(dt float64)
	// StepPart steps the neurons [lo, hi), appends those that spiked to
	// spikes (ascending) and returns it. It allocates nothing when spikes
	// has room for hi − lo more.
	StepPart(lo, hi int, spikes []int32) []int32
	// Join makes the parts' spikes, concatenated in order, the spikes of
	// the step.
	Join(parts [][]int32)
}

// join concatenates parts into dst[:0].
func join(dst []int32, parts [][]int32) []int32 {
	dst = dst[:0]
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

// clearOut zeroes out[i] for the previous step's spikes i in [lo, hi).
func clearOut(out []float64, spikes []int32, lo, hi int) {
	for _, i := range spikes {
		if int(i) >= lo && int(i) < hi {
			out[i] = 0
		}
	}
}

// offset adds lo to the spikes a kernel found in [lo, hi), which it
// numbered from 0.
func offset(spikes []int32, lo int) {
	if lo == 0 {
		return
	}
	for k := range spikes {
		spikes[k] += int32(lo)
	}
}
