package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/pool"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// PackedConfig is one-step auto-association of fixed-k patterns in a
// bit-packed Willshaw memory (synapse.PackedWillshaw): the memory of large
// networks, n² bits (1.25 GB at n = 100 000).
type PackedConfig struct {
	// N is the number of units, K the active units per pattern.
	N int `toml:"n" check:">=2"`
	K int `toml:"k"`
	// M is the number of stored patterns.
	M int `toml:"m" check:">=1"`
	// Query is the query noise (exact or bit by bit).
	Query QueryNoise `toml:"query"`
	// Activation is threshold (θ = round(|q| − p₁₀·(N−K)), at least 1)
	// or kwta (K winners).
	Activation neuron.BinaryActivation `toml:"activation"`
	// Queries is the number of queries, of stored patterns drawn uniformly.
	Queries int `toml:"queries" check:">=1"`
	// Workers is the number of goroutines (0: one per CPU); results do not depend on it.
	Workers int `toml:"-"`
}

// Validate reports a parameter out of range, naming its key.
func (c PackedConfig) Validate() error {
	if err := param.Check(c); err != nil {
		return err
	}
	switch {
	case c.K < 1 || c.K >= c.N:
		return param.New(fmt.Sprintf("must be in [1, n), got %d", c.K), "k")
	case c.Activation != neuron.ThresholdActivation && c.Activation != neuron.KWinners:
		return param.New("must be threshold or kwta", "activation")
	}
	return param.Under(c.Query.Validate(), "query")
}

// RunPacked stores c.M patterns (from the stream "memory/packed/patterns"
// of the seed) in packed Willshaw synapses and retrieves c.Queries of them
// in one step (query q from the stream "memory/packed/query/q"). Only the
// queried patterns are kept, so the memory is the n² bits alone.
func RunPacked(c PackedConfig, seed uint64) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	pw, err := synapse.NewPackedWillshaw(c.N, c.N)
	if err != nil {
		return Result{}, err
	}
	which := make([]int, c.Queries)
	for q := range which {
		which[q] = rng.Stream(seed, fmt.Sprint("memory/packed/query/", q)).IntN(c.M)
	}
	keep := map[int][]int32{}
	for _, mu := range which {
		keep[mu] = nil
	}
	ens := Ensemble{Kind: FixedK, N: c.N, K: c.K}
	r := rng.Stream(seed, "memory/packed/patterns")
	buf := make([]int32, 0, c.K)
	for mu := range c.M {
		buf = ens.Draw(r, buf[:0])
		if err := pw.Store(buf, buf); err != nil {
			return Result{}, err
		}
		if _, ok := keep[mu]; ok {
			keep[mu] = slices.Clone(buf)
		}
	}
	type one struct{ false, missed int }
	res := make([]one, c.Queries)
	chunks := min(c.Queries, 32)
	pool.Run(context.Background(), chunks, c.Workers, func(ch int) {
		var query, scratch []int32
		out := make([]uint64, pw.Words)
		var sums *synapse.WillshawSums
		for q := ch * c.Queries / chunks; q < (ch+1)*c.Queries/chunks; q++ {
			s := rng.Stream(seed, fmt.Sprint("memory/packed/query/", q))
			s.IntN(c.M) // the pattern index, drawn above
			u := keep[which[q]]
			query, scratch = c.Query.Apply(s, query[:0], u, c.N, scratch)
			if sums == nil || len(query) >= 1<<uint(sums.Levels) {
				sums = pw.NewSums(max(len(query), c.K))
			}
			sums.Add(query)
			var got int
			if c.Activation == neuron.KWinners {
				sums.TopK(c.K, out)
				got = c.K
			} else {
				theta := max(1, int(float64(len(query))-c.Query.P10*float64(c.N-c.K)+0.5))
				got = sums.AtLeast(theta, out)
			}
			hit := 0
			for _, i := range u {
				hit += int(out[i>>6] >> (uint(i) & 63) & 1)
			}
			res[q] = one{false: got - hit, missed: len(u) - hit}
		}
	})
	out := Result{Rule: "willshaw", M: c.M, Queries: c.Queries, Epsilon: make([]float64, c.Queries), SetFraction: pw.SetFraction(), MeanSteps: 1}
	var sf, sm, s2, sfr, sfr2 float64
	for q, o := range res {
		e := float64(o.false+o.missed) / float64(c.K)
		out.Epsilon[q] = e
		out.OutputNoise += e
		s2 += e * e
		fr := float64(o.false) / float64(c.N-c.K)
		sfr += fr
		sfr2 += fr * fr
		if o.false+o.missed == 0 {
			out.PerfectRecallFraction++
		}
		sf += float64(o.false)
		sm += float64(o.missed)
	}
	fq := float64(c.Queries)
	out.OutputNoise /= fq
	out.OutputNoiseSE = sem(s2/fq-out.OutputNoise*out.OutputNoise, c.Queries)
	out.FalseRate = sfr / fq
	out.FalseRateSE = sem(sfr2/fq-out.FalseRate*out.FalseRate, c.Queries)
	out.PerfectRecallFraction /= fq
	out.False, out.Missed = sf/fq, sm/fq
	out.BitsPerSynapse = BitsPerSynapse(c.M, c.N, c.N, float64(c.K)/float64(c.N), out.Missed/float64(c.K), out.False/float64(c.N-c.K))
	return out, nil
}
