package synapse

import "math"

// pairK are the operands of pairAVX2: the time, the amplitude and the
// table length broadcast to four lanes, and the trace, the trace times
// and the decay table of one side of the pairing (pairadd_amd64.s names their
// offsets).
type pairK struct {
	t, amp, tabLen [4]float64
	tr, tt, tab    *float64
}

// pairAdd adds to c[x], for each x, the pairing of a spike at t with the
// trace of neuron idx[x] on the other side: amp·tr·e with tr = trace[i]
// and e = e^(−(t − tt[i])·inv) (from tab for a whole gap the table holds),
// nothing where tr = 0. sub subtracts the term instead (depression: c −=
// amp·tr·e); the kernel adds (−amp)·tr·e, the same bits but for a NaN's
// sign, and leaves NaN terms to the Go loop. These are the pairing loops
// of SpikesAt, four synapses per instruction on amd64 with AVX2 (but for
// the last len mod 4 and the gaps no table holds).
func pairAdd(idx []int32, c, trace, tt []float64, tab expTable, inv, amp, t float64, sub bool, k *pairK, slow *[bringChunk]int32) {
	c = c[:len(idx)]
	if useAVX2 && len(idx) >= 4 {
		k.t, k.tabLen = broadcast(t), broadcast(expTableLen)
		if sub {
			k.amp = broadcast(-amp)
		} else {
			k.amp = broadcast(amp)
		}
		k.tr, k.tt, k.tab = &trace[0], &tt[0], &tab[0]
		_, _ = trace[len(trace)-1], tt[len(tt)-1]
		n := len(idx) &^ 3
		for lo := 0; lo < n; lo += bringChunk {
			m := min(n-lo, bringChunk)
			ns := pairAVX2(&idx[lo], &c[lo], m, k, &slow[0])
			for _, x := range slow[:ns] {
				pairOne(&c[lo+int(x)], idx[lo+int(x)], trace, tt, tab, inv, amp, t, sub)
			}
		}
		idx, c = idx[n:], c[n:]
	}
	for x, i := range idx {
		pairOne(&c[x], i, trace, tt, tab, inv, amp, t, sub)
	}
}

// pairOne is pairAdd for one synapse.
func pairOne(c *float64, i int32, trace, tt []float64, tab expTable, inv, amp, t float64, sub bool) {
	if tr := trace[i]; tr != 0 {
		g := t - tt[i]
		e, ok := lookup(tab, g)
		if !ok {
			e = math.Exp(-g * inv)
		}
		if sub {
			*c -= amp * tr * e
		} else {
			*c += amp * tr * e
		}
	}
}
