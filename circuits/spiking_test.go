package circuits

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

const cubaSteps = 10000 // 1 s at dt = 0.1 ms

// checkBenchmarkLinks checks the wiring of the CUBA and COBA benchmark
// networks: that of checkTwoPopulationLinks, and 2 % of the 4000² pairs
// connected (320 000 ± 3000 synapses).
func checkBenchmarkLinks(t *testing.T, c *Circuit) (synapses int) {
	t.Helper()
	syn := checkTwoPopulationLinks(t, c)
	if syn < 317000 || syn > 323000 {
		t.Errorf("%d synapses, want 320000 ± 3000", syn)
	}
	return syn
}

// checkTwoPopulationLinks checks the wiring of an excitatory-inhibitory
// network (CUBA, COBA, Brunel): four sparse links and no dense one, those
// from the inhibitory population (index 1) on the inhibitory channel; it
// returns the number of synapses.
func checkTwoPopulationLinks(t *testing.T, c *Circuit) (synapses int) {
	t.Helper()
	if len(c.Sparse) != 4 || len(c.Links) != 0 {
		t.Fatalf("%d sparse and %d dense links, want 4 and 0", len(c.Sparse), len(c.Links))
	}
	syn := 0
	for _, l := range c.Sparse {
		syn += l.Len()
		if l.Inh != (l.Pre == 1) {
			t.Errorf("link %s: inhibitory channel %v", l.Name, l.Inh)
		}
	}
	return syn
}

// buildBuiltin builds the built-in circuit name with the random stream
// of seed.
func buildBuiltin(t testing.TB, name string, seed uint64) *Circuit {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{byte(seed)})))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The CUBA circuit file gives the spike count of internal/cuba (which
// gives 21106–23837 spikes in 1 s on its seeds 1–10, Brian2 22118–22485):
// the same bounds as internal/cuba's TestSpikeCount.
func TestCUBACircuitSpikeCount(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		c := buildBuiltin(t, "cuba", seed)
		syn := checkBenchmarkLinks(t, c)
		exc := c.Pops[0].(*neuron.LIF)
		for _, v := range exc.V {
			if v < -60 || v >= -50 {
				t.Fatalf("initial v %g outside [-60, -50)", v)
			}
		}
		for range cubaSteps {
			c.Step(nil)
		}
		t.Logf("seed %d: %d spikes in 1 s, %d synapses", seed, c.SpikeCount, syn)
		if c.SpikeCount < 19000 || c.SpikeCount > 26000 {
			t.Errorf("seed %d: %d spikes in 1 s, outside [19000, 26000]", seed, c.SpikeCount)
		}
	}
}

func TestCUBACircuitStepAllocatesNothing(t *testing.T) {
	c := buildBuiltin(t, "cuba", 3)
	stepsAllocateNothing(t, c, 500, 500)
}

// BenchmarkCUBACircuit simulates 1 s of circuits/cuba.toml (10000 steps of
// 0.1 ms) per op; construction is not timed. Compare with internal/cuba's
// BenchmarkCUBA.
func BenchmarkCUBACircuit(b *testing.B) { benchCircuitSecond(b, "cuba") }

// benchCircuitSecond simulates 1 s (10000 steps of 0.1 ms) of the built-in
// circuit name per op, reporting its spikes; construction is not timed.
func benchCircuitSecond(b *testing.B, name string) { benchCircuitThreads(b, name, 1) }

// benchCircuitThreads is benchCircuitSecond with the circuit split over
// threads (SetThreads).
func benchCircuitThreads(b *testing.B, name string, threads int) {
	b.ReportAllocs()
	var total int64
	for b.Loop() {
		b.StopTimer()
		c := buildBuiltin(b, name, 1)
		if err := c.SetThreads(threads); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for range cubaSteps {
			c.Step(nil)
		}
		total += c.SpikeCount
		b.StopTimer()
		_ = c.SetThreads(1) // stops the threads, untimed as their start
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/float64(b.N), "spikes/op")
}

const spikingBase = `
name = "s"
input = "in"
dt_ms = 1.0
steps_per_trial = 50
[[population]]
name = "in"
size = 2
model = "poisson"
rate_hz_per_unit = 200.0
frozen = true
[[population]]
name = "hid"
size = 8
model = "lif"
[[population]]
name = "out"
size = 1
model = "lif"
[[projection]]
from = "in"
to = "hid"
init_gain = 150.0
[[projection]]
from = "hid"
to = "out"
init_gain = 150.0
[readout]
population = "out"
mode = "spike_count"
count_scale = 10.0
[rule]
name = "dopamine"
`

func TestSpikingCircuitErrors(t *testing.T) {
	for _, tc := range []struct {
		old, new, want string
	}{
		{"model = \"poisson\"", "model = \"hodgkin\"", "s.toml:9: population[in].model: unknown model \"hodgkin\""},
		{"name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\ntau_m_ms = 10.0", "population[hid].tau_m_ms: applies only to model = \"lif\" (model is \"rate\")"},
		{"name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"lif\"\nv_reset_mv = -40.0", "population[hid].v_reset_mv: must be below v_thresh_mv"},
		{"name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"lif\"\npreset = \"fast_spiking\"", "population[hid].preset: applies only to model = \"izhikevich\""},
		{"name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"lif\"\nactivation = \"tanh\"", "population[hid].activation: applies only to model = \"rate\""},
		{"rate_hz_per_unit = 200.0", "rate_hz_per_unit = -1.0", "s.toml:10: population[in].rate_hz_per_unit: must be a finite number >= 0"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\ninit_gain = 150.0\nweight = 3.0", "projection[0].weight: applies only to connectivity = \"sparse\""},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\ninit_gain = 150.0", "projection[0].init_gain: applies only to connectivity = \"dense\""},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\nstdp.tau_c_ms = 500.0", "projection[0].stdp.tau_c_ms: applies only to a plastic sparse projection"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nstdp.tau_c_ms = 500.0", "projection[0].stdp.tau_c_ms: applies only to a plastic sparse projection"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\nplastic = true\nstdp.tau_c_ms = -1.0", "projection[0].stdp.tau_c_ms: must be a finite number > 0"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\nconnect = \"in_degree\"\nin_degree = 3", "projection[0].in_degree: must be at most 2"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\nconnect = \"out_degree\"\nout_degree = 9", "projection[0].out_degree: must be at most 8"},
		{"name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"lif\"\nnoise_uniform = -1.0", "population[hid].noise_uniform: must be in [0, 1e6]"},
		{"rate_hz_per_unit = 200.0", "rate_hz_per_unit = 200.0\nnoise_uniform = 13.0", "population[in].noise_uniform: applies only to models lif and izhikevich"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\ndelay_steps = 0", "projection[0].delay_steps: must be in [1, 65535]"},
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\np = 1.5", "projection[0].p: must be in [0, 1]"},
		{"to = \"out\"\ninit_gain = 150.0", "to = \"out\"\ninit_gain = 150.0\nchannel = \"shunting\"", "projection[1].channel: unknown channel"},
		{"count_scale = 10.0", "count_scale = 0.0", "readout.count_scale: must be a finite number > 0"},
		{"mode = \"spike_count\"", "mode = \"rate\"", "readout.mode: unknown readout mode"},
	} {
		src := strings.Replace(spikingBase, tc.old, tc.new, 1)
		if src == spikingBase {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		_, err := Parse("s.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: got %v, want an error containing %q", tc.old, tc.new, err, tc.want)
		}
	}
	// A negative sparse weight onto a population with one input channel
	// says which channel it means.
	izh := strings.Replace(spikingBase, "name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"izhikevich\"", 1)
	neg := strings.Replace(izh, "to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nconnectivity = \"sparse\"\nweight = -2.0", 1)
	if _, err := Parse("s.toml", []byte(neg)); err == nil || !strings.Contains(err.Error(), "s.toml:24: projection[0].weight: a negative sparse weight feeds the inhibitory channel, which \"hid\" (izhikevich) does not have") {
		t.Errorf("negative weight onto izhikevich: got %v", err)
	}
	if _, err := Parse("s.toml", []byte(strings.Replace(neg, "weight = -2.0", "weight = -2.0\nchannel = \"excitatory\"", 1))); err != nil {
		t.Errorf("negative weight onto izhikevich's one channel: %v", err)
	}
	// Channel onto a rate population, a sparse projection from a rate one.
	rate := strings.Replace(spikingBase, "name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8", 1)
	for _, tc := range []struct{ old, new, want string }{
		{"to = \"hid\"\ninit_gain = 150.0", "to = \"hid\"\nchannel = \"inhibitory\"", "projection[0].channel: only lif and coba populations have an inhibitory channel"},
		{"to = \"out\"\ninit_gain = 150.0", "to = \"out\"\nconnectivity = \"sparse\"", "projection[1].connectivity: a sparse projection carries spikes: \"hid\" is rate"},
	} {
		_, err := Parse("s.toml", []byte(strings.Replace(rate, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.new, err, tc.want)
		}
	}
}

// TestSimulateSpecErrors: the network keys of a simulated circuit are
// checked like any other (its run keys: experiments.TestCircuitRunKeyErrors).
func TestSimulateSpecErrors(t *testing.T) {
	src, _ := Builtin("cuba")
	for _, tc := range []struct{ old, new, want string }{
		{"init_v_uniform_mv = [-60.0, -50.0]   #", "init_v_uniform_mv = [-50.0, -60.0]   #", "population[exc].init_v_uniform_mv: must be [lo, hi]"},
	} {
		s := strings.Replace(string(src), tc.old, tc.new, 1)
		if s == string(src) {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		_, err := Parse("cuba.toml", []byte(s))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.new, err, tc.want)
		}
	}
}

func TestIzhikevichPreset(t *testing.T) {
	src := strings.Replace(spikingBase, "name = \"hid\"\nsize = 8\nmodel = \"lif\"", "name = \"hid\"\nsize = 8\nmodel = \"izhikevich\"\npreset = \"fast_spiking\"\nd = 3.0", 1)
	s, err := Parse("s.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := neuron.FastSpiking()
	want.D = 3
	if got := s.Populations[1].IzhikevichParams; got != want {
		t.Fatalf("fast_spiking with d = 3: got %+v, want %+v", got, want)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{})))
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := c.Pops[1].(*neuron.Izhikevich); !ok || z.A != 0.1 || z.D != 3 {
		t.Fatalf("built %T %+v", c.Pops[1], c.Pops[1])
	}
}

// A spiking circuit with dense projections: rate-coded input, spike-count
// readout, perturbable like a rate circuit, and deterministic per seed.
func TestSpikingTrial(t *testing.T) {
	s, err := Parse("s.toml", []byte(spikingBase))
	if err != nil {
		t.Fatal(err)
	}
	build := func() *Circuit {
		c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{5})))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := build()
	if c.Differentiable() == nil {
		t.Fatal("a spiking circuit claims to be differentiable")
	}
	y := c.Trial([]float64{1, 1})[0]
	if y != math.Trunc(y*10)/10 || y < 0 {
		t.Fatalf("readout %g is not a spike count / 10", y)
	}
	// Frozen Poisson input: the same input gives the same readout.
	if y2 := c.Trial([]float64{1, 1})[0]; y2 != y {
		t.Fatalf("frozen input: readout %g then %g", y, y2)
	}
	if d := build().Trial([]float64{1, 1})[0]; d != y {
		t.Fatalf("same seed: readout %g and %g", y, d)
	}
	// Input spikes: none without drive, about rate·T with it.
	in := c.Pops[0].(*neuron.Poisson)
	c.Reset()
	n0, n1 := 0, 0
	for range 1000 {
		c.Step([]float64{0, 1})
		for _, i := range in.Spikes() {
			if i == 0 {
				n0++
			} else {
				n1++
			}
		}
	}
	if n0 != 0 || n1 < 160 || n1 > 240 { // 200 Hz for 1 s: 200 ± 14
		t.Fatalf("input spikes over 1 s at drive (0, 1): %d, %d; want 0 and ≈ 200", n0, n1)
	}
	// Strong perturbations change the readout of some pattern.
	base := make([]float64, 4)
	for p, x := range [][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		base[p] = c.Trial(x)[0]
	}
	c.Perturb(rand.New(rand.NewChaCha8([32]byte{9})), 300)
	c.SetPerturbed(true)
	changed := false
	for p, x := range [][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		changed = changed || c.Trial(x)[0] != base[p]
	}
	c.SetPerturbed(false)
	if !changed {
		t.Fatal("perturbing every dense synapse by σ = 300 changed no readout")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "not differentiable") {
			t.Fatalf("Record(true) on a spiking circuit: recovered %v", r)
		}
	}()
	c.Record(true)
}

// A sparse projection onto the inhibitory channel delivers one step later
// than the spike, into InputInh; a dense one from a spiking population
// delivers in the same step.
func TestSparseAndDenseSchedule(t *testing.T) {
	src := `
name = "sched"
input = "in"
[[population]]
name = "in"
size = 1
model = "poisson"
rate_hz_per_unit = 1000.0
[[population]]
name = "a"
size = 1
model = "lif"
[[population]]
name = "b"
size = 1
model = "lif"
[[projection]]
from = "in"
to = "a"
connectivity = "sparse"
p = 1.0
weight = -5.0
[[projection]]
from = "in"
to = "b"
bias = false
plastic = false
[readout]
population = "b"
[rule]
name = "wp"
`
	s, err := Parse("sched.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{})))
	if err != nil {
		t.Fatal(err)
	}
	c.Links[0].W[0] = 7
	a, b := c.Pops[1].(*neuron.LIF), c.Pops[2].(*neuron.LIF)
	c.Step([]float64{1}) // drive 1 at 1000 Hz, dt = 1 ms: the input spikes
	if a.SynI[0] != 0 || b.SynE[0] == 0 {
		t.Fatalf("step 1: I_i(a) = %g (want 0: one step of delay), I_e(b) = %g (want the dense drive now)", a.SynI[0], b.SynE[0])
	}
	c.Step([]float64{0})
	if want := -5 * math.Exp(-1.0/10); math.Abs(a.SynI[0]-want) > 1e-12 || a.SynE[0] != 0 {
		t.Fatalf("step 2: I_i(a) = %g, want %g; I_e(a) = %g, want 0", a.SynI[0], want, a.SynE[0])
	}
	if c.SpikeCount != 1 {
		t.Fatalf("%d spikes, want 1 (the input's)", c.SpikeCount)
	}
}

// stepsAllocateNothing steps c warm times without input, then checks that
// a step allocates nothing over runs steps during which it spikes (a
// silent network would prove nothing of spike propagation).
func stepsAllocateNothing(t *testing.T, c *Circuit, warm, runs int) {
	t.Helper()
	for range warm {
		c.Step(nil)
	}
	before := c.SpikeCount
	if a := testing.AllocsPerRun(runs, func() { c.Step(nil) }); a != 0 {
		t.Fatalf("%g allocations per step", a)
	}
	if c.SpikeCount == before {
		t.Fatal("no spikes during the allocation check")
	}
}
