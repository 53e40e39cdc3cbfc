package config

import (
	"errors"
	"reflect"
	"testing"
)

func newCircuit() *Circuit {
	return &Circuit{
		Population: []Population{{Name: "input", Size: 2}, {Name: "hidden", Size: 4}},
		Rule:       []Rule{{Name: "wp"}, {Name: "dopamine", Sigma: 1}, {Name: "sgd"}},
		Params:     map[string]float64{"lr": 0.1},
	}
}

func TestSet(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	i := func(x int64) *int64 { return &x }
	tests := []struct {
		path, value string
		get         func(c *Circuit) any
		want        any
	}{
		{"solver.dt", "0.5", func(c *Circuit) any { return c.Solver.Dt }, 0.5},
		{"solver.dt", "2", func(c *Circuit) any { return c.Solver.Dt }, 2.0},
		{"solver.method", `"rk4"`, func(c *Circuit) any { return c.Solver.Method }, "rk4"},
		{"solver.method", "euler", func(c *Circuit) any { return c.Solver.Method }, "euler"},
		{"title", "2024", func(c *Circuit) any { return c.Title }, "2024"},
		{"title", "true", func(c *Circuit) any { return c.Title }, "true"},
		{"title", "two words", func(c *Circuit) any { return c.Title }, "two words"},
		{"title", "", func(c *Circuit) any { return c.Title }, ""},
		{"author", "Ada", func(c *Circuit) any { return c.Author }, "Ada"},
		{"population.hidden.size", "20", func(c *Circuit) any { return c.Population[1].Size }, 20},
		{"population.1.size", "21", func(c *Circuit) any { return c.Population[1].Size }, 21},
		{"rule.dopamine.learning_rate", "0.01", func(c *Circuit) any { return c.Rule[1].LearningRate }, 0.01},
		{"rule.0.sigma", "0.3", func(c *Circuit) any { return c.Rule[0].Sigma }, 0.3},
		{"params.lr", "0.2", func(c *Circuit) any { return c.Params["lr"] }, 0.2},
		{"params.decay", "0.9", func(c *Circuit) any { return c.Params["decay"] }, 0.9},
		{"seed", "42", func(c *Circuit) any { return c.Seed }, i(42)},
		{"population.hidden.bias", "-0.5", func(c *Circuit) any { return c.Population[1].Bias }, f(-0.5)},
		{"population.hidden.activation", "relu", func(c *Circuit) any { return c.Population[1].Activation }, ReLU},
		{"population.hidden.activation", `"tanh"`, func(c *Circuit) any { return c.Population[1].Activation }, Tanh},
		{"weights", "[1, 2.5]", func(c *Circuit) any { return c.Weights }, []float64{1, 2.5}},
		{"tags", `["a", 'b']`, func(c *Circuit) any { return c.Tags }, []string{"a", "b"}},
		{"solver", `{dt = 0.25}`, func(c *Circuit) any { return c.Solver }, Solver{Dt: 0.25, Method: "keep"}},
		{"population.input", `{size = 3, tau_ms = 1}`, func(c *Circuit) any { return c.Population[0] }, Population{Name: "input", Size: 3, TauMs: 1}},
		{"tags.1", "z", func(c *Circuit) any { return c.Tags }, []string{"x", "z"}},
		{"experiment.steps", "10 # comment", func(c *Circuit) any { return c.Experiment.Steps }, 10},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			c := newCircuit()
			c.Solver.Method = "keep"
			c.Tags = []string{"x", "y"}
			if err := Set(c, tt.path, tt.value); err != nil {
				t.Fatal(err)
			}
			if got := tt.get(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestSetMapOfStructs(t *testing.T) {
	var v struct {
		Groups map[string]*Rule `toml:"groups"`
	}
	if err := Set(&v, "groups.g1.sigma", "3"); err != nil {
		t.Fatal(err)
	}
	if err := Set(&v, "groups.g1.name", "x"); err != nil {
		t.Fatal(err)
	}
	if r := v.Groups["g1"]; r == nil || r.Sigma != 3 || r.Name != "x" {
		t.Errorf("got %+v", v.Groups)
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		path, value, want string
	}{
		{"rule.dopamne.sigma", "1", `--set rule.dopamne.sigma: no rule named "dopamne" (have: wp, dopamine, sgd)`},
		{"rule.7.sigma", "1", `--set rule.7.sigma: no rule number 7 (have 3, numbered 0 to 2)`},
		{"experiment.rule.wp.sigma", "1", `--set experiment.rule.wp.sigma: no rule named "wp" (there are none)`},
		{"weights.x", "1", `--set weights.x: no weights "x" (the list is empty)`},
		{"tags.x", "1", `--set tags.x: "tags" is a list; select an element by its number (0 to 1), got "x"`},
		{"tags.2", "1", `--set tags.2: no tags number 2 (have 2, numbered 0 to 1)`},
		{"population.hidden.tua_ms", "1", `--set population.hidden.tua_ms: unknown key "tua_ms" (did you mean "tau_ms"?)`},
		{"Title", "x", `--set Title: unknown key "Title" (did you mean "title"? keys are case-sensitive)`},
		{"population.hidden.size", "four", `--set population.hidden.size: expected an integer, got string "four"`},
		{"population.hidden.size", "2.5", `--set population.hidden.size: expected an integer, got float 2.5`},
		{"population.hidden.activation", "tanhh", `--set population.hidden.activation: unknown activation "tanhh" (want linear, tanh or relu)`},
		{"population.hidden.activation.x", "1", `--set population.hidden.activation.x: "activation" holds a single value; it has no key "x"`},
		{"solver.dt.x", "1", `--set solver.dt.x: "dt" holds a single value; it has no key "x"`},
		{"weights", "[1, 2", `--set weights: cannot read [1, 2 as a TOML value: expected a comma (',') or array terminator (']'), but got end of file`},
		{"weights", `[1, "a"]`, `--set weights[1]: expected a number, got string "a"`},
		{"solver", `{dt = 1, mehtod = "x"}`, `--set solver.mehtod: unknown key "mehtod" (did you mean "method"?)`},
		{"population.input", `{size = "x"}`, `--set population.input.size: expected an integer, got string "x"`},
		{"params.lr", "fast", `--set params.lr: expected a number, got string "fast"`},
		{"", "1", `--set: empty key; expected --set key=value`},
		{"solver..dt", "1", `--set solver..dt: empty key segment`},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			c := newCircuit()
			c.Tags = []string{"a", "b"}
			err := Set(c, tt.path, tt.value)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
	if err := Set(Circuit{}, "title", "x"); err == nil {
		t.Error("Set on a non-pointer succeeded")
	}
}
