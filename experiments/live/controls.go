package live

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments"
)

// Control is one widget of the page, generated from the file's parameters:
// its --set key, its kind (number, bool, choice), its value and, for
// numbers, a slider's range (log: a logarithmic slider).
type Control struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
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

// hint is a slider's range for a key (its last segment); keys without one
// get a number box only.
type hint struct {
	min, max float64
	log      bool
}

var hints = map[string]hint{
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
	"beta1":            {0, 0.999, false},
	"beta2":            {0, 0.9999, false},
	"epsilon":          {1e-12, 1e-2, true},
	"loss_below":       {1e-5, 1, true},
}

// choices are the values of keys that take one of a few words.
var choices = map[string][]string{"rpe": {"paired", "critic"}}

// controls lists the widgets of rule variant v: its learning rate and its
// own keys (σ, the dopamine system's, Adam's), which the running rule
// takes in place, then keys of the experiment that need a new run.
func controls(plan *experiments.Plan, v experiments.Variant) []Control {
	prefix := rulePrefix(plan, v)
	var out []Control
	add := func(key string, rv reflect.Value) {
		c := Control{Key: key, Label: strings.TrimPrefix(key, prefix), Live: liveKey(plan, v, key)}
		last := key[strings.LastIndex(key, ".")+1:]
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
		if h, ok := hints[last]; ok && c.Kind == "number" {
			c.Min, c.Max, c.Log = h.min, h.max, h.log
		}
		out = append(out, c)
	}
	add(prefix+"learning_rate", reflect.ValueOf(v.Rule.LearningRate))
	if v.Rule.Params != nil {
		walk(prefix, reflect.ValueOf(v.Rule.Params), add)
	}
	add("seed", reflect.ValueOf(plan.Spec.Seed))
	add("max_trials", reflect.ValueOf(plan.Spec.MaxTrials))
	add("criterion.loss_below", reflect.ValueOf(plan.Spec.Criterion.LossBelow))
	return out
}

// walk calls add for every scalar field of a struct with a toml key.
func walk(prefix string, rv reflect.Value, add func(string, reflect.Value)) {
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fv := rv.Field(i)
		if fv.Kind() == reflect.Struct {
			walk(prefix+name+".", fv, add)
			continue
		}
		add(prefix+name, fv)
	}
}
