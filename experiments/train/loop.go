package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// Budget is how long Loop trains: until the unperturbed loss drops below
// LossBelow (0: no criterion), or MaxTrials trials are spent.
type Budget = task.Budget

// Hooks receive what the loop does; nil hooks are skipped.
type Hooks struct {
	// Every is how often Loss is called: every this many learning updates
	// (and always for the first, the last, a solving and a diverging one).
	Every int
	// Loss receives the unperturbed loss measured before update epoch,
	// with the trials spent so far.
	Loss func(epoch, trials int, loss float64)
	// Update is called after every learning update.
	Update func(epoch, trials int)
	// Solved, if not nil, is asked after every Update whether the run has
	// met a criterion of the caller's (a held-out test error): if so the
	// loop stops, solved after that update.
	Solved func(epoch int) bool
	// From continues a loop that was stopped (a checkpoint): its trials
	// and updates so far.
	From Outcome
}

// Outcome is how a training loop ended.
type Outcome struct {
	// Trials are the forward passes spent (over the task's batch), Epochs
	// the learning updates made.
	Trials, Epochs int
	// Solved: the loss dropped below the criterion (or Hooks.Solved said
	// so), after Trials trials and Epochs updates.
	Solved bool
	// Err says why the run failed (it diverged); "" if it did not.
	Err string
	// Interrupted: ctx was cancelled before the loop ended.
	Interrupted bool
}

// Loop is the one training loop, used by dopa run, the tests and sweeps:
// per learning update, the task chooses its batch (from rng), the rule
// measures the unperturbed loss (when it needs it; otherwise the loss is
// measured for the record without counting), the loop stops on the
// criterion, the budget or a non-finite loss, and the rule learns. Every
// pass a rule makes is counted as a trial.
func Loop(ctx context.Context, r Rule, c *circuits.Circuit, t task.Task, rng *rand.Rand, b Budget, h Hooks) Outcome {
	every := max(h.Every, 1)
	o := h.From
	stop := ctx.Done()
	for {
		select {
		case <-stop: // checked before every update: a stop is prompt
			o.Interrupted = true
			return o
		default:
		}
		t.Next(rng)
		loss, passes := r.Measure(t)
		o.Trials += passes
		if passes == 0 {
			loss = t.Loss(c) // monitoring only: not counted
		}
		last := o.Trials >= b.MaxTrials
		solved := b.LossBelow > 0 && loss < b.LossBelow
		finite := !math.IsNaN(loss) && !math.IsInf(loss, 0)
		if h.Loss != nil && (o.Epochs%every == 0 || last || solved || !finite) {
			h.Loss(o.Epochs, o.Trials, loss)
		}
		if !finite {
			o.Err = fmt.Sprintf("diverged: loss %g at update %d (trial %d)", loss, o.Epochs, o.Trials)
			return o
		}
		if solved {
			o.Solved = true
			return o
		}
		if last {
			return o
		}
		o.Trials += r.Learn(t)
		o.Epochs++
		if h.Update != nil {
			h.Update(o.Epochs, o.Trials)
		}
		if h.Solved != nil && h.Solved(o.Epochs) {
			o.Solved = true
			return o
		}
	}
}
