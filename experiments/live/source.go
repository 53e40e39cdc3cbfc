package live

import (
	"fmt"
	"strings"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/experiments/reward"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// loaded is the served file with its overrides applied and validated, one
// of four kinds: a training plan (a circuit with its rule, or an
// experiment), a simulation (a circuit with task = "simulate"), a memory
// study (kind = "memory") or a reward experiment (kind = "reward").
type loaded struct {
	kind output.Kind
	plan *training.Plan           // training
	sim  *experiments.CircuitFile // simulation
	mem  *memory.File             // memory
	rew  *reward.Spec             // reward
	runs []string                 // reward: its labels, made once (they read the agents' circuit files)
	ovr  []string                 // the overrides applied
	src  *experiments.Source      // the parsed file
}

// Served reports whether dopa serve runs files of kind k.
func Served(k output.Kind) bool {
	return k == output.Training || k == output.Simulation || k == output.Memory || k == output.Reward
}

// load reads the source afresh, applies the overrides in order and
// validates the result: exactly what dopa run does with --set for a file
// of that kind, with its error text.
func (s *Session) load(overrides []string) (*loaded, error) {
	src, err := experiments.OpenData(s.cfg.File, s.cfg.Data)
	if err != nil {
		return nil, err
	}
	l := &loaded{kind: src.Kind, ovr: overrides, src: src}
	switch src.Kind {
	case output.Training:
		plan, err := training.LoadPlan(src)
		if err != nil {
			return nil, err
		}
		for _, kv := range overrides {
			if err := plan.Set(kv); err != nil {
				return nil, err
			}
		}
		if err := plan.Validate(); err != nil {
			return nil, err
		}
		l.plan = plan
	case output.Simulation:
		// As dopa run: each override set on the circuit file (a leading
		// "circuit." is optional), then the whole validated.
		cf, err := experiments.LoadSimulation(src)
		if err != nil {
			return nil, err
		}
		if err := setEach(overrides, cf.Set); err != nil {
			return nil, err
		}
		if err := cf.Validate(); err != nil {
			return nil, err // dopa run says it "after the overrides […]:"
		}
		l.sim = cf
	case output.Memory:
		f, err := memory.FromDoc(src.Doc)
		if err != nil {
			return nil, err
		}
		if err := setEach(overrides, f.Set); err != nil {
			return nil, err
		}
		l.mem = f
	case output.Reward:
		f, err := reward.FromDoc(src.Doc)
		if err != nil {
			return nil, err
		}
		if err := setEach(overrides, f.Override); err != nil {
			return nil, err
		}
		l.rew, l.runs = f, f.Labels()
	default:
		return nil, fmt.Errorf("%s is a %s file; dopa serve runs training, simulation, memory and reward files", src.File, src.Kind)
	}
	return l, nil
}

// setEach applies key=value overrides with set (a kind's own Set).
func setEach(overrides []string, set func(key, value string) error) error {
	for _, kv := range overrides {
		key, val, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return fmt.Errorf("--set %q: want key=value", kv)
		}
		if err := set(key, val); err != nil {
			return err
		}
	}
	return nil
}

// labels are what the page's rule menu offers: the rule variants of a
// training plan, the rule × mode pairs of a memory study ("bayes/one-step"),
// "simulate" for a simulation.
func (l *loaded) labels() []string {
	switch l.kind {
	case output.Training:
		return labels(l.plan)
	case output.Memory:
		var out []string
		for _, r := range l.mem.Rules {
			for _, m := range l.mem.Modes {
				out = append(out, r.String()+"/"+m.Name)
			}
		}
		return out
	case output.Reward:
		return l.runs
	}
	return []string{"simulate"}
}

// has reports whether label is one of labels.
func (l *loaded) has(label string) bool {
	for _, x := range l.labels() {
		if x == label {
			return true
		}
	}
	return false
}

// first is the label run when none is asked for: the flagship rule of a
// training plan when it has it, else the first.
func (l *loaded) first() string {
	if l.kind == output.Training {
		if _, ok := variant(l.plan, "dopamine"); ok {
			return "dopamine"
		}
	}
	return l.labels()[0]
}
