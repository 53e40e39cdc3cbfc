package rng

import (
	"math/rand/v2"
	"testing"
)

// TestSourceSavesAndRestores: a Source draws what Stream draws, and a
// restored one goes on exactly where the saved one was.
func TestSourceSavesAndRestores(t *testing.T) {
	a, src := Stream(7, "x"), NewSource(7, "x")
	b := rand.New(src)
	for range 100 {
		if a.NormFloat64() != b.NormFloat64() {
			t.Fatal("Source and Stream differ")
		}
	}
	state, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{b.NormFloat64(), b.Float64(), float64(b.IntN(1000))}
	back := NewSource(0, "other")
	if err := back.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	c := rand.New(back)
	if got := []float64{c.NormFloat64(), c.Float64(), float64(c.IntN(1000))}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("restored source draws %v, want %v", got, want)
	}
}
