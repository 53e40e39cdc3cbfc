package circuits

import (
	"runtime"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// circuits/brunel.toml builds Brunel's network: 10⁷ synapses by fixed
// in-degree, delta-synapse neurons reset to 10 mV, a Poisson drive of
// λ = 2 per step; its step allocates nothing.
func TestBrunelCircuit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 10⁷ synapses")
	}
	c := buildBuiltin(t, "brunel", 1)
	if syn := checkTwoPopulationLinks(t, c); syn != 10_000_000 {
		t.Errorf("%d synapses, want 8000·800 + 2000·800 + 8000·200 + 2000·200 = 10⁷", syn)
	}
	for p, pop := range c.Pops {
		z, ok := pop.(*neuron.LIF)
		if !ok {
			t.Fatalf("population of %T, want *neuron.LIF", pop)
		}
		if z.VResetMV != 10 || z.VRestMV != 0 || z.TauSynEMs != 0 || z.TauSynIMs != 0 {
			t.Fatalf("parameters %+v not the file's", z.LIFParams)
		}
		d := c.drive[p]
		if d == nil || d.Mean(c.DtMs) != 2 || d.Weight != 0.1 {
			t.Fatalf("population %d: drive %+v, want λ = 2 and weight 0.1", p, d)
		}
	}
	stepsAllocateNothing(t, c, 300, 200)
}

// TestBrunelMatchesBrian2 checks that circuits/brunel.toml is the network
// of docs/reference/brunel_brian2.py: over 1 s (statistics from 200 ms
// on), its mean rate, mean CV of inter-spike intervals and the Fano
// factor of its population count in 1 ms bins fall in the range Brian2
// 2.5.1 gave on three seeds (testdata/brunel_brian2.txt, made once by
//
//	for s in 1 2 3; do /usr/bin/python3 docs/reference/brunel_brian2.py 1 $s; done
//
// ) widened by 10 % of its mean for the rate, 0.05 for the CV and 25 %
// of its mean for the Fano factor.
func TestBrunelMatchesBrian2(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 1 s of 10⁷ synapses")
	}
	rates, cvs, fanos := brianStats(t, "testdata/brunel_brian2.txt")
	if len(fanos) != len(rates) {
		t.Fatalf("testdata/brunel_brian2.txt: %d Fano factors for %d seeds", len(fanos), len(rates))
	}
	st := spikeStats(buildBuiltin(t, "brunel", 1), 10000, 200)
	rate, cv, fano, n := st.Late, st.CV, st.Fano, st.Neurons
	t.Logf("rate %.3f Hz, CV %.4f (%d neurons), Fano %.3f; Brian2 rates %v, CVs %v, Fano %v", rate, cv, n, fano, rates, cvs, fanos)
	check := func(name string, got float64, ref []float64, margin float64) {
		if got < minOf(ref)-margin || got > maxOf(ref)+margin {
			t.Errorf("%s %.4f outside Brian2's [%.4f, %.4f] ± %.4f", name, got, minOf(ref), maxOf(ref), margin)
		}
	}
	check("rate (Hz)", rate, rates, 0.10*mean(rates))
	check("CV", cv, cvs, 0.05)
	check("Fano factor", fano, fanos, 0.25*mean(fanos))
	if n < 9000 {
		t.Errorf("only %d neurons with 3 spikes after 200 ms", n)
	}
}

// BenchmarkBrunelCircuit simulates 1 s of circuits/brunel.toml (10000
// steps of 0.1 ms) per op; construction is not timed.
func BenchmarkBrunelCircuit(b *testing.B) { benchCircuitSecond(b, "brunel") }

// A population's poisson_input is checked where it is written.
func TestBrunelPoissonInputErrors(t *testing.T) {
	base, ok := Builtin("brunel")
	if !ok {
		t.Fatal("no built-in brunel")
	}
	for _, c := range []struct{ from, to, want string }{
		{"rate_hz = 25.0           # ν_ext = η·ν_thr", "rate_hz = -25.0", "brunel.toml:36: population[exc].poisson_input.rate_hz: must be a finite number >= 0"},
		{"n = 800                  # C_ext", "n = -3", "brunel.toml:35: population[exc].poisson_input.n: must be in [0, 1e9]"},
		{"n = 800                  # C_ext", "n = 800000000", "population[exc].poisson_input.rate_hz: n·rate_hz·dt/1000 = 2e+06 input spikes per neuron and step, more than 1000"},
		{"tau_syn_e_ms = 0.0       # delta synapses: a spike makes v jump", "tau_syn_e_ms = -1.0", "brunel.toml:32: population[exc].tau_syn_e_ms: must be a finite number >= 0 (0: delta synapses)"},
	} {
		src := strings.Replace(string(base), c.from, c.to, 1)
		if src == string(base) {
			t.Fatalf("edit %q not found in brunel.toml", c.from)
		}
		_, err := Parse("brunel.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.to, err, c.want)
		}
	}
	izh := "name = \"x\"\n[[population]]\nname = \"a\"\nsize = 4\nmodel = \"izhikevich\"\n[population.poisson_input]\nn = 10\nrate_hz = 5.0\nweight = 1.0\n"
	want := "x.toml:6: population[a].poisson_input: applies only to model = \"lif\" (model is \"izhikevich\")"
	if _, err := Parse("x.toml", []byte(izh)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("poisson_input on izhikevich: got %v, want %q", err, want)
	}
}

// BenchmarkBrunelMemory reports the heap circuits/brunel.toml keeps once
// built (10 000 neurons, 10⁷ static synapses with a 16-step delay ring,
// the Poisson drives), per synapse and in all (docs/performance.md).
func BenchmarkBrunelMemory(b *testing.B) { benchCircuitMemory(b, "brunel") }

// benchCircuitMemory reports the heap a circuit keeps once built, per
// synapse of its sparse links and in all.
func benchCircuitMemory(b *testing.B, name string) {
	var perSyn, total float64
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		c := buildBuiltin(b, name, 1)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		syn := 0
		for _, l := range c.Sparse {
			syn += l.Len()
		}
		total = float64(m1.HeapAlloc - m0.HeapAlloc)
		perSyn = total / float64(syn)
		runtime.KeepAlive(c)
	}
	b.ReportMetric(perSyn, "B/synapse")
	b.ReportMetric(total/1e6, "MB")
}
