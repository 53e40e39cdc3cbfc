package live

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/experiments/training"
)

// Bounds of a raster view: the most neuron rows it draws (a larger
// circuit shows every k-th neuron of each population, as the raster
// figures do) and the most spikes it carries (the newest are kept).
const (
	rasterRows   = 400
	rasterSpikes = 20000
	// rasterWindowMs is the stretch of simulated time a simulation's
	// raster shows (its last rasterWindowMs ms).
	rasterWindowMs = 200
)

// raster is the spikes of a stretch of simulation as the page draws them:
// time (ms from the stretch's start) × row (populations stacked, every
// stride-th neuron).
type raster struct {
	pops   []string
	sizes  []int
	row0   []int // first row of each population
	stride int
	rows   int
	t      []float64 // ms
	r      []int32
	marks  []float64 // ms where a trial starts
	labels []string  // the input of each trial
	from   float64   // ms of the stretch's start (a simulation's time)
	ms     float64   // length of the stretch
	total  int       // spikes before the bound
}

func newRaster(c *circuits.Circuit) *raster {
	r := &raster{pops: c.PopNames}
	n := 0
	for _, p := range c.Pops {
		r.sizes = append(r.sizes, p.Len())
		n += p.Len()
	}
	r.stride = max(1, (n+rasterRows-1)/rasterRows)
	for _, s := range r.sizes {
		r.row0 = append(r.row0, r.rows)
		r.rows += (s + r.stride - 1) / r.stride
	}
	return r
}

// add records the spikes of the circuit's last step at time ms (a bounded
// number: past rasterSpikes, only counted).
func (r *raster) add(c *circuits.Circuit, ms float64) {
	for p := range c.Pops {
		for _, i := range c.SpikesOf(p) {
			r.total++
			if int(i)%r.stride != 0 || len(r.t) >= rasterSpikes {
				continue
			}
			r.t = append(r.t, ms)
			r.r = append(r.r, int32(r.row0[p]+int(i)/r.stride))
		}
	}
}

func (r *raster) reset() {
	r.t, r.r, r.marks, r.labels, r.total = r.t[:0], r.r[:0], r.marks[:0], r.labels[:0], 0
}

// rasterJSON is a raster as the page reads it.
type rasterJSON struct {
	Epoch  int         `json:"epoch"`
	From   float64     `json:"from"`
	Ms     float64     `json:"ms"`
	Rows   int         `json:"rows"`
	Stride int         `json:"stride"`
	Total  int         `json:"total"`
	Pops   []rasterPop `json:"pops"`
	Marks  []float64   `json:"marks"`
	Labels []string    `json:"labels"`
	T      []float64   `json:"t"`
	R      []int32     `json:"r"`
}

type rasterPop struct {
	Name string `json:"name"`
	Size int    `json:"size"`
	Row0 int    `json:"row0"`
}

// json encodes the raster as one JSON object (lists empty, never null).
func (r *raster) json(epoch int) []byte {
	v := rasterJSON{Epoch: epoch, From: r.from, Ms: r.ms, Rows: r.rows, Stride: r.stride, Total: r.total,
		Pops: []rasterPop{}, Marks: orEmpty(r.marks), Labels: orEmpty(r.labels), T: orEmpty(r.t), R: orEmpty(r.r)}
	for i, name := range r.pops {
		v.Pops = append(v.Pops, rasterPop{Name: name, Size: r.sizes[i], Row0: r.row0[i]})
	}
	b, _ := json.Marshal(v) // finite numbers, plain types: cannot fail
	return b
}

// orEmpty is s, or an empty list for nil (JSON [] rather than null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// rasterView shows the spikes of a spiking training circuit: now and then
// between two updates, a copy of the circuit (built apart from a copy of
// the run's "init" stream, so that it has the same frozen noise and its
// trials touch neither the training circuit nor its streams) takes the
// current weights and runs one trial of each of the task's inputs (XOR:
// the four patterns; another task: every input at 1). The training run is
// the same update for update whether or not it is watched.
type rasterView struct {
	hub    *Hub
	clone  *circuits.Circuit
	inputs [][]float64
	labels []string
	r      *raster
}

func newRasterView(hub *Hub, plan *training.Plan, t task.Task) (*rasterView, error) {
	// Built from its own copy of the run's "init" stream: the same
	// circuit, frozen Poisson noise included, touching nothing of the run.
	clone, err := plan.Circuit.Build(training.Stream(plan.Spec.Seed, "init"))
	if err != nil {
		return nil, err
	}
	v := &rasterView{hub: hub, clone: clone, r: newRaster(clone)}
	if _, ok := t.(*task.XOR); ok {
		for _, x := range task.XORInputs {
			v.inputs = append(v.inputs, []float64{x[0], x[1]})
			v.labels = append(v.labels, fmt.Sprintf("%g,%g", x[0], x[1]))
		}
	} else if clone.In >= 0 {
		x := make([]float64, clone.Pops[clone.In].Len())
		for i := range x {
			x[i] = 1
		}
		v.inputs, v.labels = [][]float64{x}, []string{"all inputs 1"}
	}
	return v, nil
}

// show runs the copy with the weights of c and publishes its raster.
func (v *rasterView) show(c *circuits.Circuit, epoch int) {
	for i := range c.Links {
		copy(v.clone.Links[i].W, c.Links[i].W)
	}
	r, cl := v.r, v.clone
	r.reset()
	ms := 0.0
	for k, x := range v.inputs {
		r.marks = append(r.marks, ms)
		r.labels = append(r.labels, v.labels[k])
		cl.Reset()
		for range cl.StepsPerTrial {
			cl.Step(x)
			r.add(cl, ms)
			ms += cl.DtMs
		}
	}
	r.ms = ms
	v.hub.SetNamedView("raster", r.json(epoch))
}

// simulate runs a simulation file live: the circuit without learning, one
// update = 1 ms of simulated time (the pace caps updates per second), for
// its duration_ms. Each update's point carries the mean firing rate of
// the spiking populations; the raster of the last rasterWindowMs ms is
// published about four times a second.
func (s *Session) simulate(ctx context.Context, cf *experiments.CircuitFile) (train.Outcome, string, error) {
	const seed = 1 // as dopa run without --seed
	c, err := cf.Spec.Build(training.Stream(seed, "init"))
	if err != nil {
		return train.Outcome{}, "", err
	}
	if err := c.SetThreads(cf.Threads); err != nil {
		return train.Outcome{}, "", err
	}
	defer c.SetThreads(1) // stops the threads
	g := gate{s: s, next: time.Now()}
	var x []float64
	if c.In >= 0 {
		x = make([]float64, c.Pops[c.In].Len())
	}
	perUpdate := max(1, int(math.Round(1/c.DtMs)))
	total := int(math.Round(cf.DurationMs / c.DtMs))
	spiking := 0
	for p := range c.Pops {
		if isSpiking(c, p) {
			spiking += c.Pops[p].Len()
		}
	}
	// The last rasterWindowMs of spikes, in a ring of bounded size.
	type spk struct {
		ms  float64
		row int32
	}
	ring := make([]spk, rasterSpikes)
	var head, n int
	r := newRaster(c)
	batch := &pointBatch{hub: s.hub}
	g.flush = batch.flush
	if !g.wait(ctx) {
		return train.Outcome{Interrupted: true}, "", nil
	}
	var last time.Time
	step, update := 0, 0
	n0 := c.SpikeCount
	for step < total {
		k0 := c.SpikeCount
		for k := 0; k < perUpdate && step < total; k++ {
			c.Step(x)
			step++
			ms := float64(step) * c.DtMs
			for p := range c.Pops {
				for _, i := range c.SpikesOf(p) {
					if int(i)%r.stride != 0 {
						continue
					}
					ring[head] = spk{ms, int32(r.row0[p] + int(i)/r.stride)}
					head = (head + 1) % len(ring)
					n = min(n+1, len(ring))
				}
			}
		}
		update++
		p := Point{Epoch: update, Trials: step, Loss: math.NaN(), RPE: math.NaN(), Dopamine: math.NaN(), LearningRate: math.NaN(), Eligibility: math.NaN(), Weight: math.NaN(), Rate: math.NaN()}
		if spiking > 0 {
			p.Rate = float64(c.SpikeCount-k0) / float64(spiking) / (float64(perUpdate) * c.DtMs / 1000)
		}
		batch.add(p)
		if update == 1 || step == total || time.Since(last) >= viewEvery/4 {
			now := float64(step) * c.DtMs
			r.reset()
			r.from, r.ms = max(0, now-rasterWindowMs), math.Min(rasterWindowMs, now)
			for j := range n {
				e := ring[(head-n+j+len(ring))%len(ring)]
				if e.ms > r.from {
					r.t = append(r.t, e.ms-r.from)
					r.r = append(r.r, e.row)
				}
			}
			r.total = len(r.t)
			s.hub.SetNamedView("raster", r.json(update))
			last = time.Now()
		}
		if !g.wait(ctx) {
			batch.flush()
			return train.Outcome{Epochs: update, Trials: step, Interrupted: true}, "", nil
		}
	}
	batch.flush()
	return train.Outcome{Epochs: update, Trials: step}, fmt.Sprintf("simulated %g ms: %d spikes", float64(step)*c.DtMs, c.SpikeCount-n0), nil
}

// isSpiking reports whether population p of c spikes.
func isSpiking(c *circuits.Circuit, p int) bool {
	_, ok := c.Pops[p].(interface{ Spikes() []int32 })
	return ok
}
