package reward

// The network agent's recording of its circuit: probes of chosen
// synapses, the trace of the watched one, rasters and the final weights
// (trace_every_ms, raster_s, weights_end, [[agent.probe]]), every read
// without changing the run.

import (
	"fmt"
	"math"

	"github.com/dopa-sim/dopa/circuits"
)

// Probe is one [[agent.probe]]: a synapse of a plastic sparse projection,
// chosen by its index in the projection, by its pre and post neurons, or
// the watched synapse.
type Probe struct {
	// Name labels the probe in probes.csv (default: probeN, N its place).
	Name string `toml:"name"`
	// Projection is the plastic sparse projection's label (default: the
	// watched one).
	Projection string `toml:"projection"`
	// Synapse says how the synapse is chosen: "watched" (the agent's
	// watched synapse, drawn per seed), "index" (Index, its place in the
	// projection) or "pair" (the synapse from neuron Pre to neuron Post; a
	// pair the seed's network does not connect fails the run, naming it).
	Synapse string `toml:"synapse"`
	Index   int    `toml:"index"`
	Pre     int    `toml:"pre"`
	Post    int    `toml:"post"`
}

// maxProbes bounds the probes of an agent.
const maxProbes = 1000

// probeName is probe i's label.
func (p NetworkParams) probeName(i int) string {
	if p.Probes[i].Name != "" {
		return p.Probes[i].Name
	}
	return fmt.Sprintf("probe%d", i)
}

// rows returns the rows one run adds to synapse_traces.csv, probes.csv
// and weights_end.csv (Spec.Validate bounds their sums over all runs).
func (p NetworkParams) rows(episodes, maxSteps int, stepMs float64) (r recordRows) {
	runMs := float64(episodes) * float64(maxSteps) * stepMs
	if p.TraceEveryMs > 0 {
		r.traces = math.Floor(runMs / p.TraceEveryMs)
	}
	if len(p.Probes) > 0 {
		r.probes = float64(len(p.Probes)) * math.Floor(runMs/p.ProbeEveryMs)
	}
	if p.WeightsEnd && p.spec != nil {
		r.weights = p.spec.PlasticSparseSynapses()
	}
	return r
}

// probeAt is a probed synapse: its projection and its index there.
type probeAt struct {
	link *circuits.SparseLink
	k    int32
}

// placeProbes finds the probed synapses in the built circuit.
func (a *network) placeProbes() error {
	if len(a.Probes) == 0 {
		return nil
	}
	a.probeEvery = int64(math.Round(a.ProbeEveryMs / a.dt))
	for i, pr := range a.Probes {
		name := pr.Projection
		if name == "" {
			name = a.Watch
		}
		var l *circuits.SparseLink
		for _, x := range a.c.PlasticLinks() {
			if x.Name == name {
				l = x
			}
		}
		if l == nil {
			return fmt.Errorf("probe %q: no plastic sparse projection %q", a.probeName(i), name)
		}
		k := int32(-1)
		switch pr.Synapse {
		case "watched":
			k = a.kW
		case "index":
			if pr.Index >= len(l.W) {
				return fmt.Errorf("probe %q: projection %q has %d synapses in this seed's network, no index %d", a.probeName(i), name, len(l.W), pr.Index)
			}
			k = int32(pr.Index)
		case "pair":
			for s := l.RowPtr[pr.Pre]; s < l.RowPtr[pr.Pre+1]; s++ {
				if int(l.Sparse.Post[s]) == pr.Post {
					k = s
					break
				}
			}
			if k < 0 {
				return fmt.Errorf("probe %q: this seed's network has no synapse %d→%d in projection %q", a.probeName(i), pr.Pre, pr.Post, name)
			}
		}
		a.probes = append(a.probes, probeAt{l, k})
		pre := int32(0)
		for j := range l.NPre {
			if l.RowPtr[j] <= k && k < l.RowPtr[j+1] {
				pre = int32(j)
				break
			}
		}
		a.rec.ProbeNames = append(a.rec.ProbeNames, a.probeName(i))
		a.rec.ProbeSynapses = append(a.rec.ProbeSynapses, ProbeSynapse{Projection: name, Pre: pre, Post: l.Sparse.Post[k]})
	}
	return nil
}

// sample appends a row to the trace: the dopamine level, the watched
// synapse and the mean plastic weight, read without changing them.
func (a *network) sample() {
	t := a.da.T
	row := TraceRow{TS: float64(a.n) * a.dt / 1000, Dopamine: a.da.Level(), Eligibility: math.NaN(), Weight: math.NaN()}
	if a.watch != nil {
		row.Weight, row.Eligibility = a.watch.SynapseAt(a.kW, t)
	}
	sum, n := 0.0, 0
	for _, l := range a.c.PlasticLinks() {
		for k := range l.W {
			w, _ := l.SynapseAt(int32(k), t)
			sum += w
		}
		n += len(l.W)
	}
	row.MeanWeight = sum / float64(max(n, 1))
	a.rec.Traces = append(a.rec.Traces, row)
}

// keepSpikes appends the step's spikes to the raster, up to its bound.
func (a *network) keepSpikes() {
	t := float64(a.n) * a.dt
	for p, sp := range a.spiking {
		for _, i := range sp.Spikes() {
			if len(a.rec.Spikes) == maxRasterSpikes {
				a.rec.SpikesDropped++
				continue
			}
			a.rec.Spikes = append(a.rec.Spikes, SpikeRow{TMs: t, Pop: int32(p), Neuron: i})
		}
	}
}

// Recording gives what the agent recorded, with the plastic weights at the
// end if weights_end (after Report, which brought them to the end).
func (a *network) Recording() Recording {
	if a.WeightsEnd {
		t := a.da.T
		for p, l := range a.c.PlasticLinks() {
			a.rec.Projections = append(a.rec.Projections, l.Name)
			a.rec.WMax = append(a.rec.WMax, l.WMax)
			for j := range l.NPre {
				for k := l.RowPtr[j]; k < l.RowPtr[j+1]; k++ {
					w, _ := l.SynapseAt(k, t)
					a.rec.Weights = append(a.rec.Weights, WeightRow{Proj: int32(p), Pre: int32(j), Post: l.Sparse.Post[k], Weight: w,
						Watched: l == a.watch && k == a.kW})
				}
			}
		}
	}
	return a.rec
}
