package memory

import (
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/synapse"
)

// The bounds other code reads as constants are the ones the check tags
// declare to users.
func TestDeclaredBoundsAreTheConstants(t *testing.T) {
	hi := func(v any, key string) float64 {
		_, b := param.Bounds(v)
		return b[key].Hi
	}
	for _, c := range []struct {
		what string
		got  float64
		want int
	}{
		{"seeds", hi(File{}, "seeds"), MaxSeeds},
		{"queries", hi(File{}, "queries"), MaxQueries},
		{"patterns.n", hi(Patterns{}, "n"), MaxUnits},
		{"mode.steps", hi(FileMode{}, "steps"), MaxSteps},
		{"capacity.max_m", hi(CapacitySpec{}, "max_m"), synapse.MaxPatterns},
		{"m", hi(Config{}, "m"), synapse.MaxPatterns},
	} {
		if c.got != float64(c.want) {
			t.Errorf("%s declared up to %g, the constant is %d", c.what, c.got, c.want)
		}
	}
}
