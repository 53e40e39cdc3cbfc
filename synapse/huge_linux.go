package synapse

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePages asks the kernel to back w with transparent huge pages (2 MB)
// where it can (MADV_HUGEPAGE; the kernel's enabled = madvise setting),
// before w is first written: the synapses a post spike potentiates lie
// all over w, and with 4 KB pages nearly every one of them costs a TLB
// miss. Failure is harmless and ignored.
func hugePages(w []float64) {
	const huge = 2 << 20
	if len(w)*8 < 2*huge {
		return
	}
	p := unsafe.Pointer(&w[0])
	start := uintptr(p)
	end := start + uintptr(len(w))*8
	a := (start + huge - 1) &^ (huge - 1)
	b := end &^ (huge - 1)
	if b <= a {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, a-start)), b-a), unix.MADV_HUGEPAGE)
}
