package memory

import (
	"math"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// TestPackedWillshaw checks the bit-packed memory against the exact
// false-positive expectation, as TestWillshawFalsePositives the count one.
func TestPackedWillshaw(t *testing.T) {
	c := PackedConfig{N: 1000, K: 10, M: 5000, Query: QueryNoise{P01: 0.5, Exact: true}, Activation: neuron.ThresholdActivation, Queries: 2000}
	r, err := RunPacked(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	exact, _ := WillshawFalsePositive(1000, 10, 5000, 5)
	if r.Missed != 0 || math.Abs(r.FalseRate-exact) > 4*r.FalseRateSE {
		t.Errorf("packed: false rate %g ± %g (exact %g), missed %g", r.FalseRate, r.FalseRateSE, exact, r.Missed)
	}
	c.Activation, c.Workers = neuron.KWinners, 1
	k1, _ := RunPacked(c, 1)
	c.Workers = 3
	k3, _ := RunPacked(c, 1)
	if k1.OutputNoise != k3.OutputNoise || k1.False != k1.Missed {
		t.Errorf("kwta: ε %g vs %g with 3 workers; false %g, missed %g", k1.OutputNoise, k3.OutputNoise, k1.False, k1.Missed)
	}
	if _, err := RunPacked(PackedConfig{N: 10, K: 10, M: 1, Queries: 1}, 1); err == nil {
		t.Error("k = n accepted")
	}
}
