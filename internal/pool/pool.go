// Package pool runs independent jobs on a fixed number of goroutines, the
// one worker pool behind every dopa run: jobs are handed out in index
// order, each job writes only its own result slot, so results do not depend
// on the number of workers.
package pool

import (
	"context"
	"runtime"
	"sync"
)

// Run calls do(i) once for every i in [0, n) on min(workers, n) goroutines
// (workers ≤ 0: one per CPU) and returns when every started call has
// returned. After ctx is cancelled no further call starts; the calls under
// way finish (do should watch ctx itself to stop early).
func Run(ctx context.Context, n, workers int, do func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	idx := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				do(i)
			}
		}()
	}
feed:
	for i := range n {
		if ctx.Err() != nil {
			break // cancelled: hand out nothing more, even if a worker is free
		}
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
}
