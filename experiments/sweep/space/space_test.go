package space

import (
	"slices"
	"strings"
	"testing"
)

// TestSweepPoints: grid, list and random sweeps expand to the points they
// should; a point's ID depends on its values alone (not on the order of
// the keys or on the other points); invalid sweeps are refused at their
// key.
func TestSweepPoints(t *testing.T) {
	grid := Spec{Mode: "grid", Params: []Param{
		{Key: "a", Range: []float64{0.01, 1}, Steps: 3, Log: true},
		{Key: "b", Values: []any{"x", int64(2), true}},
	}}
	if err := grid.Validate(); err != nil {
		t.Fatal(err)
	}
	ps := grid.Points()
	if len(ps) != 9 {
		t.Fatalf("grid: %d points, want 9", len(ps))
	}
	if got := ps[1].Sets(); !slices.Equal(got, []string{"a=0.01", "b=2"}) {
		t.Errorf("grid point 1: %v (the last key varies fastest)", got)
	}
	if got := ps[3].Values[0]; got != "0.1" {
		t.Errorf("log range middle: %s, want 0.1", got)
	}
	if ps[0].Values[1] != `"x"` {
		t.Errorf("a string value is quoted for --set: %s", ps[0].Values[1])
	}
	// The same values give the same ID in another sweep, keys in another order.
	other := Spec{Mode: "list", Params: []Param{{Key: "b", Values: []any{true}}, {Key: "a", Values: []any{1.0}}}}
	if err := other.Validate(); err != nil {
		t.Fatal(err)
	}
	if id := other.Points()[0].ID; id != ps[8].ID {
		t.Errorf("a=1.0, b=true: ID %s here, %s in the grid", id, ps[8].ID)
	}
	random := Spec{Mode: "random", Samples: 20, Seed: 3, Params: []Param{{Key: "a", Range: []float64{1, 100}, Log: true, Integer: true}}}
	if err := random.Validate(); err != nil {
		t.Fatal(err)
	}
	r1, r2 := random.Points(), random.Points()
	if len(r1) == 0 || len(r1) > 20 || r1[0].ID != r2[0].ID {
		t.Errorf("random: %d points, repeatable %v", len(r1), r1[0].ID == r2[0].ID)
	}
	for _, p := range r1 {
		if strings.ContainsAny(p.Values[0], ".e") {
			t.Errorf("integer range gave %s", p.Values[0])
		}
	}
	for _, bad := range []struct {
		s    Spec
		want string
	}{
		{Spec{Mode: "list", Params: []Param{{Key: "a", Values: []any{1.0, 2.0}}, {Key: "b", Values: []any{1.0}}}}, "one length"},
		{Spec{Mode: "grid", Params: []Param{{Key: "a", Range: []float64{0, 1}, Steps: 3, Log: true}}}, "lo > 0"},
		{Spec{Mode: "grid", Params: []Param{{Key: "a", Values: []any{1.0}}, {Key: "a", Values: []any{2.0}}}}, "swept twice"},
		{Spec{Mode: "spiral", Params: []Param{{Key: "a", Values: []any{1.0}}}}, "unknown mode"},
		{Spec{Mode: "random", Params: []Param{{Key: "a", Values: []any{1.0}}}}, "samples"},
	} {
		if err := bad.s.Validate(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v, want %q", bad.s, err, bad.want)
		}
	}
}
