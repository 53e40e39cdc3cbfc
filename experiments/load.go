package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
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
// this one place: a top-level kind key ("distal_reward", "memory" or "reward"), a circuit
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
		if k != string(output.DistalReward) && k != string(output.Memory) && k != string(output.Reward) {
			return nil, doc.Errorf([]any{"kind"}, "unknown kind %q (the kinds a file declares are %q, %q and %q; experiment files name a circuit, circuit files declare populations)", fmt.Sprint(v), output.DistalReward, output.Memory, output.Reward)
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
	if doc.String("task") == simulateTask {
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

// simulateTask is the task of a circuit file that runs without learning.
const simulateTask = "simulate"

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
}

// RecordSpec is a state monitor of a simulated circuit: one variable of
// some neurons of a population, every step.
type RecordSpec struct {
	Population string `toml:"population"`
	// Variable is "v" (every model but poisson), "syn_e" and "syn_i" (lif),
	// "u" (izhikevich) or "r" (rate).
	Variable string `toml:"variable"`
	Neurons  []int  `toml:"neurons"`
}

// decodeCircuit decodes a parsed circuit file strictly, with the defaults
// of every key it leaves out, and validates it.
func decodeCircuit(doc *config.Doc) (*CircuitFile, error) {
	cf := CircuitFile{Spec: circuits.Layout(doc), Task: "xor", RecordFormat: output.CSV}
	if _, ok := doc.Value("rule"); ok {
		name := doc.String("rule", "name")
		rs, ok := train.Defaults(name)
		if !ok {
			return nil, doc.Errorf([]any{"rule", "name"}, "%s", train.UnknownRule(name))
		}
		cf.Rule = rs
		if err := misplacedRuleKeys(doc, &cf.Rule, "rule"); err != nil {
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
	simulate := cf.Task == simulateTask
	for i, p := range s.Projections {
		if p.Connectivity == "sparse" && p.Plastic {
			return param.New("a plastic sparse projection learns by R-STDP gated by dopamine from rewards: run the circuit as a spiking agent of a reward file (kind = \"reward\"); a circuit run alone or trained on a task has no dopamine for it", "projection", i, "plastic")
		}
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
			return param.New(task.UnknownTask(cf.Task, simulateTask), "task")
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
	if !simulate && (cf.RecordFormat != output.CSV || cf.RecordSonata) {
		return param.New("applies only to task = \"simulate\"", map[bool]string{true: "record_sonata", false: "record_format"}[cf.RecordSonata])
	}
	for i, r := range cf.Record {
		if !simulate {
			return param.New("[[record]] applies only to task = \"simulate\"", "record", i)
		}
		if r.Population == "" {
			return param.New("must be set", "record", i, "population")
		}
		k, ok := s.PopulationIndex(r.Population)
		if !ok {
			return param.New(fmt.Sprintf("no population named %q (have: %s)", r.Population, popList(s)), "record", i, "population")
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

func popList(s *circuits.Spec) string {
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
	return decodeCircuit(src.Doc)
}

// Set applies a command-line override key=value to a circuit file run on
// its own (a simulation): the key addresses the circuit, with or without a
// leading "circuit.".
func (cf *CircuitFile) Set(key, value string) error {
	return config.Set(cf, strings.TrimPrefix(key, "circuit."), value)
}

// Plan is a training run ready to go: the experiment, its circuit, and
// where each came from.
type Plan struct {
	Spec        Spec
	Circuit     CircuitFile
	File        string // the experiment file ("" when a circuit runs alone)
	CircuitFile string // the circuit file, or builtin:NAME.toml
	doc, cdoc   *config.Doc
	task        *task.Def
	maker       task.Maker // the task of each run, its data made once
	// circuitSets are the --set overrides of circuit keys applied so far,
	// applied again to another circuit chosen by --set circuit=NAME.
	circuitSets []string
}

// Load reads an experiment file, or a circuit file that runs alone with its
// own [rule] on its own task, and its circuit. Errors name the file, the
// line and the key.
func Load(nameOrPath string) (*Plan, error) {
	src, err := Open(nameOrPath)
	if err != nil {
		return nil, err
	}
	return LoadPlan(src)
}

// Builtin returns the built-in experiment of that name ("xor").
func Builtin(name string) (*Plan, error) {
	data, ok := BuiltinData(name)
	if !ok {
		return nil, fmt.Errorf("no built-in experiment %q", name)
	}
	src, err := OpenData("builtin:"+name+".toml", data)
	if err != nil {
		return nil, err
	}
	return LoadPlan(src)
}

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

// LoadPlan decodes a training source: an experiment file and its circuit,
// or a circuit file that runs alone.
func LoadPlan(src *Source) (*Plan, error) {
	if src.Kind != output.Training && src.Kind != output.Sweep {
		return nil, fmt.Errorf("%s: a %s file, not a training experiment", src.File, src.Kind)
	}
	if !src.Experiment {
		cf, err := decodeCircuit(src.Doc)
		if err != nil {
			return nil, err
		}
		return planCircuit(cf, src.Doc, src.File), nil
	}
	doc := src.Doc
	name := doc.String("task")
	d, ok := task.Lookup(name)
	if !ok {
		return nil, doc.Errorf([]any{"task"}, "%s", task.UnknownTask(name))
	}
	s := Spec{}.Defaults(name)
	s.Rules = make([]RuleEntry, doc.Len("rule"))
	for i := range s.Rules {
		rn := doc.String("rule", i, "name")
		rs, ok := train.Defaults(rn)
		if !ok {
			return nil, doc.Errorf([]any{"rule", i, "name"}, "%s", train.UnknownRule(rn))
		}
		s.Rules[i].Spec = rs
	}
	if err := misplacedKeys(doc, &s); err != nil {
		return nil, err
	}
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	p := &Plan{Spec: s, File: src.File, doc: doc, task: d}
	if err := s.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	if err := p.loadCircuit(); err != nil {
		return nil, err
	}
	return p, nil
}

// misplacedKeys finds a key of another task at the top of an experiment
// file, or of another rule in one of its [[rule]] tables, and says where it
// belongs (the strict decode would only call it unknown).
func misplacedKeys(doc *config.Doc, s *Spec) error {
	own := config.Keys(s)
	for _, k := range byLine(doc, doc.TableKeys()) {
		if slices.Contains(own, k) {
			continue
		}
		for _, d := range task.Tasks() {
			if slices.Contains(config.Keys(d.Defaults()), k) {
				return doc.Errorf([]any{k}, "applies only to task %s (task is %q)", d.Name, s.Task)
			}
		}
	}
	for i := range s.Rules {
		if err := misplacedRuleKeys(doc, &s.Rules[i], "rule", i); err != nil {
			return err
		}
	}
	return nil
}

// byLine orders the keys of the table at path by their line in the file.
func byLine(doc *config.Doc, keys []string, path ...any) []string {
	slices.SortStableFunc(keys, func(a, b string) int {
		return doc.Line(append(slices.Clone(path), a)...) - doc.Line(append(slices.Clone(path), b)...)
	})
	return keys
}

// misplacedRuleKeys finds a key of other rules in the rule table at path.
func misplacedRuleKeys(doc *config.Doc, rule any, path ...any) error {
	own := config.Keys(rule)
	name := doc.String(append(path, "name")...)
	for _, k := range byLine(doc, doc.TableKeys(path...), path...) {
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

// planCircuit makes a circuit run alone: one rule (its [rule]) on its task,
// with the task's budget for a circuit alone.
func planCircuit(cf *CircuitFile, cdoc *config.Doc, file string) *Plan {
	d, _ := task.Lookup(cf.Task)
	s := Spec{}.Defaults(cf.Task)
	s.Name, s.Circuit = cf.Name, file
	s.Rules = []RuleEntry{{Spec: cf.Rule}}
	s.MaxTrials, s.Criterion.LossBelow = d.Alone.MaxTrials, d.Alone.LossBelow
	return &Plan{Spec: s, Circuit: *cf, CircuitFile: file, cdoc: cdoc, task: d}
}

// loadCircuit reads the circuit the experiment file names: a path
// relative to the experiment file or, when there is no such file, a
// built-in circuit. A built-in experiment's circuit is built in: no file
// of the working directory stands in for it.
func (p *Plan) loadCircuit() error {
	name := p.Spec.Circuit
	fail := func(format string, args ...any) error {
		return p.doc.Errorf([]any{"circuit"}, format, args...)
	}
	if b, ok := circuits.Builtin(name); ok {
		local := filepath.Join(filepath.Dir(p.File), name)
		if _, err := os.Stat(local); strings.HasPrefix(p.File, "builtin:") || filepath.IsAbs(name) || err != nil {
			return p.useCircuit("builtin:"+name+".toml", b, fail)
		}
		name = local
	} else if !filepath.IsAbs(name) && !strings.HasPrefix(p.File, "builtin:") {
		name = filepath.Join(filepath.Dir(p.File), name)
	}
	return p.readCircuit(name, fail)
}

// readCircuit reads and checks the circuit file name (a path or a built-in
// name); fail makes its errors.
func (p *Plan) readCircuit(name string, fail func(format string, args ...any) error) error {
	file, data, err := circuits.Source(name)
	if err != nil {
		return fail("%v", err)
	}
	return p.useCircuit(file, data, fail)
}

// useCircuit decodes and checks the circuit file's data and makes it the
// plan's circuit.
func (p *Plan) useCircuit(file string, data []byte, fail func(format string, args ...any) error) error {
	src, err := OpenData(file, data)
	if err != nil {
		return err
	}
	if src.Experiment || src.Kind != output.Training {
		what := string(src.Kind)
		if src.Experiment {
			what = "experiment"
		}
		return fail("%s is not a circuit file of a learning task (it is a %s file)", file, what)
	}
	cf, err := decodeCircuit(src.Doc)
	if err != nil {
		return err
	}
	p.Circuit, p.CircuitFile, p.cdoc = *cf, file, src.Doc
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
	if strings.EqualFold(key, "circuit") {
		return p.setCircuit(val)
	}
	if ck, isCircuit := strings.CutPrefix(key, "circuit."); isCircuit {
		if err := config.Set(&p.Circuit, ck, val); err != nil {
			return err
		}
		p.circuitSets = append(p.circuitSets, kv)
		if p.File == "" {
			// A circuit running alone: its [rule] is the experiment's rule.
			p.Spec.Rules[0].Spec = p.Circuit.Rule
		}
		return nil
	}
	if p.File == "" && strings.HasPrefix(key, "rule.") {
		// A circuit running alone has one unnamed rule: rule.KEY addresses it.
		if err := config.Set(&p.Circuit, key, val); err != nil {
			return err
		}
		p.Spec.Rules[0].Spec = p.Circuit.Rule
		return nil
	}
	if err := config.Set(&p.Spec, key, val); err != nil {
		return err
	}
	if key == "task" {
		// Another task has other keys: they start from its defaults.
		p.task, _ = task.Lookup(p.Spec.Task)
		p.Spec.Params = nil
		if p.task != nil {
			p.Spec.Params = p.task.Defaults()
		}
	}
	return nil
}

// setCircuit makes the experiment train another circuit (--set
// circuit=NAME): NAME is a built-in circuit or a circuit file's path
// relative to the working directory, as on the command line. The circuit
// is read and checked as the file's own would be, the circuit overrides
// given so far apply to it too, and the manifest records it. A circuit
// file that runs alone has no circuit key: it is refused.
func (p *Plan) setCircuit(name string) error {
	if p.File == "" {
		return fmt.Errorf("--set circuit=%s: %s is a circuit file, which runs itself; run %s, or name a circuit in an experiment file", name, p.CircuitFile, name)
	}
	keep := *p
	p.Spec.Circuit = name
	err := p.readCircuit(name, func(format string, args ...any) error {
		return fmt.Errorf("--set circuit=%s: "+format, append([]any{name}, args...)...)
	})
	for _, kv := range p.circuitSets {
		if err != nil {
			break
		}
		k, v, _ := strings.Cut(kv, "=")
		if err = config.Set(&p.Circuit, strings.TrimPrefix(k, "circuit."), v); err != nil {
			err = fmt.Errorf("--set %s with --set circuit=%s: %w", kv, name, err)
		}
	}
	if err != nil {
		*p = keep
		return err
	}
	return nil
}

// Validate checks the plan after overrides, prepares the task's data and
// checks that the task fits the circuit. Errors say which --set or file
// key is at fault.
func (p *Plan) Validate() error {
	if err := p.Spec.Validate(); err != nil {
		return p.doc.Locate(err)
	}
	if want := p.task.Defaults(); reflect.TypeOf(p.Spec.Params) != reflect.TypeOf(want) {
		return fmt.Errorf("task %q: its keys are %T, not %T", p.Spec.Task, want, p.Spec.Params)
	}
	if err := p.Circuit.Validate(); err != nil {
		return p.cdoc.Locate(err)
	}
	// Every rule must be able to train the circuit (no backpropagation
	// through spiking populations).
	for i, e := range p.Spec.Rules {
		if err := e.Spec.CheckCircuit(&p.Circuit.Spec); err != nil {
			if p.doc != nil {
				return p.doc.Locate(param.Under(err, "rule", i))
			}
			return p.cdoc.Locate(param.Under(err, "rule"))
		}
	}
	// The task must fit the circuit. A task whose data are costly to make
	// (MNIST) checks the circuit without them (Fits), and its data are
	// made once, by the first run that needs them: validation stays fast
	// and small. Any other task makes its data, is built and checks.
	c, err := p.Circuit.Build(Stream(0, "check"))
	if err != nil {
		return err
	}
	if p.task.Fits != nil {
		if err := p.task.Fits(p.Spec.Params, c); err != nil {
			return p.checkError(err)
		}
		p.maker = lazyMaker(p.task.Prepare, p.Spec.Params)
		return nil
	}
	maker, err := p.task.Prepare(p.Spec.Params)
	if err != nil {
		return p.checkError(err)
	}
	t, err := maker()
	if err != nil {
		return p.checkError(err)
	}
	if err := t.Check(c); err != nil {
		return p.checkError(err)
	}
	p.maker = maker
	return nil
}

// lazyMaker makes the task's shared data when the first run asks for its
// task (once, whichever worker asks first).
func lazyMaker(prepare func(task.Params) (task.Maker, error), ps task.Params) task.Maker {
	var (
		once  sync.Once
		maker task.Maker
		err   error
	)
	return func() (task.Task, error) {
		once.Do(func() { maker, err = prepare(ps) })
		if err != nil {
			return nil, err
		}
		return maker()
	}
}

// checkError locates an error of the task's preparation or check, as
// every error of a file is located (file:line: key: message): at the key
// a *ParamError names where the file sets it; else (a key left at its
// default or set by --set) at the circuit key, the key named in the
// message. A circuit run alone has its errors at its task key (or its
// input key, the task left at its default).
func (p *Plan) checkError(err error) error {
	doc, at := p.doc, []any{"circuit"}
	if doc == nil {
		// A circuit alone: at its task key or, when it leaves the task at
		// its default, at its input key (where task and circuit meet).
		doc, at = p.cdoc, []any{"task"}
		if _, ok := doc.Value("task"); !ok {
			at = []any{"input"}
		}
	}
	var pe *param.Error
	if !errors.As(err, &pe) {
		return doc.Errorf(at, "%v", err)
	}
	// The message without the key, which the location names.
	msg := strings.Replace(err.Error(), pe.Error(), pe.Msg, 1)
	if _, ok := doc.Value(pe.Path...); ok {
		return doc.Errorf(pe.Path, "%s", msg)
	}
	return doc.Errorf(at, "%v", err)
}

// Task returns the plan's task.
func (p *Plan) Task() *task.Def { return p.task }
