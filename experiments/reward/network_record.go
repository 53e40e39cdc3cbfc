package reward

// The network agent's recording of its circuit: probes of chosen
// synapses, the trace of the watched one, rasters and the final weights
// (trace_every_ms, raster_s, weights_end, [[agent.probe]]), every read
// without changing the run.

import (
	"math"

	"github.com/dopa-sim/dopa/circuits"
)

// Probe is one [[agent.probe]]: a synapse of a plastic sparse projection,
// chosen by its index in the projection, by its pre and post neurons, or
// the watched synapse (synapse = "watched"); the same keys as a circuit
// file's [[probe]].
type Probe = circuits.Probe

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
	if p.spec != nil && len(p.spec.Probes) > 0 {
		r.probes += float64(len(p.spec.Probes)) * math.Floor(runMs/p.spec.ProbeEveryMs)
	}
	if p.WeightsEnd && p.spec != nil {
		r.weights = p.spec.PlasticSparseSynapses()
	}
	return r
}

// probeAt is a probed synapse: its projection, its index there and the
// circuit steps between its samples.
type probeAt struct {
	link  *circuits.SparseLink
	k     int32
	every int64
}

// placeProbes finds the probed synapses in the built circuit: the
// circuit file's [[probe]], then the agent's own.
func (a *network) placeProbes() error {
	for _, set := range []struct {
		probes  []Probe
		everyMs float64
		offset  int
	}{{a.spec.Probes, a.spec.ProbeEveryMs, 0}, {a.Probes, a.ProbeEveryMs, len(a.spec.Probes)}} {
		for i, pr := range set.probes {
			name := circuits.ProbeName(set.probes, i, set.offset)
			var l *circuits.SparseLink
			k := a.kW
			if pr.Synapse == "watched" {
				l = a.watch
			} else {
				if pr.Projection == "" {
					pr.Projection = a.Watch
				}
				var err error
				if l, k, err = a.c.FindProbe(pr, name); err != nil {
					return err
				}
			}
			a.probes = append(a.probes, probeAt{l, k, int64(math.Round(set.everyMs / a.dt))})
			a.rec.ProbeNames = append(a.rec.ProbeNames, name)
			a.rec.ProbeSynapses = append(a.rec.ProbeSynapses, ProbeSynapse{Projection: l.Name, Pre: l.PreOf(k), Post: l.Sparse.Post[k]})
		}
	}
	return nil
}

// sampleProbes appends a row for each probe whose interval ends at this
// step, its synapse read without changing it.
func (a *network) sampleProbes() {
	t, d := a.da.T, a.da.Level()
	for i, p := range a.probes {
		if a.n%p.every != 0 {
			continue
		}
		w, c := p.link.SynapseAt(p.k, t)
		a.rec.Probes = append(a.rec.Probes, ProbeRow{Probe: int32(i), TS: float64(a.n) * a.dt / 1000, Dopamine: d, Eligibility: c, Weight: w})
	}
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
	for _, l := range a.plastic {
		sum = l.SumWeightsAt(t, sum)
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
