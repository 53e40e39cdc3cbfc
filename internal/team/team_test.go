package team

import (
	"testing"
	"time"
)

// Every part runs once per Run, sees what was written before it, and the
// caller sees what every part wrote; pauses long enough for the workers to
// park do not lose a Run; Close ends the workers and Run still works.
func TestRunForksAndJoins(t *testing.T) {
	const runs = 400
	for _, n := range []int{1, 2, 7} {
		tm := New(n)
		if tm.Parts() != n {
			t.Fatalf("Parts() = %d, want %d", tm.Parts(), n)
		}
		in, out := make([]int, n), make([]int, n)
		fn := func(p int) { out[p] += in[p] + 1 }
		for r := range runs {
			for p := range in {
				in[p] = r
			}
			tm.Run(fn)
			if r%(runs/4) == 0 {
				time.Sleep(5 * time.Millisecond) // the workers park
			}
		}
		for p, v := range out {
			if want := runs * (runs + 1) / 2; v != want {
				t.Errorf("%d parts: part %d summed %d, want %d", n, p, v, want)
			}
		}
		tm.Close()
		tm.Close()
		tm.Run(fn)
		if out[n-1] != runs*(runs+1)/2+runs {
			t.Errorf("%d parts: Run after Close did not run every part", n)
		}
	}
}

// Run allocates nothing.
func TestRunAllocatesNothing(t *testing.T) {
	tm := New(2)
	defer tm.Close()
	x := make([]float64, 2)
	fn := func(p int) { x[p]++ }
	if a := testing.AllocsPerRun(1000, func() { tm.Run(fn) }); a != 0 {
		t.Errorf("%v allocations per Run", a)
	}
}

// BenchmarkRun measures one fork and join of two parts that do nothing:
// what a split network pays per step on top of its work.
func BenchmarkRun(b *testing.B) {
	tm := New(2)
	defer tm.Close()
	x := make([]float64, 2*8)
	fn := func(p int) { x[8*p]++ }
	b.ReportAllocs()
	for b.Loop() {
		tm.Run(fn)
	}
}
