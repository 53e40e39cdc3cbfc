package training

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/race"
	"github.com/dopa-sim/dopa/modulator"
)

// The recipes of docs/architecture.md, kept true. This file alone defines
// a tiny learning rule and a tiny task and registers each with one call
// (init, below); nothing else in dopa knows them. The tests after them
// check every registered rule and task — the built-in ones and these two
// alike — for what every entry must have: a row in docs/circuits.md,
// keys decodable from an experiment file and settable by --set, a short
// run that finishes, and (for rules and tasks that can save their state)
// a run stopped and resumed from its checkpoint that ends as an
// uninterrupted one. A new entry gets these checks for free; the tiny
// ones show that they need nothing beyond their own file. (The only thing
// they lack is their docs row: TestDocsListEveryRule and
// TestDocsListEveryTask check that its absence is caught.)

func init() {
	train.Register(&tinyRuleDef)
	task.Register(&tinyTaskDef)
}

// tinyRuleDef is sign descent: w ← w − η·sign(∂L/∂w) where |∂L/∂w| is
// above a floor.
var tinyRuleDef = train.Def{
	Name:   "tiny_sign",
	Stream: "rule/tiny_sign",
	Doc:    "sign descent (a test's rule): w ← w − η·sign(∂L/∂w)",
	Trains: train.RateCircuits,
	Defaults: func() train.Spec {
		return train.Spec{Name: "tiny_sign", LearningRate: 0.02, Params: tinySignParams{Floor: 1e-9}}
	},
	New: newTinySign,
}

// tinySignParams are the tiny rule's keys.
type tinySignParams struct {
	// Floor is the smallest |∂L/∂w| stepped, ≥ 0.
	Floor float64 `toml:"sign_floor"`
}

func (p tinySignParams) Validate() error {
	if !(p.Floor >= 0) || math.IsInf(p.Floor, 0) {
		return param.New(fmt.Sprintf("must be a finite number >= 0, got %g", p.Floor), "sign_floor")
	}
	return nil
}

type tinySign struct {
	c          *circuits.Circuit
	eta, floor float64
	step       []float64
}

func newTinySign(s train.Spec, c *circuits.Circuit, _ *rand.Rand) (train.Rule, error) {
	n := 0
	for _, l := range c.Links {
		n = max(n, len(l.W))
	}
	return &tinySign{c: c, eta: s.LearningRate, floor: s.Params.(tinySignParams).Floor, step: make([]float64, n)}, nil
}

func (r *tinySign) Measure(t task.Task) (float64, int) {
	r.c.ZeroGrad()
	return t.Grad(r.c), 1
}

func (r *tinySign) Learn(task.Task) int {
	for _, l := range r.c.Links {
		if !l.Plastic {
			continue
		}
		s := r.step[:len(l.Grad)]
		for i, g := range l.Grad {
			switch {
			case g > r.floor:
				s[i] = 1
			case g < -r.floor:
				s[i] = -1
			default:
				s[i] = 0
			}
		}
		l.StepDecay(r.eta, 0, s)
	}
	return 0
}

func (r *tinySign) Trace() modulator.Trace {
	return modulator.Trace{RPE: math.NaN(), Reward: math.NaN(), Expectation: math.NaN(), Dopamine: math.NaN(), LearningRate: r.eta}
}

func (r *tinySign) StateBytes() int { return 8 * len(r.step) }

// State is empty: the rule keeps nothing between updates.
func (r *tinySign) State() ([]byte, error) { return nil, nil }
func (r *tinySign) SetState([]byte) error  { return nil }

// tinyTaskDef is AND of two binary inputs, its (1, 1) target a key.
var tinyTaskDef = task.Def{
	Name:     "tiny_and",
	Doc:      "logical and of two binary inputs (a test's task); loss the MSE over the four patterns",
	Defaults: func() task.Params { return tinyAndParams{High: 1} },
	Prepare: func(p task.Params) (task.Maker, error) {
		high := p.(tinyAndParams).High
		return func() (task.Task, error) { return &tinyAnd{high: high}, nil }, nil
	},
	Headline: "final_loss",
	Alone:    task.Budget{MaxTrials: 4000, LossBelow: 0.01},
}

// tinyAndParams are the tiny task's keys.
type tinyAndParams struct {
	// High is the target of the pattern (1, 1), in (0.5, 1].
	High float64 `toml:"and_high"`
}

func (p tinyAndParams) Validate() error {
	if !(p.High > 0.5 && p.High <= 1) {
		return param.New(fmt.Sprintf("must be in (0.5, 1], got %g", p.High), "and_high")
	}
	return nil
}

type tinyAnd struct {
	high float64
	g    []float64
}

func (*tinyAnd) Name() string { return "tiny_and" }

func (*tinyAnd) Check(c *circuits.Circuit) error {
	if c.Pops[c.In].Len() != 2 || c.Pops[c.Out].Len() != 1 {
		return fmt.Errorf("task tiny_and needs 2 inputs and 1 readout unit, circuit %q has %d and %d", c.Name, c.Pops[c.In].Len(), c.Pops[c.Out].Len())
	}
	return nil
}

func (*tinyAnd) Next(*rand.Rand) {}

func (t *tinyAnd) target(p int) float64 { return t.high * float64(p/3) } // patterns 00, 01, 10, 11

func (t *tinyAnd) Loss(c *circuits.Circuit) float64 {
	l := 0.0
	for p, x := range task.XORInputs {
		d := c.Trial(x[:])[0] - t.target(p)
		l += d * d
	}
	return l / 4
}

func (t *tinyAnd) Grad(c *circuits.Circuit) float64 {
	if len(t.g) != c.StepsPerTrial {
		t.g = make([]float64, c.StepsPerTrial)
	}
	l := 0.0
	for p, x := range task.XORInputs {
		c.Record(true)
		d := c.Trial(x[:])[0] - t.target(p)
		l += d * d
		t.g[len(t.g)-1] = d / 2
		c.Backward(t.g)
	}
	c.Record(false)
	return l / 4
}

func (t *tinyAnd) Evaluate(c *circuits.Circuit) task.Eval { return task.Eval{Loss: t.Loss(c)} }

// TaskState is empty: every update uses the four patterns.
func (*tinyAnd) TaskState() []int   { return nil }
func (*tinyAnd) SetTaskState([]int) {}

// recipeFixture reports whether a rule or task is this file's.
func recipeFixture(name string) bool { return name == tinyRuleDef.Name || name == tinyTaskDef.Name }

// resolvedKeys renders a rule's or task's own keys with their values, as
// a file writes them (output.Resolved).
func resolvedKeys(v any) map[string]any {
	m, _ := output.Resolved(v).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// setKeys lists KEY=VALUE for every scalar key of m (nested tables as
// dotted keys), prefixed.
func setKeys(prefix string, m map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(mapsKeys(m)) {
		switch v := m[k].(type) {
		case map[string]any:
			out = append(out, setKeys(prefix+k+".", v)...)
		case float64:
			out = append(out, prefix+k+"="+strconv.FormatFloat(v, 'g', -1, 64))
		case int64:
			out = append(out, prefix+k+"="+strconv.FormatInt(v, 10))
		case bool:
			out = append(out, prefix+k+"="+strconv.FormatBool(v))
		case string:
			out = append(out, prefix+k+"="+v)
		}
	}
	return out
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// experimentFile writes an experiment file: the given top-level keys
// (the task's own among them) and one [[rule]] table.
func experimentFile(t *testing.T, top map[string]any, rule map[string]any) string {
	t.Helper()
	doc := map[string]any{}
	for k, v := range top {
		doc[k] = v
	}
	doc["rule"] = []map[string]any{rule}
	var b strings.Builder
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "recipe.toml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// checkEntry loads the experiment file, sets every key of sets (which
// must take), runs the plan's one job for a short budget, and, when the
// run can be checkpointed, stops it half-way and resumes it: the resumed
// run must end as the uninterrupted one.
func checkEntry(t *testing.T, file string, sets []string) {
	t.Helper()
	// 24 trials, and a quarter of that under the race detector, which runs
	// e-prop's evidence accumulation (2250-step sequences) some 20× slower:
	// the run, the half run and the resumed run test no concurrency.
	budget := 24
	if race.Enabled {
		budget = 6
	}
	load := func(trials int) *Plan {
		p, err := Load(file)
		if err != nil {
			t.Fatalf("not decodable: %v", err)
		}
		for _, kv := range append(slices.Clone(sets), "seeds=1", "max_trials="+strconv.Itoa(trials), "criterion.loss_below=0") {
			if err := p.Set(kv); err != nil {
				t.Fatalf("--set %s: %v", kv, err)
			}
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("after --set: %v", err)
		}
		return p
	}
	p := load(budget)
	jobs := p.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	whole, err := p.runOne(context.Background(), runner.Checkpoint{}, jobs[0])
	if err != nil || !whole.Done || whole.Err != "" || whole.Trials == 0 {
		t.Fatalf("a short run: done %v, %d trials, error %q %v", whole.Done, whole.Trials, whole.Err, err)
	}
	run, err := p.NewRun(jobs[0].Variant, jobs[0].Seed)
	if err != nil {
		t.Fatal(err)
	}
	_, ruleState := run.Rule.(train.Stateful)
	_, taskState := run.Task.(task.Stateful)
	if !ruleState || !taskState || run.Circuit.Spiking() {
		return // no checkpoints: the runner reruns such a job whole
	}
	// Checkpoints every update (Every 0): the half run leaves its state at
	// its last update, from which the whole budget continues.
	ck := runner.Checkpoint{Path: filepath.Join(t.TempDir(), "job.ckpt")}
	half := load(budget / 2)
	if _, err := half.runOne(context.Background(), ck, half.Jobs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ck.Path); err != nil {
		t.Fatalf("the half run left no checkpoint: %v", err)
	}
	resumed, err := load(budget).runOne(context.Background(), ck, jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !sameFloat(resumed.FinalLoss, whole.FinalLoss) || resumed.Trials != whole.Trials || !reflect.DeepEqual(resumed.Metrics, whole.Metrics) {
		t.Errorf("resumed from half-way: final loss %v after %d trials, metrics %v; uninterrupted %v after %d, metrics %v",
			resumed.FinalLoss, resumed.Trials, resumed.Metrics, whole.FinalLoss, whole.Trials, whole.Metrics)
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestEveryRuleFollowsItsRecipe: every registered rule, on the built-in
// XOR circuit and task, is decodable from an experiment file with all its
// keys written, takes every key by --set (rule.NAME.KEY), runs, and
// resumes from a checkpoint as it would have gone on.
func TestEveryRuleFollowsItsRecipe(t *testing.T) {
	for _, d := range train.Rules() {
		t.Run(d.Name, func(t *testing.T) {
			s := d.Defaults()
			rule := resolvedKeys(s)
			rule["name"] = d.Name
			file := experimentFile(t, map[string]any{"name": "recipe", "circuit": "xor", "task": "xor"}, rule)
			sets := setKeys("rule."+d.Name+".", resolvedKeys(s.Params))
			sets = append(sets, "rule."+d.Name+".learning_rate="+strconv.FormatFloat(s.LearningRate/2, 'g', -1, 64))
			checkEntry(t, file, sets)
		})
	}
}

// TestEveryTaskFollowsItsRecipe: every registered task, on a built-in
// experiment of the task (or else the first built-in circuit the task
// accepts, trained by wp), is decodable with all its keys written, takes
// every key by --set, runs, and resumes from a checkpoint.
func TestEveryTaskFollowsItsRecipe(t *testing.T) {
	for _, d := range task.Tasks() {
		t.Run(d.Name, func(t *testing.T) {
			if d.Name == "mnist" && testing.Short() {
				t.Skip("MNIST's data take seconds to prepare: in the full suite")
			}
			top, rule := taskExperiment(t, d)
			file := experimentFile(t, top, rule)
			checkEntry(t, file, setKeys("", resolvedKeys(d.Defaults())))
		})
	}
}

// taskExperiment returns the top-level keys and the rule of an experiment
// of task d: a built-in experiment's, or the first built-in circuit the
// task accepts with wp.
func taskExperiment(t *testing.T, d *task.Def) (top, rule map[string]any) {
	t.Helper()
	top = map[string]any{"name": "recipe", "task": d.Name}
	for _, name := range experiments.BuiltinNames() {
		p, err := Builtin(name)
		if err != nil || p.Spec.Task != d.Name || len(p.Spec.Rules) == 0 || len(p.Spec.Sweep.Params) > 0 {
			continue
		}
		for k, v := range resolvedKeys(p.Spec.Params) {
			top[k] = v
		}
		top["circuit"] = p.Spec.Circuit
		r := p.Spec.Rules[0].Spec
		rule = resolvedKeys(r)
		rule["name"] = r.Name
		return top, rule
	}
	for k, v := range resolvedKeys(d.Defaults()) {
		top[k] = v
	}
	wp, _ := train.Defaults("wp")
	rule = resolvedKeys(wp)
	rule["name"] = "wp"
	for _, c := range circuits.BuiltinNames() {
		top["circuit"] = c
		p, err := Load(experimentFile(t, top, rule))
		if err == nil && p.Validate() == nil {
			return top, rule
		}
	}
	t.Fatalf("no built-in circuit fits task %s", d.Name)
	return nil, nil
}
