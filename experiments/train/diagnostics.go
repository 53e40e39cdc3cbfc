package train

import (
	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
)

// Diagnostics are what a rule reports of its own workings during training
// (diagnostics.csv): for the credit-assignment rules, per hidden layer, the
// angle between the error they send down and backprop's
// ("angle_deg/LAYER"), ‖B − Wᵀ‖/‖W‖ ("norm_diff/LAYER") and the sign
// congruence of B with Wᵀ ("sign_congruence/LAYER"), on the task's
// current batch, and for ndi and di the spectral abscissa of each layer's
// controller ("abscissa/LAYER", < 0: stable). Other rules report nothing.
// Call it between two updates.
func Diagnostics(r Rule, c *circuits.Circuit, t task.Task) []task.Value {
	var out []task.Value
	for _, a := range CreditAlignment(r, c, t) {
		out = append(out, task.Value{Name: "angle_deg/" + a.Layer, Value: a.AngleDeg},
			task.Value{Name: "norm_diff/" + a.Layer, Value: a.NormDiff},
			task.Value{Name: "sign_congruence/" + a.Layer, Value: a.SignCongruence})
	}
	if di, ok := r.(inverting); ok {
		cr, st := di.core(), di.controllers()
		for i := 1; i < len(cr.ch.links); i++ {
			out = append(out, task.Value{Name: "abscissa/" + c.PopNames[cr.ch.pops[i]], Value: st.current(cr, i)})
		}
	}
	return out
}

// inverting is a rule of dynamic inversion (ndi, di): its controllers
// have a stability to report.
type inverting interface {
	creditRule
	controllers() *controllers
}
