package chacha8

import (
	"math/rand/v2"
	"testing"
)

// kernels returns the kernel sets this machine has (generic, AVX2,
// AVX-512) and makes each the one in use when the loop reaches it; the
// machine's own is restored when the test ends.
func kernels(t *testing.T) func(func(int, string) bool) {
	avx2, avx512 := useAVX2, useAVX512
	t.Cleanup(func() { useAVX2, useAVX512 = avx2, avx512 })
	return func(yield func(int, string) bool) {
		for i, k := range []struct {
			name      string
			has, a, b bool
		}{{"generic", true, false, false}, {"avx2", avx2, true, false}, {"avx512", avx512, true, true}} {
			if !k.has {
				continue
			}
			useAVX2, useAVX512 = k.a, k.b
			if !yield(i, k.name) {
				return
			}
		}
	}
}

func seedOf(k byte) [32]byte {
	var s [32]byte
	for i := range s {
		s[i] = k*37 + byte(i)*11
	}
	return s
}

// TestStreamIsRandChaCha8 compares the stream with the standard library's
// source over several epochs (the key changes every 124 values), through
// Uint64 and through Fill in uneven pieces, with the AVX2 kernel and
// without.
func TestStreamIsRandChaCha8(t *testing.T) {
	for _, avx := range kernels(t) {
		for k := range byte(4) {
			ref := rand.NewChaCha8(seedOf(k))
			s := New(seedOf(k))
			for i := range 1000 {
				if got, want := s.Uint64(), ref.Uint64(); got != want {
					t.Fatalf("kernel %s seed %d: value %d is %#x, want %#x", avx, k, i, got, want)
				}
			}
			buf := make([]uint64, 300)
			for n, i := 1, 0; i < 40; n, i = (n*7+3)%300, i+1 {
				s.Fill(buf[:n])
				for j, got := range buf[:n] {
					if want := ref.Uint64(); got != want {
						t.Fatalf("kernel %s seed %d: fill %d value %d is %#x, want %#x", avx, k, i, j, got, want)
					}
				}
			}
		}
	}
}

func TestFillAllocatesNothing(t *testing.T) {
	s := New(seedOf(1))
	buf := make([]uint64, 500)
	if a := testing.AllocsPerRun(100, func() { s.Fill(buf) }); a != 0 {
		t.Fatalf("Fill allocates %v times", a)
	}
}

var sink uint64

// BenchmarkFill draws 500 values (a step of the distal-reward network's
// noise) from the stream.
func BenchmarkFill(b *testing.B) {
	s := New(seedOf(1))
	buf := make([]uint64, 500)
	b.ReportAllocs()
	for b.Loop() {
		s.Fill(buf)
	}
	sink = buf[0]
}

// BenchmarkRandChaCha8 draws the same 500 values from math/rand/v2.
func BenchmarkRandChaCha8(b *testing.B) {
	r := rand.NewChaCha8(seedOf(1))
	buf := make([]uint64, 500)
	b.ReportAllocs()
	for b.Loop() {
		for i := range buf {
			buf[i] = r.Uint64()
		}
	}
	sink = buf[0]
}

// TestAddUniformIsTheLoop compares AddUniform with the loop it stands
// for, on lengths odd and even, short and spanning epochs, with the AVX2
// kernel and without; inputs start from values whose sums round.
func TestAddUniformIsTheLoop(t *testing.T) {
	for _, avx := range kernels(t) {
		const amp = 13.0
		a, h := amp*inv32, -0.5*amp
		ref := rand.NewChaCha8(seedOf(3))
		s := New(seedOf(3))
		for _, n := range []int{800, 200, 1, 7, 9, 248, 249, 1000, 0, 3, 63} {
			got, want := make([]float64, n), make([]float64, n)
			for i := range got {
				got[i] = float64(i)*0.1 - 17.3
				want[i] = got[i]
			}
			s.AddUniform(got, amp)
			k := 0
			for ; k+1 < n; k += 2 {
				x := ref.Uint64()
				want[k] += float64(x>>32)*a + h
				want[k+1] += float64(uint32(x))*a + h
			}
			if k < n {
				want[k] += float64(ref.Uint64()>>32)*a + h
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("kernel %s, n %d: value %d is %v, want %v", avx, n, i, got[i], want[i])
				}
			}
		}
	}
}

func BenchmarkAddUniform(b *testing.B) {
	s := New(seedOf(1))
	in := make([]float64, 1000)
	b.ReportAllocs()
	for b.Loop() {
		s.AddUniform(in[:800], 13)
		s.AddUniform(in[800:], 13)
	}
}

// TestAddWordsIsAddUniform: a step's values drawn once and added in
// ranges with even starts give the bits of AddUniform on the whole.
func TestAddWordsIsAddUniform(t *testing.T) {
	for _, avx := range kernels(t) {
		for _, n := range []int{800, 201, 7, 1} {
			whole, parts := New(seedOf(2)), New(seedOf(2))
			a, b := make([]float64, n), make([]float64, n)
			w := make([]uint64, (n+1)/2)
			for range 3 {
				whole.AddUniform(a, 13)
				parts.Fill(w)
				for lo := 0; lo < n; lo += 64 {
					hi := min(lo+64, n)
					AddWords(b[lo:hi], w[lo/2:(hi+1)/2], 13)
				}
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("kernel %s, n %d: value %d is %v in ranges, %v whole", avx, n, i, b[i], a[i])
				}
			}
		}
	}
}

// BenchmarkKernels: Fill and AddUniform of a step of the distal-reward
// network's noise (1000 values) with each kernel set this machine has.
func BenchmarkKernels(b *testing.B) {
	avx2, avx512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = avx2, avx512 }()
	for _, name := range kernels(&testing.T{}) {
		b.Run(name, func(b *testing.B) {
			s := New(seedOf(1))
			in := make([]float64, 1000)
			b.ReportAllocs()
			for b.Loop() {
				s.AddUniform(in, 13)
			}
		})
		b.Run(name+"/fill", func(b *testing.B) {
			s := New(seedOf(1))
			buf := make([]uint64, 500)
			for b.Loop() {
				s.Fill(buf)
			}
		})
	}
}
