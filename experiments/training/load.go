package training

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
)

// Plan is a training run ready to go: the experiment, its circuit, and
// where each came from.
type Plan struct {
	Spec        Spec
	Circuit     experiments.CircuitFile
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
	src, err := experiments.Open(nameOrPath)
	if err != nil {
		return nil, err
	}
	return LoadPlan(src)
}

// Builtin returns the built-in experiment of that name ("xor").
func Builtin(name string) (*Plan, error) {
	data, ok := experiments.BuiltinData(name)
	if !ok {
		return nil, fmt.Errorf("no built-in experiment %q", name)
	}
	src, err := experiments.OpenData("builtin:"+name+".toml", data)
	if err != nil {
		return nil, err
	}
	return LoadPlan(src)
}

// LoadPlan decodes a training source: an experiment file and its circuit,
// or a circuit file that runs alone.
func LoadPlan(src *experiments.Source) (*Plan, error) {
	if src.Kind != output.Training && src.Kind != output.Sweep {
		return nil, fmt.Errorf("%s: a %s file, not a training experiment", src.File, src.Kind)
	}
	if !src.Experiment {
		cf, err := experiments.DecodeCircuit(src.Doc)
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
	for _, k := range experiments.ByLine(doc, doc.TableKeys()) {
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
		if err := experiments.MisplacedRuleKeys(doc, &s.Rules[i], "rule", i); err != nil {
			return err
		}
	}
	return nil
}

// planCircuit makes a circuit run alone: one rule (its [rule]) on its task,
// with the task's budget for a circuit alone.
func planCircuit(cf *experiments.CircuitFile, cdoc *config.Doc, file string) *Plan {
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
	src, err := experiments.OpenData(file, data)
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
	cf, err := experiments.DecodeCircuit(src.Doc)
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
	// Every rule must be able to learn the task (e-prop needs an error at
	// every step).
	for i, e := range p.Spec.Rules {
		if err := e.Spec.CheckTask(p.task); err != nil {
			if p.doc != nil {
				return p.doc.Locate(param.Under(err, "rule", i))
			}
			return p.cdoc.Locate(param.Under(err, "rule"))
		}
	}
	if err := p.checkWatched(); err != nil {
		return p.doc.Locate(err)
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

// checkWatched checks [[record.synapse]] against the circuit: a dense
// projection of that name, and neurons within its populations.
func (p *Plan) checkWatched() error {
	cs := &p.Circuit.Spec
	size := map[string]int{}
	for _, q := range cs.Populations {
		size[q.Name] = q.Size
	}
	for i, w := range p.Spec.Record.Synapses {
		var names []string
		found := false
		for _, q := range cs.Projections {
			if q.Connectivity == "sparse" {
				continue
			}
			names = append(names, q.Label())
			if q.Label() != w.Projection {
				continue
			}
			found = true
			if n := size[q.From]; w.Pre >= n {
				return param.New(fmt.Sprintf("must be below %d (the size of %q)", n, q.From), "record", "synapse", i, "pre")
			}
			if n := size[q.To]; w.Post >= n {
				return param.New(fmt.Sprintf("must be below %d (the size of %q)", n, q.To), "record", "synapse", i, "post")
			}
		}
		if !found {
			return param.New(fmt.Sprintf("circuit %q has no dense projection %q (it has %s)", cs.Name, w.Projection, strings.Join(names, ", ")), "record", "synapse", i, "projection")
		}
	}
	return nil
}
