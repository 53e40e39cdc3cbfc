package simulation

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/raster"
	"github.com/dopa-sim/dopa/internal/rng"
)

// Simulation is what a circuit run without learning (task "simulate")
// produced.
type Simulation struct {
	Seed       int
	Steps      int
	SpikeCount int64   // spikes of every population over the simulation
	SimSeconds float64 // wall time of the simulation loop (construction excluded)
	Raster     raster.Raster
	// States are the [[record]] monitors: Columns[k] names column k
	// ("exc.v.0"), States[t*len(Columns)+k] its value after step t.
	Columns []string
	States  []float64
	Done    bool // false if interrupted
}

// Simulate builds the circuit of a task = "simulate" spec from seed's
// "init" stream and runs it for duration_ms without input, recording every
// spike and the [[record]] monitors. When ctx is cancelled it stops early
// and keeps what it simulated (Done false).
func Simulate(ctx context.Context, cf *experiments.CircuitFile, seed int) (*Simulation, error) {
	cs := &cf.Spec
	c, err := cs.Build(rng.Stream(uint64(seed), "init"))
	if err != nil {
		return nil, err
	}
	steps := int(math.Round(cf.DurationMs / cs.DtMs))
	sim := &Simulation{Seed: seed, Raster: raster.New(c, "")}
	type mon struct {
		v       []float64
		neurons []int
	}
	var mons []mon
	idx := map[string]int{}
	for i, n := range c.PopNames {
		idx[n] = i
	}
	for _, r := range cf.Record {
		mons = append(mons, mon{c.Variable(idx[r.Population], r.Variable), r.Neurons})
		for _, n := range r.Neurons {
			sim.Columns = append(sim.Columns, fmt.Sprintf("%s.%s.%d", r.Population, r.Variable, n))
		}
	}
	sim.States = make([]float64, 0, steps*len(sim.Columns))
	sim.Raster.Spikes = make([]raster.Spike, 0, 1024)
	var x []float64
	if c.In >= 0 {
		x = make([]float64, c.Pops[c.In].Len())
	}
	n0 := c.SpikeCount
	start := time.Now()
	for t := range steps {
		if t%1024 == 0 && ctx.Err() != nil {
			break
		}
		c.Step(x)
		sim.Raster.Record(c)
		for _, m := range mons {
			for _, n := range m.neurons {
				sim.States = append(sim.States, m.v[n])
			}
		}
	}
	sim.SimSeconds = time.Since(start).Seconds()
	sim.Steps, sim.SpikeCount = sim.Raster.Steps, c.SpikeCount-n0
	sim.Done = sim.Steps == steps
	return sim, nil
}
