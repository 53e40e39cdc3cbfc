package circuits

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// Spec is a circuit as declared in a TOML circuit file.
type Spec struct {
	// Name identifies the circuit in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// DtMs is the step dt (ms).
	DtMs float64 `toml:"dt_ms"`
	// StepsPerTrial is how many steps a trial presents its input for.
	StepsPerTrial int `toml:"steps_per_trial"`
	// Task is the task the circuit runs on when it runs alone ("xor",
	// "mackey_glass", "lorenz"); experiments name their own.
	Task string `toml:"task"`
	// Input names the population that receives the task's input.
	Input string `toml:"input"`
	// Populations are stepped in this order.
	Populations []PopulationSpec `toml:"population"`
	// Projections connect populations.
	Projections []ProjectionSpec `toml:"projection"`
	// Readout says where the task reads the circuit's answer.
	Readout ReadoutSpec `toml:"readout"`
	// Rule is the learning rule and its parameters, modulator included.
	Rule RuleSpec `toml:"rule"`
}

// PopulationSpec declares a population.
type PopulationSpec struct {
	Name string `toml:"name"`
	Size int    `toml:"size"`
	// Model is the neuron model: "rate".
	Model string `toml:"model"`
	neuron.RateParams
}

// ProjectionSpec declares a projection.
type ProjectionSpec struct {
	Name string `toml:"name"`
	From string `toml:"from"`
	To   string `toml:"to"`
	// Connectivity is "dense" (all to all).
	Connectivity string `toml:"connectivity"`
	synapse.DenseParams
}

// ReadoutSpec names the population read by the task.
type ReadoutSpec struct {
	Population string `toml:"population"`
}

// Defaults returns an empty spec with dt = 1 ms and one step per trial.
func (Spec) Defaults() Spec { return Spec{DtMs: 1, StepsPerTrial: 1, Task: "xor"} }

// Defaults returns a rate population with the neuron package's defaults.
func (PopulationSpec) Defaults() PopulationSpec {
	return PopulationSpec{Model: "rate", RateParams: neuron.RateParams{}.Defaults()}
}

// Defaults returns a dense projection with the synapse package's defaults.
func (ProjectionSpec) Defaults() ProjectionSpec {
	return ProjectionSpec{Connectivity: "dense", DenseParams: synapse.DenseParams{}.Defaults()}
}

// FieldError is a problem with one key of a spec. Path locates the key:
// strings for table keys, ints for elements of arrays of tables, as in
// []any{"population", 1, "tau_ms"}.
type FieldError struct {
	Path []any
	Msg  string
}

func (e *FieldError) Error() string {
	s := ""
	for i, p := range e.Path {
		switch p := p.(type) {
		case int:
			s += fmt.Sprintf("[%d]", p)
		default:
			if i > 0 {
				s += "."
			}
			s += fmt.Sprint(p)
		}
	}
	return s + ": " + e.Msg
}

func fieldErr(msg string, path ...any) *FieldError { return &FieldError{Path: path, Msg: msg} }

// paramErr moves a parameter error of a core package under a spec path.
func paramErr(err error, path ...any) error {
	var ne *neuron.ParamError
	var se *synapse.ParamError
	switch {
	case errors.As(err, &ne):
		return fieldErr(ne.Msg, append(path, ne.Key)...)
	case errors.As(err, &se):
		return fieldErr(se.Msg, append(path, se.Key)...)
	}
	return fieldErr(err.Error(), path...)
}

// Validate checks the whole spec: ranges, names and references. The error
// is a *FieldError that locates the offending key.
func (s *Spec) Validate() error {
	if s.Name == "" {
		return fieldErr("must be set", "name")
	}
	if !(s.DtMs > 0) || math.IsInf(s.DtMs, 0) {
		return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", s.DtMs), "dt_ms")
	}
	if s.StepsPerTrial < 1 {
		return fieldErr(fmt.Sprintf("must be >= 1, got %d", s.StepsPerTrial), "steps_per_trial")
	}
	if len(s.Populations) == 0 {
		return fieldErr("a circuit needs at least one [[population]]", "population")
	}
	names := map[string]int{}
	for i, p := range s.Populations {
		if p.Name == "" {
			return fieldErr("must be set", "population", i, "name")
		}
		if _, dup := names[p.Name]; dup {
			return fieldErr(fmt.Sprintf("population %q is declared twice", p.Name), "population", i, "name")
		}
		names[p.Name] = i
		if p.Size < 1 {
			return fieldErr(fmt.Sprintf("must be >= 1, got %d", p.Size), "population", i, "size")
		}
		if p.Model != "rate" {
			return fieldErr(fmt.Sprintf("unknown model %q (want rate)", p.Model), "population", i, "model")
		}
		if err := p.RateParams.Validate(); err != nil {
			return paramErr(err, "population", i)
		}
	}
	ref := func(name string, path ...any) error {
		if name == "" {
			return fieldErr("must be set", path...)
		}
		if _, ok := names[name]; !ok {
			return fieldErr(fmt.Sprintf("no population named %q (have: %s)", name, s.popList()), path...)
		}
		return nil
	}
	if err := ref(s.Input, "input"); err != nil {
		return err
	}
	if err := ref(s.Readout.Population, "readout", "population"); err != nil {
		return err
	}
	links := map[string]bool{}
	for i, p := range s.Projections {
		if p.Name == "" {
			p.Name = p.From + "_" + p.To
		}
		if links[p.Name] {
			return fieldErr(fmt.Sprintf("projection %q is declared twice", p.Name), "projection", i, "name")
		}
		links[p.Name] = true
		if err := ref(p.From, "projection", i, "from"); err != nil {
			return err
		}
		if err := ref(p.To, "projection", i, "to"); err != nil {
			return err
		}
		if p.To == s.Input {
			return fieldErr(fmt.Sprintf("population %q is the input; nothing may project onto it", p.To), "projection", i, "to")
		}
		if p.Connectivity != "dense" {
			return fieldErr(fmt.Sprintf("unknown connectivity %q (want dense)", p.Connectivity), "projection", i, "connectivity")
		}
		if err := p.DenseParams.Validate(); err != nil {
			return paramErr(err, "projection", i)
		}
	}
	if err := s.Rule.Validate(); err != nil {
		return prefixed(err, "rule")
	}
	return nil
}

// prefixed puts a FieldError under a parent path.
func prefixed(err error, path ...any) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Path: append(slices.Clone(path), fe.Path...), Msg: fe.Msg}
	}
	return fieldErr(err.Error(), path...)
}

func (s *Spec) popList() string {
	out := ""
	for i, p := range s.Populations {
		if i > 0 {
			out += ", "
		}
		out += p.Name
	}
	return out
}

// Build validates the spec and builds the circuit, its weights drawn from rng.
func (s *Spec) Build(rng *rand.Rand) (*Circuit, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	idx := map[string]int{}
	pops := make([]neuron.Population, len(s.Populations))
	names := make([]string, len(s.Populations))
	for i, p := range s.Populations {
		r, err := neuron.NewRate(p.Size, p.RateParams)
		if err != nil {
			return nil, paramErr(err, "population", i)
		}
		pops[i], names[i], idx[p.Name] = r, p.Name, i
	}
	links := make([]Link, len(s.Projections))
	for i, p := range s.Projections {
		pre, post := idx[p.From], idx[p.To]
		d, err := synapse.NewDense(s.Populations[pre].Size, s.Populations[post].Size, p.DenseParams)
		if err != nil {
			return nil, paramErr(err, "projection", i)
		}
		name := p.Name
		if name == "" {
			name = p.From + "_" + p.To
		}
		links[i] = Link{Name: name, Pre: pre, Post: post, Dense: d}
	}
	c, err := New(s.Name, s.DtMs, s.StepsPerTrial, pops, names, links, idx[s.Input], idx[s.Readout.Population])
	if err != nil {
		return nil, err
	}
	c.Init(rng)
	return c, nil
}
