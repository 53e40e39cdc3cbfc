package synapse

import "unsafe"

// pairAVX2 is pairAdd's loop over synapses [0, n), n a multiple of 4,
// adding k.amp·tr·e to c: for every synapse whose gap t − tt is whole,
// non-negative and held by the table, the same IEEE operations as the Go
// loop; any other with tr ≠ 0 (and one whose term is NaN) it leaves
// untouched and lists in slow, ascending; it returns their number. The
// indices must be valid for k.tr and k.tt.
//
//go:noescape
func pairAVX2(idx *int32, c *float64, n int, k *pairK, slow *int32) int

// Compile-time checks of the offsets pairadd_amd64.s uses.
var (
	_ [96 - unsafe.Offsetof(pairK{}.tr)]struct{}
	_ [unsafe.Offsetof(pairK{}.tr) - 96]struct{}
	_ [112 - unsafe.Offsetof(pairK{}.tab)]struct{}
	_ [unsafe.Offsetof(pairK{}.tab) - 112]struct{}
)
