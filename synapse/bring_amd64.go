package synapse

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects bringAVX2 for the fast path of bring (four synapses per
// instruction); tests switch it off to compare.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasAVX

// useAVX512 (with useAVX2) selects bringAVX512 for the groups of eight.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// bringAVX2 brings synapses [0, n), n a multiple of 4, to k.t as bring's
// loop does: ac holds each synapse's time of last update and eligibility
// side by side (a_0, c_0, a_1, c_1, …), w its weight. For every synapse
// whose update falls in the last dopamine segment at a whole lapse (and,
// if k.hasD, a whole gap since the segment's start, or one past its
// TDead) that the tables hold, the same IEEE operations in the same
// order, clipping included, from gathers of the tables, but for the dead
// phasic terms it skips (deadAfter: the same bits). Any other synapse
// that bring would integrate (and one whose sum w + dw is NaN) it leaves
// untouched and lists in slow, ascending; it returns their number.
//
//go:noescape
func bringAVX2(ac, w *float64, n int, k *bringK, slow *int32) int

// bringAVX512 is bringAVX2 for n a multiple of 8, eight synapses per
// instruction (AVX512F), its masks in mask registers: the same bits.
//
//go:noescape
func bringAVX512(ac, w *float64, n int, k *bringK, slow *int32) int

// Compile-time checks of the offsets bringk.h gives the kernels.
var (
	_ [352 - unsafe.Offsetof(bringK{}.tDead)]struct{}
	_ [unsafe.Offsetof(bringK{}.tDead) - 352]struct{}
	_ [480 - unsafe.Offsetof(bringK{}.ed)]struct{}
	_ [unsafe.Offsetof(bringK{}.ed) - 480]struct{}
	_ [512 - unsafe.Offsetof(bringK{}.hasTonic)]struct{}
	_ [unsafe.Offsetof(bringK{}.hasTonic) - 512]struct{}
)
