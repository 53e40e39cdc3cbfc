package synapse_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/dopa-sim/dopa/synapse"
)

// benchMemory reports the heap a projection of 4000 × 4000 neurons with
// p = 0.02 (320 000 synapses, CUBA's size) keeps after it is built, per
// synapse: what the synapse count costs in memory (docs/performance.md).
func benchMemory(b *testing.B, p synapse.SparseParams) {
	var perSyn float64
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		s, err := synapse.NewSparse(4000, 4000, p, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		perSyn = float64(m1.HeapAlloc-m0.HeapAlloc) / float64(s.Len())
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perSyn, "B/synapse")
}

// BenchmarkMemoryStatic: a static projection with one delay (CSR targets
// and weights).
func BenchmarkMemoryStatic(b *testing.B) {
	p := synapse.SparseParams{}.Defaults()
	p.P = 0.02
	benchMemory(b, p)
}

// BenchmarkMemoryDelays: static, delays drawn per synapse in [1, 20] steps
// (a uint16 per synapse and a ring of 20 slots of post input).
func BenchmarkMemoryDelays(b *testing.B) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.DelayMaxSteps = 0.02, 20
	benchMemory(b, p)
}

// BenchmarkMemoryPlastic: event-driven R-STDP (eligibility, the transposed
// index for post spikes and each synapse's last update time).
func BenchmarkMemoryPlastic(b *testing.B) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.EventDriven = 0.02, true, true
	p.WMin, p.WMax = 0, 10
	benchMemory(b, p)
}

// BenchmarkMemoryTwoFactor: two-factor STDP (rule "stdp", delay 16 steps):
// nothing per synapse beyond a static projection's; per neuron the traces,
// the post spikes' history and the pre spikes on their way.
func BenchmarkMemoryTwoFactor(b *testing.B) {
	p := synapse.SparseParams{}.Defaults()
	p.P, p.Plastic, p.STDP.Rule, p.DelaySteps = 0.02, true, synapse.Additive, 16
	p.WMin, p.WMax = 0, 10
	benchMemory(b, p)
}
