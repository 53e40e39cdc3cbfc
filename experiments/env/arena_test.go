package env

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Every environment in an arena says where the agent is: at a start point
// after Reset, inside the arena (the pool; a cell of the grid that is not
// a wall) after every step, the goal when the episode ends rewarded; the
// maze's observation at a position is the one the swimmer receives there.
func TestArenaPositions(t *testing.T) {
	n := 0
	for _, d := range All() {
		sp, ok := d.Defaults().(Spatial)
		if !ok {
			continue
		}
		n++
		a := sp.Arena()
		e, err := d.New(d.Defaults())
		if err != nil {
			t.Fatal(err)
		}
		pos, ok := e.(Positioned)
		if !ok {
			t.Fatalf("%s: Spatial parameters, but its Env is not Positioned", d.Name)
		}
		mapped, _ := e.(Mapped)
		rng := rand.New(rand.NewPCG(3, 4))
		x, at := make([]float64, e.Features()), make([]float64, e.Features())
		for ep := range 5 {
			e.Reset(ep, rng, x)
			px, py := pos.Position()
			if !slices.Contains(a.Starts, [2]float64{px, py}) {
				t.Fatalf("%s: episode %d starts at (%g, %g), not one of %v", d.Name, ep, px, py, a.Starts)
			}
			for k := 0; k < e.MaxSteps(); k++ {
				o := e.Step(rng.IntN(e.Actions()), rng, x)
				px, py := pos.Position()
				switch a.Shape {
				case "pool":
					if math.Hypot(px, py) > a.Radius+1e-12 {
						t.Fatalf("%s: (%g, %g) outside the pool of radius %g", d.Name, px, py, a.Radius)
					}
					if o.End && o.Reward > 0 && math.Hypot(px-a.Platform[0], py-a.Platform[1]) > a.PlatformRadius {
						t.Fatalf("%s: rewarded at (%g, %g), off the platform", d.Name, px, py)
					}
				case "grid":
					c := [2]int{int(px), int(py)}
					if float64(c[0]) != px || float64(c[1]) != py || c[0] < 0 || c[0] >= a.Width || c[1] < 0 || c[1] >= a.Height || slices.Contains(a.Walls, c) {
						t.Fatalf("%s: at (%g, %g), not a free cell of the %d × %d grid", d.Name, px, py, a.Width, a.Height)
					}
					if o.End && o.Reward > 0 && c != a.Goal {
						t.Fatalf("%s: rewarded at %v, not the goal %v", d.Name, c, a.Goal)
					}
				default:
					t.Fatalf("%s: unknown shape %q", d.Name, a.Shape)
				}
				if o.End {
					break
				}
				if mapped != nil {
					mapped.ObserveAt(px, py, at)
					if !slices.Equal(at, x) {
						t.Fatalf("%s: ObserveAt(%g, %g) differs from the observation there", d.Name, px, py)
					}
					if qx, qy := pos.Position(); qx != px || qy != py {
						t.Fatalf("%s: ObserveAt moved the agent", d.Name)
					}
				}
			}
		}
		if mapped != nil {
			if allocs := testing.AllocsPerRun(100, func() { mapped.ObserveAt(0.1, -0.2, at) }); allocs != 0 {
				t.Errorf("%s: ObserveAt allocates %g times", d.Name, allocs)
			}
		}
	}
	if n < 2 {
		t.Fatalf("%d environments in an arena, want water_maze and grid at least", n)
	}
}
