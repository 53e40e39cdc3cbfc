package circuits

import (
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
)

// The limits other code reads as constants are the ones the check tags
// declare to users.
func TestDeclaredLimitsAreTheConstants(t *testing.T) {
	_, pop := param.Bounds(PopulationSpec{})
	if b := pop["size"]; b.Lo != 1 || b.Hi != MaxPopulation {
		t.Errorf("population size declared in [%g, %g], MaxPopulation = %d", b.Lo, b.Hi, MaxPopulation)
	}
	_, spec := param.Bounds(Spec{})
	if b := spec["steps_per_trial"]; b.Lo != 1 || b.Hi != MaxStepsPerTrial {
		t.Errorf("steps_per_trial declared in [%g, %g], MaxStepsPerTrial = %d", b.Lo, b.Hi, MaxStepsPerTrial)
	}
}
