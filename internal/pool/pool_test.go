package pool

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestEveryJobRunsOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 50} {
		counts := make([]int32, 20)
		Run(context.Background(), len(counts), workers, func(i int) { atomic.AddInt32(&counts[i], 1) })
		for i, c := range counts {
			if c != 1 {
				t.Errorf("workers %d: job %d ran %d times", workers, i, c)
			}
		}
	}
}

func TestCancelStopsFeeding(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	Run(ctx, 100, 1, func(i int) {
		ran.Add(1)
		if i == 4 {
			cancel()
		}
	})
	// One worker: job 4 cancels; at most one more job can have been handed
	// out before the feeder sees the cancellation.
	if n := ran.Load(); n < 5 || n > 6 {
		t.Errorf("%d jobs ran after cancelling in job 4, want 5 or 6", n)
	}
}
