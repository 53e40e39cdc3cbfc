package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// EnsembleKind names a pattern ensemble.
type EnsembleKind int

// The pattern ensembles.
const (
	FixedK    EnsembleKind = iota // exactly K active units, uniformly chosen
	Bernoulli                     // each unit active with probability P ("Palm" patterns)
	Modular                       // Modules modules of N/Modules units, one active unit each
)

var ensembleNames = [...]string{FixedK: "fixed_k", Bernoulli: "bernoulli", Modular: "modular"}

// String returns the lower-case name used in files.
func (e EnsembleKind) String() string {
	if e < 0 || int(e) >= len(ensembleNames) {
		return fmt.Sprintf("EnsembleKind(%d)", int(e))
	}
	return ensembleNames[e]
}

// MarshalText implements encoding.TextMarshaler.
func (e EnsembleKind) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the names
// fixed_k, bernoulli and modular.
func (e *EnsembleKind) UnmarshalText(b []byte) error {
	for i, n := range ensembleNames {
		if string(b) == n {
			*e = EnsembleKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown pattern ensemble %q (want fixed_k, bernoulli or modular)", b)
}

// Ensemble is a distribution of binary patterns of N units.
type Ensemble struct {
	// Kind is fixed_k, bernoulli or modular.
	Kind EnsembleKind `toml:"kind"`
	// N is the number of units.
	N int `toml:"n" check:">=2"`
	// K is the number of active units of fixed_k patterns (1 ≤ K < N).
	K int `toml:"k"`
	// P is the activity of bernoulli patterns, in (0, 1).
	P float64 `toml:"p"`
	// Modules is the number H of modules of modular patterns; it divides N.
	Modules int `toml:"modules"`
}

// Validate reports a parameter out of range, naming its key.
func (e Ensemble) Validate() error {
	if err := param.Check(e); err != nil {
		return err
	}
	switch e.Kind {
	case FixedK:
		if e.K < 1 || e.K >= e.N {
			return param.New(fmt.Sprintf("must be in [1, n), got %d", e.K), "k")
		}
	case Bernoulli:
		if !(e.P > 0 && e.P < 1) {
			return param.New(fmt.Sprintf("must be in (0, 1), got %g", e.P), "p")
		}
	case Modular:
		if e.Modules < 1 || e.N%e.Modules != 0 || e.N/e.Modules < 2 {
			return param.New(fmt.Sprintf("must divide n = %d into modules of >= 2 units, got %d", e.N, e.Modules), "modules")
		}
	default:
		return param.New(fmt.Sprintf("unknown pattern ensemble %d", int(e.Kind)), "kind")
	}
	return nil
}

// Active returns the expected number of active units k̂ (K, round(P·N) but
// at least 1, or the number of modules).
func (e Ensemble) Active() int {
	switch e.Kind {
	case Bernoulli:
		return max(1, int(e.P*float64(e.N)+0.5))
	case Modular:
		return e.Modules
	}
	return e.K
}

// Activity returns the expected fraction of active units k̂/N (P for bernoulli).
func (e Ensemble) Activity() float64 {
	if e.Kind == Bernoulli {
		return e.P
	}
	return float64(e.Active()) / float64(e.N)
}

// Draw appends to dst the ascending active units of one pattern drawn
// from r. fixed_k uses Floyd's algorithm (K draws); bernoulli one draw per
// unit; modular one draw per module.
func (e Ensemble) Draw(r *rand.Rand, dst []int32) []int32 {
	start := len(dst)
	switch e.Kind {
	case Bernoulli:
		for i := range e.N {
			if r.Float64() < e.P {
				dst = append(dst, int32(i))
			}
		}
	case Modular:
		size := e.N / e.Modules
		for m := range e.Modules {
			dst = append(dst, int32(m*size+r.IntN(size)))
		}
	default:
		// Floyd: for j = N−K … N−1 add a uniform t ∈ [0, j], or j if t is taken
		for j := e.N - e.K; j < e.N; j++ {
			t := int32(r.IntN(j + 1))
			if slices.Contains(dst[start:], t) {
				t = int32(j)
			}
			dst = append(dst, t)
		}
		slices.Sort(dst[start:])
	}
	return dst
}
