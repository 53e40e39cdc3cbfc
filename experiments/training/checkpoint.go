package training

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/rng"
)

// checkpoint is the state of one run between two learning updates: enough
// to continue it exactly as if it had not stopped.
type checkpoint struct {
	Outcome train.Outcome
	Metrics []MetricRow
	Traces  []TraceRow
	Diag    []DiagnosticRow
	Weights []WeightSnapshot
	Circuit circuits.State
	Rule    []byte
	Task    []int
	RuleRNG []byte
	TaskRNG []byte
}

// checkpointer saves and restores one run's checkpoint; its zero value
// (no directory, or a run that cannot be checkpointed) does nothing.
type checkpointer struct {
	path             string
	every            time.Duration
	last             time.Time
	c                *circuits.Circuit
	t                task.Stateful
	rule             train.Stateful
	ruleSrc, taskSrc *rng.Source
}

// newCheckpointer returns the checkpointer of a run: active when the
// runner gives it a path and the run's circuit, rule and task can save
// their state (rate circuits; the rules and tasks that implement
// train.Stateful and task.Stateful).
func newCheckpointer(ck runner.Checkpoint, c *circuits.Circuit, t task.Task, r train.Rule, ruleSrc, taskSrc *rng.Source) *checkpointer {
	ts, okT := t.(task.Stateful)
	rs, okR := r.(train.Stateful)
	if ck.Path == "" || !okT || !okR || c.Spiking() || len(c.Sparse) > 0 {
		return &checkpointer{}
	}
	return &checkpointer{path: ck.Path, every: ck.Every, last: time.Now(), c: c, t: ts, rule: rs, ruleSrc: ruleSrc, taskSrc: taskSrc}
}

// maybeSave saves the run's state when the interval has passed (or now).
func (k *checkpointer) maybeSave(o train.Outcome, res *Result, now bool) {
	if k.path == "" || !now && time.Since(k.last) < k.every {
		return
	}
	k.last = time.Now()
	if err := k.save(o, res); err != nil {
		// A checkpoint that cannot be written costs only time on a resume:
		// the run goes on; the next one may succeed.
		slog.Warn("checkpoint not written", "file", k.path, "err", err)
	}
}

func (k *checkpointer) save(o train.Outcome, res *Result) error {
	cs, err := k.c.State()
	if err != nil {
		return err
	}
	rs, err := k.rule.State()
	if err != nil {
		return err
	}
	rr, err := k.ruleSrc.MarshalBinary()
	if err != nil {
		return err
	}
	tr, err := k.taskSrc.MarshalBinary()
	if err != nil {
		return err
	}
	ck := checkpoint{Outcome: train.Outcome{Trials: o.Trials, Epochs: o.Epochs}, Metrics: res.Metrics, Traces: res.Traces, Diag: res.Diagnostics, Weights: res.Weights,
		Circuit: cs, Rule: rs, Task: k.t.TaskState(), RuleRNG: rr, TaskRNG: tr}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(ck); err != nil {
		return err
	}
	return output.WriteFile(k.path, func(w *bufio.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
}

// restore puts the run in the state of its checkpoint, if it has one; it
// returns the loop's counters to continue from.
func (k *checkpointer) restore(res *Result) (train.Outcome, bool, error) {
	if k.path == "" {
		return train.Outcome{}, false, nil
	}
	data, err := os.ReadFile(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return train.Outcome{}, false, nil
	}
	if err != nil {
		return train.Outcome{}, false, err
	}
	var ck checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&ck); err != nil {
		return train.Outcome{}, false, fmt.Errorf("%s: %w", k.path, err)
	}
	if err := k.c.SetState(ck.Circuit); err != nil {
		return train.Outcome{}, false, fmt.Errorf("%s: %w", k.path, err)
	}
	if err := k.rule.SetState(ck.Rule); err != nil {
		return train.Outcome{}, false, fmt.Errorf("%s: %w", k.path, err)
	}
	if err := k.ruleSrc.UnmarshalBinary(ck.RuleRNG); err != nil {
		return train.Outcome{}, false, fmt.Errorf("%s: %w", k.path, err)
	}
	if err := k.taskSrc.UnmarshalBinary(ck.TaskRNG); err != nil {
		return train.Outcome{}, false, fmt.Errorf("%s: %w", k.path, err)
	}
	k.t.SetTaskState(ck.Task)
	res.Metrics, res.Traces, res.Diagnostics, res.Weights = ck.Metrics, ck.Traces, ck.Diag, ck.Weights
	return ck.Outcome, true, nil
}
