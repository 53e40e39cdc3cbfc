// Package raster records the spikes of a stretch of a circuit's simulation,
// step by step, for the rasters of training and simulation runs.
package raster

import (
	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/output"
)

// Spike is one spike of a recorded simulation.
type Spike struct {
	Step   int32
	Pop    int32 // population index
	Neuron int32
}

// Raster is the spikes of a stretch of simulation, for rasters.
type Raster struct {
	Label    string   // "before", "after", or "" for a simulation
	Steps    int      // steps recorded
	DtMs     float64  // step
	PopNames []string // populations, in circuit order
	PopSizes []int
	Marks    []int    // steps where a new trial starts (0 included), if any
	Inputs   []string // the input of each marked trial ("0,1")
	Spikes   []Spike
}

// New returns an empty raster of the circuit's populations.
func New(c *circuits.Circuit, label string) Raster {
	r := Raster{Label: label, DtMs: c.DtMs, PopNames: c.PopNames}
	for _, p := range c.Pops {
		r.PopSizes = append(r.PopSizes, p.Len())
	}
	return r
}

// Record appends the spikes of the circuit's last step as step r.Steps.
func (r *Raster) Record(c *circuits.Circuit) {
	for p := range c.Pops {
		for _, i := range c.SpikesOf(p) {
			r.Spikes = append(r.Spikes, Spike{Step: int32(r.Steps), Pop: int32(p), Neuron: i})
		}
	}
	r.Steps++
}

// Write writes a raster's spikes as rows (the time at the end of the
// spike's step, the population, the neuron), each after the values that
// prefix writes (nil: none).
func Write(w *output.Rows, ra Raster, prefix func()) {
	w.Grow(len(ra.Spikes))
	for _, sp := range ra.Spikes {
		if prefix != nil {
			prefix()
		}
		w.Float(float64(sp.Step+1) * ra.DtMs)
		w.Str(ra.PopNames[sp.Pop])
		w.Int(int(sp.Neuron))
		w.End()
	}
}

// Columns is a raster's spikes as the columns Write writes (time,
// population, neuron), for output.Schema.WriteColumns.
func Columns(ra Raster) []output.Values {
	t := make([]float64, len(ra.Spikes))
	pop := make([]int32, len(ra.Spikes))
	n := make([]int64, len(ra.Spikes))
	for k, sp := range ra.Spikes {
		t[k], pop[k], n[k] = float64(sp.Step+1)*ra.DtMs, sp.Pop, int64(sp.Neuron)
	}
	return []output.Values{output.Floats(t), output.Labels(pop, ra.PopNames), output.Ints(n)}
}
