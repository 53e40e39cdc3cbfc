package simulation

import (
	"math"
	"path/filepath"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/raster"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// SimSummary is summary.json of a simulation.
type SimSummary struct {
	Experiment string                   `json:"experiment"`
	Task       string                   `json:"task"`
	Seed       int                      `json:"seed"`
	DtMs       float64                  `json:"dt_ms"`
	Steps      int                      `json:"steps"`
	DurationMs float64                  `json:"duration_ms"` // simulated
	SpikeCount int64                    `json:"spike_count"`
	SimSeconds float64                  `json:"sim_seconds"` // wall time of the simulation loop, construction excluded
	Threads    int                      `json:"threads"`     // the threads the circuit stepped on
	Done       bool                     `json:"done"`
	ByPop      map[string]PopSimSummary `json:"by_population"`
	// Weights: the weights of the plastic projections at the end (none:
	// the key is left out).
	Weights []WeightStats   `json:"plastic_weights,omitempty"`
	Runs    []output.Object `json:"runs"`
}

// PopSimSummary is one population of a simulation.
type PopSimSummary struct {
	Size       int     `json:"size"`
	SpikeCount int64   `json:"spike_count"`
	RateHz     float64 `json:"rate_hz"` // mean rate per neuron
}

// WriteSimulation writes summary.json, spikes.csv (every
// spike: time_ms of the end of its step, population, neuron),
// populations.csv (name, size, dt_ms, steps) and, with [[record]]
// monitors, states.csv into dir (which must exist), the tables in the
// circuit file's record_format, and with record_sonata the spikes as
// SONATA (spikes.h5).
func WriteSimulation(dir string, cf *experiments.CircuitFile, sim *Simulation) error {
	cs := &cf.Spec
	ra := sim.Raster
	sum := SimSummary{Experiment: cs.Name, Task: "simulate", Seed: sim.Seed, DtMs: cs.DtMs, Steps: sim.Steps,
		DurationMs: float64(sim.Steps) * cs.DtMs, SpikeCount: sim.SpikeCount, SimSeconds: sim.SimSeconds, Threads: sim.Threads, Done: sim.Done,
		ByPop: map[string]PopSimSummary{}, Weights: sim.Weights}
	counts := make([]int64, len(ra.PopNames))
	for _, sp := range ra.Spikes {
		counts[sp.Pop]++
	}
	for i, n := range ra.PopNames {
		rate := 0.0
		if sim.Steps > 0 {
			rate = float64(counts[i]) / float64(ra.PopSizes[i]) / (float64(sim.Steps) * cs.DtMs / 1000)
		}
		sum.ByPop[n] = PopSimSummary{Size: ra.PopSizes[i], SpikeCount: counts[i], RateHz: rate}
	}
	n, sec := sim.SpikeCount, sim.SimSeconds
	sum.Runs = []output.Object{training.RunObject(training.Result{Rule: "none", Seed: sim.Seed, FinalLoss: math.NaN(), WallSeconds: sim.SimSeconds, SpikeCount: n, SimSeconds: sec},
		false, func(task.Metric) bool { return false })}
	if err := output.WriteJSON(filepath.Join(dir, output.SummaryFile), sum); err != nil {
		return err
	}
	if err := WriteSimulationTables(dir, cf.RecordFormat, cs.DtMs, sim); err != nil {
		return err
	}
	if !cf.RecordSonata {
		return nil
	}
	st := &output.SpikeTrain{Populations: ra.PopNames}
	for _, sp := range ra.Spikes {
		st.TimeMs = append(st.TimeMs, float64(sp.Step+1)*ra.DtMs)
		st.Pop = append(st.Pop, int(sp.Pop))
		st.Neuron = append(st.Neuron, int(sp.Neuron))
	}
	return output.WriteSonata(filepath.Join(dir, output.SonataFile), st)
}

// WriteSimulationTables writes the tables of a simulation into dir in
// format f: populations.csv, spikes.csv and, with [[record]] monitors,
// states.csv (the benchmark of the formats writes them alone).
func WriteSimulationTables(dir string, f output.Format, dtMs float64, sim *Simulation) error {
	ra := sim.Raster
	if err := output.Layout.Write(dir, f, func(w *output.Rows) {
		for i, n := range ra.PopNames {
			w.Str(n)
			w.Int(ra.PopSizes[i])
			w.Float(dtMs)
			w.Int(sim.Steps)
			w.End()
		}
	}); err != nil {
		return err
	}
	if err := output.Spikes.WriteColumns(dir, f, raster.Columns(ra)); err != nil {
		return err
	}
	if len(sim.Columns) > 0 {
		return writeStates(dir, f, dtMs, sim)
	}
	return nil
}

// writeStates writes states.csv: the [[record]] monitors, one row per step.
func writeStates(dir string, f output.Format, dtMs float64, sim *Simulation) error {
	k := len(sim.Columns)
	steps := len(sim.States) / k
	cols := make([][]float64, 1+k)
	for c := range cols {
		cols[c] = make([]float64, steps)
	}
	for t := range steps {
		cols[0][t] = float64(t+1) * dtMs
		for c, v := range sim.States[t*k : (t+1)*k] {
			cols[1+c][t] = v
		}
	}
	vals := make([]output.Values, len(cols))
	for c := range cols {
		vals[c] = output.Floats(cols[c])
	}
	return output.States.WriteColumns(dir, f, vals, sim.Columns...)
}
