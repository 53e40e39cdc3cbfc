package experiments

import (
	"os"
	"path/filepath"
	"slices"
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
		// Two-factor STDP runs in a simulation; three-factor rules, probes
		// and several delays do not.
		{"brunel_stdp", `rule = "stdp"            #`, `rule = "rstdp"            #`, `s.toml:68: projection[ee].plastic: a plastic sparse projection with rule "rstdp" learns by STDP gated by dopamine`},
		{"brunel_stdp", `task = "simulate"`, `task = "xor"`, `projection[ee].stdp.rule: two-factor STDP (rule "stdp") runs in a simulation`},
		{"brunel_stdp", `pairing = "all_to_all"`, "pairing = \"all_to_all\"\nevent_driven = true", `projection[ee].stdp.event_driven: rule "stdp" (two-factor) is stepped`},
		{"brunel_stdp", "delay_steps = 16\nplastic = true", "delay_steps = 16\ndelay_max_steps = 20\nplastic = true", `projection[ee].delay_max_steps: rule "stdp" pairs a pre spike when it arrives`},
		// A circuit with its own TD critic runs as a reward agent.
		{"fremaux_maze", `name = "fremaux_maze"`, "name = \"fremaux_maze\"\ntask = \"xor\"", `s.toml:95: modulator.kind: a circuit with its own TD critic (kind "continuous_td") and its TD-LTP links runs as the agent of a reward file`},
		{"brunel_stdp", "dt_ms = 0.1\n", "dt_ms = 0.1\nprobe_every_ms = 10.0\n[[probe]]\nprojection = \"ee\"\nsynapse = \"index\"\n", `probe[0]: probes are sampled by a reward run's network agent`},
		// threads: simulations only, of circuits that can be split.
		{"xor", `name = "xor"`, "name = \"xor\"\nthreads = 2", `threads: applies only to task = "simulate"`},
		{"cuba", "duration_ms = 1000.0", "duration_ms = 1000.0\nthreads = 0", `threads: must be`},
		{"cuba", "duration_ms = 1000.0", "duration_ms = 1000.0\nthreads = 300", `threads: must be`},
		{"cuba", "dt_ms = 0.1\n\n[[population]]\nname = \"exc\"", "dt_ms = 0.1\nthreads = 2\n\n[[population]]\nname = \"extra\"\nsize = 10\nmodel = \"poisson\"\nrate_hz_per_unit = 10.0\n\n[[population]]\nname = \"exc\"", `s.toml:17: threads: population "extra" (poisson) cannot be stepped on several threads (lif, coba and izhikevich can); threads must be 1`},
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

// TestRunKeysAreCircuitFileKeys: the run keys are the keys CircuitFile
// reads beside the network's, so that circuits knows none of them.
func TestRunKeysAreCircuitFileKeys(t *testing.T) {
	keys := RunKeys()
	for _, k := range []string{"task", "duration_ms", "rule", "record", "record_format", "record_sonata", "threads"} {
		if !slices.Contains(keys, k) {
			t.Errorf("RunKeys() = %v lacks %q", keys, k)
		}
	}
	for _, k := range []string{"name", "dt_ms", "population", "projection", "readout", "input"} {
		if slices.Contains(keys, k) {
			t.Errorf("RunKeys() = %v holds the network's key %q", keys, k)
		}
	}
}

// TestLoadNetwork: an agent's circuit file may say how it runs alone (its
// run keys are left out), and any other key that is not the network's is
// an error at its file, line and key.
func TestLoadNetwork(t *testing.T) {
	dir := t.TempDir()
	base, _ := circuits.Builtin("xor")
	good := filepath.Join(dir, "good.toml")
	if err := os.WriteFile(good, base, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadNetwork(good)
	if err != nil || s.Name != "xor" {
		t.Fatalf("LoadNetwork(xor with its task and [rule]) = %v, %v", s, err)
	}
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("bogus = 1\n"+string(base)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadNetwork(bad); err == nil || !strings.Contains(err.Error(), "bad.toml:1: bogus: unknown key") {
		t.Errorf("LoadNetwork(a file with bogus = 1) = %v, want bad.toml:1: bogus: unknown key", err)
	}
}
