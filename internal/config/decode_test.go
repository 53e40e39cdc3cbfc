package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const goodCircuit = `# A small circuit.
title = "xor # not a comment = [not a table]"
author = 'Ada'
seed = 7
weights = [
  0.5,  # first
  -1,
]
tags = ["a", "b"]
params = { lr = 0.01, "decay rate" = 0.5 }

[solver]
dt = 0.1
method = """
multi-line [string]
with = signs and # hashes
"""

[[population]]
name = "input"
size = 2

[[population]]
name = "hidden"
size = 4
tau_ms = 20
activation = "tanh"
bias = 0.25

[[rule]]
name = "wp"
sigma = 1

[experiment]
steps = 100

[[experiment.rule]]
name = "sgd"
learning_rate = 0.1

[[experiment.rule]]
sigma = 2.5
`

func TestDecodeGood(t *testing.T) {
	var c Circuit
	c.Solver.Method = "default" // overwritten
	c.Experiment.Steps = 1      // overwritten
	doc, err := Decode("good.toml", []byte(goodCircuit), &c)
	if err != nil {
		t.Fatal(err)
	}
	bias := 0.25
	seed := int64(7)
	want := Circuit{
		Meta:    Meta{Author: "Ada"},
		Title:   "xor # not a comment = [not a table]",
		Seed:    &seed,
		Weights: []float64{0.5, -1},
		Tags:    []string{"a", "b"},
		Params:  map[string]float64{"lr": 0.01, "decay rate": 0.5},
		Solver:  Solver{Dt: 0.1, Method: "multi-line [string]\nwith = signs and # hashes\n"},
		Population: []Population{
			{Name: "input", Size: 2},
			{Name: "hidden", Size: 4, TauMs: 20, Activation: Tanh, Bias: &bias},
		},
		Rule: []Rule{{Name: "wp", Sigma: 1}},
		Experiment: Experiment{
			Steps: 100,
			Rule:  []Rule{{Name: "sgd", LearningRate: 0.1}, {Sigma: 2.5}},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", c, want)
	}
	if doc.File() != "good.toml" {
		t.Errorf("File() = %q", doc.File())
	}
	lines := []struct {
		path []any
		line int
	}{
		{[]any{"title"}, 2},
		{[]any{"author"}, 3},
		{[]any{"weights"}, 5},
		{[]any{"weights", 0}, 6},
		{[]any{"weights", 1}, 7},
		{[]any{"params", "lr"}, 10},
		{[]any{"params", "decay rate"}, 10},
		{[]any{"solver"}, 12},
		{[]any{"solver", "method"}, 14},
		{[]any{"population"}, 19},
		{[]any{"population", 0}, 19},
		{[]any{"population", 0, "size"}, 21},
		{[]any{"population", 1}, 23},
		{[]any{"population", 1, "tau_ms"}, 26},
		{[]any{"population", 1, "bias"}, 28},
		{[]any{"rule", 0, "sigma"}, 32},
		{[]any{"experiment", "steps"}, 35},
		{[]any{"experiment", "rule", 0}, 37},
		{[]any{"experiment", "rule", 1, "sigma"}, 42},
		{[]any{"population", 2}, 0},
		{[]any{"nope"}, 0},
		{[]any{"solver", "dt", "deeper"}, 0},
	}
	for _, l := range lines {
		if got := doc.Line(l.path...); got != l.line {
			t.Errorf("Line(%v) = %d, want %d", l.path, got, l.line)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "unknown top-level key",
			src:  "title = \"x\"\ntitel = \"y\"\n",
			want: `c.toml:2: titel: unknown key "titel" (did you mean "title"?)`,
		},
		{
			name: "unknown key without suggestion lists valid keys",
			src:  "[solver]\ndt = 1\nzzzzzz = 2\n",
			want: `c.toml:3: solver.zzzzzz: unknown key "zzzzzz" (valid keys: dt, method)`,
		},
		{
			name: "unknown key in table",
			src:  "[solver]\ndt = 0.1\nmethd = \"rk4\"\n",
			want: `c.toml:3: solver.methd: unknown key "methd" (did you mean "method"?)`,
		},
		{
			name: "unknown table",
			src:  "title = \"x\"\n\n[populaton]\nsize = 3\n",
			want: `c.toml:3: populaton: unknown key "populaton" (did you mean "population"?)`,
		},
		{
			name: "unknown key in second array element, named",
			src:  "[[population]]\nname = \"input\"\ntua_ms = 1\n\n[[population]]\nname = \"hidden\"\ntua_ms = 5\n",
			want: `c.toml:3: population[input].tua_ms: unknown key "tua_ms" (did you mean "tau_ms"?)`,
		},
		{
			name: "unknown key in second array element only",
			src:  "[[population]]\nname = \"input\"\n\n[[population]]\nname = \"hidden\"\nsize = 4\ntua_ms = 5\n",
			want: `c.toml:7: population[hidden].tua_ms: unknown key "tua_ms" (did you mean "tau_ms"?)`,
		},
		{
			name: "unknown key in unnamed array element",
			src:  "[[rule]]\nsigma = 1\n[[rule]]\nsigma = 2\n[[rule]]\nsigmaa = 3\n",
			want: `c.toml:6: rule[2].sigmaa: unknown key "sigmaa" (did you mean "sigma"?)`,
		},
		{
			name: "unknown key in nested array of tables",
			src:  "[experiment]\nsteps = 3\n[[experiment.rule]]\nname = \"wp\"\n[[experiment.rule]]\nname = \"dopamine\"\nlearning_rat = 1\n",
			want: `c.toml:7: experiment.rule[dopamine].learning_rat: unknown key "learning_rat" (did you mean "learning_rate"?)`,
		},
		{
			name: "case variant key",
			src:  "[solver]\nDt = 0.1\n",
			want: `c.toml:2: solver.Dt: unknown key "Dt" (did you mean "dt"? keys are case-sensitive)`,
		},
		{
			name: "case variant of embedded key",
			src:  "Author = \"me\"\n",
			want: `c.toml:1: Author: unknown key "Author" (did you mean "author"? keys are case-sensitive)`,
		},
		{
			name: "ignored field is unknown",
			src:  "Ignored = \"x\"\n",
			want: `c.toml:1: Ignored: unknown key "Ignored" (valid keys: title, seed, weights, tags, population, rule, experiment, params, solver, author)`,
		},
		{
			name: "dotted key unknown",
			src:  "solver.dt = 1\nsolver.step = 2\n",
			want: `c.toml:2: solver.step: unknown key "step" (valid keys: dt, method)`,
		},
		{
			name: "key inside inline table",
			src:  "title = \"t\"\nsolver = { dt = 0.1, metod = \"rk4\" }\n",
			want: `c.toml:2: solver.metod: unknown key "metod" (did you mean "method"?)`,
		},
		{
			name: "key inside multi-line array of inline tables",
			src:  "rule = [\n  { name = \"a\", sigma = 1 },\n  { name = \"b\", sigmaa = 2 },\n]\n",
			want: `c.toml:3: rule[b].sigmaa: unknown key "sigmaa" (did you mean "sigma"?)`,
		},
		{
			name: "first problem in file order is reported",
			src:  "[solver]\ndt = \"x\"\n[[population]]\nzize = 1\n",
			want: `c.toml:2: solver.dt: expected a number, got string "x"`,
		},
		{
			name: "string for integer",
			src:  "[[population]]\nname = \"input\"\n[[population]]\nname = \"hidden\"\nsize = \"four\"\n",
			want: `c.toml:5: population[hidden].size: expected an integer, got string "four"`,
		},
		{
			name: "string for float",
			src:  "[[population]]\nname = \"hidden\"\ntau_ms = \"fast\"\n",
			want: `c.toml:3: population[hidden].tau_ms: expected a number, got string "fast"`,
		},
		{
			name: "float for integer",
			src:  "[[population]]\nname = \"hidden\"\nsize = 2.5\n",
			want: `c.toml:3: population[hidden].size: expected an integer, got float 2.5`,
		},
		{
			name: "whole float for integer",
			src:  "[[population]]\nname = \"hidden\"\nsize = 3.0\n",
			want: `c.toml:3: population[hidden].size: expected an integer, got float 3.0`,
		},
		{
			name: "bool for string",
			src:  "title = true\n",
			want: `c.toml:1: title: expected a string, got boolean true`,
		},
		{
			name: "pointer field",
			src:  "seed = \"random\"\n",
			want: `c.toml:1: seed: expected an integer, got string "random"`,
		},
		{
			name: "bad element of multi-line array",
			src:  "weights = [\n  1.0,\n  \"x\", # oops\n]\n",
			want: `c.toml:3: weights[1]: expected a number, got string "x"`,
		},
		{
			name: "scalar for array",
			src:  "weights = 1.0\n",
			want: `c.toml:1: weights: expected an array, got float 1.0`,
		},
		{
			name: "table for array of tables",
			src:  "[population]\nsize = 1\n",
			want: `c.toml:1: population: expected an array of tables ([[population]]), got a table`,
		},
		{
			name: "array of tables for table",
			src:  "[[solver]]\ndt = 1\n",
			want: `c.toml:1: solver: expected a table ([solver]), got an array`,
		},
		{
			name: "scalar for table",
			src:  "solver = 3\n",
			want: `c.toml:1: solver: expected a table, got integer 3`,
		},
		{
			name: "map value",
			src:  "[params]\nlr = 0.1\ndecay = \"slow\"\n",
			want: `c.toml:3: params.decay: expected a number, got string "slow"`,
		},
		{
			name: "TextUnmarshaler error",
			src:  "[[population]]\nname = \"hidden\"\nactivation = \"tanhh\"\n",
			want: `c.toml:3: population[hidden].activation: unknown activation "tanhh" (want linear, tanh or relu)`,
		},
		{
			name: "TextUnmarshaler gets non-string",
			src:  "[[population]]\nname = \"hidden\"\nactivation = [1]\n",
			want: `c.toml:3: population[hidden].activation: expected a string, got an array`,
		},
		{
			name: "lines after multi-line strings and tricky strings",
			src:  "title = '''\n[[population]]\nx = 1\n'''\nauthor = \"a \\\" # [b] = c\"\n[solver]\nmethod = \"\"\"\n\\\"\"\"\n\"\"\"\" # quote at end\nbad = 1\n",
			want: `c.toml:10: solver.bad: unknown key "bad" (valid keys: dt, method)`,
		},
		{
			name: "quoted keys",
			src:  "[\"solver\"]\n'dt' = 1\n\"meth\\u006Fd\" = \"x\"\n\"bad key\" = 1\n",
			want: `c.toml:4: solver."bad key": unknown key "bad key" (valid keys: dt, method)`,
		},
		{
			name: "syntax error",
			src:  "title = \"x\"\n\n[solver]\ndt = \n",
			want: `c.toml:4: solver.dt: syntax error: expected value but found end of line instead`,
		},
		{
			name: "syntax error without key",
			src:  "title = \"x\"\n\n\n$$$\n",
			want: `c.toml:4: syntax error: expected '.' or '=', but got '$' instead`,
		},
		{
			name: "unterminated string",
			src:  "title = \"x\nauthor = 1\n",
			want: `c.toml:1: title: syntax error: strings cannot contain newlines`,
		},
		{
			name: "duplicate key",
			src:  "[solver]\ndt = 1\ndt = 2\n",
			want: `c.toml:3: solver.dt: key 'solver.dt' has already been defined`,
		},
		{
			name: "value replacing dotted table",
			src:  "solver.dt = 1\nsolver = 2\n",
			want: `c.toml:2: solver: key already defined at line 1`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Circuit
			_, err := Decode("c.toml", []byte(tt.src), &c)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestDecodeIntoMapAndNonPointer(t *testing.T) {
	var m map[string]any
	if _, err := Decode("m.toml", []byte("a = 1\n[b]\nc = [1, 2]\n"), &m); err != nil {
		t.Fatal(err)
	}
	if m["a"] != int64(1) {
		t.Errorf("m = %#v", m)
	}
	var c Circuit
	if _, err := Decode("c.toml", nil, c); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
		t.Errorf("non-pointer: err = %v", err)
	}
}

func TestDecodeIntTypes(t *testing.T) {
	var v struct {
		Small int8    `toml:"small"`
		U     uint16  `toml:"u"`
		F     float32 `toml:"f"`
		Arr   [2]int  `toml:"arr"`
		Any   any     `toml:"any"`
	}
	tests := []struct{ src, want string }{
		{"small = 300", `line 1: small: expected an integer between -128 and 127, got 300`},
		{"u = -1", `line 1: u: expected an integer between 0 and 65535, got -1`},
		{"f = 1e300", `line 1: f: number 1e+300 is too large (the largest allowed is 3.4028234663852886e+38)`},
		{"arr = [1, 2, 3]", `line 1: arr: expected an array of 2 elements, got 3`},
	}
	for _, tt := range tests {
		if _, err := Decode("", []byte(tt.src), &v); err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %s", tt.src, err, tt.want)
		}
	}
	if _, err := Decode("", []byte("small = -5\nu = 7\nf = 2\narr = [3, 4]\nany = {x = [1]}"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Small != -5 || v.U != 7 || v.F != 2 || v.Arr != [2]int{3, 4} || v.Any == nil {
		t.Errorf("decoded %+v", v)
	}
}

func TestEmbeddedPointer(t *testing.T) {
	type Inner struct {
		X int `toml:"x"`
	}
	type Outer struct {
		*Inner
		Y int `toml:"y"`
	}
	var o Outer
	if _, err := Decode("", []byte("x = 1\ny = 2"), &o); err != nil {
		t.Fatal(err)
	}
	if o.Inner == nil || o.X != 1 || o.Y != 2 {
		t.Errorf("decoded %+v", o)
	}
	var o2 Outer
	if err := Set(&o2, "x", "5"); err != nil || o2.X != 5 {
		t.Errorf("Set: %v, %+v", err, o2)
	}
}

const errorfDoc = `title = "x"

[[population]]
name = "input"
size = 2

[[population]]
name = "hidden"
size = 4
tau_ms = -5

[[rule]]
sigma = 1

[[rule]]
sigma = 2

[[rule]]
sigma = -3

[experiment]
steps = 3

[[experiment.rule]]
name = "wp"
sigma = 1
`

func TestErrorf(t *testing.T) {
	var c Circuit
	doc, err := Decode("circuits/xor.toml", []byte(errorfDoc), &c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path []any
		want string
	}{
		{"present key in named element", []any{"population", 1, "tau_ms"}, "circuits/xor.toml:10: population[hidden].tau_ms: must be >= 0"},
		{"absent key falls back to element header", []any{"population", 0, "tau_ms"}, "circuits/xor.toml:3: population[input].tau_ms: must be >= 0"},
		{"unnamed element by index", []any{"rule", 2, "sigma"}, "circuits/xor.toml:19: rule[2].sigma: must be >= 0"},
		{"absent key in unnamed element", []any{"rule", 1, "learning_rate"}, "circuits/xor.toml:15: rule[1].learning_rate: must be >= 0"},
		{"element itself", []any{"population", 1}, "circuits/xor.toml:7: population[hidden]: must be >= 0"},
		{"nested array of tables", []any{"experiment", "rule", 0, "learning_rate"}, "circuits/xor.toml:24: experiment.rule[wp].learning_rate: must be >= 0"},
		{"absent key in table", []any{"experiment", "seed"}, "circuits/xor.toml:21: experiment.seed: must be >= 0"},
		{"absent top-level key", []any{"seed"}, "circuits/xor.toml: seed: must be >= 0"},
		{"other integer types", []any{"population", int64(1), "size"}, "circuits/xor.toml:9: population[hidden].size: must be >= 0"},
		{"element beyond the file", []any{"population", 5, "size"}, "circuits/xor.toml:3: population[5].size: must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := doc.Errorf(tt.path, "must be >= 0").Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	e := doc.Errorf([]any{"population", 1, "tau_ms"}, "must be >= 0, got %g", c.Population[1].TauMs)
	if e.File != "circuits/xor.toml" || e.Line != 10 || e.Key != "population[hidden].tau_ms" || e.Msg != "must be >= 0, got -5" {
		t.Errorf("Errorf fields = %+v", e)
	}
	if k := doc.Key("rule", 0); k != "rule[0]" {
		t.Errorf("Key = %q", k)
	}
}

func TestDuplicateNamesUseIndex(t *testing.T) {
	var c Circuit
	doc, err := Decode("d.toml", []byte("[[rule]]\nname = \"a\"\n[[rule]]\nname = \"a\"\n[[rule]]\nname = \"a]\"\n"), &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		i    int
		want string
	}{{1, "d.toml:3: rule[1].sigma: m"}, {2, `d.toml:5: rule["a]"].sigma: m`}} {
		if got := doc.Errorf([]any{"rule", tt.i, "sigma"}, "m").Error(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f.toml", Line: 3, Key: "a.b", Msg: "m"}, "f.toml:3: a.b: m"},
		{Error{File: "f.toml", Key: "a.b", Msg: "m"}, "f.toml: a.b: m"},
		{Error{Line: 3, Key: "a.b", Msg: "m"}, "line 3: a.b: m"},
		{Error{Key: "a.b", Msg: "m"}, "a.b: m"},
		{Error{File: "f.toml", Line: 3, Msg: "m"}, "f.toml:3: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	valid := []string{"tau_ms", "size", "name", "activation"}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"tua_ms", "tau_ms", true},
		{"siz", "size", true},
		{"activaton", "activation", true},
		{"xyz", "", false},
		{"n", "", false},
	} {
		got, ok := suggest(tt.in, valid)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("suggest(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d", d)
	}
}
