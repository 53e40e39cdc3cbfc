package experiments

import (
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
)

// TestCircuitRunKeyErrors: the keys of a circuit file that say how it runs
// alone (task, duration_ms, [rule], [[record]]) are checked here, with the
// file, line and key, as the network's keys are by circuits.
func TestCircuitRunKeyErrors(t *testing.T) {
	for _, tc := range []struct {
		circuit, old, new, want string
	}{
		{"xor_spiking", `name = "dopamine"`, `name = "adam"`, `s.toml:83: rule.sigma: applies only to rule wp, np, dopamine, dopamine2, npfb, npfb_ls (rule is "adam")`},
		{"xor_spiking", `name = "dopamine"`, `name = "np"`, `rule.name: np needs a differentiable circuit, but population "input" is poisson (spiking circuits learn by wp, dopamine, dopamine2 or eprop)`},
		{"xor_spiking", "[rule]\n", "[[record]]\npopulation = \"hidden\"\nvariable = \"v\"\nneurons = [0]\n[rule]\n", `record[0]: [[record]] applies only to task = "simulate"`},
		{"xor", `name = "dopamine"`, `name = "dopamin"`, "s.toml:44: rule.name: " + train.UnknownRule("dopamin")},
		{"xor", `name = "xor"`, "name = \"xor\"\ntask = \"xr\"", "task: " + task.UnknownTask("xr", "simulate")},
		{"xor", `name = "xor"`, "name = \"xor\"\nduration_ms = 5.0", `duration_ms: applies only to task = "simulate" (task is "xor")`},
		{"xor", "sigma = 0.01", "sigma = 0.01\nbeta1 = 0.9", `s.toml:47: rule.beta1: applies only to rule adam, eprop (rule is "dopamine")`},
		{"cuba", "duration_ms = 1000.0", "duration_ms = 0.0", `duration_ms: must be a finite number > 0 for task "simulate"`},
		{"cuba", `variable = "v"`, `variable = "u"`, `record[0].variable: population "exc" (lif) has no variable "u"`},
		{"cuba", "neurons = [0, 1, 2]", "neurons = [0, 3200]", "record[0].neurons: neuron 3200 out of range"},
		{"cuba", "neurons = [0, 1, 2]", "neurons = [0, 1, 2]\n[rule]\nname = \"wp\"", `rule.name: a simulated circuit (task = "simulate") learns nothing`},
	} {
		base, ok := circuits.Builtin(tc.circuit)
		if !ok {
			t.Fatalf("no built-in circuit %s", tc.circuit)
		}
		src := strings.Replace(string(base), tc.old, tc.new, 1)
		if src == string(base) {
			t.Fatalf("%s: edit %q did not apply", tc.circuit, tc.old)
		}
		s, err := OpenData("s.toml", []byte(src))
		if err == nil {
			_, err = DecodeCircuit(s.Doc)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %q → %q: got %v, want an error containing %q", tc.circuit, tc.old, tc.new, err, tc.want)
		}
	}
}
