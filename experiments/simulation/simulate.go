package simulation

import (
	"context"
	"fmt"
	"math"
	"slices"
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
	Threads    int     // the threads the circuit stepped on
	Raster     raster.Raster
	// States are the [[record]] monitors: Columns[k] names column k
	// ("exc.v.0"), States[t*len(Columns)+k] its value after step t.
	Columns []string
	States  []float64
	Done    bool // false if interrupted
	// Weights summarises the weights of every plastic sparse projection
	// (two-factor STDP, rule "stdp") at the end of the simulation.
	Weights []WeightStats
}

// WeightStats is the distribution of the weights of one plastic
// projection at the end of a simulation.
type WeightStats struct {
	Projection string  `json:"projection"`
	Synapses   int     `json:"synapses"`
	Mean       float64 `json:"mean"`
	SD         float64 `json:"sd"` // standard deviation (ddof = 0)
	Min        float64 `json:"min"`
	P10        float64 `json:"p10"` // quantiles (the order statistic at ⌊q·(n−1)⌋)
	P50        float64 `json:"p50"`
	P90        float64 `json:"p90"`
	Max        float64 `json:"max"`
	AtMin      float64 `json:"at_w_min"` // fraction of synapses at w_min
	AtMax      float64 `json:"at_w_max"` // fraction at w_max
}

// weightStats summarises the weights w bounded by [lo, hi].
func weightStats(name string, w []float64, lo, hi float64) WeightStats {
	st := WeightStats{Projection: name, Synapses: len(w)}
	if len(w) == 0 {
		return st
	}
	sorted := slices.Clone(w)
	slices.Sort(sorted)
	sum, lo0, hi0 := 0.0, 0, 0
	for _, x := range sorted {
		sum += x
		if x <= lo {
			lo0++
		}
		if x >= hi {
			hi0++
		}
	}
	n := float64(len(w))
	st.Mean = sum / n
	ss := 0.0
	for _, x := range sorted {
		ss += (x - st.Mean) * (x - st.Mean)
	}
	q := func(f float64) float64 { return sorted[int(f*float64(len(sorted)-1))] }
	st.SD, st.Min, st.Max = math.Sqrt(ss/n), sorted[0], sorted[len(sorted)-1]
	st.P10, st.P50, st.P90 = q(0.1), q(0.5), q(0.9)
	st.AtMin, st.AtMax = float64(lo0)/n, float64(hi0)/n
	return st
}

// Simulate builds the circuit of a task = "simulate" spec from seed's
// "init" stream and runs it for duration_ms without input, recording every
// spike and the [[record]] monitors. Its plastic sparse projections (two-
// factor STDP, rule "stdp": CircuitFile.Validate refuses the others) learn
// in every step (circuits.Circuit.Step). When ctx is cancelled it stops early
// and keeps what it simulated (Done false).
func Simulate(ctx context.Context, cf *experiments.CircuitFile, seed int) (*Simulation, error) {
	cs := &cf.Spec
	c, err := cs.Build(rng.Stream(uint64(seed), "init"))
	if err != nil {
		return nil, err
	}
	if err := c.SetThreads(cf.Threads); err != nil {
		return nil, err
	}
	defer c.SetThreads(1) // stops the threads
	steps := int(math.Round(cf.DurationMs / cs.DtMs))
	sim := &Simulation{Seed: seed, Threads: cf.Threads, Raster: raster.New(c, "")}
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
	plastic := c.PlasticLinks()
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
	c.SettlePlastic()
	for _, l := range plastic {
		sim.Weights = append(sim.Weights, weightStats(l.Name, l.W, l.WMin, l.WMax))
	}
	return sim, nil
}
