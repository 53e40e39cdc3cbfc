package circuits

import (
	"errors"
	"fmt"
	"os"

	"github.com/dopa-sim/dopa/internal/config"
)

// Load reads the network of a circuit: a built-in name ("xor") or a file
// path (see Parse).
func Load(nameOrPath string) (*Spec, error) {
	file, data, err := Source(nameOrPath)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Source reads a circuit file: a path or, when no such file exists, a
// built-in circuit, named builtin:NAME.toml.
func Source(nameOrPath string) (file string, data []byte, err error) {
	data, err = os.ReadFile(nameOrPath)
	if err == nil {
		return nameOrPath, data, nil
	}
	if b, ok := Builtin(nameOrPath); ok && errors.Is(err, os.ErrNotExist) {
		return "builtin:" + nameOrPath + ".toml", b, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, fmt.Errorf("%s: no such file, and no built-in circuit of that name (built in: %v)", nameOrPath, BuiltinNames())
	}
	return "", nil, err
}

// Parse reads the network of a circuit file: it decodes the network's keys
// strictly, fills every key it leaves out with its default, and validates
// the result. Errors are *config.Error naming the file, the line and the
// key. A top-level key that is not the network's and no near miss of one
// (a case variant or a likely typo, which are errors) is left alone: a
// circuit file also says how the circuit runs on its own (task, [rule],
// ...), which the program that runs it reads and checks (in dopa, package
// experiments, which refuses the keys that no part reads).
func Parse(file string, data []byte) (*Spec, error) {
	doc, err := config.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return Decode(doc.Without(doc.Foreign(Spec{})...))
}

// Document is a parsed circuit file as Decode reads it (internal/config's
// Doc is one): its shape, a strict decoding into a value, and the location
// of a parameter error's key in the file.
type Document interface {
	Shape
	Decode(v any) error
	Locate(err error) error
}

// Decode decodes the network of a parsed circuit file strictly (every key
// of doc must be the network's: a caller whose files hold keys of its own
// hands Decode the document without them), fills every key it leaves out
// with its default, and validates the result.
func Decode(doc Document) (*Spec, error) {
	s := Layout(doc)
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	return &s, nil
}

// Shape is what Layout reads of a parsed file before decoding it: how
// many elements a list of tables has and a string key of one of them
// ("" if absent). A parsed configuration file (internal/config) has it.
type Shape interface {
	Len(path ...any) int
	String(path ...any) string
}

// Layout returns the defaults of a parsed circuit file's spec, before its
// keys are decoded: one element with the defaults of its kind (model,
// preset, connectivity) for every [[population]] and [[projection]].
func Layout(doc Shape) Spec {
	s := Spec{}.Defaults()
	s.Populations = make([]PopulationSpec, doc.Len("population"))
	for i := range s.Populations {
		model := doc.String("population", i, "model")
		if model == "" {
			model = "rate"
		}
		s.Populations[i] = PopulationSpec{}.DefaultsFor(model, doc.String("population", i, "preset"))
	}
	s.Projections = make([]ProjectionSpec, doc.Len("projection"))
	for i := range s.Projections {
		s.Projections[i] = ProjectionSpec{}.DefaultsFor(doc.String("projection", i, "connectivity"))
	}
	s.Feedback = make([]FeedbackSpec, doc.Len("feedback"))
	for i := range s.Feedback {
		s.Feedback[i] = FeedbackSpec{}.Defaults()
	}
	return s
}
