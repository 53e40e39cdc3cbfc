package circuits

import (
	"math/rand/v2"
	"testing"
)

// FuzzParse: no circuit file, however broken, makes Parse or Build panic;
// whatever Parse accepts, Build builds.
func FuzzParse(f *testing.F) {
	src, _ := Builtin("xor")
	f.Add(src)
	spiking, _ := Builtin("xor_spiking")
	f.Add(spiking)
	f.Add([]byte("name = \"x\"\ntask = \"simulate\"\nduration_ms = 5.0\n[[population]]\nname = \"a\"\nsize = 20\nmodel = \"lif\"\ninit_v_uniform_mv = [-70.0, -50.0]\n[[projection]]\nfrom = \"a\"\nto = \"a\"\nconnectivity = \"sparse\"\nweight = -2.0\n[[record]]\npopulation = \"a\"\nvariable = \"v\"\nneurons = [1]\n"))
	f.Add([]byte("name = \"x\"\ninput = \"a\"\n[[population]]\nname = \"a\"\nsize = 1\n[readout]\npopulation = \"a\"\n[rule]\nname = \"sgd\"\n"))
	f.Add([]byte("[[population]]\n[[population]]\nname = 3\n[[projection]]\nfrom = \"\"\n"))
	f.Add([]byte("name = \"x\"\ndt_ms = nan\nsteps_per_trial = -1\n[rule.modulator]\nrpe = \"critic\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.toml", data)
		if err != nil {
			return
		}
		if len(s.Populations) > 8 || s.StepsPerTrial > 100 {
			return
		}
		for _, p := range s.Populations {
			if p.Size > 1000 {
				return
			}
		}
		c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{})))
		if err != nil {
			t.Fatalf("Parse accepted a circuit that Build rejects: %v", err)
		}
		if c.In < 0 || c.Out < 0 {
			c.Step(nil) // a simulated circuit without input or readout
			return
		}
		c.Trial(make([]float64, c.Pops[c.In].Len()))
	})
}
