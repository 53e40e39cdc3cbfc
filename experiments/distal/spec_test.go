package distal

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestShippedFileIsTheDefaults(t *testing.T) {
	data, err := os.ReadFile("../izhikevich2007.toml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("izhikevich2007.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	d := Spec{}.Defaults()
	d.Description = s.Description
	if !reflect.DeepEqual(*s, d) {
		t.Errorf("the shipped file differs from Defaults:\n got %+v\nwant %+v", *s, d)
	}
}

func TestParseMinimal(t *testing.T) {
	s, err := Parse("m.toml", []byte(`kind = "distal_reward"`))
	if err != nil {
		t.Fatal(err)
	}
	if s.DurationS != 3600 || len(s.Conditions) != 2 || s.Network.WMax != 4 {
		t.Errorf("defaults not applied: %+v", s)
	}
}

func TestParseErrorsNameFileLineKey(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"unknown key", "kind = \"distal_reward\"\n[network]\nn_ex = 800\n", "e.toml:3: network.n_ex: "},
		{"case", "kind = \"distal_reward\"\nDuration_s = 20\n", "e.toml:2: Duration_s: "},
		{"type", "kind = \"distal_reward\"\nduration_s = \"long\"\n", "e.toml:2: duration_s: "},
		{"range", "kind = \"distal_reward\"\n\n[network]\nw_max = -4\n", "e.toml:4: network.w_max: must be a finite number > 0"},
		{"neuron", "kind = \"distal_reward\"\n[network.exc_neuron]\na = -1\n", "e.toml:3: network.exc_neuron.a: must be >= 0"},
		{"condition", "kind = \"distal_reward\"\n[[condition]]\nname = \"a\"\n[[condition]]\nname = \"a\"\n", "e.toml:5: condition[1].name: condition \"a\" is listed twice"},
		{"delay", "kind = \"distal_reward\"\n[reward]\ndelay_min_ms = 500\ndelay_max_ms = 400\n", "e.toml:4: reward.delay_max_ms: must be in [delay_min_ms (500)"},
		{"choice", "kind = \"distal_reward\"\n[network]\nthalamic = \"poisson\"\n", "e.toml:3: network.thalamic: must be \"uniform\" or \"single\""},
		{"kind", "kind = \"xor\"\n", "e.toml:1: kind: must be \"distal_reward\""},
		{"no kind", "seed = 3\n", "e.toml:1: kind: must be set"},
		{"syntax", "kind = \"distal_reward\"\nseed = = 3\n", "e.toml:2: "},
	} {
		_, err := Parse("e.toml", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v, want prefix %q", c.name, err, c.want)
		}
	}
}

func TestSet(t *testing.T) {
	s := Spec{}.Defaults()
	if err := s.Set("duration_s", "20"); err != nil {
		t.Fatal(err)
	}
	if s.DurationS != 20 || s.Steps() != 20000 {
		t.Errorf("duration_s = %g, steps %d", s.DurationS, s.Steps())
	}
	if err := s.Set("network.thalamic", "single"); err != nil || s.Network.Thalamic != "single" {
		t.Errorf("network.thalamic: %v, %q", err, s.Network.Thalamic)
	}
	if err := s.Set("condition.control.reward", "true"); err != nil || !s.Conditions[1].Reward {
		t.Errorf("condition.control.reward: %v", err)
	}
	before := s
	err := s.Set("duration_s", "-1")
	if err == nil || !strings.HasPrefix(err.Error(), "--set duration_s: duration_s: must be") {
		t.Errorf("bad value: %v", err)
	}
	if err := s.Set("duraton_s", "1"); err == nil || !strings.Contains(err.Error(), "duration_s") {
		t.Errorf("unknown key: %v", err)
	}
	if !reflect.DeepEqual(s, before) {
		t.Error("a failed Set changed the spec")
	}
}
