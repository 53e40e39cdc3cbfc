package neuron_test

import (
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// BenchmarkIzhikevichStep steps 4000 regular-spiking neurons under a
// constant current: one op is one step of dt = 0.1 ms.
func BenchmarkIzhikevichStep(b *testing.B) {
	z, err := neuron.NewIzhikevich(4000, neuron.RegularSpiking())
	if err != nil {
		b.Fatal(err)
	}
	in := z.Input()
	b.ReportAllocs()
	for b.Loop() {
		for i := range in {
			in[i] = 10
		}
		z.Step(0.1)
	}
}
