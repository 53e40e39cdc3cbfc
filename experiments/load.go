package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/param"
)

// Plan is an experiment ready to run: the experiment, its circuit, and
// where each came from.
type Plan struct {
	Spec        Spec
	Circuit     circuits.Spec
	File        string // the experiment file ("" when a circuit runs alone)
	CircuitFile string // the circuit file, or builtin:NAME.toml
	doc, cdoc   *config.Doc
	data        *data // the forecasting task's series, made once
}

// IsExperiment reports whether TOML data declares an experiment (it has a
// circuit key) rather than a circuit.
func IsExperiment(data []byte) bool {
	var probe map[string]any
	if _, err := toml.Decode(string(data), &probe); err != nil {
		return !strings.Contains(string(data), "[[population]]")
	}
	_, ok := probe["circuit"]
	return ok
}

// Load reads an experiment file, or a circuit file (which then runs alone
// with its own [rule] on the task named by its "task"... see PlanCircuit),
// and its circuit. Errors name the file, the line and the key.
func Load(file string) (*Plan, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file", file)
		}
		return nil, err
	}
	if !IsExperiment(data) {
		cs, cdoc, err := circuits.Parse(file, data)
		if err != nil {
			return nil, err
		}
		return PlanCircuit(cs, cdoc, file), nil
	}
	return Parse(file, data)
}

// Builtin returns the built-in experiment of that name ("xor").
func Builtin(name string) (*Plan, error) {
	data, ok := BuiltinData(name)
	if !ok {
		return nil, fmt.Errorf("no built-in experiment %q", name)
	}
	return Parse("builtin:"+name+".toml", data)
}

// BuiltinData returns the source of the built-in experiment file of that
// name, whatever its kind.
func BuiltinData(name string) ([]byte, bool) {
	data, err := builtinFS.ReadFile(name + ".toml")
	return data, err == nil
}

// PlanCircuit makes a circuit run alone: one rule (its [rule]) on its
// task, with the experiment defaults.
func PlanCircuit(cs *circuits.Spec, cdoc *config.Doc, file string) *Plan {
	s := Spec{}.Defaults()
	s.Name, s.Circuit, s.Task = cs.Name, file, cs.Task
	s.Rules = []RuleEntry{{RuleSpec: cs.Rule}}
	if cs.Task != "xor" {
		s.Criterion.LossBelow = 0 // forecasting: train for the budget
		s.MaxTrials = 5000
	}
	return &Plan{Spec: s, Circuit: *cs, CircuitFile: file, cdoc: cdoc}
}

// Parse decodes an experiment strictly (defaults for every key left out),
// loads its circuit, and validates both.
func Parse(file string, data []byte) (*Plan, error) {
	s := Spec{}.Defaults()
	var shape struct {
		Rules []struct {
			Name string `toml:"name"`
		} `toml:"rule"`
	}
	if _, err := toml.Decode(string(data), &shape); err == nil {
		s.Rules = make([]RuleEntry, len(shape.Rules))
		for i, r := range shape.Rules {
			s.Rules[i].RuleSpec, _ = circuits.RuleDefaults(r.Name)
		}
	}
	doc, err := config.Decode(file, data, &s)
	if err != nil {
		return nil, err
	}
	p := &Plan{Spec: s, File: file, doc: doc}
	if err := s.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	if err := p.loadCircuit(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) loadCircuit() error {
	name := p.Spec.Circuit
	if _, ok := circuits.Builtin(name); !ok && p.File != "" && !filepath.IsAbs(name) && !strings.HasPrefix(p.File, "builtin:") {
		name = filepath.Join(filepath.Dir(p.File), name)
	}
	cs, cdoc, err := circuits.Load(name)
	if err != nil {
		var ce *config.Error
		if !errors.As(err, &ce) && p.doc != nil {
			return p.doc.Errorf([]any{"circuit"}, "%v", err)
		}
		return err
	}
	p.Circuit, p.CircuitFile, p.cdoc = *cs, name, cdoc
	return nil
}

// Set applies a command-line override key=value. Keys address the
// experiment ("seeds", "rule.dopamine.learning_rate") or, under "circuit.",
// its circuit ("circuit.population.hidden.size").
func (p *Plan) Set(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return fmt.Errorf("--set %q: want key=value", kv)
	}
	if ck, isCircuit := strings.CutPrefix(key, "circuit."); isCircuit {
		if err := config.Set(&p.Circuit, ck, val); err != nil {
			return err
		}
		if p.File == "" {
			// A circuit running alone: its [rule] is the experiment's rule.
			p.Spec.Rules[0].RuleSpec = p.Circuit.Rule
		}
		return nil
	}
	if p.File == "" && strings.HasPrefix(key, "rule.") {
		// A circuit running alone has one unnamed rule: rule.KEY addresses it.
		if err := config.Set(&p.Circuit, key, val); err != nil {
			return err
		}
		p.Spec.Rules[0].RuleSpec = p.Circuit.Rule
		return nil
	}
	return config.Set(&p.Spec, key, val)
}

// Validate checks the plan after overrides. Errors say which --set or
// file key is at fault.
func (p *Plan) Validate() error {
	if err := p.Spec.Validate(); err != nil {
		return p.doc.Locate(err)
	}
	if err := p.Circuit.Validate(); err != nil {
		return p.cdoc.Locate(err)
	}
	// Every rule must be able to train the circuit (no backpropagation
	// through spiking populations).
	for i, e := range p.Spec.Rules {
		if err := p.Circuit.CheckRule(e.RuleSpec); err != nil {
			var fe *param.Error
			if errors.As(err, &fe) && p.doc != nil {
				return p.doc.Errorf([]any{"rule", i, "name"}, "%s", fe.Msg)
			}
			return p.cdoc.Locate(err)
		}
	}
	// The task must fit the circuit: build one and check.
	p.data = nil
	t, err := p.newTask()
	if err != nil {
		return p.doc.Locate(param.New(err.Error(), "task"))
	}
	c, err := p.Circuit.Build(Stream(0, "check"))
	if err != nil {
		return err
	}
	if err := t.Check(c); err != nil {
		if p.doc != nil {
			return p.doc.Errorf([]any{"circuit"}, "%v", err)
		}
		return p.cdoc.Errorf([]any{"task"}, "%v", err)
	}
	return nil
}

// BuiltinNames lists the built-in experiment files (every kind).
func BuiltinNames() []string {
	ents, _ := fs.ReadDir(builtinFS, ".")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	return out
}
