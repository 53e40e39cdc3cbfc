package training

import (
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/output"
)

// FuzzParse: no experiment file, however broken, makes Parse or Validate
// panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"xor", "xor_robustness", "mackey_glass", "lorenz"} {
		data, ok := experiments.BuiltinData(name)
		if !ok {
			f.Fatalf("no built-in %s", name)
		}
		f.Add(data)
	}
	f.Add([]byte("name = \"x\"\ncircuit = \"xor\"\ntask = \"lorenz\"\n[[rule]]\nname = \"adam\"\nsweep.learning_rate = [-1.0, nan]\n"))
	f.Add([]byte("circuit = \"mackey_glass\"\n[forecast]\nwindow = 0\n[mackey_glass]\nstep = 0.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := experiments.OpenData("fuzz.toml", data)
		if err != nil || src.Kind != output.Training {
			return
		}
		p, err := LoadPlan(src)
		if err != nil {
			return
		}
		_ = p.Validate()
		_ = p.Jobs()
	})
}
