package simulation

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/plots"
	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/output"
)

// SimulationKind is the kind of a circuit file with task = "simulate":
// the circuit runs without learning for duration_ms, one seed.
var SimulationKind = runner.Kind{
	Name: output.Simulation,
	Doc:  "a circuit run without learning (task = \"simulate\"): every spike and the [[record]] monitors",
	Load: func(src runner.Source, overrides []string) (runner.Experiment, error) {
		cf, err := experiments.LoadSimulation(experiments.SourceOf(src, output.Simulation))
		if err != nil {
			return nil, err
		}
		s := &simulation{cf: cf, file: src.File, seed: 1}
		var rest []string
		for _, kv := range overrides {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "seeds":
				if v != "1" {
					return nil, fmt.Errorf("%s simulates one seed (task = \"simulate\"); give seed=S (--seed S), not seeds=%s", src.File, v)
				}
			case "seed":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("seed=%s: want a whole number >= 0", v)
				}
				s.seed = n
			default:
				if err := cf.Set(k, v); err != nil {
					return nil, err
				}
				rest = append(rest, kv)
			}
		}
		if err := cf.Validate(); err != nil {
			if len(rest) > 0 {
				return nil, &experiments.OverrideError{Overrides: rest, Err: err}
			}
			return nil, err
		}
		return s, nil
	},
	Example: runner.Example{File: "cuba", Overrides: []string{"duration_ms=12000"}},
	Plot:    plots.WriteSimulation,
}

type simulation struct {
	cf   *experiments.CircuitFile
	file string
	seed int
}

func (s *simulation) Manifest() output.Manifest {
	m := output.NewManifest(output.Simulation, s.cf.Name, nil, time.Now())
	m.CircuitFile, m.Seeds, m.RunsPlanned = s.file, []int{s.seed}, 1
	m.Resolved = map[string]any{"circuit": output.Resolved(*s.cf)}
	return m
}

func (s *simulation) Describe() string {
	return fmt.Sprintf("circuit %q (task simulate, %g ms at dt = %g ms)", s.cf.Name, s.cf.DurationMs, s.cf.DtMs)
}

func (s *simulation) Jobs() []string { return []string{"simulation seed " + strconv.Itoa(s.seed)} }
func (s *simulation) Workers() int   { return 1 }

func (s *simulation) Run(ctx context.Context, _ int, _ runner.Checkpoint) (runner.Result, bool, error) {
	sim, err := Simulate(ctx, s.cf, s.seed)
	if err != nil {
		return nil, false, err
	}
	return sim, sim.Done, nil
}

func (s *simulation) NewResult(int) runner.Result { return new(Simulation) }

// Failure: a simulation that finished did not fail.
func (*Simulation) Failure() string { return "" }

func (s *simulation) Write(dir string, m *output.Manifest, rs []runner.Result) error {
	if rs[0] == nil {
		return nil // interrupted: nothing finished
	}
	return WriteSimulation(dir, s.cf, rs[0].(*Simulation))
}

func (s *simulation) Print(w io.Writer, rs []runner.Result) {
	if rs[0] == nil {
		return
	}
	sim := rs[0].(*Simulation)
	neurons := 0
	for _, p := range s.cf.Populations {
		neurons += p.Size
	}
	ms := float64(sim.Steps) * s.cf.DtMs
	threads := ""
	if sim.Threads > 1 {
		threads = fmt.Sprintf(" on %d threads", sim.Threads)
	}
	fmt.Fprintf(w, "%s: %d spikes in %g ms simulated (%d neurons, %.3g Hz per neuron); simulation loop %.3f s%s\n",
		s.cf.Name, sim.SpikeCount, ms, neurons, float64(sim.SpikeCount)/float64(neurons)/(ms/1000), sim.SimSeconds, threads)
	for _, st := range sim.Weights {
		fmt.Fprintf(w, "  weights of %s (%d synapses): mean %.5g, sd %.3g, [min %.4g, p10 %.4g, median %.4g, p90 %.4g, max %.4g], %.3g %% at w_min, %.3g %% at w_max\n",
			st.Projection, st.Synapses, st.Mean, st.SD, st.Min, st.P10, st.P50, st.P90, st.Max, 100*st.AtMin, 100*st.AtMax)
	}
}

func (s *simulation) Records(rs []runner.Result) []runner.Record {
	if rs[0] == nil {
		return nil
	}
	sim := rs[0].(*Simulation)
	return []runner.Record{{Rule: "none", Seed: sim.Seed, Metric: "spike_count", Value: float64(sim.SpikeCount), WallSeconds: sim.SimSeconds}}
}
