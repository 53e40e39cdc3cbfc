package chacha8

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernels, useAVX512 (with useAVX2) the AVX-512
// ones; tests switch them off to compare.
var (
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasAVX
	useAVX512 = useAVX2 && cpu.X86.HasAVX512F
)

// epochAVX2 is epoch in two passes of eight blocks, one per 32-bit lane
// of a ymm register (counters 0–7, then 8–15).
//
//go:noescape
func epochAVX2(seed *[4]uint64, buf *[epochBuf]uint64)

// addAVX2 is addGeneric on n words (a multiple of 4) from w, with
// k = {a, h}: eight values of in per loop.
//
//go:noescape
func addAVX2(in *float64, w *uint64, n int, k *[2]float64)

// epochAVX512 is epoch in one pass of the 16 blocks, one per 32-bit lane
// of a zmm register.
//
//go:noescape
func epochAVX512(seed *[4]uint64, buf *[epochBuf]uint64)

// addAVX512 is addAVX2 with n a multiple of 8: sixteen values of in per
// loop.
//
//go:noescape
func addAVX512(in *float64, w *uint64, n int, k *[2]float64)
