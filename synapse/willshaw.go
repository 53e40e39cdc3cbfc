package synapse

import (
	"fmt"
	"math/bits"
)

// PackedWillshaw holds binary Willshaw synapses w_ij = min(1, M₁₁) packed
// 64 to a machine word: the row of pre unit i is Words consecutive uint64,
// bit j%64 of word j/64 being the synapse to post unit j. The whole matrix
// is one slice of NPre·Words words: n² bits, 1.25 GB at n = 100 000.
//
// Storing a pattern pair sets the k·l bits of its active units. Retrieval
// is bit-parallel: WillshawSums adds the rows of the active query units
// into a bit-sliced counter (a carry-save adder working on 64 post units at
// a time) and compares it with a threshold word by word; math/bits counts
// the result. A step thus costs about |q|·n/64 word operations, not |q|·n.
type PackedWillshaw struct {
	NPre, NPost int
	Words       int      // words per row, ⌈NPost/64⌉
	Bits        []uint64 // the synapses, row-major by pre unit
	M           int      // number of stored pattern pairs
}

// NewPackedWillshaw returns n_pre × n_post Willshaw synapses, all silent.
func NewPackedWillshaw(nPre, nPost int) (*PackedWillshaw, error) {
	if nPre <= 0 || nPost <= 0 {
		return nil, fmt.Errorf("synapse: Willshaw synapses need nPre, nPost > 0, got %d, %d", nPre, nPost)
	}
	w := (nPost + 63) / 64
	return &PackedWillshaw{NPre: nPre, NPost: nPost, Words: w, Bits: make([]uint64, nPre*w)}, nil
}

// Store sets the synapses between the active units of the pattern pair
// (ascending indices; the same slice twice for auto-association).
func (p *PackedWillshaw) Store(pre, post []int32) error {
	if err := checkActive(pre, p.NPre, "pre"); err != nil {
		return err
	}
	if err := checkActive(post, p.NPost, "post"); err != nil {
		return err
	}
	for _, i := range pre {
		row := p.Bits[int(i)*p.Words : int(i+1)*p.Words]
		for _, j := range post {
			row[j>>6] |= 1 << (uint(j) & 63)
		}
	}
	p.M++
	return nil
}

// Has reports whether synapse ij is set.
func (p *PackedWillshaw) Has(i, j int) bool {
	return p.Bits[i*p.Words+j>>6]>>(uint(j)&63)&1 == 1
}

// SetFraction returns the fraction p₁ of set synapses.
func (p *PackedWillshaw) SetFraction() float64 {
	s := 0
	for _, w := range p.Bits {
		s += bits.OnesCount64(w)
	}
	return float64(s) / (float64(p.NPre) * float64(p.NPost))
}

// Potentials writes into x the dendritic sum x_j = #{i ∈ query : w_ij = 1}
// of every post unit, one unit at a time (the slow path, to compare with
// Counts' Willshaw readout; WillshawSums is the fast one).
func (p *PackedWillshaw) Potentials(query []int32, x []float64) {
	x = x[:p.NPost]
	clear(x)
	for _, i := range query {
		row := p.Bits[int(i)*p.Words : int(i+1)*p.Words]
		for w, word := range row {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				x[w<<6+b]++
				word &= word - 1
			}
		}
	}
}

// WillshawSums is a bit-sliced counter of the dendritic sums of the post
// units of a PackedWillshaw: Levels bit planes of Words words, bit j of
// plane l holding bit l of the sum of post unit j. It is the
// scratch of one retrieval: each goroutine needs its own.
type WillshawSums struct {
	p      *PackedWillshaw
	Levels int      // bit planes: sums up to 2^Levels − 1
	planes []uint64 // plane l, word w at l*Words + w
	carry  []uint64
	offs   []int  // row offsets of the query units
	tail   uint64 // mask of the valid bits of the last word
	q      int    // size of the last query
}

// NewSums returns a counter for queries of up to maxQuery active units.
func (p *PackedWillshaw) NewSums(maxQuery int) *WillshawSums {
	l := max(1, bits.Len(uint(maxQuery)))
	tail := ^uint64(0)
	if r := p.NPost & 63; r != 0 {
		tail = 1<<uint(r) - 1
	}
	return &WillshawSums{p: p, Levels: l, planes: make([]uint64, p.Words*l), carry: make([]uint64, p.Words), offs: make([]int, 0, 1<<uint(l)), tail: tail}
}

// Add sets the counter to the dendritic sums for the query given by its
// active pre units: the rows of the query units added word-parallel. It
// panics if the query has more units than the counter was made for.
func (s *WillshawSums) Add(query []int32) {
	if len(query) >= 1<<uint(s.Levels) {
		panic(fmt.Sprintf("synapse: query of %d units for sums of %d levels", len(query), s.Levels))
	}
	s.q = len(query)
	L, W := s.Levels, s.p.Words
	offs := s.offs[:0]
	for _, i := range query {
		offs = append(offs, int(i)*W)
	}
	s.offs = offs
	bitsW := s.p.Bits
	// Word by word, the L counter bits of 64 units held in registers while
	// the query rows are added (a ripple-carry add per row); the rows are
	// read as k sequential streams, the planes written once.
	switch {
	case L <= 4:
		for w := range W {
			var p0, p1, p2, p3 uint64
			for _, off := range offs {
				c := bitsW[off+w]
				t := p0 & c
				p0 ^= c
				c = t
				t = p1 & c
				p1 ^= c
				c = t
				t = p2 & c
				p2 ^= c
				c = t
				p3 ^= c
			}
			if 0 < L {
				s.planes[0*W+w] = p0
			}
			if 1 < L {
				s.planes[1*W+w] = p1
			}
			if 2 < L {
				s.planes[2*W+w] = p2
			}
			if 3 < L {
				s.planes[3*W+w] = p3
			}
		}
	case L <= 6:
		for w := range W {
			var p0, p1, p2, p3, p4, p5 uint64
			for _, off := range offs {
				c := bitsW[off+w]
				t := p0 & c
				p0 ^= c
				c = t
				t = p1 & c
				p1 ^= c
				c = t
				t = p2 & c
				p2 ^= c
				c = t
				t = p3 & c
				p3 ^= c
				c = t
				t = p4 & c
				p4 ^= c
				c = t
				p5 ^= c
			}
			if 0 < L {
				s.planes[0*W+w] = p0
			}
			if 1 < L {
				s.planes[1*W+w] = p1
			}
			if 2 < L {
				s.planes[2*W+w] = p2
			}
			if 3 < L {
				s.planes[3*W+w] = p3
			}
			if 4 < L {
				s.planes[4*W+w] = p4
			}
			if 5 < L {
				s.planes[5*W+w] = p5
			}
		}
	case L <= 8:
		for w := range W {
			var p0, p1, p2, p3, p4, p5, p6, p7 uint64
			for _, off := range offs {
				c := bitsW[off+w]
				t := p0 & c
				p0 ^= c
				c = t
				t = p1 & c
				p1 ^= c
				c = t
				t = p2 & c
				p2 ^= c
				c = t
				t = p3 & c
				p3 ^= c
				c = t
				t = p4 & c
				p4 ^= c
				c = t
				t = p5 & c
				p5 ^= c
				c = t
				t = p6 & c
				p6 ^= c
				c = t
				p7 ^= c
			}
			if 0 < L {
				s.planes[0*W+w] = p0
			}
			if 1 < L {
				s.planes[1*W+w] = p1
			}
			if 2 < L {
				s.planes[2*W+w] = p2
			}
			if 3 < L {
				s.planes[3*W+w] = p3
			}
			if 4 < L {
				s.planes[4*W+w] = p4
			}
			if 5 < L {
				s.planes[5*W+w] = p5
			}
			if 6 < L {
				s.planes[6*W+w] = p6
			}
			if 7 < L {
				s.planes[7*W+w] = p7
			}
		}
	default:
		s.addByPlanes(query)
	}
}

// addByPlanes adds the rows level by level over whole rows (any number of
// levels; Add uses registers for up to 8).
func (s *WillshawSums) addByPlanes(query []int32) {
	L, W := s.Levels, s.p.Words
	clear(s.planes)
	carry := s.carry[:W]
	for _, i := range query {
		row := s.p.Bits[int(i)*W : int(i+1)*W]
		p0 := s.planes[:W]
		for w, c := range row {
			carry[w] = p0[w] & c
			p0[w] ^= c
		}
		for l := 1; l < L; l++ {
			pl := s.planes[l*W : (l+1)*W]
			cr := carry[:len(pl)]
			for w, c := range cr {
				cr[w] = pl[w] & c
				pl[w] ^= c
			}
		}
	}
}

// Count returns the dendritic sum of post unit j.
func (s *WillshawSums) Count(j int) int {
	c := 0
	for l := range s.Levels {
		c |= int(s.planes[l*s.p.Words+j>>6]>>(uint(j)&63)&1) << uint(l)
	}
	return c
}

// compare returns the masks of the 64 units of word w whose sum is > theta
// and == theta (0 ≤ theta < 2^Levels), comparing the planes from the top.
func (s *WillshawSums) compare(w, theta int) (gt, eq uint64) {
	W := s.p.Words
	eq = ^uint64(0)
	if w == W-1 {
		eq = s.tail
	}
	mask := eq
	for l := s.Levels - 1; l >= 0; l-- {
		pl := s.planes[l*W+w]
		if theta>>uint(l)&1 == 1 {
			eq &= pl
		} else {
			gt |= eq & pl
			eq &^= pl
		}
	}
	return gt & mask, eq
}

// atLeast returns the mask of the 64 units of word w whose sum is ≥ theta.
func (s *WillshawSums) atLeast(w, theta int) uint64 {
	switch {
	case theta <= 0:
		if w == s.p.Words-1 {
			return s.tail
		}
		return ^uint64(0)
	case theta >= 1<<uint(s.Levels):
		return 0
	}
	gt, eq := s.compare(w, theta)
	return gt | eq
}

// AtLeast writes into out (Words words) the set of post units whose sum is
// ≥ theta, as a bitset, and returns how many there are. theta = the query
// size is the classical Willshaw threshold for queries without false units.
func (s *WillshawSums) AtLeast(theta int, out []uint64) int {
	n := 0
	for w := range s.p.Words {
		o := s.atLeast(w, theta)
		out[w] = o
		n += bits.OnesCount64(o)
	}
	return n
}

// TopK writes into out the k post units of largest sum (k winners take
// all; ties to the lower index, as neuron.SelectKWinners) and returns the
// threshold θ: every winner has sum ≥ θ, every loser ≤ θ. It scans θ down
// from the query size, one pass over the words per value (a retrieving
// memory needs one or two), then one pass to write the winners.
func (s *WillshawSums) TopK(k int, out []uint64) (theta int) {
	k = min(max(k, 0), s.p.NPost)
	// largest θ with #{sum > θ} + #{sum = θ} ≥ k; above = #{sum > θ}
	above := 0
	for theta = s.q; theta > 0; theta-- {
		gtN, eqN := 0, 0
		for w := range s.p.Words {
			gt, eq := s.compare(w, theta)
			gtN += bits.OnesCount64(gt)
			eqN += bits.OnesCount64(eq)
		}
		if gtN+eqN >= k {
			above = gtN
			break
		}
	}
	if theta == 0 {
		above = s.countAtLeast(1)
	}
	need := k - above
	for w := range s.p.Words {
		win, tied := s.atLeast(w, theta+1), uint64(0)
		if theta == 0 {
			tied = s.atLeast(w, 0) &^ win
		} else {
			_, tied = s.compare(w, theta)
		}
		if need > 0 {
			if c := bits.OnesCount64(tied); c <= need {
				win |= tied
				need -= c
			} else {
				for ; need > 0; need-- {
					low := tied & -tied
					win |= low
					tied &^= low
				}
			}
		}
		out[w] = win
	}
	return theta
}

func (s *WillshawSums) countAtLeast(theta int) int {
	n := 0
	for w := range s.p.Words {
		n += bits.OnesCount64(s.atLeast(w, theta))
	}
	return n
}

// AppendActive appends to dst the indices of the set bits of a bitset of
// post units, ascending.
func AppendActive(dst []int32, set []uint64) []int32 {
	for w, word := range set {
		for word != 0 {
			dst = append(dst, int32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	return dst
}
