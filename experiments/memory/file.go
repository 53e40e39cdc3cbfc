package memory

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// Kind is the value of the top-level key "kind" that marks a memory-study
// file (output.Memory).
const Kind = "memory"

// File is a memory study as declared in its TOML file (kind = "memory"):
// every rule, in every retrieval mode, at every network size and load,
// for every seed; optionally the capacity M_ε of each rule and mode at
// every size. Every key has a default (Defaults); docs/memory.md lists
// them.
type File struct {
	// Kind must be "memory".
	Kind string `toml:"kind"`
	// Name identifies the study in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// Seed is the first seed; the runs use Seed, Seed+1, … All rules and
	// modes of a seed, size and load see the same patterns and queries.
	Seed int `toml:"seed" check:"[0,2147483647]"`
	// Seeds is the number of seeds.
	Seeds int `toml:"seeds" check:"[1,1000]"`
	// Queries is the number of queries of every run.
	Queries int `toml:"queries" check:"[1,100000]"`
	// Rules are the learning rules compared (willshaw, bcpnn, covariance,
	// bayes).
	Rules []synapse.MemoryRule `toml:"rules"`
	// M lists the loads: the numbers of stored patterns.
	M []int `toml:"m"`
	// MRange is another way to give the loads: from, from+step, … ≤ to.
	MRange MRange `toml:"m_range"`
	// Patterns is the ensemble of the (address) patterns, for every size.
	Patterns Patterns `toml:"patterns"`
	// Hetero stores pairs (u, v) with v from Content; otherwise v = u.
	Hetero bool `toml:"hetero"`
	// Content is the ensemble of the content patterns (hetero only).
	Content Ensemble `toml:"content"`
	// Query is the noise that makes queries (and the rules' fixed model).
	Query QueryNoise `toml:"query"`
	// Activation is threshold, kwta or module_wta.
	Activation neuron.BinaryActivation `toml:"activation"`
	// Threshold is the covariance rule's threshold under threshold activation.
	Threshold float64 `toml:"threshold"`
	// NoSelf drops the self-synapses (Willshaw, BCPNN, covariance).
	NoSelf bool `toml:"no_self"`
	// Floor is the smallest probability of BCPNN.
	Floor float64 `toml:"floor"`
	// Modes are the retrieval modes compared ([[mode]]).
	Modes []FileMode `toml:"mode"`
	// Capacity, when Eps > 0, also finds M_ε of every rule, mode, size and
	// seed by bisection.
	Capacity CapacitySpec `toml:"capacity"`
	// Record says in which format the tables are written.
	Record Record `toml:"record"`
}

// Record says in which format the tables are written.
type Record struct {
	// Format is "csv" (the default), "npz" (NumPy: one .npz file per
	// table) or "both" (docs/python.md).
	Format output.Format `toml:"format"`
}

// MRange is a range of loads; Step 0 means none.
type MRange struct {
	From int `toml:"from"`
	To   int `toml:"to"`
	Step int `toml:"step"`
}

// Patterns is the pattern ensemble of a study: an Ensemble at one or more
// sizes.
type Patterns struct {
	// Kind is fixed_k, bernoulli or modular.
	Kind EnsembleKind `toml:"kind"`
	// N lists the network sizes (units).
	N []int `toml:"n" check:"[2,10000]"`
	// K is the number of active units of fixed_k patterns.
	K int `toml:"k"`
	// KLog2 sets K = round(log₂ n) at every size (fixed_k), or
	// P = round(log₂ n)/n (bernoulli).
	KLog2 bool `toml:"k_log2"`
	// P is the activity of bernoulli patterns.
	P float64 `toml:"p"`
	// Modules is the number of modules of modular patterns.
	Modules int `toml:"modules"`
}

// FileMode is one retrieval mode of a study.
type FileMode struct {
	// Name names the mode in outputs ("one-step", "iterative+ane").
	Name string `toml:"name" check:"set"`
	// Steps is the most retrieval steps (1: one-step retrieval).
	Steps int `toml:"steps" check:"[1,1000]"`
	// UntilStable stops early when the output equals its query.
	UntilStable bool `toml:"until_stable"`
	// ANE re-estimates the query noise at every step.
	ANE bool `toml:"ane"`
}

// CapacitySpec asks for the capacity M_ε.
type CapacitySpec struct {
	// Eps is the output noise ε at which the capacity is measured; 0: no
	// capacity.
	Eps float64 `toml:"eps" check:"[0,1),note=0: no capacity"`
	// MaxM bounds the search.
	MaxM int `toml:"max_m" check:"[64,65535]"`
}

// Bounds on what one study may ask for, so that a slip in a number is
// refused instead of allocating without end or running for days.
const (
	MaxUnits   = 10_000  // n: count synapses hold n² uint16 (200 MB at n = 10 000)
	MaxSizes   = 20      // network sizes
	MaxLoads   = 200     // loads
	MaxSeeds   = 1000    // seeds
	MaxQueries = 100_000 // queries per run
	MaxModes   = 16      // retrieval modes
	MaxSteps   = 1000    // retrieval steps
	MaxRuns    = 100_000 // rules × modes × sizes × loads × seeds
	MaxActive  = 1 << 25 // stored active units M·k̂ (the pattern lists: 128 MB)
)

// Defaults returns one-step auto-association of M = 1000 fixed-k patterns
// of k = 10 among n = 1000 units, half-pattern queries, the four rules with
// k winners in the four modes of the study (one step and iterative, with
// and without ANE), one seed, 1000 queries.
func (File) Defaults() File {
	modes := make([]FileMode, len(StudyModes))
	for i, m := range StudyModes {
		modes[i] = FileMode{Name: m.Name, Steps: m.Steps, UntilStable: m.UntilStable, ANE: m.ANE}
	}
	return File{
		Kind: Kind, Name: "memory", Seed: 1, Seeds: 1, Queries: 1000,
		Rules:      []synapse.MemoryRule{synapse.Willshaw, synapse.BCPNN, synapse.Covariance, synapse.Bayes},
		M:          []int{1000},
		Patterns:   Patterns{Kind: FixedK, N: []int{1000}, K: 10, P: 0.01, Modules: 10},
		Content:    Ensemble{Kind: FixedK, N: 1000, K: 10, P: 0.01, Modules: 10},
		Query:      QueryNoise{P01: 0.5, Exact: true},
		Activation: neuron.KWinners,
		Floor:      1e-6,
		Modes:      modes,
		Capacity:   CapacitySpec{MaxM: synapse.MaxPatterns},
		Record:     Record{Format: output.CSV},
	}
}

// FromDoc decodes a parsed memory-study file strictly, with the defaults
// for every key left out, and validates it. Errors are *config.Error
// values naming the file, the line and the key.
func FromDoc(doc *config.Doc) (*File, error) {
	f := File{}.Defaults()
	if doc.Line("kind") == 0 {
		return nil, &config.Error{File: doc.File(), Line: 1, Key: "kind", Msg: fmt.Sprintf("must be set to %q", Kind)}
	}
	if _, ok := doc.Value("mode"); ok {
		// Modes in the file replace the default ones; each starts from one step.
		f.Modes = make([]FileMode, doc.Len("mode"))
		for i := range f.Modes {
			f.Modes[i] = FileMode{Steps: 1}
		}
	}
	if _, ok := doc.Value("m_range"); ok {
		f.M = nil // the range replaces the default load
	}
	if err := doc.Decode(&f); err != nil {
		return nil, err
	}
	if f.Patterns.KLog2 {
		// k_log2 sets k (fixed_k) or p (bernoulli) from n: a value written
		// beside it would be ignored without a word.
		for _, key := range []string{"k", "p"} {
			if _, ok := doc.Value("patterns", key); ok {
				return nil, doc.Errorf([]any{"patterns", key}, "k_log2 = true sets %s from n at every size: set %s or k_log2, not both", key, key)
			}
		}
	}
	if err := f.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	return &f, nil
}

// listKeys are the keys that hold lists; --set accepts one value or a
// comma-separated list of bare words for them too (m=2000, rules=willshaw,bayes).
var listKeys = map[string]bool{"m": true, "rules": true, "patterns.n": true}

// Set applies a command-line override (--set path=value, e.g. queries=200,
// m=[1000,2000], rules=willshaw,bayes, patterns.k=8, mode.iterative.steps=10)
// and validates the result. Errors are *config.Error values whose key
// starts with "--set".
func (f *File) Set(path, value string) error {
	t := *f
	t.Rules = slices.Clone(f.Rules)
	t.M = slices.Clone(f.M)
	t.Patterns.N = slices.Clone(f.Patterns.N)
	t.Modes = slices.Clone(f.Modes)
	v := strings.TrimSpace(value)
	if listKeys[path] && !strings.HasPrefix(v, "[") {
		parts := strings.Split(v, ",")
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if path == "rules" && !strings.HasPrefix(p, `"`) {
				p = `"` + p + `"`
			}
			parts[i] = p
		}
		v = "[" + strings.Join(parts, ", ") + "]"
	}
	if path == "m_range" || strings.HasPrefix(path, "m_range.") {
		t.M = nil
	}
	if path == "m" {
		t.MRange = MRange{}
	}
	if path == "mode" {
		// New modes replace the old ones, each starting from one step
		// (config.Set would decode them over the old modes' fields).
		var m map[string]any
		if _, err := toml.Decode("v = "+v, &m); err == nil {
			n := -1
			switch list := m["v"].(type) {
			case []map[string]any:
				n = len(list)
			case []any:
				n = len(list)
			}
			if n >= 0 {
				t.Modes = make([]FileMode, n)
				for i := range t.Modes {
					t.Modes[i] = FileMode{Steps: 1}
				}
			}
		}
	}
	if err := config.Set(&t, path, v); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		key, msg := path, err.Error()
		var pe *param.Error
		if errors.As(err, &pe) && (pe.Key() == path || strings.HasPrefix(pe.Key(), path+"[")) {
			// The key is the one set, or an element of its list: say it once.
			key, msg = pe.Key(), pe.Msg
		}
		return &config.Error{Key: "--set " + key, Msg: msg}
	}
	*f = t
	return nil
}

// Loads returns the loads of the study, ascending as given.
func (f *File) Loads() []int {
	if f.MRange.Step > 0 {
		var out []int
		for m := f.MRange.From; m <= f.MRange.To && len(out) <= MaxLoads; m += f.MRange.Step {
			out = append(out, m)
		}
		return out
	}
	return f.M
}

// Ensemble returns the pattern ensemble at size n.
func (p Patterns) Ensemble(n int) Ensemble {
	e := Ensemble{Kind: p.Kind, N: n, K: p.K, P: p.P, Modules: p.Modules}
	if p.KLog2 {
		k := max(1, int(math.Round(math.Log2(float64(n)))))
		e.K = k
		e.P = float64(k) / float64(n)
	}
	return e
}

// Config returns the memory configuration of one run: size n, rule, mode
// and load M (one worker: the study runs its runs in parallel instead).
func (f *File) Config(n int, rule synapse.MemoryRule, md FileMode, M int) Config {
	return Config{
		Patterns: f.Patterns.Ensemble(n), Hetero: f.Hetero, Content: f.Content, M: M,
		Query: f.Query, Rule: rule, Activation: f.Activation, Threshold: f.Threshold,
		Steps: md.Steps, UntilStable: md.UntilStable, ANE: md.ANE, NoSelf: f.NoSelf,
		Floor: f.Floor, Queries: f.Queries, Workers: 1,
	}
}

// Validate reports the first value out of range as a *param.Error naming
// its key.
func (f *File) Validate() error {
	bad := func(msg string, path ...any) error { return param.New(msg, path...) }
	p := &f.Patterns
	switch {
	case f.Kind != Kind:
		return bad(fmt.Sprintf("must be %q, got %q", Kind, f.Kind), "kind")
	case strings.ContainsAny(f.Name, "/\\\n\r\"") || strings.HasPrefix(f.Name, "."):
		return bad(fmt.Sprintf("must be usable as a file name (no slashes, quotes or line breaks, no leading dot), got %q", f.Name), "name")
	case param.Check(f) != nil:
		return param.Check(f)
	case len(f.Rules) == 0:
		return bad("list at least one rule (willshaw, bcpnn, covariance, bayes)", "rules")
	case len(p.N) == 0:
		return bad("list at least one network size", "patterns", "n")
	case len(p.N) > MaxSizes:
		return bad(fmt.Sprintf("%d sizes, more than %d", len(p.N), MaxSizes), "patterns", "n")
	case len(f.Modes) == 0:
		return bad("list at least one retrieval mode ([[mode]])", "mode")
	case len(f.Modes) > MaxModes:
		return bad(fmt.Sprintf("%d modes, more than %d", len(f.Modes), MaxModes), "mode")
	case f.Record.Format.Check() != nil:
		return bad(f.Record.Format.Check().Error(), "record", "format")
	case param.Check(f.Capacity) != nil:
		return param.Under(param.Check(f.Capacity), "capacity")
	}
	for i, r := range f.Rules {
		if r < synapse.Willshaw || r > synapse.Bayes {
			return bad(fmt.Sprintf("unknown memory rule %d", int(r)), "rules")
		}
		if slices.Contains(f.Rules[:i], r) {
			return bad(fmt.Sprintf("rule %s is listed twice", r), "rules")
		}
	}
	if err := param.Check(p); err != nil {
		return param.Under(err, "patterns")
	}
	if f.Hetero && (f.Content.N < 2 || f.Content.N > MaxUnits) {
		return bad(fmt.Sprintf("must be in [2, %d], got %d", MaxUnits, f.Content.N), "content", "n")
	}
	if p.KLog2 && p.Kind == Modular {
		return bad("applies to fixed_k and bernoulli patterns, not modular", "patterns", "k_log2")
	}
	if d := (File{}).Defaults().Patterns; p.KLog2 && (p.K != d.K || p.P != d.P) {
		// A k or p changed (by --set) beside k_log2 would be ignored.
		key := "k"
		if p.K == d.K {
			key = "p"
		}
		return bad(fmt.Sprintf("k_log2 = true sets %s from n at every size: set %s or k_log2, not both", key, key), "patterns", key)
	}
	seen := map[string]bool{}
	for i, md := range f.Modes {
		if err := param.Check(md); err != nil {
			return param.Under(err, "mode", i)
		}
		switch {
		case strings.ContainsAny(md.Name, ",\"\n\r"):
			return bad(fmt.Sprintf("must not contain commas, quotes or line breaks, got %q", md.Name), "mode", i, "name")
		case seen[md.Name]:
			return bad(fmt.Sprintf("mode %q is listed twice", md.Name), "mode", i, "name")
		}
		seen[md.Name] = true
	}
	r := f.MRange
	switch {
	case r != MRange{} && len(f.M) > 0:
		return bad("give the loads either in m or in m_range, not both", "m_range")
	case r != MRange{} && (r.Step < 1 || r.From < 1 || r.To < r.From):
		return bad(fmt.Sprintf("want 1 <= from <= to and step >= 1, got from = %d, to = %d, step = %d", r.From, r.To, r.Step), "m_range")
	case r != MRange{} && (r.To-r.From)/r.Step+1 > MaxLoads:
		return bad(fmt.Sprintf("%d loads, more than %d", (r.To-r.From)/r.Step+1, MaxLoads), "m_range")
	case len(f.M) > MaxLoads:
		return bad(fmt.Sprintf("%d loads, more than %d", len(f.M), MaxLoads), "m")
	case len(f.Loads()) == 0 && f.Capacity.Eps == 0:
		return bad("list the loads (numbers of stored patterns), e.g. m = [1000, 2000], or ask for the capacity ([capacity] eps)", "m")
	}
	mkey := "m"
	if len(f.M) == 0 {
		mkey = "m_range"
	}
	for _, M := range f.Loads() {
		if M < 1 || M > synapse.MaxPatterns {
			return bad(fmt.Sprintf("loads must be in [1, %d], got %d", synapse.MaxPatterns, M), mkey)
		}
	}
	runs := len(f.Rules) * len(f.Modes) * len(p.N) * len(f.Loads()) * f.Seeds
	if runs > MaxRuns {
		return bad(fmt.Sprintf("%d runs (rules × modes × sizes × loads × seeds), more than %d", runs, MaxRuns), "seeds")
	}
	maxLoad := slices.Max(append([]int{0}, f.Loads()...))
	if f.Capacity.Eps > 0 {
		maxLoad = max(maxLoad, f.Capacity.MaxM)
	}
	// Every run's configuration, checked by the library; its keys are the
	// file's but for the rule and the mode.
	for _, n := range p.N {
		for _, rule := range f.Rules {
			for i, md := range f.Modes {
				cfg := f.Config(n, rule, md, max(1, min(maxLoad, synapse.MaxPatterns)))
				if err := cfg.Validate(); err != nil {
					var pe *param.Error
					if e, ok := err.(*param.Error); ok {
						pe = e
					}
					if pe != nil && len(pe.Path) > 0 {
						switch pe.Path[0] {
						case "steps", "ane", "until_stable":
							return param.Under(&param.Error{Path: pe.Path[:1], Msg: pe.Msg}, "mode", i)
						case "rule":
							return bad(pe.Msg, "rules")
						case "patterns":
							if len(pe.Path) > 1 && pe.Path[1] == "n" {
								return bad(pe.Msg, "patterns", "n")
							}
							if p.KLog2 && len(pe.Path) > 1 && (pe.Path[1] == "k" || pe.Path[1] == "p") {
								return bad(fmt.Sprintf("with k_log2 at n = %d: %s", n, pe.Msg), "patterns", "k_log2")
							}
						}
					}
					return err
				}
				if a := maxLoad * max(cfg.Patterns.Active(), cfg.content().Active()); a > MaxActive {
					return bad(fmt.Sprintf("%d patterns of %d active units at n = %d: more than %d stored units in all", maxLoad, cfg.Patterns.Active(), n, MaxActive), mkey)
				}
			}
		}
	}
	return nil
}
