package neuron

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// kWinnersBySort is the reference: sort all indices by the rank order.
func kWinnersBySort(x []float64, k int) []int32 {
	idx := make([]int32, len(x))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if ranksBefore(x, a, b) {
			return -1
		}
		return 1
	})
	w := slices.Clone(idx[:min(k, len(x))])
	slices.Sort(w)
	return w
}

func TestSelectKWinnersMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	scratch := make([]int32, 300)
	for trial := range 500 {
		n := 1 + r.IntN(300)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(r.IntN(1 + trial%7)) // many ties
			if r.IntN(20) == 0 {
				x[i] = math.NaN()
			}
			if r.IntN(30) == 0 {
				x[i] = math.Inf(2*r.IntN(2) - 1)
			}
		}
		k := r.IntN(n + 2)
		got := SelectKWinners(nil, x, k, scratch)
		want := kWinnersBySort(x, k)
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d k=%d x=%v: got %v want %v", n, k, x, got, want)
		}
	}
}

func TestSelectKWinnersTiesToLowerIndex(t *testing.T) {
	x := []float64{1, 3, 3, 2, 3, math.NaN(), 3}
	got := SelectKWinners(nil, x, 3, make([]int32, len(x)))
	if !slices.Equal(got, []int32{1, 2, 4}) {
		t.Errorf("got %v, want [1 2 4]", got)
	}
}

func TestSelectModuleWinners(t *testing.T) {
	x := []float64{0, 2, 2, math.NaN(), 5, 5, -1, math.NaN(), math.NaN()}
	got := SelectModuleWinners(nil, x, 3)
	if !slices.Equal(got, []int32{1, 4, 6}) {
		t.Errorf("got %v, want [1 4 6]", got)
	}
}

func TestBinaryStep(t *testing.T) {
	for _, tc := range []struct {
		p    BinaryParams
		want []int32
	}{
		{BinaryParams{Activation: ThresholdActivation, Threshold: 2}, []int32{1, 3}},
		{BinaryParams{Activation: KWinners, K: 2}, []int32{1, 3}},
		{BinaryParams{Activation: KWinners, K: 3}, []int32{1, 2, 3}},
		{BinaryParams{Activation: ModuleWinners, Modules: 2}, []int32{1, 3}},
	} {
		b, err := NewBinary(4, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		copy(b.Input(), []float64{0, 2, 1, 3})
		b.Step(1)
		if !slices.Equal(b.Active, tc.want) {
			t.Errorf("%v: active %v, want %v", tc.p.Activation, b.Active, tc.want)
		}
		for j, y := range b.Output() {
			if (y == 1) != slices.Contains(tc.want, int32(j)) || (y != 0 && y != 1) {
				t.Errorf("%v: y = %v", tc.p.Activation, b.Output())
			}
		}
		if slices.ContainsFunc(b.Input(), func(v float64) bool { return v != 0 }) {
			t.Error("input not cleared")
		}
	}
}

func TestBinaryParamErrors(t *testing.T) {
	for _, tc := range []struct {
		n   int
		p   BinaryParams
		key string
	}{
		{4, BinaryParams{Activation: 7}, "activation"},
		{4, BinaryParams{Threshold: math.NaN()}, "threshold"},
		{4, BinaryParams{Activation: KWinners, K: 0}, "k"},
		{4, BinaryParams{Activation: KWinners, K: 5}, "k"},
		{4, BinaryParams{Activation: ModuleWinners, Modules: 3}, "modules"},
		{0, BinaryParams{}, "size"},
	} {
		_, err := NewBinary(tc.n, tc.p)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Key() != tc.key {
			t.Errorf("%+v: got %v, want a ParamError for %s", tc, err, tc.key)
		}
	}
	var a BinaryActivation
	if err := a.UnmarshalText([]byte("kwta")); err != nil || a != KWinners {
		t.Errorf("kwta: %v %v", a, err)
	}
	if err := a.UnmarshalText([]byte("softmax")); err == nil {
		t.Error("unknown activation accepted")
	}
}

func TestBinaryStepAllocatesNothing(t *testing.T) {
	for _, p := range []BinaryParams{
		{Activation: ThresholdActivation, Threshold: 0.5},
		{Activation: KWinners, K: 30},
		{Activation: ModuleWinners, Modules: 8},
	} {
		b, _ := NewBinary(1024, p)
		r := rand.New(rand.NewPCG(3, 4))
		step := func() {
			for j := range b.I {
				b.I[j] = r.Float64()
			}
			b.Step(1)
		}
		if a := testing.AllocsPerRun(100, step); a != 0 {
			t.Errorf("%v: %g allocations per step", p.Activation, a)
		}
	}
}

func ExampleSelectKWinners() {
	x := []float64{0.1, 0.9, 0.5, 0.9, 0.2}
	fmt.Println(SelectKWinners(nil, x, 2, make([]int32, len(x))))
	fmt.Println(SelectKWinners(nil, x, 3, make([]int32, len(x))))
	// Output:
	// [1 3]
	// [1 2 3]
}
