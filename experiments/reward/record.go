package reward

import (
	"fmt"
	"math"
	"slices"

	"github.com/dopa-sim/dopa/internal/output"
)

// Recorder is implemented by an agent that records its circuit over a run
// (the network agent's trace_every_ms, raster_s and weights_end): the
// run's result keeps the recording, and the kind writes it as
// synapse_traces.csv, network_rasters.csv and weights_end.csv.
type Recorder interface {
	Recording() Recording
}

// Recording is what an agent recorded of its circuit in one run.
type Recording struct {
	// Traces are the samples of the watched synapse and the dopamine.
	Traces []TraceRow
	// Spikes are the spikes of the first and the last raster_s seconds;
	// Populations names their populations (SpikeRow.Pop indexes it);
	// RasterMs is the length of each stretch; SpikesDropped counts the
	// spikes past the bound on what a run keeps.
	Spikes        []SpikeRow
	Populations   []string
	RasterMs      float64
	SpikesDropped int
	// Weights are the plastic synapses at the end; Projections names
	// their projections (WeightRow.Proj indexes it) and WMax their bounds.
	Weights     []WeightRow
	Projections []string
	WMax        []float64
	// Probes are the samples of the probed synapses; ProbeNames and
	// ProbeSynapses name them (ProbeRow.Probe indexes both).
	Probes        []ProbeRow
	ProbeNames    []string
	ProbeSynapses []ProbeSynapse
}

// ProbeRow is one sample of a probed synapse (probes.csv).
type ProbeRow struct {
	Probe                             int32
	TS, Dopamine, Eligibility, Weight float64
}

// ProbeSynapse is a probed synapse: its projection and neurons.
type ProbeSynapse struct {
	Projection string
	Pre, Post  int32
}

// TraceRow is one sample (synapse_traces.csv).
type TraceRow struct {
	// TS is the simulated time (s).
	TS float64
	// Dopamine is the agent's dopamine level D = d + tonic.
	Dopamine float64
	// Eligibility and Weight are the watched synapse's (NaN: none is
	// watched).
	Eligibility, Weight float64
	// MeanWeight is the mean weight of the circuit's plastic synapses.
	MeanWeight float64
}

// SpikeRow is one spike of a raster (network_rasters.csv).
type SpikeRow struct {
	TMs         float64
	Pop, Neuron int32
}

// WeightRow is one plastic synapse at the end of a run (weights_end.csv).
type WeightRow struct {
	Proj      int32
	Pre, Post int32
	Weight    float64
	Watched   bool
}

// maxRasterSpikes bounds the spikes a run keeps for its raster.
const maxRasterSpikes = 2_000_000

// writeRecordings writes the recordings of the runs that have one, in
// format f.
func writeRecordings(dir string, f output.Format, rs []*RunResult) error {
	has := func(g func(*Recording) bool) bool {
		return slices.ContainsFunc(rs, func(r *RunResult) bool { return r != nil && g(&r.Recording) })
	}
	head := func(w *output.Rows, r *RunResult) {
		w.Str(r.Agent)
		w.Str(r.Condition)
		w.Int(r.Seed)
	}
	if has(func(x *Recording) bool { return len(x.Traces) > 0 }) {
		if err := output.SynapseTraces.Write(dir, f, func(w *output.Rows) {
			for _, r := range rs {
				if r == nil {
					continue
				}
				for _, t := range r.Traces {
					head(w, r)
					w.Float(t.TS)
					w.Float(t.Dopamine)
					w.Float(t.Eligibility) // NaN: empty (none watched)
					w.Float(t.Weight)
					w.Float(t.MeanWeight)
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	if has(func(x *Recording) bool { return x.RasterMs > 0 }) {
		if err := output.NetworkRasters.Write(dir, f, func(w *output.Rows) {
			for _, r := range rs {
				if r == nil {
					continue
				}
				for _, s := range r.Spikes {
					head(w, r)
					w.Float(s.TMs)
					w.Str(r.Populations[s.Pop])
					w.Int(int(s.Neuron))
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	if has(func(x *Recording) bool { return len(x.ProbeNames) > 0 }) {
		if err := output.Probes.Write(dir, f, func(w *output.Rows) {
			for _, r := range rs {
				if r == nil {
					continue
				}
				for _, p := range r.Probes {
					syn := r.ProbeSynapses[p.Probe]
					head(w, r)
					w.Str(r.ProbeNames[p.Probe])
					w.Str(syn.Projection)
					w.Int(int(syn.Pre))
					w.Int(int(syn.Post))
					w.Float(p.TS)
					w.Float(p.Dopamine)
					w.Float(p.Eligibility)
					w.Float(p.Weight)
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	if has(func(x *Recording) bool { return len(x.Weights) > 0 }) {
		if err := output.WeightsEnd.Write(dir, f, func(w *output.Rows) {
			for _, r := range rs {
				if r == nil {
					continue
				}
				for _, s := range r.Weights {
					head(w, r)
					w.Str(r.Projections[s.Proj])
					w.Int(int(s.Pre))
					w.Int(int(s.Post))
					w.Float(s.Weight)
					w.Float(r.WMax[s.Proj])
					watched := 0
					if s.Watched {
						watched = 1
					}
					w.Int(watched)
					w.End()
				}
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// readRecordings reads the recordings of dir into the runs of rs (made
// from episodes.csv), for dopa plot; files that are absent are skipped.
func readRecordings(dir string, rs []*RunResult) error {
	find := func(t *output.Table) (*RunResult, error) {
		seed, err := t.Int("seed")
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.Agent == t.Str("rule") && r.Condition == t.Str("condition") && r.Seed == seed {
				return r, nil
			}
		}
		return nil, fmt.Errorf("no run %s/%s seed %d in %s", t.Str("rule"), t.Str("condition"), seed, output.EpisodesFile)
	}
	if _, err := output.SynapseTraces.Read(dir, true, func(t *output.Table) error {
		r, err := find(t)
		if err != nil {
			return err
		}
		var x TraceRow
		for _, f := range []struct {
			col string
			dst *float64
		}{{"t_s", &x.TS}, {"dopamine", &x.Dopamine}, {"eligibility", &x.Eligibility}, {"weight", &x.Weight}, {"mean_weight", &x.MeanWeight}} {
			if *f.dst, err = numOrNaN(t, f.col); err != nil {
				return err
			}
		}
		r.Traces = append(r.Traces, x)
		return nil
	}); err != nil {
		return err
	}
	if _, err := output.NetworkRasters.Read(dir, true, func(t *output.Table) error {
		r, err := find(t)
		if err != nil {
			return err
		}
		var x SpikeRow
		if x.TMs, err = t.Float("t_ms"); err != nil {
			return err
		}
		n, err := t.Int("neuron")
		if err != nil {
			return err
		}
		x.Neuron = int32(n)
		p := slices.Index(r.Populations, t.Str("population"))
		if p < 0 {
			p = len(r.Populations)
			r.Populations = append(r.Populations, t.Str("population"))
		}
		x.Pop = int32(p)
		r.Spikes = append(r.Spikes, x)
		return nil
	}); err != nil {
		return err
	}
	_, err := output.WeightsEnd.Read(dir, true, func(t *output.Table) error {
		r, err := find(t)
		if err != nil {
			return err
		}
		var x WeightRow
		pre, err := t.Int("pre")
		if err != nil {
			return err
		}
		post, err := t.Int("post")
		if err != nil {
			return err
		}
		x.Pre, x.Post = int32(pre), int32(post)
		if x.Weight, err = t.Float("weight"); err != nil {
			return err
		}
		x.Watched = t.Str("watched") == "1"
		p := slices.Index(r.Projections, t.Str("projection"))
		if p < 0 {
			wmax, err := t.Float("w_max")
			if err != nil {
				return err
			}
			p = len(r.Projections)
			r.Projections = append(r.Projections, t.Str("projection"))
			r.WMax = append(r.WMax, wmax)
		}
		x.Proj = int32(p)
		r.Weights = append(r.Weights, x)
		return nil
	})
	return err
}

// numOrNaN reads a number whose empty cell means NaN.
func numOrNaN(t *output.Table, col string) (float64, error) {
	if t.Str(col) == "" {
		return math.NaN(), nil
	}
	return t.Float(col)
}
