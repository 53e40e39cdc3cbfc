package reward

import (
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
)

// A stimulus group cannot outgrow a population: the declared bound of
// group_size is circuits.MaxPopulation.
func TestGroupSizeBoundIsMaxPopulation(t *testing.T) {
	_, b := param.Bounds(NetworkParams{})
	if b["group_size"].Hi != circuits.MaxPopulation {
		t.Errorf("group_size declared up to %g, circuits.MaxPopulation = %d", b["group_size"].Hi, circuits.MaxPopulation)
	}
}
