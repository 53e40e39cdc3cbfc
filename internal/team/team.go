// Package team runs one function on several goroutines at once, many
// times a second, for the simulation loop of one network split over
// threads (circuits.Circuit.SetThreads).
//
// A Team of n parts keeps n−1 worker goroutines; Run(fn) calls fn(0) on the
// caller's goroutine and fn(1) … fn(n−1) on the workers, and returns when
// all have returned: a fork and a join. A network steps 10⁴ times per
// simulated second, so the fork and the join cost what matters here: the
// workers and the caller wait for each other by spinning on an atomic
// counter for a few microseconds, then yield, and a worker that has waited
// long parks on a channel (no CPU while a run is paused or between runs).
package team

import (
	"runtime"
	"sync/atomic"
)

// How long a waiting goroutine spins before it yields its thread (when
// the team has no more parts than GOMAXPROCS; otherwise it yields at
// once, so that the part it waits for gets a thread), and how many times
// it yields before a worker parks.
const (
	spinsMax = 2000
	yields   = 200
)

// Team is a fork-join group of goroutines. Its methods must be called from
// one goroutine.
type Team struct {
	n       int
	spins   int
	fn      func(part int)
	gen     atomic.Uint64 // incremented by Run: a worker runs once per generation
	done    atomic.Int64  // workers finished in this generation
	workers []*worker
	closed  bool
}

type worker struct {
	_        [64]byte // keep the flags of two workers on separate cache lines
	sleeping atomic.Bool
	wake     chan struct{}
}

// New returns a team of n parts (n >= 1): n−1 goroutines beside the
// caller's. Close stops them.
func New(n int) *Team {
	if n < 1 {
		n = 1
	}
	t := &Team{n: n, spins: spinsMax}
	if n > runtime.GOMAXPROCS(0) {
		t.spins = 0
	}
	for p := 1; p < n; p++ {
		w := &worker{wake: make(chan struct{}, 1)}
		t.workers = append(t.workers, w)
		go t.loop(p, w, t.gen.Load())
	}
	return t
}

// Parts returns the number of parts n.
func (t *Team) Parts() int { return t.n }

// Run calls fn(p) for every part p in [0, n), concurrently, fn(0) on the
// calling goroutine, and returns when every call has returned. The calls
// see every write made before Run, and the caller sees every write they
// made. It allocates nothing (fn should be a value made once, such as a
// method value kept in a field).
func (t *Team) Run(fn func(part int)) {
	if t.n == 1 || t.closed {
		for p := range t.n {
			fn(p)
		}
		return
	}
	t.fn = fn
	t.done.Store(0)
	t.gen.Add(1)
	for _, w := range t.workers {
		if w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	fn(0)
	want := int64(t.n - 1)
	for i := 0; t.done.Load() != want; i++ {
		if i >= t.spins {
			runtime.Gosched()
		}
	}
}

// Close stops the worker goroutines; Run then calls every part on the
// caller's goroutine. Calling it twice is harmless.
func (t *Team) Close() {
	if t.closed {
		return
	}
	t.closed = true
	t.fn = nil
	t.gen.Add(1)
	for _, w := range t.workers {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// loop is worker p's life: wait for a generation after seen (the one of
// its start: the goroutine may start after the first Run), run its part,
// count itself done.
func (t *Team) loop(p int, w *worker, seen uint64) {
	for {
		for i := 0; t.gen.Load() == seen; i++ {
			switch {
			case i < t.spins:
			case i < t.spins+yields:
				runtime.Gosched()
			default:
				// Park. The store before the load, and Run's increment
				// before its load of sleeping, make sure that either
				// this load sees the new generation or Run sees
				// sleeping and sends the wake-up.
				w.sleeping.Store(true)
				if t.gen.Load() == seen {
					<-w.wake
				}
				w.sleeping.Store(false)
				i = 0
			}
		}
		seen = t.gen.Load()
		fn := t.fn
		if fn == nil {
			return // closed
		}
		fn(p)
		t.done.Add(1)
	}
}
