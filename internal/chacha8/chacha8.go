// Package chacha8 generates, in bulk, the very stream of math/rand/v2's
// ChaCha8 source: for the same 32-byte seed, Fill writes the values that
// successive calls of (*rand.ChaCha8).Uint64 return, bit for bit.
//
// Go's ChaCha8 (the C2SP chacha8rand specification) runs ChaCha with 8
// rounds on four blocks at once, counters c, c+1, c+2, c+3, and emits
// their 16 words interleaved: value 2w of a refill holds word w of blocks
// c and c+1 (low and high 32 bits), value 2w+1 that of blocks c+2 and c+3.
// Only words 4 to 11 (the key) get the input added back. Counters run
// 0, 4, 8, 12 under one key; the last 4 values of the fourth refill are not
// emitted but become the next key, and the counter starts again at 0. So
// one key gives 124 values: an epoch.
//
// A Stream computes a whole epoch at a time: on amd64 with AVX2 the 16
// blocks in two passes of eight lanes, about twice the rate of the
// standard library's four-lane kernel, with no call per value; with
// AVX-512 all 16 in one pass (rotations in one instruction, no state
// spilled to memory), 1.5 times the AVX2 rate (BenchmarkKernels). The
// circuits' thalamic noise draws a million values a simulated second from
// it (circuits.PopulationSpec.NoiseUniform).
package chacha8

import "encoding/binary"

// epochLen is the number of values one key gives; epochBuf adds the 4
// that become the next key.
const (
	epochLen = 124
	epochBuf = 128
)

// Stream is the stream of rand.NewChaCha8(seed). It allocates nothing
// after New.
type Stream struct {
	buf  [epochBuf]uint64
	seed [4]uint64
	i    int // next value of buf to hand out
}

// New returns the stream of rand.NewChaCha8(seed).
func New(seed [32]byte) *Stream {
	s := &Stream{}
	for k := range s.seed {
		s.seed[k] = binary.LittleEndian.Uint64(seed[8*k:])
	}
	epoch(&s.seed, &s.buf)
	return s
}

// next computes the following epoch: the last four values of this one are
// its key.
func (s *Stream) next() {
	copy(s.seed[:], s.buf[epochLen:])
	epoch(&s.seed, &s.buf)
	s.i = 0
}

// Uint64 returns the next value of the stream.
func (s *Stream) Uint64() uint64 {
	if s.i == epochLen {
		s.next()
	}
	x := s.buf[s.i]
	s.i++
	return x
}

// Fill writes the next len(dst) values of the stream to dst.
func (s *Stream) Fill(dst []uint64) {
	for len(dst) > 0 {
		if s.i == epochLen {
			s.next()
		}
		n := copy(dst, s.buf[s.i:epochLen])
		s.i += n
		dst = dst[n:]
	}
}

// epoch writes the 128 values of key seed (counters 0 to 15) to buf.
func epoch(seed *[4]uint64, buf *[epochBuf]uint64) {
	if useAVX512 {
		epochAVX512(seed, buf)
		return
	}
	if useAVX2 {
		epochAVX2(seed, buf)
		return
	}
	epochGeneric(seed, buf)
}

// sigma is ChaCha's constant, "expand 32-byte k".
var sigma = [4]uint32{0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}

// epochGeneric is epoch one block at a time.
func epochGeneric(seed *[4]uint64, buf *[epochBuf]uint64) {
	var key [8]uint32
	for k, x := range seed {
		key[2*k], key[2*k+1] = uint32(x), uint32(x>>32)
	}
	for ctr := range uint32(16) {
		var x [16]uint32
		copy(x[:4], sigma[:])
		copy(x[4:12], key[:])
		x[12] = ctr
		for range 4 {
			qr(&x, 0, 4, 8, 12)
			qr(&x, 1, 5, 9, 13)
			qr(&x, 2, 6, 10, 14)
			qr(&x, 3, 7, 11, 15)
			qr(&x, 0, 5, 10, 15)
			qr(&x, 1, 6, 11, 12)
			qr(&x, 2, 7, 8, 13)
			qr(&x, 3, 4, 9, 14)
		}
		for w := 4; w < 12; w++ {
			x[w] += key[w-4]
		}
		// Block ctr is lane ctr%4 of the refill that starts at ctr − ctr%4:
		// word w of it is the low (even lane) or high (odd lane) half of
		// value 2w + lane/2 of that refill.
		base, lane := int(ctr-ctr%4)*8, int(ctr%4)
		shift := uint(32 * (lane % 2))
		for w, v := range x {
			p := &buf[base+2*w+lane/2]
			*p = *p&^(0xffffffff<<shift) | uint64(v)<<shift
		}
	}
}

// qr is ChaCha's quarter round on words a, b, c, d of x.
func qr(x *[16]uint32, a, b, c, d int) {
	x[a] += x[b]
	x[d] ^= x[a]
	x[d] = x[d]<<16 | x[d]>>16
	x[c] += x[d]
	x[b] ^= x[c]
	x[b] = x[b]<<12 | x[b]>>20
	x[a] += x[b]
	x[d] ^= x[a]
	x[d] = x[d]<<8 | x[d]>>24
	x[c] += x[d]
	x[b] ^= x[c]
	x[b] = x[b]<<7 | x[b]>>25
}

// AddUniform adds amp·(U − ½) to every value of in, U uniform in [0, 1)
// with the 32 bits of one half of a value of the stream: the high half for
// in[2k], the low half for in[2k+1]; an odd last value of in takes the
// high half of a value of its own. It gives the bits of
//
//	x := s.Uint64()
//	in[2k] += float64(x>>32)*(amp/2³²) − amp/2
//	in[2k+1] += float64(uint32(x))*(amp/2³²) − amp/2
//
// (on amd64 with AVX2, eight values per loop, sixteen with AVX-512, of a
// kernel that makes the same IEEE operations in the same order) and
// allocates nothing.
func (s *Stream) AddUniform(in []float64, amp float64) {
	for len(in) > 1 {
		if s.i == epochLen {
			s.next()
		}
		w := s.buf[s.i:epochLen]
		w = w[:min(len(w), len(in)/2)]
		AddWords(in[:2*len(w)], w, amp)
		s.i += len(w)
		in = in[2*len(w):]
	}
	if len(in) == 1 {
		last := [1]uint64{s.Uint64()}
		AddWords(in, last[:], amp)
	}
}

// AddWords adds amp·(U − ½) to every value of in, from the values w of a
// stream, as AddUniform does from the stream itself: in[2k] takes the high
// half of w[k], in[2k+1] its low half; an odd last value takes the high
// half of the last word. len(w) must be (len(in)+1)/2. Threads that step
// ranges of one population draw a step's values once (Fill) and each adds
// its range (an even start, so w[lo/2:]) with the bits of AddUniform.
func AddWords(in []float64, w []uint64, amp float64) {
	if len(w) != (len(in)+1)/2 {
		panic("chacha8: AddWords needs one word per two values")
	}
	a, h := amp*inv32, -0.5*amp
	m := len(in) / 2
	done := 0
	if useAVX2 && m >= 4 {
		k := [2]float64{a, h}
		if useAVX512 && m >= 8 {
			done = m &^ 7
			addAVX512(&in[0], &w[0], done, &k)
		}
		if rest := (m - done) &^ 3; rest > 0 {
			addAVX2(&in[2*done], &w[done], rest, &k)
			done += rest
		}
	}
	addGeneric(in[2*done:2*m], w[done:m], a, h)
	if len(in)%2 == 1 {
		in[2*m] += float64(int64(w[m]>>32))*a + h
	}
}

const inv32 = 1.0 / (1 << 32)

// addGeneric is AddUniform's loop over the words of w, one per two values
// of in. x>>32 < 2³², so its signed conversion gives the same value in one
// instruction.
func addGeneric(in []float64, w []uint64, a, h float64) {
	in = in[:2*len(w)]
	for k, x := range w {
		in[2*k] += float64(int64(x>>32))*a + h
		in[2*k+1] += float64(uint32(x))*a + h
	}
}
