package memory

import (
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/synapse"
)

// QueryNoise says how a query is made from a stored address pattern u:
// active units are deleted and silent units added.
type QueryNoise struct {
	// P01 is the fraction of active units deleted, p₀₁ = P(query 0 | stored 1).
	P01 float64 `toml:"p01"`
	// P10 is the fraction of silent units added, p₁₀ = P(query 1 | stored 0).
	P10 float64 `toml:"p10"`
	// Exact deletes exactly round(P01·|u|) active units and adds exactly
	// round(P10·(N−|u|)) silent ones, chosen uniformly (P01 = ½: the
	// half-pattern queries of the classical analyses). Otherwise every
	// bit flips independently with its probability, as the Bayesian model
	// assumes.
	Exact bool `toml:"exact"`
}

// Validate reports a parameter out of range, naming its key.
func (q QueryNoise) Validate() error {
	return q.Model().Validate()
}

// Model returns the noise as the Bayesian rule models it.
func (q QueryNoise) Model() synapse.Noise { return synapse.Noise{P01: q.P01, P10: q.P10} }

// Apply appends to dst the ascending active units of a noisy query made
// from the pattern u (ascending, of n units), drawing from r. scratch is
// reused (pass nil, keep the result) so that repeated calls allocate
// nothing once it has grown.
func (q QueryNoise) Apply(r *rand.Rand, dst, u []int32, n int, scratch []int32) ([]int32, []int32) {
	start := len(dst)
	if q.Exact {
		del := int(q.P01*float64(len(u)) + 0.5)
		add := int(q.P10*float64(n-len(u)) + 0.5)
		// keep a uniform subset of len(u)−del pattern units
		scratch = append(scratch[:0], u...)
		for i := range len(u) - del { // partial Fisher–Yates
			j := i + r.IntN(len(scratch)-i)
			scratch[i], scratch[j] = scratch[j], scratch[i]
		}
		dst = append(dst, scratch[:len(u)-del]...)
		// add uniform silent units by rejection (add ≤ n−|u|)
		for added := 0; added < add; {
			t := int32(r.IntN(n))
			if _, in := slices.BinarySearch(u, t); in || slices.Contains(dst[start+len(u)-del:], t) {
				continue
			}
			dst = append(dst, t)
			added++
		}
		slices.Sort(dst[start:])
		return dst, scratch
	}
	k := 0
	for i := range int32(n) {
		on := k < len(u) && u[k] == i
		if on {
			k++
			if r.Float64() >= q.P01 {
				dst = append(dst, i)
			}
		} else if r.Float64() < q.P10 {
			dst = append(dst, i)
		}
	}
	return dst, scratch
}
