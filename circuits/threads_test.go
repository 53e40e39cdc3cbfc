package circuits

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// smallBuiltin builds a built-in spiking circuit with its populations
// shrunk by the factor shrink (and fixed in-degrees with them).
func smallBuiltin(t *testing.T, name string, shrink int) *Circuit {
	t.Helper()
	return editedBuiltin(t, name, shrink, nil)
}

// editedBuiltin is smallBuiltin with edit applied to the spec first.
func editedBuiltin(t *testing.T, name string, shrink int, edit func(*Spec)) *Circuit {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(s)
	}
	for i := range s.Populations {
		s.Populations[i].Size /= shrink
	}
	for i := range s.Projections {
		s.Projections[i].InDegree /= shrink
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{5})))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A circuit split over 2 or 7 threads gives, step by step, the spikes, and
// at the end the membrane potentials, plastic weights and spike count, of
// the circuit on one thread, bit for bit: CUBA, COBA, Brunel and Brunel
// with STDP (its sweeps included), each shrunk to seconds, and Izhikevich's
// network with its thalamic noise (its synapses static: R-STDP cannot be
// split).
func TestThreadsAreBitIdentical(t *testing.T) {
	static := func(s *Spec) {
		for i := range s.Projections {
			s.Projections[i].Plastic, s.Projections[i].STDP = false, synapse.STDPParams{}.Defaults()
		}
	}
	for _, tc := range []struct {
		name   string
		shrink int
		steps  int
		edit   func(*Spec)
	}{{"cuba", 4, 1500, nil}, {"coba", 4, 1500, nil}, {"brunel", 8, 1500, nil}, {"brunel_stdp", 8, 2500, nil},
		{"izhikevich2007_network", 1, 1500, static}} {
		if race.Enabled { // fewer steps; Brunel-STDP's still cross a sweep (1024 steps)
			tc.steps = min(tc.steps/5, 1100)
			if tc.name == "brunel_stdp" {
				tc.steps = 1100
			}
		}
		t.Run(tc.name, func(t *testing.T) {
			ref := editedBuiltin(t, tc.name, tc.shrink, tc.edit)
			var spikes [][]int32 // per step, every population's spikes in turn
			for range tc.steps {
				ref.Step(nil)
				var all []int32
				for _, s := range ref.spiking {
					all = append(append(all, s.Spikes()...), -1)
				}
				spikes = append(spikes, all)
			}
			ref.SettlePlastic()
			if ref.SpikeCount < int64(tc.steps) {
				t.Fatalf("%d spikes in %d steps: too few to compare", ref.SpikeCount, tc.steps)
			}
			for _, n := range []int{2, 7} {
				c := editedBuiltin(t, tc.name, tc.shrink, tc.edit)
				if err := c.SetThreads(n); err != nil {
					t.Fatal(err)
				}
				if c.Threads() != n {
					t.Fatalf("Threads() = %d, want %d", c.Threads(), n)
				}
				for step := range tc.steps {
					c.Step(nil)
					var all []int32
					for _, s := range c.spiking {
						all = append(append(all, s.Spikes()...), -1)
					}
					if !slices.Equal(all, spikes[step]) {
						t.Fatalf("%d threads, step %d: spikes %v, one thread %v", n, step, all, spikes[step])
					}
				}
				c.SettlePlastic()
				if c.SpikeCount != ref.SpikeCount {
					t.Errorf("%d threads: %d spikes, one thread %d", n, c.SpikeCount, ref.SpikeCount)
				}
				for p := range c.Pops {
					if !slices.Equal(c.Variable(p, "v"), ref.Variable(p, "v")) {
						t.Errorf("%d threads: membrane potentials of %s differ", n, c.PopNames[p])
					}
				}
				moved := 0
				for k := range c.Sparse {
					if !slices.Equal(c.Sparse[k].W, ref.Sparse[k].W) {
						t.Errorf("%d threads: weights of %s differ", n, c.Sparse[k].Name)
					}
					if c.Sparse[k].Plastic {
						for _, w := range ref.Sparse[k].W {
							if w != ref.Sparse[k].Weight {
								moved++
							}
						}
						if moved == 0 {
							t.Errorf("no weight of %s moved: the plasticity was not compared", c.Sparse[k].Name)
						}
					}
				}
				if err := c.SetThreads(1); err != nil || c.Threads() != 1 {
					t.Fatalf("back to one thread: %v, %d threads", err, c.Threads())
				}
			}
		})
	}
}

// A split step allocates nothing.
func TestThreadsStepAllocatesNothing(t *testing.T) {
	c := smallBuiltin(t, "brunel_stdp", 8)
	if err := c.SetThreads(2); err != nil {
		t.Fatal(err)
	}
	defer c.SetThreads(1)
	for range 200 {
		c.Step(nil)
	}
	if a := testing.AllocsPerRun(300, func() { c.Step(nil) }); a != 0 {
		t.Errorf("%v allocations per split step", a)
	}
}

// What cannot be split is refused, named; the thread count is bounded.
func TestThreadsRefusals(t *testing.T) {
	for _, tc := range []struct{ circuit, want string }{
		{"xor", "cannot be stepped on several threads"},
		{"izhikevich2007_network", `learns by rule "rstdp", which cannot be split over threads`},
	} {
		c := buildBuiltin(t, tc.circuit, 1)
		if err := c.SetThreads(2); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.circuit, err, tc.want)
		}
		if c.Threads() != 1 {
			t.Errorf("%s: %d threads after a refusal", tc.circuit, c.Threads())
		}
	}
	c := smallBuiltin(t, "cuba", 8)
	for _, n := range []int{0, -1, MaxThreads + 1} {
		if err := c.SetThreads(n); err == nil {
			t.Errorf("%d threads accepted", n)
		}
	}
	if got := partBounds(1000, 3); !slices.Equal(got, []int32{0, 320, 640, 1000}) { // 16 blocks of 64: 5, 5, 6
		t.Errorf("partBounds(1000, 3) = %v", got)
	}
	if got := partBounds(10, 4); got[4] != 10 || got[0] != 0 {
		t.Errorf("partBounds(10, 4) = %v", got)
	}
	_ = neuron.PoissonBlock
}
