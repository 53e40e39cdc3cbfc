package experiments

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/synapse"
)

// Source is an input file, read and parsed once, and its kind.
type Source struct {
	// File names the file in messages: its path, or builtin:NAME.toml.
	File string
	// Doc is the parsed file.
	Doc *config.Doc
	// Kind is the kind of run the file declares.
	Kind output.Kind
	// Experiment: an experiment file (it names a circuit), rather than a
	// circuit file that runs alone.
	Experiment bool
}

// Open reads and parses an input file once and determines its kind, in
// this one place: a top-level kind key ("memory" or "reward"), a circuit
// key (an experiment file, training), or else a circuit file (training on
// its task, or a simulation with task = "simulate"). nameOrPath is a path
// or, when no such file exists, a built-in experiment or circuit name.
func Open(nameOrPath string) (*Source, error) {
	file, data, err := read(nameOrPath)
	if err != nil {
		return nil, err
	}
	return OpenData(file, data)
}

// OpenData parses data, the contents of file, as Open does.
func OpenData(file string, data []byte) (*Source, error) {
	doc, err := config.Parse(file, data)
	if err != nil {
		return nil, err
	}
	src := &Source{File: file, Doc: doc, Kind: output.Training}
	if v, ok := doc.Value("kind"); ok {
		k, _ := v.(string)
		if k != string(output.Memory) && k != string(output.Reward) {
			return nil, doc.Errorf([]any{"kind"}, "unknown kind %q (the kinds a file declares are %q and %q; experiment files name a circuit, circuit files declare populations)", fmt.Sprint(v), output.Memory, output.Reward)
		}
		src.Kind = output.Kind(k)
		return src, nil
	}
	if _, ok := doc.Value("circuit"); ok {
		src.Experiment = true
		if v, ok := doc.Value("sweep", "param"); ok && v != nil {
			src.Kind = output.Sweep
		}
		return src, nil
	}
	if doc.String("task") == SimulateTask {
		src.Kind = output.Simulation
	}
	return src, nil
}

// read reads a file or, when no such file exists, a built-in file
// (ReadBuiltin).
func read(nameOrPath string) (file string, data []byte, err error) {
	data, err = os.ReadFile(nameOrPath)
	if err == nil {
		return nameOrPath, data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	return ReadBuiltin(nameOrPath)
}

// ReadBuiltin returns a built-in file by name: "experiments/NAME" (or
// "experiments/NAME.toml", its path in the source tree) is the built-in
// experiment NAME, "circuits/NAME" the built-in circuit NAME, and a bare
// NAME whichever of the two has it. A bare name that is both (xor,
// mackey_glass, ...) is refused, naming both spellings: a file is never
// chosen for the user by a rule they must know. The file is labelled
// builtin:NAME.toml in messages and manifests (builtin:circuits/NAME.toml
// for a circuit whose name is also an experiment's).
func ReadBuiltin(name string) (file string, data []byte, err error) {
	bare := strings.TrimSuffix(name, ".toml")
	if n, ok := strings.CutPrefix(bare, "experiments/"); ok {
		if b, ok := BuiltinData(n); ok {
			return "builtin:" + n + ".toml", b, nil
		}
		return "", nil, fmt.Errorf("%s: no such file, and no built-in experiment %q (built in: %s)", name, n, strings.Join(BuiltinNames(), ", "))
	}
	if n, ok := strings.CutPrefix(bare, "circuits/"); ok {
		if b, ok := circuits.Builtin(n); ok {
			return builtinCircuitLabel(n), b, nil
		}
		return "", nil, fmt.Errorf("%s: no such file, and no built-in circuit %q (built in: %s)", name, n, strings.Join(circuits.BuiltinNames(), ", "))
	}
	exp, isExp := BuiltinData(name)
	circ, isCirc := circuits.Builtin(name)
	switch {
	case isExp && isCirc:
		return "", nil, fmt.Errorf("%s: no such file, and both a built-in experiment and a built-in circuit have that name: say experiments/%s (the experiment) or circuits/%s (the circuit alone)", name, name, name)
	case isExp:
		return "builtin:" + name + ".toml", exp, nil
	case isCirc:
		return builtinCircuitLabel(name), circ, nil
	}
	return "", nil, fmt.Errorf("%s: no such file, and no built-in experiment or circuit of that name (built in: experiments %s; circuits %s)", name, strings.Join(BuiltinNames(), ", "), strings.Join(circuits.BuiltinNames(), ", "))
}

// builtinCircuitLabel names the built-in circuit name in messages.
func builtinCircuitLabel(name string) string {
	if _, ok := BuiltinData(name); ok {
		return "builtin:circuits/" + name + ".toml"
	}
	return "builtin:" + name + ".toml"
}

// BuiltinSource returns the data of a built-in file by its label
// (builtin:NAME.toml, builtin:circuits/NAME.toml), as ReadBuiltin made it.
func BuiltinSource(label string) ([]byte, bool) {
	name, ok := strings.CutPrefix(label, "builtin:")
	if !ok {
		return nil, false
	}
	name = strings.TrimSuffix(name, ".toml")
	if n, ok := strings.CutPrefix(name, "circuits/"); ok {
		return circuits.Builtin(n)
	}
	if b, ok := BuiltinData(name); ok {
		return b, true
	}
	return circuits.Builtin(name)
}

// SimulateTask is the task of a circuit file that runs without learning.
const SimulateTask = "simulate"

// CircuitFile is a circuit file as dopa reads it: the network (circuits
// describe networks) and how the circuit runs on its own: its task and its
// [rule] or, for task = "simulate", its duration and monitors.
type CircuitFile struct {
	circuits.Spec
	// Task is the task the circuit runs on when it runs alone (a registered
	// task, default "xor"), or "simulate": it runs without learning for
	// DurationMs. An experiment names its own task.
	Task string `toml:"task"`
	// DurationMs is how long a simulated circuit runs (ms).
	DurationMs float64 `toml:"duration_ms"`
	// Rule is the learning rule of the circuit run alone.
	Rule train.Spec `toml:"rule"`
	// Record lists state monitors (task "simulate").
	Record []RecordSpec `toml:"record"`
	// RecordFormat is the format of a simulation's tables (task
	// "simulate"): "csv" (the default), "npz" or "both" — record.format of
	// the other files, whose [[record]] here lists the monitors.
	RecordFormat output.Format `toml:"record_format"`
	// RecordSonata also writes a simulation's spikes as SONATA
	// (spikes.h5, docs/python.md).
	RecordSonata bool `toml:"record_sonata"`
	// Threads is the number of threads a simulated circuit steps on
	// (circuits.Circuit.SetThreads): any number gives the same bits.
	Threads int `toml:"threads" check:"[1,256]"`
}

// RunKeys are the top-level keys of a circuit file that say how the
// circuit runs on its own rather than what it is: CircuitFile's own keys,
// beside those of its network (circuits.Spec).
func RunKeys() []string {
	network := config.Keys(circuits.Spec{})
	return slices.DeleteFunc(config.Keys(CircuitFile{}), func(k string) bool { return slices.Contains(network, k) })
}

// LoadNetwork reads the network of a circuit file (a built-in name or a
// path) that another file runs (an agent's circuit): its keys of how it
// runs alone (RunKeys) are left out, every other key must be the
// network's. Errors name the file, the line and the key.
func LoadNetwork(nameOrPath string) (*circuits.Spec, error) {
	file, data, err := circuits.Source(nameOrPath)
	if err != nil {
		return nil, err
	}
	doc, err := config.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return circuits.Decode(doc.Without(RunKeys()...))
}

// RecordSpec is a state monitor of a simulated circuit: one variable of
// some neurons of a population, every step.
type RecordSpec struct {
	Population string `toml:"population" check:"set"`
	// Variable is "v" (every model but poisson), "syn_e" and "syn_i" (lif),
	// "u" (izhikevich) or "r" (rate).
	Variable string `toml:"variable"`
	Neurons  []int  `toml:"neurons"`
}

// DecodeCircuit decodes a parsed circuit file strictly, with the defaults
// of every key it leaves out, and validates it.
func DecodeCircuit(doc *config.Doc) (*CircuitFile, error) {
	cf := CircuitFile{Spec: circuits.Layout(doc), Task: "xor", RecordFormat: output.CSV, Threads: 1}
	if _, ok := doc.Value("rule"); ok {
		name := doc.String("rule", "name")
		rs, ok := train.Defaults(name)
		if !ok {
			return nil, doc.Errorf([]any{"rule", "name"}, "%s", train.UnknownRule(name))
		}
		cf.Rule = rs
		if err := MisplacedRuleKeys(doc, &cf.Rule, "rule"); err != nil {
			return nil, err
		}
	}
	if err := doc.Decode(&cf); err != nil {
		return nil, err
	}
	if err := cf.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	return &cf, nil
}

// Validate checks the network and how it runs alone; errors are
// *param.Error locating the key.
func (cf *CircuitFile) Validate() error {
	if err := cf.Spec.Validate(); err != nil {
		return err
	}
	s := &cf.Spec
	simulate := cf.Task == SimulateTask
	if s.Modulator.Kind != "" {
		return param.New(fmt.Sprintf("a circuit with its own TD critic (kind %q) and its TD-LTP links runs as the agent of a reward file (kind = \"reward\"; circuits/fremaux_maze.toml: the fremaux agent of experiments/water_maze_fremaux.toml); a circuit run alone or trained on a task has no rewards for it", s.Modulator.Kind), "modulator", "kind")
	}
	for i, p := range s.Projections {
		if p.Connectivity != "sparse" || !p.Plastic {
			continue
		}
		if p.STDP.Rule == synapse.Additive {
			if !simulate {
				return param.New("two-factor STDP (rule \"stdp\") runs in a simulation (task = \"simulate\"): the rules of a task do not drive it", "projection", i, "stdp", "rule")
			}
			continue
		}
		return param.New(fmt.Sprintf("a plastic sparse projection with rule %q learns by STDP gated by dopamine from rewards: run the circuit as a spiking agent of a reward file (kind = \"reward\"); a circuit run alone or trained on a task has no dopamine for it (rule = \"stdp\", two-factor, runs in a simulation)", p.STDP.Rule), "projection", i, "plastic")
	}
	if simulate && len(s.Probes) > 0 {
		return param.New("probes are sampled by a reward run's network agent; a simulation writes its plastic weights' summary instead", "probe", 0)
	}
	if simulate {
		if !(cf.DurationMs > 0) || math.IsInf(cf.DurationMs, 0) {
			return param.New(fmt.Sprintf("must be a finite number > 0 for task \"simulate\", got %g", cf.DurationMs), "duration_ms")
		}
		if cf.DurationMs/s.DtMs > 1e9 {
			return param.New(fmt.Sprintf("%g ms is more than 1e9 steps of %g ms", cf.DurationMs, s.DtMs), "duration_ms")
		}
	} else {
		if _, ok := task.Lookup(cf.Task); !ok {
			return param.New(task.UnknownTask(cf.Task, SimulateTask), "task")
		}
		if cf.DurationMs != 0 {
			return param.New(fmt.Sprintf("applies only to task = \"simulate\" (task is %q)", cf.Task), "duration_ms")
		}
		if s.Input == "" {
			return param.New("must be set", "input")
		}
		if s.Readout.Population == "" {
			return param.New("must be set", "readout", "population")
		}
	}
	if err := cf.RecordFormat.Check(); err != nil {
		return param.New(err.Error(), "record_format")
	}
	if err := param.Check(cf); err != nil {
		return err
	}
	if cf.Threads != 1 {
		if !simulate {
			return param.New("applies only to task = \"simulate\"", "threads")
		}
		if err := s.CheckThreads(); err != nil {
			return param.New(err.Error()+"; threads must be 1", "threads")
		}
	}
	if !simulate && (cf.RecordFormat != output.CSV || cf.RecordSonata) {
		return param.New("applies only to task = \"simulate\"", map[bool]string{true: "record_sonata", false: "record_format"}[cf.RecordSonata])
	}
	for i, r := range cf.Record {
		if !simulate {
			return param.New("[[record]] applies only to task = \"simulate\"", "record", i)
		}
		if err := param.Check(r); err != nil {
			return param.Under(err, "record", i)
		}
		k, ok := s.PopulationIndex(r.Population)
		if !ok {
			return param.New(fmt.Sprintf("no population named %q (have: %s)", r.Population, PopList(s)), "record", i, "population")
		}
		pop := s.Populations[k]
		if vars := circuits.Recordable(pop.Model); !slices.Contains(vars, r.Variable) {
			return param.New(fmt.Sprintf("population %q (%s) has no variable %q (want one of %v)", pop.Name, pop.Model, r.Variable, vars), "record", i, "variable")
		}
		if len(r.Neurons) == 0 {
			return param.New("list the neurons to record, e.g. neurons = [0, 1, 2]", "record", i, "neurons")
		}
		for _, n := range r.Neurons {
			if n < 0 || n >= pop.Size {
				return param.New(fmt.Sprintf("neuron %d out of range [0, %d)", n, pop.Size), "record", i, "neurons")
			}
		}
	}
	if simulate {
		if cf.Rule.Name != "" || cf.Rule.Params != nil {
			return param.New("a simulated circuit (task = \"simulate\") learns nothing: remove [rule]", "rule", "name")
		}
		return nil
	}
	if err := cf.Rule.Validate(); err != nil {
		return param.Under(err, "rule")
	}
	return param.Under(cf.Rule.CheckCircuit(s), "rule")
}

func PopList(s *circuits.Spec) string {
	names := make([]string, len(s.Populations))
	for i, p := range s.Populations {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// LoadSimulation decodes a simulation source: a circuit file with task =
// "simulate".
func LoadSimulation(src *Source) (*CircuitFile, error) {
	if src.Kind != output.Simulation {
		return nil, fmt.Errorf("%s: a %s file, not a simulation", src.File, src.Kind)
	}
	return DecodeCircuit(src.Doc)
}

// Set applies a command-line override key=value to a circuit file run on
// its own (a simulation): the key addresses the circuit, with or without a
// leading "circuit.".
func (cf *CircuitFile) Set(key, value string) error {
	return config.Set(cf, strings.TrimPrefix(key, "circuit."), value)
}

//go:embed *.toml
var builtinFS embed.FS

// BuiltinData returns the source of the built-in experiment file of that
// name, whatever its kind.
func BuiltinData(name string) ([]byte, bool) {
	data, err := builtinFS.ReadFile(name + ".toml")
	return data, err == nil
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

// ByLine orders the keys of the table at path by their line in the file.
func ByLine(doc *config.Doc, keys []string, path ...any) []string {
	slices.SortStableFunc(keys, func(a, b string) int {
		return doc.Line(append(slices.Clone(path), a)...) - doc.Line(append(slices.Clone(path), b)...)
	})
	return keys
}

// MisplacedRuleKeys finds a key of other rules in the rule table at path.
func MisplacedRuleKeys(doc *config.Doc, rule any, path ...any) error {
	own := config.Keys(rule)
	name := doc.String(append(path, "name")...)
	for _, k := range ByLine(doc, doc.TableKeys(path...), path...) {
		if slices.Contains(own, k) {
			continue
		}
		var rules []string
		for _, d := range train.Rules() {
			if slices.Contains(config.Keys(d.Defaults()), k) {
				rules = append(rules, d.Name)
			}
		}
		if len(rules) > 0 {
			return doc.Errorf(append(path, k), "applies only to rule %s (rule is %q)", strings.Join(rules, ", "), name)
		}
	}
	return nil
}

// sourceOf returns the Source of a runner's source of a known kind.
func SourceOf(src runner.Source, kind output.Kind) *Source {
	_, exp := src.Doc.Value("circuit")
	return &Source{File: src.File, Doc: src.Doc, Kind: kind, Experiment: exp}
}

// OverrideError is a configuration made invalid by its overrides.
type OverrideError struct {
	Overrides []string
	Err       error
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("after the overrides %q: %v", e.Overrides, e.Err)
}

func (e *OverrideError) Unwrap() error { return e.Err }
