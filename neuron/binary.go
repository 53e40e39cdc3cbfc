package neuron

import (
	"fmt"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// Binary units are the units of associative memories: each unit is either
// active (1) or silent (0), decided at every step from its input (the
// dendritic potential x_j) by one of three activations:
//
//	threshold         y_j = 1  iff  x_j ≥ θ
//	k winners         y_j = 1  iff  j is among the k units of largest x_j
//	module winners    the n units form H modules of n/H consecutive units;
//	                  in each module the one unit of largest x_j is active
//
// Ties are broken deterministically, towards the lower index: among units
// of equal input the one with the smaller index wins, so k winners always
// activates exactly k units and every module exactly one, and the result
// depends on nothing but the input. NaN inputs rank below every number
// (they never beat a number, and never pass a threshold).

// BinaryActivation says how binary units decide which of them are active.
type BinaryActivation int

// The activations of binary units.
const (
	ThresholdActivation BinaryActivation = iota // y_j = 1 iff x_j ≥ θ
	KWinners                                    // the k largest inputs win
	ModuleWinners                               // one winner in each of H equal modules
)

var binaryActivationNames = [...]string{ThresholdActivation: "threshold", KWinners: "kwta", ModuleWinners: "module_wta"}

// String returns the lower-case name used in files: threshold, kwta or module_wta.
func (a BinaryActivation) String() string {
	if a < 0 || int(a) >= len(binaryActivationNames) {
		return fmt.Sprintf("BinaryActivation(%d)", int(a))
	}
	return binaryActivationNames[a]
}

// MarshalText implements encoding.TextMarshaler.
func (a BinaryActivation) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// threshold, kwta and module_wta.
func (a *BinaryActivation) UnmarshalText(b []byte) error {
	for i, n := range binaryActivationNames {
		if string(b) == n {
			*a = BinaryActivation(i)
			return nil
		}
	}
	return fmt.Errorf("unknown binary activation %q (want threshold, kwta or module_wta)", b)
}

// BinaryParams are the parameters of a population of binary units.
type BinaryParams struct {
	// Activation decides which units are active: threshold, kwta or module_wta.
	Activation BinaryActivation `toml:"activation"`
	// Threshold is θ of the threshold activation (in the units of the
	// input, e.g. a count of synapses or a log-odds).
	Threshold float64 `toml:"threshold" check:"number"`
	// K is the number of winners of the kwta activation (1 ≤ K ≤ n).
	K int `toml:"k"`
	// Modules is the number H of modules of the module_wta activation; it
	// must divide the number of units.
	Modules int `toml:"modules"`
}

// Defaults returns threshold units at θ = 0 (k = 1, one module, used only
// when the activation is switched).
func (BinaryParams) Defaults() BinaryParams {
	return BinaryParams{Activation: ThresholdActivation, K: 1, Modules: 1}
}

// Validate reports a parameter out of range, naming its key. It checks
// what does not depend on the population size; NewBinary checks the rest.
func (p BinaryParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.Activation < ThresholdActivation || p.Activation > ModuleWinners:
		return param.New(fmt.Sprintf("unknown binary activation %d", int(p.Activation)), "activation")
	case p.Activation == KWinners && p.K < 1:
		return param.New(fmt.Sprintf("must be >= 1, got %d", p.K), "k")
	case p.Activation == ModuleWinners && p.Modules < 1:
		return param.New(fmt.Sprintf("must be >= 1, got %d", p.Modules), "modules")
	}
	return nil
}

// Binary is a population of binary units (see BinaryActivation).
type Binary struct {
	BinaryParams
	I      []float64 // input x (the dendritic potentials) accumulated for the next step
	Y      []float64 // output y ∈ {0, 1} of the last step
	Active []int32   // indices of the active units, ascending

	idx []int32 // scratch of k winners
}

// NewBinary returns n silent binary units.
func NewBinary(n int, p BinaryParams) (*Binary, error) {
	if n <= 0 {
		return nil, param.New(fmt.Sprintf("must be > 0, got %d", n), "size")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	switch {
	case p.Activation == KWinners && p.K > n:
		return nil, param.New(fmt.Sprintf("must be <= the %d units, got %d", n, p.K), "k")
	case p.Activation == ModuleWinners && n%p.Modules != 0:
		return nil, param.New(fmt.Sprintf("must divide the %d units, got %d", n, p.Modules), "modules")
	}
	return &Binary{
		BinaryParams: p,
		I:            make([]float64, n),
		Y:            make([]float64, n),
		Active:       make([]int32, 0, n),
		idx:          make([]int32, n),
	}, nil
}

// Len returns the number of units.
func (b *Binary) Len() int { return len(b.Y) }

// Input returns the drive buffer x.
func (b *Binary) Input() []float64 { return b.I }

// Output returns y ∈ {0, 1}.
func (b *Binary) Output() []float64 { return b.Y }

// Reset silences every unit and clears the input.
func (b *Binary) Reset() {
	clear(b.I)
	clear(b.Y)
	b.Active = b.Active[:0]
}

// Step activates the units from their input (dt is not used: binary units
// have no dynamics within a step) and zeroes the input. It allocates nothing.
func (b *Binary) Step(dt float64) {
	switch b.Activation {
	case KWinners:
		b.Active = SelectKWinners(b.Active[:0], b.I, b.K, b.idx)
	case ModuleWinners:
		b.Active = SelectModuleWinners(b.Active[:0], b.I, b.Modules)
	default:
		b.Active = SelectThreshold(b.Active[:0], b.I, b.Threshold)
	}
	clear(b.Y)
	for _, j := range b.Active {
		b.Y[j] = 1
	}
	clear(b.I)
}

// SelectThreshold appends to dst the indices j with x[j] ≥ theta, ascending.
func SelectThreshold(dst []int32, x []float64, theta float64) []int32 {
	for j, v := range x {
		if v >= theta {
			dst = append(dst, int32(j))
		}
	}
	return dst
}

// SelectModuleWinners appends to dst, ascending, the index of the largest
// x in each of h modules of len(x)/h consecutive units (the lowest index on
// ties; NaN ranks below every number). h must divide len(x).
func SelectModuleWinners(dst []int32, x []float64, h int) []int32 {
	size := len(x) / h
	for m := range h {
		best := m * size
		for j := best + 1; j < (m+1)*size; j++ {
			if ranksBefore(x, int32(j), int32(best)) {
				best = j
			}
		}
		dst = append(dst, int32(best))
	}
	return dst
}

// SelectKWinners appends to dst, ascending, the indices of the k largest
// x (ties to the lower index; NaN ranks below every number). scratch must
// hold at least len(x) elements; its contents are overwritten. It runs in
// expected linear time (quickselect with a deterministic median-of-three
// pivot; the result depends only on x and k, not on the pivots) and
// allocates nothing.
func SelectKWinners(dst []int32, x []float64, k int, scratch []int32) []int32 {
	n := len(x)
	if k <= 0 {
		return dst
	}
	if k >= n {
		for j := range n {
			dst = append(dst, int32(j))
		}
		return dst
	}
	idx := scratch[:n]
	for j := range idx {
		idx[j] = int32(j)
	}
	lo, hi := 0, n-1
	for lo < hi {
		p := partition(x, idx, lo, hi)
		switch {
		case p == k-1 || p == k:
			lo = hi // idx[:k] are the k first in rank order
		case p < k:
			lo = p + 1
		default:
			hi = p - 1
		}
	}
	start := len(dst)
	dst = append(dst, idx[:k]...)
	slices.Sort(dst[start:])
	return dst
}

// ranksBefore is the strict total order of k winners: larger input first,
// numbers before NaN, then the lower index.
func ranksBefore(x []float64, a, b int32) bool {
	u, v := x[a], x[b]
	switch {
	case u > v:
		return true
	case u < v:
		return false
	}
	un, vn := u != u, v != v
	if un != vn {
		return vn
	}
	return a < b
}

// partition orders idx[lo..hi] around a median-of-three pivot and returns
// the pivot's final position: every element before it ranks before it.
func partition(x []float64, idx []int32, lo, hi int) int {
	mid := lo + (hi-lo)/2
	if ranksBefore(x, idx[mid], idx[lo]) {
		idx[mid], idx[lo] = idx[lo], idx[mid]
	}
	if ranksBefore(x, idx[hi], idx[lo]) {
		idx[hi], idx[lo] = idx[lo], idx[hi]
	}
	if ranksBefore(x, idx[hi], idx[mid]) {
		idx[hi], idx[mid] = idx[mid], idx[hi]
	}
	idx[mid], idx[hi] = idx[hi], idx[mid] // pivot (the median) to the end
	pv := idx[hi]
	s := lo
	for i := lo; i < hi; i++ {
		if ranksBefore(x, idx[i], pv) {
			idx[i], idx[s] = idx[s], idx[i]
			s++
		}
	}
	idx[s], idx[hi] = idx[hi], idx[s]
	return s
}
