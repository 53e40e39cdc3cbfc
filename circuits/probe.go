package circuits

import (
	"fmt"
	"math"
	"strings"

	"github.com/dopa-sim/dopa/internal/param"
)

// Probe is one [[probe]] of a circuit file: a synapse of a plastic sparse
// projection whose weight, eligibility and dopamine a run that drives the
// circuit's plasticity samples every probe_every_ms (probes.csv), read
// without changing them. The synapse is chosen by its index in the
// projection or by its pre and post neurons. (A reward file's network
// agent may add probes of its own, [[agent.probe]], which may also name
// the synapse the agent watches.)
type Probe struct {
	// Name labels the probe in probes.csv (default: probeN, N its place).
	Name string `toml:"name"`
	// Projection is the plastic sparse projection's label (required in a
	// circuit file; an agent's probe defaults to its watched projection).
	Projection string `toml:"projection"`
	// Synapse says how the synapse is chosen: "index" (Index, its place
	// in the projection) or "pair" (the synapse from neuron Pre to neuron
	// Post; a pair the seed's network does not connect fails the run,
	// naming it). An agent's probe may also say "watched".
	Synapse string `toml:"synapse"`
	Index   int    `toml:"index" check:"[0,2147483647]"`
	Pre     int    `toml:"pre" check:">=0"`
	Post    int    `toml:"post" check:">=0"`
}

// MaxProbes bounds the probes of a circuit file, and those of an agent.
const MaxProbes = 1000

// ProbeName is the label of probe i of probes (its Name, or probeN), with
// offset added to N: an agent numbers its own probes after its circuit's.
func ProbeName(probes []Probe, i, offset int) string {
	if probes[i].Name != "" {
		return probes[i].Name
	}
	return fmt.Sprintf("probe%d", i+offset)
}

// ProbeOwner says whose probes CheckProbes validates: a circuit file's
// (the zero value) or an agent's.
type ProbeOwner struct {
	// Agent: the probes are an agent's, which may say synapse = "watched".
	Agent bool
	// Watched is the projection the agent watches ("": none); an agent's
	// probe without a projection probes it.
	Watched string
	// Taken holds the names of the probes already in the table (the
	// circuit's, for an agent's); CheckProbes adds the new ones.
	Taken map[string]bool
	// Offset numbers default names after the probes already taken
	// (ProbeName).
	Offset int
}

// CheckProbes validates probes sampled every everyMs against the circuit
// s: the keys of each probe, its projection (a plastic sparse one), its
// neurons and its name (unique in the table). The errors are at the keys
// of the probe (probe[i].…).
func (s *Spec) CheckProbes(probes []Probe, everyMs float64, o ProbeOwner) error {
	watched, taken, offset := o.Watched, o.Taken, o.Offset
	if taken == nil {
		taken = map[string]bool{}
	}
	if len(probes) == 0 {
		return nil
	}
	if len(probes) > MaxProbes {
		return param.New(fmt.Sprintf("%d probes, more than %d", len(probes), MaxProbes), "probe")
	}
	if !(everyMs > 0 && everyMs <= 1e7) {
		return param.New(fmt.Sprintf("must be in (0, 1e7] ms when there are probes, got %g", everyMs), "probe_every_ms")
	}
	if k := everyMs / s.DtMs; math.Abs(k-math.Round(k)) > 1e-9*k || math.Round(k) < 1 {
		return param.New(fmt.Sprintf("is not a whole number of the circuit's dt_ms = %g, got %g", s.DtMs, everyMs), "probe_every_ms")
	}
	for i, pr := range probes {
		at := func(msg, key string) error { return param.New(msg, "probe", i, key) }
		switch pr.Synapse {
		case "index", "pair":
		case "watched":
			if !o.Agent {
				return at(`must be "index" or "pair" ("watched" is for an agent's probes), got "watched"`, "synapse")
			}
			if watched == "" || pr.Projection != "" && pr.Projection != watched {
				return at("the agent watches no synapse of this projection (watch)", "synapse")
			}
		default:
			want := `"index" or "pair"`
			if o.Agent {
				want = `"watched", "index" or "pair"`
			}
			return at(fmt.Sprintf("must be %s, got %q", want, pr.Synapse), "synapse")
		}
		if err := param.Check(pr); err != nil {
			return param.Under(err, "probe", i)
		}
		if pr.Synapse != "index" && pr.Index != 0 {
			return at(`applies only to synapse = "index"`, "index")
		}
		if pr.Synapse != "pair" && (pr.Pre != 0 || pr.Post != 0) {
			return at(`applies only to synapse = "pair"`, "pre")
		}
		name := ProbeName(probes, i, offset)
		if strings.ContainsAny(name, ",\"\n\r") {
			return at(fmt.Sprintf("must not contain commas, quotes or line breaks, got %q", name), "name")
		}
		if taken[name] {
			return at(fmt.Sprintf("probe %q is named twice", name), "name")
		}
		taken[name] = true
		proj := pr.Projection
		if proj == "" {
			if watched == "" {
				return at("must name a plastic sparse projection", "projection")
			}
			proj = watched
		}
		var ps *ProjectionSpec
		for k := range s.Projections {
			if s.Projections[k].Label() == proj {
				ps = &s.Projections[k]
			}
		}
		if ps == nil || ps.Connectivity != "sparse" || !ps.Plastic {
			return at(fmt.Sprintf("circuit %s has no plastic sparse projection %q", s.Name, proj), "projection")
		}
		from, _ := s.PopulationIndex(ps.From)
		to, _ := s.PopulationIndex(ps.To)
		if pr.Pre >= s.Populations[from].Size {
			return at(fmt.Sprintf("must be < %d (the neurons of %q), got %d", s.Populations[from].Size, ps.From, pr.Pre), "pre")
		}
		if pr.Post >= s.Populations[to].Size {
			return at(fmt.Sprintf("must be < %d (the neurons of %q), got %d", s.Populations[to].Size, ps.To, pr.Post), "post")
		}
	}
	return nil
}

// FindProbe returns the link and the index of the synapse that probe pr
// chooses by index or pair in the built circuit (a "watched" probe is the
// agent's to place). The error names the probe: the seed's network may
// lack the pair, or hold fewer synapses than the index.
func (c *Circuit) FindProbe(pr Probe, name string) (*SparseLink, int32, error) {
	var l *SparseLink
	for _, x := range c.PlasticLinks() {
		if x.Name == pr.Projection {
			l = x
		}
	}
	if l == nil {
		return nil, -1, fmt.Errorf("probe %q: no plastic sparse projection %q", name, pr.Projection)
	}
	switch pr.Synapse {
	case "index":
		if pr.Index >= len(l.W) {
			return nil, -1, fmt.Errorf("probe %q: projection %q has %d synapses in this seed's network, no index %d", name, pr.Projection, len(l.W), pr.Index)
		}
		return l, int32(pr.Index), nil
	case "pair":
		for s := l.RowPtr[pr.Pre]; s < l.RowPtr[pr.Pre+1]; s++ {
			if int(l.Sparse.Post[s]) == pr.Post {
				return l, s, nil
			}
		}
		return nil, -1, fmt.Errorf("probe %q: this seed's network has no synapse %d→%d in projection %q", name, pr.Pre, pr.Post, pr.Projection)
	}
	return nil, -1, fmt.Errorf("probe %q: synapse %q is not chosen by index or pair", name, pr.Synapse)
}

// PreOf returns the pre neuron of synapse k of the link.
func (l *SparseLink) PreOf(k int32) int32 {
	for j := range l.NPre {
		if l.RowPtr[j] <= k && k < l.RowPtr[j+1] {
			return int32(j)
		}
	}
	return -1
}
