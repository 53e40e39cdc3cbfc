// Package space is the parameter space of a sweep: the [sweep] table of
// an experiment file (grid, list or random points over any keys that --set
// accepts) expanded into points, each with an ID derived from its values
// alone.
package space

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
)

// Spec is the [sweep] table of an experiment file: points in the
// space of any keys that --set accepts, each point run as a whole
// experiment (every rule × every seed) in a directory of its own.
type Spec struct {
	// Mode is "grid" (every combination of the parameters' values), "list"
	// (the i-th values of every parameter together; all lists as long) or
	// "random" (Samples points, each parameter drawn from its values or
	// its range).
	Mode string `toml:"mode"`
	// Samples is the number of points of a random sweep.
	Samples int `toml:"samples"`
	// Seed seeds the draws of a random sweep.
	Seed int `toml:"seed"`
	// Params are the swept keys.
	Params []Param `toml:"param"`

	// declared: the file has a [sweep] table (config.Declarer), which
	// then needs parameters.
	declared bool
}

// Declare records that the file writes a [sweep] table.
func (s *Spec) Declare() { s.declared = true }

// Param is one swept key: a list of values, or a range.
type Param struct {
	// Key is a key as --set takes it: "rule.dopamine.learning_rate",
	// "circuit.population.hidden.size", "max_trials".
	Key string `toml:"key" check:"set,note=a key as --set takes it"`
	// Values lists the values (numbers, strings or booleans).
	Values []any `toml:"values"`
	// Range is [lo, hi]: Steps values from lo to hi (grid and list), or
	// the interval a random sweep draws from.
	Range []float64 `toml:"range"`
	// Steps is the number of values of a range (grid and list), >= 2.
	Steps int `toml:"steps"`
	// Log spaces a range's values evenly in log (lo, hi > 0); a random
	// sweep draws log-uniformly.
	Log bool `toml:"log"`
	// Integer rounds a range's values to whole numbers.
	Integer bool `toml:"integer"`
}

// Point is one point of a sweep: its parameter values, in the order of the
// [[sweep.param]] tables, and its identity.
type Point struct {
	// ID is derived from the parameter values alone ("p" and 10 hex
	// digits of a SHA-256): the same values give the same ID whatever else
	// is in the sweep.
	ID string
	// Keys and Values are the point's overrides, as --set takes them.
	Keys, Values []string
}

// Sets returns the point's overrides as key=value.
func (p Point) Sets() []string {
	out := make([]string, len(p.Keys))
	for i := range p.Keys {
		out[i] = p.Keys[i] + "=" + p.Values[i]
	}
	return out
}

// maxPoints bounds the points of one sweep.
const maxPoints = 100_000

// Enabled reports whether the experiment sweeps.
func (s *Spec) Enabled() bool { return len(s.Params) > 0 }

// Validate checks the sweep's own keys; errors locate the key.
func (s *Spec) Validate() error {
	if !s.Enabled() {
		if s.declared || s.Samples != 0 {
			// Not a plain experiment: the file asked for a sweep.
			return param.New("a sweep needs at least one [[sweep.param]] (remove [sweep] to run the experiment once)", "sweep")
		}
		return nil
	}
	switch s.Mode {
	case "grid", "list":
		if s.Samples != 0 {
			return param.New(fmt.Sprintf("applies only to mode = \"random\" (mode is %q)", s.Mode), "sweep", "samples")
		}
	case "random":
		if s.Samples < 1 || s.Samples > maxPoints {
			return param.New(fmt.Sprintf("must be in [1, %d], got %d", maxPoints, s.Samples), "sweep", "samples")
		}
	default:
		return param.New(fmt.Sprintf("unknown mode %q (want grid, list or random)", s.Mode), "sweep", "mode")
	}
	keys := map[string]bool{}
	for i, p := range s.Params {
		at := func(key string) []any { return []any{"sweep", "param", i, key} }
		if err := param.Check(p); err != nil {
			return param.Under(err, "sweep", "param", i)
		}
		switch {
		case keys[p.Key]:
			return param.New(fmt.Sprintf("key %q is swept twice", p.Key), at("key")...)
		case p.Key == "sweep" || strings.HasPrefix(p.Key, "sweep."):
			return param.New(fmt.Sprintf("a sweep cannot sweep its own keys (%q)", p.Key), at("key")...)
		case p.Key == "circuit":
			return param.New("the circuit cannot be swept: one sweep, one circuit (sweep its keys instead, e.g. circuit.population.hidden.size)", at("key")...)
		case len(p.Values) > 0 && len(p.Range) > 0:
			return param.New("give values or a range, not both", at("range")...)
		case len(p.Values) == 0 && len(p.Range) == 0:
			return param.New("give values = [...] or range = [lo, hi]", at("key")...)
		}
		keys[p.Key] = true
		for _, v := range p.Values {
			switch v.(type) {
			case int64, float64, string, bool:
			default:
				return param.New(fmt.Sprintf("values must be numbers, strings or booleans, got %T", v), at("values")...)
			}
		}
		if len(p.Range) > 0 {
			lo, hi := 0.0, 0.0
			if len(p.Range) == 2 {
				lo, hi = p.Range[0], p.Range[1]
			}
			switch {
			case len(p.Range) != 2 || !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0):
				return param.New(fmt.Sprintf("must be [lo, hi] with finite lo <= hi, got %v", p.Range), at("range")...)
			case p.Log && !(lo > 0):
				return param.New(fmt.Sprintf("a log range needs lo > 0, got %g", lo), at("range")...)
			case s.Mode != "random" && (p.Steps < 2 || p.Steps > maxPoints):
				return param.New(fmt.Sprintf("must be in [2, %d] for a range, got %d", maxPoints, p.Steps), at("steps")...)
			case s.Mode == "random" && p.Steps != 0:
				return param.New("a random sweep draws from the range: no steps", at("steps")...)
			}
		} else if p.Steps != 0 || p.Log || p.Integer {
			return param.New("steps, log and integer apply to a range", at("key")...)
		}
	}
	// The counts, not the values: validation costs O(parameters).
	if s.Mode == "list" {
		n := s.count(0)
		for i := range s.Params {
			if m := s.count(i); m != n {
				return param.New(fmt.Sprintf("a list sweep needs lists of one length: %d here, %d for %q", m, n, s.Params[0].Key), "sweep", "param", i, "key")
			}
		}
		if n > maxPoints {
			return param.New(fmt.Sprintf("%d points, more than %d", n, maxPoints), "sweep", "param", 0, "key")
		}
	}
	if s.Mode == "grid" {
		n := 1
		for i := range s.Params {
			n *= s.count(i)
			if n > maxPoints {
				return param.New(fmt.Sprintf("more than %d points", maxPoints), "sweep", "param", i, "key")
			}
		}
	}
	return nil
}

// count is the number of values of parameter i (grid and list modes).
func (s *Spec) count(i int) int {
	if p := s.Params[i]; len(p.Range) > 0 {
		return p.Steps
	}
	return len(s.Params[i].Values)
}

// values returns the values of parameter i as --set takes them (grid and
// list modes).
func (s *Spec) values(i int) []string {
	p := s.Params[i]
	if len(p.Range) == 0 {
		out := make([]string, len(p.Values))
		for k, v := range p.Values {
			out[k] = tomlValue(v)
		}
		return out
	}
	out := make([]string, p.Steps)
	lo, hi := p.Range[0], p.Range[1]
	for k := range out {
		f := float64(k) / float64(p.Steps-1)
		x := lo + f*(hi-lo)
		if p.Log {
			x = lo * math.Pow(hi/lo, f)
		}
		if k == p.Steps-1 {
			x = hi
		}
		out[k] = number(x, p.Integer)
	}
	return out
}

// number renders a value of a range: the shortest exact float, or a whole
// number.
func number(x float64, integer bool) string {
	if integer {
		return strconv.FormatInt(int64(math.Round(x)), 10)
	}
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0" // a float key takes an integer too; keep the TOML type of a float
	}
	return s
}

// tomlValue renders a value as a TOML (and --set) value.
func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case float64:
		return number(v, false)
	}
	return fmt.Sprint(v)
}

// Points expands the sweep into its points, in order; duplicates (the
// same values twice) are run once.
func (s *Spec) Points() []Point {
	if !s.Enabled() {
		return nil
	}
	keys := make([]string, len(s.Params))
	for i, p := range s.Params {
		keys[i] = p.Key
	}
	// Every parameter's values are rendered once: the expansion costs
	// O(points × parameters).
	var vals [][]string
	if s.Mode != "random" {
		vals = make([][]string, len(s.Params))
		for i := range s.Params {
			vals[i] = s.values(i)
		}
	}
	var rows [][]string
	switch s.Mode {
	case "list":
		for k := range vals[0] {
			row := make([]string, len(s.Params))
			for i := range s.Params {
				row[i] = vals[i][k]
			}
			rows = append(rows, row)
		}
	case "random":
		r := rng.Stream(uint64(s.Seed), "sweep")
		for range s.Samples {
			row := make([]string, len(s.Params))
			for i, p := range s.Params {
				if len(p.Range) == 0 {
					row[i] = tomlValue(p.Values[r.IntN(len(p.Values))])
					continue
				}
				lo, hi, u := p.Range[0], p.Range[1], r.Float64()
				x := lo + u*(hi-lo)
				if p.Log {
					x = lo * math.Pow(hi/lo, u)
				}
				row[i] = number(x, p.Integer)
			}
			rows = append(rows, row)
		}
	default: // grid: the last parameter varies fastest
		rows = [][]string{{}}
		for i := range s.Params {
			next := make([][]string, 0, len(rows)*len(vals[i]))
			for _, row := range rows {
				for _, v := range vals[i] {
					next = append(next, append(slices.Clone(row), v))
				}
			}
			rows = next
		}
	}
	out := make([]Point, 0, len(rows))
	seen := make(map[string]bool, len(rows))
	for _, row := range rows {
		p := Point{Keys: keys, Values: row}
		p.ID = pointID(keys, row)
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// pointID derives a point's identity from its key=value pairs, sorted by
// key.
func pointID(keys, values []string) string {
	pairs := make([]string, len(keys))
	for i := range keys {
		pairs[i] = keys[i] + "=" + values[i]
	}
	slices.Sort(pairs)
	h := sha256.Sum256([]byte(strings.Join(pairs, "\n")))
	return "p" + hex.EncodeToString(h[:5])
}
