// Command cubarun times the CUBA network outside the testing framework, for
// comparison with Brian2's standalone binary: it builds the network for each
// seed, then simulates it and prints the spike count, the wall time and the
// CPU time (user + system, from getrusage) of the simulation alone.
//
//	go run ./internal/cuba/cubarun -seeds 3 -reps 3
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/dopa-sim/dopa/internal/cuba"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func main() {
	first := flag.Int("first", 1, "first seed")
	seeds := flag.Int("seeds", 3, "number of seeds, from -first on")
	reps := flag.Int("reps", 3, "runs per seed")
	durMs := flag.Float64("ms", 1000, "simulated time (ms)")
	flag.Parse()
	steps := int(*durMs/cuba.DtMs + 0.5)
	for seed := *first; seed < *first+*seeds; seed++ {
		for r := 0; r < *reps; r++ {
			t0 := time.Now()
			n, err := cuba.Build(uint64(seed))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			build := time.Since(t0)
			runtime.GC() // collect the construction garbage before timing, as testing does
			c0, w0 := cpuSeconds(), time.Now()
			spikes := n.Run(steps)
			wall, cpu := time.Since(w0), cpuSeconds()-c0
			fmt.Printf("seed %d run %d: spikes %d synapses %d build %.3fs sim wall %.4fs sim cpu %.4fs\n",
				seed, r+1, spikes, n.Synapses(), build.Seconds(), wall.Seconds(), cpu)
		}
	}
}
