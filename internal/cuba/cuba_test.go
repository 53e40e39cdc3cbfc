package cuba

import (
	"testing"
)

const steps1s = 10000 // 1 s at dt = 0.1 ms

func TestBuildShape(t *testing.T) {
	n, err := Build(1)
	if err != nil {
		t.Fatal(err)
	}
	// Expected synapses: 4000·4000·0.02 = 320000, sd ≈ 560.
	if s := n.Synapses(); s < 317000 || s > 323000 {
		t.Fatalf("%d synapses, want 320000 ± 3000", s)
	}
	p := Params()
	for _, pop := range [][]float64{n.E.V, n.I.V} {
		for _, v := range pop {
			if v < p.VResetMV || v >= p.VThreshMV {
				t.Fatalf("initial v %g outside [v_r, v_t)", v)
			}
		}
	}
	for _, w := range n.IE.W {
		if w != WiMV {
			t.Fatalf("inhibitory weight %g", w)
		}
	}
	m, _ := Build(1)
	if m.Run(2000) != n.Run(2000) {
		t.Fatal("same seed, different spike counts")
	}
}

// The spike count over 1 s. Measured for issue 4: Brian2 2.5.1 (C++
// standalone) gave 22463, 22118 and 22485 spikes on its seeds 1–3; this
// network gives 21106–23837 on seeds 1–10 (mean ≈ 22600, about 5.6 Hz per
// neuron). The bounds, 19000–26000 spikes (4.75–6.5 Hz), fail a network
// that is silent or runs away, with swapped synaptic time constants (≈ 330000
// spikes on seed 1) or without refractoriness (26061). They do not catch
// small weight errors: the rate is set mostly by the drive E_l, and w_e 10 %
// low still gives 22189 spikes.
func TestSpikeCount(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		n, err := Build(seed)
		if err != nil {
			t.Fatal(err)
		}
		total := n.Run(steps1s)
		t.Logf("seed %d: %d spikes in 1 s (%.2f Hz per neuron), %d synapses", seed, total, float64(total)/4000, n.Synapses())
		if total < 19000 || total > 26000 {
			t.Errorf("seed %d: %d spikes in 1 s, outside [19000, 26000]", seed, total)
		}
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	n, err := Build(7)
	if err != nil {
		t.Fatal(err)
	}
	n.Run(500) // past the initial transient
	spikes := 0
	if a := testing.AllocsPerRun(1000, func() { spikes += n.Step() }); a != 0 {
		t.Fatalf("%g allocations per step", a)
	}
	if spikes == 0 {
		t.Fatal("no spikes during the allocation check")
	}
}

// BenchmarkCUBA simulates 1 s of the network (10000 steps of 0.1 ms) per
// op; construction is not timed. It reports the spikes per op.
func BenchmarkCUBA(b *testing.B) {
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		b.StopTimer()
		n, err := Build(1)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		total += n.Run(steps1s)
	}
	b.ReportMetric(float64(total)/float64(b.N), "spikes/op")
}
