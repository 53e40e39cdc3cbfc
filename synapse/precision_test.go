package synapse

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPrecision measures whether float32 storage of the weights (a
// `precision` option, issue #22) would pay on the loops of Brunel's
// network with STDP: 10 000 neurons, 1000 synapses each (10⁷ synapses,
// fixed in-degree), 42 spikes per 0.1-ms step (42 Hz). deliver adds the
// rows of the spiking neurons into a ring slot, as Sparse.deliver does;
// column walks the incoming synapses of the spiking post neurons,
// scattered over the projection, and potentiates them with a clip, as an
// STDP post spike does; row depresses the rows of the spiking pre
// neurons. The loops are this file's, the same for both types: they
// measure the storage, not dopa's code (docs/performance.md has the
// numbers and the decision).
func BenchmarkPrecision(b *testing.B) {
	b.Run("float64", func(b *testing.B) { benchPrecision[float64](b) })
	b.Run("float32", func(b *testing.B) { benchPrecision[float32](b) })
}

type probe[T float32 | float64] struct {
	w              []T
	post           []int32 // target of every synapse, rows ascending
	colSyn, colPre []int32 // incoming synapses by post neuron
	colPtr, rowPtr []int32
	buf            []T
	x, y           []T // pre and post traces
}

func newProbe[T float32 | float64](n, k int, rng *rand.Rand) *probe[T] {
	p := &probe[T]{w: make([]T, n*k), post: make([]int32, n*k), colPtr: make([]int32, n+1),
		buf: make([]T, n), x: make([]T, n), y: make([]T, n)}
	// Fixed in-degree k: every post neuron draws k pre neurons.
	pres := make([]int32, n*k)
	deg := make([]int32, n+1)
	for i := range n {
		for m := range k {
			j := int32(rng.IntN(n))
			pres[i*k+m] = j
			deg[j+1]++
		}
	}
	for j := range n {
		deg[j+1] += deg[j]
	}
	rowPtr := append([]int32(nil), deg...)
	next := append([]int32(nil), deg[:n]...)
	for i := range n {
		for _, j := range pres[i*k : (i+1)*k] {
			p.post[next[j]] = int32(i)
			next[j]++
		}
	}
	for m := range p.w {
		p.w[m] = T(0.1 + 0.01*rng.Float64())
	}
	// Columns: the synapses onto each post neuron, in row order.
	for _, i := range p.post {
		p.colPtr[i+1]++
	}
	for i := range n {
		p.colPtr[i+1] += p.colPtr[i]
	}
	p.colSyn, p.colPre = make([]int32, n*k), make([]int32, n*k)
	at := append([]int32(nil), p.colPtr[:n]...)
	for j := range n {
		for m := rowPtr[j]; m < rowPtr[j+1]; m++ {
			i := p.post[m]
			p.colSyn[at[i]], p.colPre[at[i]] = m, int32(j)
			at[i]++
		}
	}
	for i := range p.x {
		p.x[i], p.y[i] = T(rng.Float64()), T(rng.Float64())
	}
	p.rowPtr = rowPtr
	return p
}

func benchPrecision[T float32 | float64](b *testing.B) {
	const n, k, spikes = 10000, 1000, 42
	rng := rand.New(rand.NewPCG(1, 2))
	p := newProbe[T](n, k, rng)
	rowPtr := p.rowPtr
	fired := make([]int32, spikes)
	draw := func() {
		for s := range fired {
			fired[s] = int32(rng.IntN(n))
		}
	}
	const lo, hi, aPlus, aMinus = 0, 0.2, 0.001, 0.0011
	b.Run("deliver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			draw()
			for _, j := range fired {
				w := p.w[rowPtr[j]:rowPtr[j+1]]
				for m, i := range p.post[rowPtr[j]:rowPtr[j+1]] {
					p.buf[i] += w[m]
				}
			}
		}
	})
	b.Run("row", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			draw()
			for _, j := range fired {
				w := p.w[rowPtr[j]:rowPtr[j+1]]
				for m, i := range p.post[rowPtr[j]:rowPtr[j+1]] {
					w[m] = max(w[m]-aMinus*p.y[i], lo)
				}
			}
		}
	})
	b.Run("column", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			draw()
			for _, i := range fired {
				a, e := p.colPtr[i], p.colPtr[i+1]
				for m, syn := range p.colSyn[a:e] {
					p.w[syn] = min(p.w[syn]+aPlus*p.x[p.colPre[int(a)+m]], hi)
				}
			}
		}
	})
}
