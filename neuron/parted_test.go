package neuron_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// Stepping a population in parts (Prepare, StepPart per range, Join) leaves
// the state, spikes and output Step leaves, bit for bit.
func TestStepPartsEqualStep(t *testing.T) {
	const n = 1003
	mk := map[string]func() neuron.Parted{
		"lif": func() neuron.Parted {
			p := neuron.LIFParams{}.Defaults()
			p.TauSynEMs, p.TauSynIMs = 5, 10
			l, _ := neuron.NewLIF(n, p)
			return l
		},
		"lif_delta": func() neuron.Parted { l, _ := neuron.NewLIF(n, brunelParams()); return l },
		"coba": func() neuron.Parted {
			c, _ := neuron.NewCOBA(n, neuron.COBAParams{}.Defaults())
			return c
		},
		"izhikevich": func() neuron.Parted {
			p := neuron.IzhikevichParams{}.Defaults()
			p.TauSynMs = 5
			z, _ := neuron.NewIzhikevich(n, p)
			return z
		},
		"izhikevich_delta": func() neuron.Parted {
			z, _ := neuron.NewIzhikevich(n, neuron.IzhikevichParams{}.Defaults())
			return z
		},
	}
	cuts := []int{0, 256, 257, 700, n}
	for name, f := range mk {
		whole, parted := f(), f()
		rng := rand.New(rand.NewPCG(1, 2))
		parts := make([][]int32, len(cuts)-1)
		for k := range parts {
			parts[k] = make([]int32, 0, cuts[k+1]-cuts[k])
		}
		spikes := 0
		for step := range 300 {
			for i := range n {
				x := 8 * rng.Float64()
				if _, ok := whole.(*neuron.Izhikevich); ok {
					x *= 3 // a regular-spiking neuron needs about 4 pA to fire
				}
				whole.Input()[i] += x
				parted.Input()[i] += x
			}
			whole.Step(0.1)
			parted.Prepare(0.1)
			for k := len(parts) - 1; k >= 0; k-- {
				parts[k] = parted.StepPart(cuts[k], cuts[k+1], parts[k][:0])
			}
			parted.Join(parts)
			if !slices.Equal(whole.Spikes(), parted.Spikes()) || !slices.Equal(whole.Output(), parted.Output()) {
				t.Fatalf("%s, step %d: spikes %v, in parts %v", name, step, whole.Spikes(), parted.Spikes())
			}
			spikes += len(whole.Spikes())
		}
		v := func(p neuron.Parted) []float64 {
			switch x := p.(type) {
			case *neuron.LIF:
				return x.V
			case *neuron.COBA:
				return x.V
			case *neuron.Izhikevich:
				return append(slices.Clone(x.V), x.U...)
			}
			return nil
		}
		if !slices.Equal(v(whole), v(parted)) {
			t.Errorf("%s: membrane potentials differ", name)
		}
		if spikes == 0 {
			t.Errorf("%s: no spikes, nothing compared", name)
		}
		if a := testing.AllocsPerRun(20, func() {
			parted.Prepare(0.1)
			for k := range parts {
				parts[k] = parted.StepPart(cuts[k], cuts[k+1], parts[k][:0])
			}
			parted.Join(parts)
		}); a != 0 {
			t.Errorf("%s: %v allocations per step in parts", name, a)
		}
	}
}
