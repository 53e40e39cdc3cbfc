package training

import (
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
)

// The product bound on runs is read from the seeds key's declared bound.
func TestMaxSeedsIsTheDeclaredBound(t *testing.T) {
	_, b := param.Bounds(Spec{})
	if b["seeds"].Hi != maxSeeds {
		t.Errorf("seeds declared up to %g, maxSeeds = %d", b["seeds"].Hi, maxSeeds)
	}
}
