package train

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/param"
)

// Spec is a learning rule with its parameters, as a [rule] table of a
// circuit or experiment file declares it: the keys every rule has (name,
// learning_rate) and, inline beside them, the rule's own keys (Params).
type Spec struct {
	// Name is a registered rule name (Names).
	Name string `toml:"name"`
	// LearningRate is η (the initial η₀ for rules that adapt it), > 0.
	LearningRate float64 `toml:"learning_rate" check:"finite,>0"`
	// Params are the rule's own keys (sigma and [rule.modulator] for the
	// perturbation rules, beta1, beta2 and epsilon for adam, none for
	// sgd). A key of another rule is an unknown key.
	Params
}

// Params are the keys of one rule beyond name and learning_rate. A value
// (not a pointer) is stored, so that copies of a Spec never share them.
type Params interface {
	// Validate reports a parameter out of range as a *param.Error whose
	// path is relative to the rule's table.
	Validate() error
}

// NoParams is the Params of a rule that has no keys of its own.
type NoParams struct{}

// Validate accepts the empty set of keys.
func (NoParams) Validate() error { return nil }

// Circuits says which circuits a rule can train.
type Circuits uint8

const (
	// RateCircuits are circuits of rate populations only (differentiable).
	RateCircuits Circuits = 1 << iota
	// SpikingCircuits are circuits with a lif, izhikevich or poisson
	// population.
	SpikingCircuits
	// RecurrentCircuits are circuits with a recurrent projection (onto its
	// own population or an earlier one); without it a rule trains
	// feedforward circuits only.
	RecurrentCircuits
)

// Def is one learning rule: everything the program knows about it. A new
// rule is a file that defines its Def (and its Rule type) plus one line
// in the registry below, or, outside this package (a program embedding
// dopa, a test's rule), a call of Register.
type Def struct {
	// Name is the rule's name in files and outputs (lower case).
	Name string
	// Doc is one line for people: what the rule is, with its source.
	Doc string
	// Stream is the id of the rule's random stream (its noise, its
	// feedback weights): a run's seed and this id key the stream
	// (internal/rng). It is fixed when the rule is registered, unique, and
	// not derived from Name, so that renaming a rule keeps its numbers.
	// (The rules registered before it existed keep "rule/" and the name
	// they had then, so that their results did not move.)
	Stream string
	// Trains says which circuits the rule can train.
	Trains Circuits
	// Check, if set, is the rule's own check of the circuits it can train
	// (beyond Trains), located at the rule's keys; nil accepts them.
	Check func(s Spec, cs *circuits.Spec) error
	// Learns, if set, is the rule's check that it can learn the task of
	// that Def (e-prop needs an error at every step); nil accepts every
	// task.
	Learns func(d *task.Def) error
	// Defaults returns the rule's parameters, tuned for the built-in XOR
	// circuit (docs/results.md has the tuning studies).
	Defaults func() Spec
	// New binds the rule to a circuit; rng drives its noise. The spec has
	// been validated.
	New func(s Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error)
}

// registry lists every rule, in the order outputs and docs list them.
var registry = []*Def{&wpDef, &npDef, &dopamineDef, &dopamine2Def, &sgdDef, &adamDef, &faDef, &dfaDef, &pbpDef, &ndiDef, &diDef, &npfbDef, &npfbLSDef, &epropDef}

// Register adds a rule after the built-in ones; call it from an init
// function. It panics if the Def lacks a name, a stream id, its defaults
// or its constructor, or if its name or stream id is taken: a rule is
// registered once.
func Register(d *Def) {
	if d.Name == "" || d.Stream == "" || d.Defaults == nil || d.New == nil {
		panic(fmt.Sprintf("train.Register: rule %q lacks a name, stream id, defaults or constructor", d.Name))
	}
	for _, r := range registry {
		if r.Name == d.Name || r.Stream == d.Stream {
			panic(fmt.Sprintf("train.Register: rule %q (stream %q) is registered already as %q (stream %q)", d.Name, d.Stream, r.Name, r.Stream))
		}
	}
	registry = append(registry, d)
}

// Lookup returns the rule of that name.
func Lookup(name string) (*Def, bool) {
	for _, d := range registry {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// Rules lists every registered rule.
func Rules() []*Def { return slices.Clone(registry) }

// Names lists the rule names, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, d := range registry {
		out[i] = d.Name
	}
	return out
}

// Defaults returns the defaults of the named rule; ok is false for a name
// that is not registered.
func Defaults(name string) (s Spec, ok bool) {
	d, ok := Lookup(name)
	if !ok {
		return Spec{Name: name}, false
	}
	s = d.Defaults()
	s.Name = name
	return s, true
}

// StreamOf returns the random stream id of the named rule (Def.Stream).
func StreamOf(name string) (string, bool) {
	d, ok := Lookup(name)
	if !ok {
		return "", false
	}
	return d.Stream, true
}

// UnknownRule is the message for a rule name that is not registered.
func UnknownRule(name string) string {
	return fmt.Sprintf("unknown rule %q (want %s)", name, orList(Names()))
}

// orList renders "a, b or c".
func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// Validate checks the rule's parameters. Errors are *param.Error with
// paths relative to the rule's table.
func (s Spec) Validate() error {
	d, ok := Lookup(s.Name)
	if !ok {
		return param.New(UnknownRule(s.Name), "name")
	}
	if err := param.Check(s); err != nil {
		return err
	}
	want := d.Defaults().Params
	if s.Params == nil || reflect.TypeOf(s.Params) != reflect.TypeOf(want) {
		return param.New(fmt.Sprintf("the parameters of rule %q are %T, not %T", s.Name, want, s.Params), "name")
	}
	return s.Params.Validate()
}

// CheckTask reports whether the rule can learn the task of Def td,
// located at the rule's name.
func (s Spec) CheckTask(td *task.Def) error {
	if d, ok := Lookup(s.Name); ok && d.Learns != nil {
		if err := d.Learns(td); err != nil {
			return param.New(err.Error(), "name")
		}
	}
	return nil
}

// CheckCircuit reports whether the rule can train circuits like cs; the
// error is located at the rule's "name".
func (s Spec) CheckCircuit(cs *circuits.Spec) error {
	d, ok := Lookup(s.Name)
	if !ok {
		return param.New(UnknownRule(s.Name), "name")
	}
	if name, recurrent := cs.RecurrentProjection(); recurrent && d.Trains&RecurrentCircuits == 0 {
		return param.New(fmt.Sprintf("%s trains feedforward circuits only, but projection %q is recurrent", s.Name, name), "name")
	}
	if d.Check != nil {
		if err := d.Check(s, cs); err != nil {
			return err
		}
	}
	if d.Trains&SpikingCircuits != 0 {
		return nil
	}
	if pop, model, spiking := cs.SpikingPopulation(); spiking {
		var can []string
		for _, r := range registry {
			if r.Trains&SpikingCircuits != 0 {
				can = append(can, r.Name)
			}
		}
		return param.New(fmt.Sprintf("%s needs a differentiable circuit, but population %q is %s (spiking circuits learn by %s)", s.Name, pop, model, orList(can)), "name")
	}
	return nil
}

// New binds the rule of spec to circuit c; rng drives its noise.
func New(spec Spec, c *circuits.Circuit, rng *rand.Rand) (Rule, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	d, _ := Lookup(spec.Name)
	return d.New(spec, c, rng)
}
