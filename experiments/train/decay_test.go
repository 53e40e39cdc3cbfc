package train

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/neuron"
)

// withDecay returns spec with weight_decay λ (its Params embed Decay).
func withDecay(t *testing.T, spec Spec, lambda float64) Spec {
	t.Helper()
	v := reflect.New(reflect.TypeOf(spec.Params)).Elem()
	v.Set(reflect.ValueOf(spec.Params))
	f := v.FieldByName("Decay")
	if !f.IsValid() {
		t.Fatalf("%s: params %T have no weight_decay", spec.Name, spec.Params)
	}
	f.Set(reflect.ValueOf(Decay{WeightDecay: lambda}))
	spec.Params = v.Interface().(Params)
	return spec
}

// TestWeightDecay checks weight_decay on every rule that has it: from the
// same state, one update with λ moves each forward weight and bias by
// exactly −λ·w more than the update without, and leaves the feedback
// synapses as the update without leaves them.
func TestWeightDecay(t *testing.T) {
	const lambda = 0.01
	for _, d := range Rules() {
		if _, ok := d.Defaults().Params.(decayer); !ok {
			continue // no weight_decay key
		}
		name := d.Name
		run := func(lambda float64) (w0, w, fb [][]float64) {
			c := chainCircuit(t, []int{3, 4, 3, 2}, neuron.Tanh, neuron.Linear, true, 1, 9)
			spec, _ := Defaults(name)
			spec.LearningRate = 0.1
			spec = withDecay(t, spec, lambda)
			if err := spec.Validate(); err != nil {
				t.Fatal(err)
			}
			r, err := New(spec, c, rand.New(rand.NewPCG(9, 11)))
			if err != nil {
				t.Fatal(err)
			}
			p := task.RegressionParams{}.Defaults()
			p.Samples = 4
			tk := regressionTask(t, c, p)
			tk.Next(rand.New(rand.NewPCG(1, 1)))
			for _, l := range c.Links {
				w0 = append(w0, append([]float64(nil), l.W...))
			}
			r.Measure(tk)
			r.Learn(tk)
			for _, l := range c.Links {
				w = append(w, l.W)
			}
			for _, f := range c.Feedback {
				fb = append(fb, f.W)
			}
			return w0, w, fb
		}
		w0, plain, fbPlain := run(0)
		_, decayed, fbDecayed := run(lambda)
		for k := range w0 {
			for i, v := range w0[k] {
				if d := decayed[k][i] - (plain[k][i] - lambda*v); math.Abs(d) > 1e-14 {
					t.Fatalf("%s: link %d weight %d: %g with decay, want %g − λ·%g (off by %g)", name, k, i, decayed[k][i], plain[k][i], v, d)
				}
			}
		}
		for k := range fbPlain {
			for i := range fbPlain[k] {
				if fbDecayed[k][i] != fbPlain[k][i] {
					t.Fatalf("%s: feedback %d synapse %d decayed: %g, want %g", name, k, i, fbDecayed[k][i], fbPlain[k][i])
				}
			}
		}
	}
}

func TestWeightDecayValidated(t *testing.T) {
	for _, lambda := range []float64{-0.1, 1, math.NaN()} {
		spec, _ := Defaults("fa")
		if err := withDecay(t, spec, lambda).Validate(); err == nil {
			t.Errorf("weight_decay %g accepted", lambda)
		}
	}
}
