package rng

import "testing"

func TestStreamsDifferAndRepeat(t *testing.T) {
	a, b, c, d := Stream(1, "x"), Stream(1, "x"), Stream(1, "y"), Stream(2, "x")
	va, vb, vc, vd := a.Uint64(), b.Uint64(), c.Uint64(), d.Uint64()
	if va != vb {
		t.Error("same seed and name gave different numbers")
	}
	if va == vc || va == vd {
		t.Error("different names or seeds gave the same number")
	}
}
