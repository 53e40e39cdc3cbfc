package train

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/task"
)

// forecastTask is a Mackey-Glass forecasting task whose training windows
// are w steps long.
func forecastTask(tb testing.TB, w int) *task.Forecast {
	tb.Helper()
	p := task.ForecastParams{}.Defaults()
	p.Window, p.TrainSteps, p.TestSteps = w, w+50, 200
	mg, err := series.MackeyGlass(series.MackeyGlassParams{}.Defaults(), p.TrainSteps+p.TestSteps, 0)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := task.NewForecast("mackey_glass", p, mg.X, 1, 1, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// forecastCircuit builds the Mackey-Glass circuit (32 hidden units).
func forecastCircuit(tb testing.TB) *circuits.Circuit {
	tb.Helper()
	s, err := circuits.Load("mackey_glass")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewChaCha8([32]byte{1})))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// updateState builds the circuit and the rule, makes one update, and
// returns them with the memory an update holds: the circuit's state
// (synapses, tape), the rule's and the task's learning buffers, not the
// task's data.
func updateState(tb testing.TB, rule string, f *task.Forecast, rng *rand.Rand) (*circuits.Circuit, Rule, float64) {
	c := forecastCircuit(tb)
	r := bind(tb, rule, c, 1)
	f.Next(rng)
	r.Measure(f)
	r.Learn(f)
	return c, r, float64(c.StateBytes() + r.StateBytes() + f.WorkBytes())
}

// BenchmarkForecastUpdate is one training update of dopamine2 and of
// BPTT-adam on the Mackey-Glass circuit (hidden size 32) at window lengths
// 100, 1 000 and 10 000. Besides ns/op and B/op (allocation per update,
// zero in steady state for both: buffers are reused), it reports
// state-B: the bytes of the buffers the circuit, the rule and the task
// hold after an update, which is what an update needs in memory. BPTT keeps every step of
// the window on its tape (and the gradient of the window's outputs);
// weight perturbation keeps a constant per-synapse state. The data of the
// task are not counted.
func BenchmarkForecastUpdate(b *testing.B) {
	for _, rule := range []string{"dopamine2", "adam"} {
		for _, w := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/window=%d", rule, w), func(b *testing.B) {
				f := forecastTask(b, w)
				rng := rand.New(rand.NewChaCha8([32]byte{2}))
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				c, r, state := updateState(b, rule, f, rng)
				runtime.ReadMemStats(&m1)
				// Measured: all bytes allocated to load and build the circuit,
				// bind the rule and make the first update (the tape is
				// allocated then and reused afterwards).
				first := float64(m1.TotalAlloc - m0.TotalAlloc)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					f.Next(rng)
					r.Measure(f)
					r.Learn(f)
				}
				b.ReportMetric(state, "state-B")
				b.ReportMetric(first, "first-update-alloc-B")
				runtime.KeepAlive(c)
				runtime.KeepAlive(r)
			})
		}
	}
}

// TestForecastUpdateMemory: the state an update needs is constant in the
// window length for dopamine2 (within 10 % from 100 to 10 000 steps) and
// grows with it for BPTT-adam; neither allocates per update.
func TestForecastUpdateMemory(t *testing.T) {
	state := map[string][]float64{}
	for _, rule := range []string{"dopamine2", "adam"} {
		for _, w := range []int{100, 10000} {
			f := forecastTask(t, w)
			rng := rand.New(rand.NewChaCha8([32]byte{2}))
			c, r, st := updateState(t, rule, f, rng)
			state[rule] = append(state[rule], st)
			if a := testing.AllocsPerRun(3, func() { f.Next(rng); r.Measure(f); r.Learn(f) }); a != 0 {
				t.Errorf("%s, window %d: %g allocations per update", rule, w, a)
			}
			runtime.KeepAlive(c)
			runtime.KeepAlive(r)
		}
	}
	d, a := state["dopamine2"], state["adam"]
	t.Logf("state bytes, window 100 → 10000: dopamine2 %.0f → %.0f, adam %.0f → %.0f", d[0], d[1], a[0], a[1])
	if d[1] > 1.1*d[0] {
		t.Errorf("dopamine2 state grew from %.0f to %.0f bytes with the window", d[0], d[1])
	}
	if a[1] < 10*a[0] {
		t.Errorf("BPTT state %.0f → %.0f bytes: expected growth with the window", a[0], a[1])
	}
}
