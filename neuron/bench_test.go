package neuron_test

import (
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// BenchmarkLIFStep steps 4000 LIF neurons with the CUBA parameters (tonic
// drive, no synaptic input): one op is one step of dt = 0.1 ms.
func BenchmarkLIFStep(b *testing.B) {
	p := neuron.LIFParams{TauMMs: 20, VRestMV: -49, VResetMV: -60, VThreshMV: -50, TRefMs: 5, TauSynEMs: 5, TauSynIMs: 10}
	l, err := neuron.NewLIF(4000, p)
	if err != nil {
		b.Fatal(err)
	}
	for i := range l.V {
		l.V[i] = -60 + 10*float64(i)/4000
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Step(0.1)
	}
}

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

// BenchmarkCOBAStep steps 4000 COBA neurons with the benchmark's
// parameters (bias 20 mV, no synaptic input): one op is one step of
// dt = 0.1 ms.
func BenchmarkCOBAStep(b *testing.B) {
	p := neuron.COBAParams{}.Defaults()
	p.IBiasMV = 20
	c, err := neuron.NewCOBA(4000, p)
	if err != nil {
		b.Fatal(err)
	}
	for i := range c.V {
		c.V[i] = -60 + 10*float64(i)/4000
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Step(0.1)
	}
}
