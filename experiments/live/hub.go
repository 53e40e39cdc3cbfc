package live

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/dopa-sim/dopa/experiments/task"
)

// Point is what the live view plots of one learning update.
type Point struct {
	Epoch, Trials int
	Loss          float64 // the unperturbed loss measured before the update
	RPE, Dopamine float64
	LearningRate  float64
	Eligibility   float64 // RMS of the plastic eligibility traces
	Weight        float64 // RMS of the plastic weights
	Rate          float64 // a simulation's mean firing rate over the update (Hz); NaN in training
}

// Hub is a bounded ring of the last trace points of the running run. The
// simulation pushes without ever waiting for a reader; each client reads
// what it has not seen yet at its own pace (a client that falls more than
// the ring behind skips the oldest points).
type Hub struct {
	mu      sync.Mutex
	buf     []Point
	seq     uint64 // points pushed in this run
	run     uint64 // runs started
	last    Point
	views   map[string]view // the run's views (forecasts, raster, recall) by name
	viewVer uint64          // bumped by every new view

	// wanted: a reader asked for points since the last push; the
	// simulation pushes what it gathered at its next update.
	wanted atomic.Bool
}

// view is one of the run's views: a JSON object and its version.
type view struct {
	b   []byte
	ver uint64
}

// SetView replaces the task's forecasts (a JSON object) the clients show.
func (h *Hub) SetView(b []byte) { h.SetNamedView("view", b) }

// SetNamedView replaces the view of that name ("view": forecasts,
// "raster": spikes, "recall": a memory's retrieval), a JSON object the
// hub keeps (the caller must not change it). A client that is slow sees
// only the newest of each.
func (h *Hub) SetNamedView(name string, b []byte) {
	h.mu.Lock()
	h.viewVer++
	if h.views == nil {
		h.views = map[string]view{}
	}
	h.views[name] = view{b, h.viewVer}
	h.mu.Unlock()
}

// Views calls fn for every view newer than what seen (name → version)
// records, and records it.
func (h *Hub) Views(seen map[string]uint64, fn func(name string, b []byte)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for name, v := range h.views {
		if seen[name] != v.ver {
			seen[name] = v.ver
			fn(name, v.b)
		}
	}
}

// View returns the view of that name, if there is one.
func (h *Hub) View(name string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.views[name]
	return v.b, ok
}

// NewHub returns a hub keeping the last n points.
func NewHub(n int) *Hub { return &Hub{buf: make([]Point, n)} }

// NewRun starts a new run: its points replace the last run's.
func (h *Hub) NewRun() {
	h.mu.Lock()
	h.run++
	h.seq = 0
	h.last = Point{}
	clear(h.views)
	h.mu.Unlock()
}

// Push adds a point; it never blocks on a reader.
func (h *Hub) Push(p Point) {
	h.mu.Lock()
	h.buf[h.seq%uint64(len(h.buf))] = p
	h.seq++
	h.last = p
	h.mu.Unlock()
}

// PushBatch adds points under one lock; it never blocks on a reader.
func (h *Hub) PushBatch(ps []Point) {
	if len(ps) == 0 {
		return
	}
	h.wanted.Store(false) // before: a request made while pushing is seen next time
	h.mu.Lock()
	n := uint64(len(h.buf))
	for i := range ps {
		h.buf[h.seq%n] = ps[i]
		h.seq++
	}
	h.last = ps[len(ps)-1]
	h.mu.Unlock()
}

// Last returns the last point of the run the ring holds (and asks the
// simulation for the points it gathered since).
func (h *Hub) Last() (Point, bool) {
	h.wanted.Store(true)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last, h.seq > 0
}

// Cursor is where a client is: its run and the points it has read.
type Cursor struct{ Run, Seq uint64 }

// Read appends to dst the points after cur (of the current run; from its
// start when the run changed), at most max of them evenly spaced (the
// last one always: a client thins while it copies, so that the lock the
// simulation pushes under is held for max copies at most), and returns
// the new cursor and whether a new run started since cur.
func (h *Hub) Read(cur Cursor, dst []Point, max int) ([]Point, Cursor, bool) {
	h.wanted.Store(true)
	h.mu.Lock()
	defer h.mu.Unlock()
	newRun := cur.Run != h.run
	if newRun || cur.Seq > h.seq {
		cur = Cursor{Run: h.run}
	}
	n := uint64(len(h.buf))
	if h.seq-cur.Seq > n {
		cur.Seq = h.seq - n
	}
	have := int(h.seq - cur.Seq)
	if have <= max || max < 2 {
		for i := cur.Seq; i < h.seq; i++ {
			dst = append(dst, h.buf[i%n])
		}
	} else {
		step := float64(have-1) / float64(max-1)
		for k := range max {
			dst = append(dst, h.buf[(cur.Seq+uint64(math.Round(float64(k)*step)))%n])
		}
	}
	cur.Seq = h.seq
	return dst, cur, newRun
}

// appendBatch writes points as one JSON object of columns, non-finite
// numbers as null (uPlot draws a gap).
func appendBatch(b []byte, ps []Point) []byte {
	col := func(name string, f func(p *Point) float64) {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':', '[')
		for i := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			v := f(&ps[i])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, v, 'g', 6, 64)
			}
		}
		b = append(b, ']')
	}
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, int64(len(ps)), 10)
	col("epoch", func(p *Point) float64 { return float64(p.Epoch) })
	col("trials", func(p *Point) float64 { return float64(p.Trials) })
	col("loss", func(p *Point) float64 { return p.Loss })
	col("rpe", func(p *Point) float64 { return p.RPE })
	col("dopamine", func(p *Point) float64 { return p.Dopamine })
	col("lr", func(p *Point) float64 { return p.LearningRate })
	col("elig", func(p *Point) float64 { return p.Eligibility })
	col("weight", func(p *Point) float64 { return p.Weight })
	col("rate", func(p *Point) float64 { return p.Rate })
	return append(b, '}')
}

// appendView writes the first dimension of a forecast as one JSON object:
// the test segment's steps, the truth, the one-step (teacher-forced) and
// the free-running forecasts (null where there is none).
func appendView(b []byte, p task.Prediction) []byte {
	num := func(v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', 6, 64)
		}
	}
	col := func(name string, xs []float64) {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, `":[`...)
		for i, v := range xs {
			if i > 0 {
				b = append(b, ',')
			}
			num(v)
		}
		b = append(b, ']')
	}
	b = append(b, `{"step":[`...)
	for i, s := range p.Step {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(s), 10)
	}
	b = append(b, ']')
	if len(p.Target) > 0 {
		col("target", p.Target[0])
		col("onestep", p.OneStep[0])
		col("freerun", p.FreeRun[0])
	}
	return append(b, '}')
}
