package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
)

// TestLoopStopsAndRecords: the loop stops on the criterion, the budget or
// a cancelled context; it logs the first update, every Every-th and the
// last one, and calls Update after every learning update.
func TestLoopStopsAndRecords(t *testing.T) {
	c := xorCircuit(t, 2)
	r := bind(t, "sgd", c, 2)
	var logged []int
	updates := 0
	h := Hooks{Every: 5, Loss: func(epoch, trials int, loss float64) { logged = append(logged, epoch) },
		Update: func(epoch, trials int) { updates++ }}
	o := Loop(context.Background(), r, c, &task.XOR{}, rand.New(rand.NewPCG(1, 1)), Budget{MaxTrials: 12}, h)
	if o.Solved || o.Interrupted || o.Err != "" || o.Trials != 12 || o.Epochs != 11 || updates != 11 {
		t.Errorf("budget of 12 trials (1 per update for sgd): %+v, %d updates", o, updates)
	}
	if want := []int{0, 5, 10, 11}; len(logged) != len(want) || logged[1] != 5 || logged[3] != 11 {
		t.Errorf("logged epochs %v, want %v", logged, want)
	}
	o = Loop(context.Background(), r, c, &task.XOR{}, nil, Budget{MaxTrials: 1 << 30, LossBelow: 0.26}, Hooks{})
	if !o.Solved || o.Trials >= 1<<30 {
		t.Errorf("criterion 0.26 not reached: %+v", o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if o = Loop(ctx, r, c, &task.XOR{}, nil, Budget{MaxTrials: 100}, Hooks{}); !o.Interrupted || o.Trials != 0 {
		t.Errorf("cancelled context: %+v", o)
	}
	for _, l := range c.Links {
		l.W[0] = math.NaN()
	}
	if o = Loop(context.Background(), r, c, &task.XOR{}, nil, Budget{MaxTrials: 100}, Hooks{}); o.Err == "" {
		t.Errorf("NaN weights: no divergence reported: %+v", o)
	}
}
