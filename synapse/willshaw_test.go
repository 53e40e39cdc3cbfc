package synapse_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// randomPattern returns k distinct ascending indices in [0, n).
func randomPattern(r *rand.Rand, n, k int) []int32 {
	p := make([]int32, 0, k)
	for _, i := range r.Perm(n)[:k] {
		p = append(p, int32(i))
	}
	slices.Sort(p)
	return p
}

// TestPackedEqualsCounts stores the same hetero-associations in packed
// Willshaw synapses and in count synapses and compares the synapses, the
// dendritic sums, threshold and k-winners outputs.
func TestPackedEqualsCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, sz := range []struct{ m, n, k, l, pats int }{
		{50, 64, 5, 4, 40}, {70, 130, 6, 9, 60}, {33, 1, 3, 1, 5}, {200, 257, 12, 10, 300},
	} {
		pw, err := synapse.NewPackedWillshaw(sz.m, sz.n)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := synapse.NewCounts(sz.m, sz.n)
		for range sz.pats {
			u, v := randomPattern(r, sz.m, sz.k), randomPattern(r, sz.n, sz.l)
			if err := pw.Store(u, v); err != nil {
				t.Fatal(err)
			}
			c.Store(u, v)
		}
		for i := range sz.m {
			for j := range sz.n {
				if pw.Has(i, j) != (c.Quad(i, j).M11 > 0) {
					t.Fatalf("%+v: synapse %d,%d differs", sz, i, j)
				}
			}
		}
		if pw.SetFraction() != c.SetFraction() {
			t.Errorf("%+v: p1 %g vs %g", sz, pw.SetFraction(), c.SetFraction())
		}
		ro, _ := c.NewReadout(synapse.ReadoutParams{Rule: synapse.Willshaw, Floor: 1e-6})
		xc, xp := make([]float64, sz.n), make([]float64, sz.n)
		sums := pw.NewSums(sz.k + 3)
		out := make([]uint64, pw.Words)
		scratch := make([]int32, sz.n)
		for range 30 {
			q := randomPattern(r, sz.m, 1+r.IntN(sz.k+3))
			ro.Potentials(q, xc)
			pw.Potentials(q, xp)
			if !slices.Equal(xc, xp) {
				t.Fatalf("%+v: sums differ\n%v\n%v", sz, xc, xp)
			}
			sums.Add(q)
			for j := range sz.n {
				if sums.Count(j) != int(xc[j]) {
					t.Fatalf("%+v: bit-sliced sum of %d is %d, want %g", sz, j, sums.Count(j), xc[j])
				}
			}
			for theta := range len(q) + 2 {
				n := sums.AtLeast(theta, out)
				want := neuron.SelectThreshold(nil, xc, float64(theta))
				got := synapse.AppendActive(nil, out)
				if n != len(want) || !slices.Equal(got, want) {
					t.Fatalf("%+v θ=%d: %v, want %v", sz, theta, got, want)
				}
			}
			k := r.IntN(sz.n + 1)
			sums.TopK(k, out)
			want := neuron.SelectKWinners(nil, xc, k, scratch)
			if got := synapse.AppendActive(nil, out); !slices.Equal(got, want) {
				t.Fatalf("%+v k=%d: %v, want %v", sz, k, got, want)
			}
		}
	}
}

func TestPackedIsOneSlice(t *testing.T) {
	pw, _ := synapse.NewPackedWillshaw(1000, 1000)
	if len(pw.Bits) != 1000*16 || cap(pw.Bits) != len(pw.Bits) {
		t.Errorf("%d words, want 16000", len(pw.Bits))
	}
}

func TestSumsAllocateNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	pw, _ := synapse.NewPackedWillshaw(2000, 2000)
	for range 3000 {
		p := randomPattern(r, 2000, 11)
		pw.Store(p, p)
	}
	q := randomPattern(r, 2000, 11)
	s := pw.NewSums(11)
	out := make([]uint64, pw.Words)
	if a := testing.AllocsPerRun(50, func() { s.Add(q); s.AtLeast(11, out); s.TopK(11, out) }); a != 0 {
		t.Errorf("%g allocations per retrieval step", a)
	}
}

func ExamplePackedWillshaw() {
	w, _ := synapse.NewPackedWillshaw(8, 8)
	w.Store([]int32{0, 1, 2}, []int32{0, 1, 2}) // auto-association
	w.Store([]int32{2, 5, 6}, []int32{2, 5, 6})
	s := w.NewSums(2)
	s.Add([]int32{1, 2}) // two thirds of the first pattern
	out := make([]uint64, w.Words)
	n := s.AtLeast(2, out)
	fmt.Println(n, synapse.AppendActive(nil, out))
	// Output: 3 [0 1 2]
}

// benchPacked fills n×n packed synapses with random bits (p₁ = ½, the
// load of a Willshaw memory at capacity; the cost of a retrieval step does
// not depend on which patterns made the bits) and queries k = ⌈log₂ n⌉ units.
func benchPacked(b *testing.B, n int) (*synapse.PackedWillshaw, []int32) {
	pw, err := synapse.NewPackedWillshaw(n, n)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range pw.Bits {
		pw.Bits[i] = r.Uint64()
	}
	k := 1
	for 1<<k < n {
		k++
	}
	return pw, randomPattern(r, n, k)
}

// BenchmarkPackedStore: one op stores one auto-associative pattern of
// k = ⌈log₂ n⌉ active units (k² bits).
func BenchmarkPackedStore(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			pw, q := benchPacked(b, n)
			r := rand.New(rand.NewPCG(2, 2))
			pats := make([][]int32, 1024)
			for i := range pats {
				pats[i] = randomPattern(r, n, len(q))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pw.Store(pats[i&1023], pats[i&1023])
				i++
			}
		})
	}
}

// BenchmarkPackedRetrieve: one op is one retrieval step, the dendritic
// sums of all n units for a query of k = ⌈log₂ n⌉ units and the output
// above the threshold θ = k (threshold) or of the k largest sums (kwta).
func BenchmarkPackedRetrieve(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		pw, q := benchPacked(b, n)
		s := pw.NewSums(len(q))
		out := make([]uint64, pw.Words)
		b.Run(fmt.Sprint("n=", n, "/threshold"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Add(q)
				s.AtLeast(len(q), out)
			}
		})
		b.Run(fmt.Sprint("n=", n, "/kwta"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Add(q)
				s.TopK(len(q), out)
			}
		})
	}
}

// TestSumsEveryLevelCount exercises every adder of WillshawSums.Add (up to
// 4, 6 and 8 counter bits in registers, and the plane-wise fallback).
func TestSumsEveryLevelCount(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	n := 700
	pw, _ := synapse.NewPackedWillshaw(n, n)
	c, _ := synapse.NewCounts(n, n)
	for range 400 {
		p := randomPattern(r, n, 40)
		pw.Store(p, p)
		c.Store(p, p)
	}
	ro, _ := c.NewReadout(synapse.ReadoutParams{Rule: synapse.Willshaw, Floor: 1e-6})
	x := make([]float64, n)
	for _, maxQ := range []int{3, 15, 20, 63, 100, 255, 300} {
		s := pw.NewSums(maxQ)
		for _, z := range []int{maxQ, maxQ / 2, 1} {
			q := randomPattern(r, n, z)
			s.Add(q)
			ro.Potentials(q, x)
			for j := range n {
				if s.Count(j) != int(x[j]) {
					t.Fatalf("maxQuery %d (%d levels), |q| = %d: sum of %d is %d, want %g", maxQ, s.Levels, z, j, s.Count(j), x[j])
				}
			}
		}
	}
}
