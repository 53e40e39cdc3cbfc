package live

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/neuron"
)

// Control is one widget of the page, generated from the file's parameters:
// its --set key, its group (rule, dopamine, neurons, task, memory,
// experiment), its kind (number, bool, choice), its value and, for
// numbers, a slider's range (log: a logarithmic slider).
type Control struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	Group   string   `json:"group"`
	Kind    string   `json:"kind"`
	Value   string   `json:"value"`
	Min     float64  `json:"min,omitempty"`
	Max     float64  `json:"max,omitempty"`
	Log     bool     `json:"log,omitempty"`
	Options []string `json:"options,omitempty"`
	// Live: the running rule takes it between two updates; otherwise a
	// change starts a new run.
	Live bool `json:"live"`
}

// The groups of controls, in the order the page shows them.
const (
	groupRule       = "rule"
	groupDopamine   = "dopamine"
	groupNeurons    = "neurons"
	groupTask       = "task"
	groupMemory     = "memory"
	groupExperiment = "experiment"
)

// hint is a slider's range for a key (its last two segments, or else its
// last); keys without one get a number box only.
type hint struct {
	min, max float64
	log      bool
}

var hints = map[string]hint{
	// rules and their dopamine systems
	"learning_rate":    {1e-4, 100, true},
	"sigma":            {1e-4, 1, true},
	"critic_rate":      {1e-3, 1, true},
	"tonic":            {-1, 1, false},
	"tau_d_ms":         {0, 1000, false},
	"gain_rate":        {0, 1, false},
	"lr_up":            {0, 1, false},
	"lr_down":          {0, 0.99, false},
	"lr_range":         {1, 1000, true},
	"revert_tolerance": {0, 0.1, false},
	"lambda":           {0, 0.99, false},
	"alpha":            {1e-3, 1, true},
	"gamma":            {0, 1, false},
	"gain":             {0, 10, false},
	"beta1":            {0, 0.999, false},
	"beta2":            {0, 0.9999, false},
	"epsilon":          {1e-12, 1e-2, true},
	"loss_below":       {1e-5, 1, true},
	// neurons
	"size":             {1, 4096, true},
	"tau_ms":           {0, 100, false},
	"tau_m_ms":         {0.5, 200, true},
	"tau_syn_e_ms":     {0.1, 100, true},
	"tau_syn_i_ms":     {0.1, 100, true},
	"tau_syn_ms":       {0.1, 100, true},
	"t_ref_ms":         {0, 20, false},
	"rate_hz_per_unit": {1, 2000, true},
	// tasks
	"horizon":         {1, 100, false},
	"window":          {1, 200, false},
	"batch_size":      {1, 1024, true},
	"washout":         {0, 500, false},
	"valid_threshold": {0.01, 2, true},
	"teacher_scale":   {0.1, 10, true},
	// memories
	"p01":        {0, 1, false},
	"p10":        {0, 0.1, false},
	"patterns.k": {1, 100, true},
	"patterns.n": {100, 10000, true},
	"floor":      {1e-9, 0.1, true},
	"threshold":  {-10, 10, false},
}

// choices are the values of string keys that take one of a few words
// (keys of an enumerated type list theirs themselves: options).
var choices = map[string][]string{
	"rpe":                {"paired", "critic"},
	"teacher_activation": {"linear", "tanh"},
	"method":             {string(series.Euler), string(series.RK4)},
}

// modelParams are the keys of each neuron model in a population's spec.
var modelParams = map[string]reflect.Type{
	"rate":       reflect.TypeFor[neuron.RateParams](),
	"lif":        reflect.TypeFor[neuron.LIFParams](),
	"izhikevich": reflect.TypeFor[neuron.IzhikevichParams](),
	"poisson":    reflect.TypeFor[neuron.PoissonParams](),
}

// controls lists the widgets of the run with that label.
func (l *loaded) controls(label string) []Control {
	var out []Control
	switch l.kind {
	case output.Training:
		if v, ok := variant(l.plan, label); ok {
			out = controls(l.plan, v)
		}
	case output.Simulation:
		out = populationControls(out, &l.sim.Spec, "circuit.", nil)
		add := adder(&out, groupExperiment, "", nil)
		add("duration_ms", reflect.ValueOf(l.sim.DurationMs))
	case output.Reward:
		f := l.rew
		exp := adder(&out, groupExperiment, "", nil)
		exp("episodes", reflect.ValueOf(f.Episodes))
		da := adder(&out, groupDopamine, "critic.", nil)
		da("critic.alpha", reflect.ValueOf(f.Critic.Alpha))
		da("critic.gamma", reflect.ValueOf(f.Critic.Gamma))
		da("critic.lambda", reflect.ValueOf(f.Critic.Lambda))
		da("critic.dopamine.gain", reflect.ValueOf(f.Critic.Dopamine.Gain))
		da("critic.dopamine.tonic", reflect.ValueOf(f.Critic.Dopamine.Tonic))
		da("critic.dopamine.tau_d_ms", reflect.ValueOf(f.Critic.Dopamine.TauDMs))
		rv := reflect.ValueOf(f.Environment.Params)
		envAdd := adder(&out, groupTask, "environment.", nil)
		for i := range rv.NumField() {
			tag, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("toml"), ",")
			if tag != "" && rv.Field(i).Kind() != reflect.Slice && rv.Field(i).Kind() != reflect.Array {
				envAdd("environment."+tag, rv.Field(i))
			}
		}
	case output.Memory:
		f := l.mem
		mem := adder(&out, groupMemory, "", nil)
		mem("patterns.n", reflect.ValueOf(f.Patterns.N[0]))
		switch f.Patterns.Kind {
		case memory.FixedK:
			mem("patterns.k", reflect.ValueOf(f.Patterns.K))
		case memory.Bernoulli:
			mem("patterns.p", reflect.ValueOf(f.Patterns.P))
		case memory.Modular:
			mem("patterns.modules", reflect.ValueOf(f.Patterns.Modules))
		}
		mem("activation", reflect.ValueOf(f.Activation))
		mem("threshold", reflect.ValueOf(f.Threshold))
		mem("floor", reflect.ValueOf(f.Floor))
		mem("no_self", reflect.ValueOf(f.NoSelf))
		mem("query.p01", reflect.ValueOf(f.Query.P01))
		mem("query.p10", reflect.ValueOf(f.Query.P10))
		mem("query.exact", reflect.ValueOf(f.Query.Exact))
		for _, md := range f.Modes {
			if strings.HasSuffix(label, "/"+md.Name) {
				p := "mode." + md.Name + "."
				mem(p+"steps", reflect.ValueOf(md.Steps))
				mem(p+"until_stable", reflect.ValueOf(md.UntilStable))
				mem(p+"ane", reflect.ValueOf(md.ANE))
			}
		}
		exp := adder(&out, groupExperiment, "", nil)
		exp("seed", reflect.ValueOf(f.Seed))
	}
	return out
}

// adder returns a function that appends the control of a key of a
// group, its value rv (labels drop trim; live says which keys the running
// rule takes in place).
func adder(out *[]Control, group, trim string, live func(string) bool) func(string, reflect.Value) {
	return func(key string, rv reflect.Value) {
		c := Control{Key: key, Label: strings.TrimPrefix(key, trim), Group: group}
		if live != nil {
			c.Live = live(key)
		}
		last := key[strings.LastIndex(key, ".")+1:]
		if opts := options(rv); opts != nil {
			c.Kind, c.Value, c.Options = "choice", fmt.Sprint(rv.Interface()), opts
			*out = append(*out, c)
			return
		}
		switch {
		case rv.Kind() == reflect.Bool:
			c.Kind, c.Value = "bool", strconv.FormatBool(rv.Bool())
		case rv.Kind() == reflect.String:
			c.Kind, c.Value, c.Options = "choice", rv.String(), choices[last]
		case rv.CanFloat():
			c.Kind, c.Value = "number", strconv.FormatFloat(rv.Float(), 'g', -1, 64)
		case rv.CanInt():
			c.Kind, c.Value = "number", strconv.FormatInt(rv.Int(), 10)
		default:
			return
		}
		h, ok := hints[lastTwo(key)]
		if !ok {
			h, ok = hints[last]
		}
		if ok && c.Kind == "number" {
			c.Min, c.Max, c.Log = h.min, h.max, h.log
		}
		*out = append(*out, c)
	}
}

// lastTwo returns the last two dot-separated segments of a key.
func lastTwo(key string) string {
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return key
	}
	if j := strings.LastIndex(key[:i], "."); j >= 0 {
		return key[j+1:]
	}
	return key
}

// options lists the names of an enumerated type (an integer type whose
// values read and write themselves as words: neuron.Activation,
// neuron.BinaryActivation, …): every value from 0 whose name reads back
// as itself. Nil for other types.
func options(rv reflect.Value) []string {
	t := rv.Type()
	if !rv.CanInt() || !t.Implements(reflect.TypeFor[fmt.Stringer]()) || !reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return nil
	}
	var out []string
	for i := int64(0); i < 64; i++ {
		v := reflect.New(t).Elem()
		v.SetInt(i)
		name := fmt.Sprint(v.Interface())
		back := reflect.New(t)
		if err := back.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(name)); err != nil || back.Elem().Int() != i {
			break
		}
		out = append(out, name)
	}
	return out
}

// controls lists the widgets of rule variant v: its learning rate and its
// own keys (σ, the dopamine system's, Adam's), which the running rule
// takes in place, then the neurons of the circuit, the task's keys and
// keys of the experiment, which need a new run.
func controls(plan *training.Plan, v training.Variant) []Control {
	prefix := rulePrefix(plan, v)
	var out []Control
	live := func(key string) bool { return liveKey(plan, v, key) }
	rule := adder(&out, groupRule, prefix, live)
	dop := adder(&out, groupDopamine, prefix, live)
	ruleOrDopamine := func(key string, rv reflect.Value) {
		if strings.HasPrefix(key, prefix+"modulator.") {
			dop(key, rv)
		} else {
			rule(key, rv)
		}
	}
	ruleOrDopamine(prefix+"learning_rate", reflect.ValueOf(v.Rule.LearningRate))
	if v.Rule.Params != nil {
		walk(prefix, reflect.ValueOf(v.Rule.Params), ruleOrDopamine)
	}
	out = populationControls(out, &plan.Circuit.Spec, "circuit.", plan)
	if plan.Spec.Params != nil {
		walk("", reflect.ValueOf(plan.Spec.Params), adder(&out, groupTask, "", nil))
	}
	exp := adder(&out, groupExperiment, "", nil)
	exp("seed", reflect.ValueOf(plan.Spec.Seed))
	exp("max_trials", reflect.ValueOf(plan.Spec.MaxTrials))
	exp("criterion.loss_below", reflect.ValueOf(plan.Spec.Criterion.LossBelow))
	return out
}

// populationControls appends the neuron controls of a circuit: each
// population's size (but the input's and the readout's, which the task
// fixes) and the keys of its model (an izhikevich population's preset
// too). Keys are circuit.population.NAME.KEY.
func populationControls(out []Control, cs *circuits.Spec, prefix string, plan *training.Plan) []Control {
	add := adder(&out, groupNeurons, prefix+"population.", nil)
	for _, p := range cs.Populations {
		pp := prefix + "population." + p.Name + "."
		fixed := plan != nil && (p.Name == cs.Input || p.Name == cs.Readout.Population)
		if !fixed {
			add(pp+"size", reflect.ValueOf(p.Size))
		}
		if p.Model == "izhikevich" {
			c := len(out)
			add(pp+"preset", reflect.ValueOf(p.Preset))
			out[c].Options = []string{"regular_spiking", "fast_spiking"}
		}
		t, ok := modelParams[p.Model]
		if !ok {
			continue
		}
		rv := reflect.ValueOf(p)
		for i := range rv.NumField() {
			if f := rv.Type().Field(i); f.Anonymous && f.Type == t {
				walk(pp, rv.Field(i), add)
			}
		}
	}
	return out
}

// walk calls add for every scalar field of a struct with a toml key.
func walk(prefix string, rv reflect.Value, add func(string, reflect.Value)) {
	if rv.Kind() == reflect.Interface || rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return
	}
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		fv := rv.Field(i)
		if name == "" {
			if f.Anonymous && fv.Kind() == reflect.Struct {
				walk(prefix, fv, add)
			}
			continue
		}
		if fv.Kind() == reflect.Struct && options(fv) == nil {
			walk(prefix+name+".", fv, add)
			continue
		}
		add(prefix+name, fv)
	}
}
