package task

import (
	"fmt"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
)

// xorDef registers the XOR task: no keys of its own; solved by the loss
// criterion of the experiment.
var xorDef = Def{
	Name:     "xor",
	Doc:      "exclusive or of two binary inputs; loss the MSE over the four patterns",
	Defaults: func() Params { return NoParams{} },
	Prepare:  func(Params) (Maker, error) { return func() (Task, error) { return &XOR{}, nil }, nil },
	Metrics: []Metric{
		{Name: "all_correct", Label: "all correct", HigherIsBetter: true, Fraction: true},
	},
	Headline: "final_loss",
	Alone:    Budget{MaxTrials: 40000, LossBelow: 0.01},
}

// XOR is the exclusive-or task: inputs {0,1}², target x₁ XOR x₂, loss the
// mean squared error over the four patterns,
//
//	L = ¼ Σₚ (y_p − t_p)²
//
// where y_p is the single readout unit's output after the trial.
type XOR struct {
	g []float64 // ∂L/∂y per recorded step, reused
}

// XORInputs are the four patterns, in order.
var XORInputs = [4][2]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}}

// XORTargets are their targets.
var XORTargets = [4]float64{0, 1, 1, 0}

// Name returns "xor".
func (*XOR) Name() string { return "xor" }

// Check requires 2 inputs and 1 readout unit.
func (*XOR) Check(c *circuits.Circuit) error {
	if n := c.Pops[c.In].Len(); n != 2 {
		return fmt.Errorf("task xor needs an input population of size 2, circuit %q has %d", c.Name, n)
	}
	if n := c.Pops[c.Out].Len(); n != 1 {
		return fmt.Errorf("task xor needs a readout population of size 1, circuit %q has %d", c.Name, n)
	}
	return nil
}

// Next does nothing: every update uses all four patterns.
func (*XOR) Next(*rand.Rand) {}

// Loss returns the MSE over the four patterns.
func (*XOR) Loss(c *circuits.Circuit) float64 {
	l := 0.0
	for p, x := range XORInputs {
		d := c.Trial(x[:])[0] - XORTargets[p]
		l += d * d
	}
	return l / 4
}

// Grad returns the MSE and adds its gradient to the circuit's.
func (t *XOR) Grad(c *circuits.Circuit) float64 {
	if len(t.g) != c.StepsPerTrial {
		t.g = make([]float64, c.StepsPerTrial)
	}
	l := 0.0
	for p, x := range XORInputs {
		c.Record(true)
		d := c.Trial(x[:])[0] - XORTargets[p]
		l += d * d
		t.g[len(t.g)-1] = d / 2 // ∂(¼d²)/∂y
		c.Backward(t.g)
	}
	c.Record(false)
	return l / 4
}

// Evaluate returns the MSE and whether all four patterns fall on the
// right side of 0.5 ("all_correct": 1 or 0).
func (t *XOR) Evaluate(c *circuits.Circuit) Eval {
	e := Eval{Loss: t.Loss(c), Metrics: map[string]float64{"all_correct": 0}}
	if t.Correct(c) == len(XORInputs) {
		e.Metrics["all_correct"] = 1
	}
	return e
}

// Correct returns how many of the four patterns fall on the right side of
// 0.5.
func (t *XOR) Correct(c *circuits.Circuit) int {
	n := 0
	for p, x := range XORInputs {
		if (c.Trial(x[:])[0] > 0.5) == (XORTargets[p] > 0.5) {
			n++
		}
	}
	return n
}

// BatchLen returns 4: every update uses the four patterns.
func (*XOR) BatchLen() int { return len(XORInputs) }

// Pair returns pattern i and its target.
func (*XOR) Pair(i int) (x, target []float64) { return XORInputs[i][:], XORTargets[i : i+1] }
