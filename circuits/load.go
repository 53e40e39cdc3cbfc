package circuits

import (
	"errors"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"

	"github.com/dopa-sim/dopa/internal/config"
)

// Load reads a circuit: a built-in name ("xor") or a file path.
func Load(nameOrPath string) (*Spec, *config.Doc, error) {
	if data, ok := Builtin(nameOrPath); ok {
		return Parse("builtin:"+nameOrPath+".toml", data)
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s: no such file, and no built-in circuit of that name (built in: %v)", nameOrPath, BuiltinNames())
		}
		return nil, nil, err
	}
	return Parse(nameOrPath, data)
}

// Parse decodes a circuit file strictly, fills every key it leaves out with
// its default, and validates the result. Errors are *config.Error naming
// the file, the line and the key.
func Parse(file string, data []byte) (*Spec, *config.Doc, error) {
	s := Spec{}.Defaults()
	// First a lenient look at the shape, to lay out defaults for every
	// element of the arrays of tables before the strict decode.
	var shape struct {
		Populations []struct {
			Model  string `toml:"model"`
			Preset string `toml:"preset"`
		} `toml:"population"`
		Projections []struct {
			Connectivity string `toml:"connectivity"`
		} `toml:"projection"`
		Rule struct {
			Name string `toml:"name"`
		} `toml:"rule"`
	}
	if _, err := toml.Decode(string(data), &shape); err == nil {
		s.Populations = make([]PopulationSpec, len(shape.Populations))
		for i, p := range shape.Populations {
			if p.Model == "" {
				p.Model = "rate"
			}
			s.Populations[i] = PopulationSpec{}.DefaultsFor(p.Model, p.Preset)
		}
		s.Projections = make([]ProjectionSpec, len(shape.Projections))
		for i, p := range shape.Projections {
			s.Projections[i] = ProjectionSpec{}.DefaultsFor(p.Connectivity)
		}
		s.Rule, _ = RuleDefaults(shape.Rule.Name)
	}
	doc, err := config.Decode(file, data, &s)
	if err != nil {
		return nil, doc, err
	}
	if err := s.Validate(); err != nil {
		return nil, doc, doc.Locate(err)
	}
	return &s, doc, nil
}
