package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

func main() {
	cfg := memory.Config{}.Defaults()
	n := flag.Int("n", 1000, "units")
	k := flag.Int("k", 10, "active units per pattern (fixed_k)")
	ens := flag.String("ensemble", "fixed_k", "pattern ensemble: fixed_k, bernoulli or modular (k modules)")
	p01 := flag.Float64("p01", 0.5, "query noise: fraction of active units deleted")
	p10 := flag.Float64("p10", 0, "query noise: fraction of silent units added")
	exact := flag.Bool("exact", true, "delete/add exact numbers of units (else independent flips)")
	act := flag.String("activation", "kwta", "activation: threshold, kwta or module_wta")
	steps := flag.Int("steps", 5, "steps of iterative retrieval")
	loads := flag.String("loads", "1000,2000,4000", "numbers of stored patterns M")
	seeds := flag.Int("seeds", 5, "seeds 1..N")
	queries := flag.Int("queries", 500, "queries per run")
	noSelf := flag.Bool("noself", false, "drop the self-synapses of willshaw, bcpnn and covariance")
	capEps := flag.Float64("capacity", 0, "if > 0: print the capacity M_ε at this output noise per rule and mode (bisection) instead of ε against M")
	vsN := flag.String("vsn", "", "with -capacity: network sizes n (k = round(log2 n)) for capacity against n")
	modeNames := flag.String("modes", "", "comma-separated subset of the modes one-step, one-step+ane, iterative, iterative+ane (default all)")
	rules := flag.String("rules", "willshaw,bcpnn,covariance,bayes", "rules")
	flag.Parse()

	cfg.Patterns = memory.Ensemble{N: *n, K: *k, P: float64(*k) / float64(*n), Modules: *k}
	if err := cfg.Patterns.Kind.UnmarshalText([]byte(*ens)); err != nil {
		log.Fatal(err)
	}
	cfg.Query = memory.QueryNoise{P01: *p01, P10: *p10, Exact: *exact}
	if err := cfg.Activation.UnmarshalText([]byte(*act)); err != nil {
		log.Fatal(err)
	}
	cfg.Queries = *queries
	cfg.NoSelf = *noSelf
	var rs []synapse.MemoryRule
	for _, s := range strings.Split(*rules, ",") {
		var r synapse.MemoryRule
		if err := r.UnmarshalText([]byte(s)); err != nil {
			log.Fatal(err)
		}
		rs = append(rs, r)
	}
	var ls []int
	for _, s := range strings.Split(*loads, ",") {
		v, err := strconv.Atoi(s)
		if err != nil {
			log.Fatal(err)
		}
		ls = append(ls, v)
	}
	var ss []uint64
	for s := 1; s <= *seeds; s++ {
		ss = append(ss, uint64(s))
	}
	modes := memory.StudyModes
	for i := range modes {
		if modes[i].Steps > 1 {
			modes[i].Steps = *steps
		}
	}
	_ = neuron.KWinners
	fmt.Printf("# n=%d %s k=%d, query p01=%g p10=%g exact=%v, activation %s, noself=%v, %d queries, seeds 1..%d\n",
		*n, *ens, cfg.Patterns.Active(), *p01, *p10, *exact, *act, *noSelf, *queries, *seeds)
	if *modeNames != "" {
		var keep []memory.Mode
		for _, name := range strings.Split(*modeNames, ",") {
			for _, m := range modes {
				if m.Name == name {
					keep = append(keep, m)
				}
			}
		}
		modes = keep
	}
	if *capEps > 0 && *vsN != "" {
		for _, f := range strings.Split(*vsN, ",") {
			nn, err := strconv.Atoi(f)
			if err != nil {
				log.Fatal(err)
			}
			c := cfg
			kk := int(math.Round(math.Log2(float64(nn))))
			c.Patterns = memory.Ensemble{Kind: cfg.Patterns.Kind, N: nn, K: kk, P: float64(kk) / float64(nn), Modules: kk}
			fmt.Printf("# n = %d, k = %d\n", nn, kk)
			capacities(c, rs, modes, ss, *capEps)
		}
		return
	}
	if *capEps > 0 {
		capacities(cfg, rs, modes, ss, *capEps)
		return
	}
	rows, err := memory.Study(cfg, rs, modes, ls, ss)
	if err != nil {
		log.Fatal(err)
	}
	if err := memory.WriteSummary(os.Stdout, memory.Summarize(rows)); err != nil {
		log.Fatal(err)
	}
}

// capacities prints M_ε of every rule and mode, per seed and the mean.
func capacities(cfg memory.Config, rules []synapse.MemoryRule, modes []memory.Mode, seeds []uint64, eps float64) {
	fmt.Printf("rule\tmode\tM_%g per seed\tmean\tbits/synapse (mean)\n", eps)
	for _, rule := range rules {
		for _, md := range modes {
			c := cfg
			c.Rule, c.Steps, c.UntilStable, c.ANE = rule, md.Steps, md.UntilStable, md.ANE
			var ms []int
			sum, bits := 0.0, 0.0
			for _, seed := range seeds {
				M, r, err := memory.Capacity(c, seed, eps, synapse.MaxPatterns)
				if err != nil {
					log.Fatal(err)
				}
				ms = append(ms, M)
				sum += float64(M)
				bits += r.BitsPerSynapse
			}
			f := float64(len(seeds))
			fmt.Printf("%s\t%s\t%v\t%.0f\t%.3f\n", rule, md.Name, ms, sum/f, bits/f)
		}
	}
}
