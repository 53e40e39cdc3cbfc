package circuits

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// alifBase is a tiny e-prop circuit: rate input, a recurrent ALIF
// population, a leaky linear readout.
const alifBase = `name = "a"
input = "in"

[[population]]
name = "in"
size = 3

[[population]]
name = "rec"
size = 4
model = "alif"
alif.tau_m_ms = 25.0
alif.beta = 0.5
alif.adapt_fraction = 0.5
alif.scale_input = true

[[population]]
name = "out"
size = 2
tau_ms = 20.0

[[projection]]
from = "in"
to = "rec"

[[projection]]
from = "rec"
to = "rec"

[[projection]]
from = "rec"
to = "out"

[readout]
population = "out"
`

func TestALIFCircuit(t *testing.T) {
	s, err := Parse("a.toml", []byte(alifBase))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.Pops[1].(*neuron.ALIF)
	if !ok {
		t.Fatalf("population rec is %T, want *neuron.ALIF", c.Pops[1])
	}
	want := neuron.ALIFParams{}.Defaults()
	want.TauMMs, want.Beta, want.AdaptFraction, want.ScaleInput = 25, 0.5, 0.5, true
	if a.ALIFParams != want {
		t.Errorf("params %+v, want %+v", a.ALIFParams, want)
	}
	if !c.Spiking() {
		t.Error("an alif circuit is not spiking")
	}
	for _, v := range []string{"v", "a", "psi"} {
		if len(c.Variable(1, v)) != 4 {
			t.Errorf("variable %q not recordable", v)
		}
	}
	for _, tc := range []struct{ old, new, want string }{
		{"alif.tau_m_ms = 25.0", "alif.tau_m_ms = -1.0", "a.toml:12: population[rec].alif.tau_m_ms: must be a finite number > 0"},
		{"alif.adapt_fraction = 0.5", "alif.adapt_fraction = 2.0", "population[rec].alif.adapt_fraction: must be in [0, 1]"},
		{"tau_ms = 20.0", "tau_ms = 20.0\nalif.beta = 1.0", "population[out].alif.beta: applies only to model = \"alif\" (model is \"rate\")"},
		{"alif.beta = 0.5", "alif.beta = 0.5\ntau_m_ms = 10.0", "population[rec].tau_m_ms: applies only to model = \"lif\" (model is \"alif\")"},
		{"alif.beta = 0.5", "alif.beta = 0.5\nalif.tau_x = 1.0", "alif.tau_x"},
	} {
		src := strings.Replace(alifBase, tc.old, tc.new, 1)
		if src == alifBase {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		_, err := Parse("a.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: got %v, want an error containing %q", tc.old, tc.new, err, tc.want)
		}
	}
}
