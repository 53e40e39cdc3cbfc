package main

import (
	"flag"
	"fmt"
	"log"
	"runtime"
	"time"

	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/neuron"
)

func main() {
	n := flag.Int("n", 100_000, "units")
	k := flag.Int("k", 17, "active units per pattern")
	m := flag.Int("m", 7_300_000, "stored patterns")
	p01 := flag.Float64("p01", 0.5, "fraction of active units deleted from each query (exactly)")
	queries := flag.Int("queries", 2000, "queries")
	act := flag.String("activation", "threshold", "threshold (θ = |q|) or kwta")
	seed := flag.Uint64("seed", 1, "seed")
	flag.Parse()
	c := memory.PackedConfig{N: *n, K: *k, M: *m, Query: memory.QueryNoise{P01: *p01, Exact: true}, Queries: *queries}
	if err := c.Activation.UnmarshalText([]byte(*act)); err != nil {
		log.Fatal(err)
	}
	_ = neuron.KWinners
	t0 := time.Now()
	r, err := memory.RunPacked(c, *seed)
	if err != nil {
		log.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	z := *k - int(*p01*float64(*k)+0.5)
	exact, approx := memory.WillshawFalsePositive(*n, *k, *m, z)
	fmt.Printf("n=%d k=%d M=%d, queries of %d correct units, %s, seed %d\n", *n, *k, *m, z, *act, *seed)
	fmt.Printf("p1 = %.4f, output noise ε = %.5f ± %.5f, perfect %.4f, false/query %.4f, missed/query %.4f\n",
		r.SetFraction, r.OutputNoise, r.OutputNoiseSE, r.PerfectRecallFraction, r.False, r.Missed)
	fmt.Printf("false-positive rate %.3g ± %.2g (exact expectation %.3g, p1^z %.3g)\n", r.FalseRate, r.FalseRateSE, exact, approx)
	fmt.Printf("stored information %.4f bits/synapse\n", r.BitsPerSynapse)
	fmt.Printf("wall %.1f s, heap %.2f GB (Sys %.2f GB), GOMAXPROCS %d\n", time.Since(t0).Seconds(), float64(ms.HeapAlloc)/1e9, float64(ms.Sys)/1e9, runtime.GOMAXPROCS(0))
}
