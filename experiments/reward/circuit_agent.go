package reward

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/synapse"
)

// CircuitAgent is the key of the agents that run a circuit of their own
// (rate, spiking, network, eprop), embedded in their keys, and the circuit
// read from it when the reward file is loaded. What the circuit must look
// like is each agent's check.
type CircuitAgent struct {
	// Circuit is the agent's circuit file: a path (relative to the reward
	// file) or a built-in circuit.
	Circuit string `toml:"circuit" check:"set,note=the agent's circuit file"`

	spec *circuits.Spec // the circuit, read by read
	file string         // its file, for messages
}

// Validate reports an empty circuit key.
func (c CircuitAgent) Validate() error { return param.Check(c) }

// read reads the circuit file: a path relative to the reward file base
// (unless built in or absolute), or a built-in circuit. An error is at the
// agent's key circuit.
func (c *CircuitAgent) read(base string) error {
	name := c.Circuit
	if _, ok := circuits.Builtin(name); !ok && !filepath.IsAbs(name) && base != "" && !strings.HasPrefix(base, "builtin:") {
		name = filepath.Join(filepath.Dir(base), name)
	}
	c.file = name
	spec, err := experiments.LoadNetwork(name)
	if err != nil {
		return param.New(err.Error(), "circuit")
	}
	for _, p := range spec.Projections {
		if p.Connectivity == "sparse" && p.Plastic && p.STDP.Rule == synapse.Additive {
			return param.New(fmt.Sprintf("circuit %s: projection %q learns by two-factor STDP (stdp.rule = \"stdp\"), which no dopamine reaches: an agent's plastic projections learn by rstdp, mstdpet or mstdp (a two-factor circuit runs alone, task = \"simulate\")", name, p.Name), "circuit")
		}
	}
	c.spec = spec
	return nil
}

// circuit returns the circuit read, or an error at the key circuit when
// it was not (an agent checked before its file was loaded).
func (c CircuitAgent) circuit() (*circuits.Spec, error) {
	if c.spec == nil {
		return nil, param.New("the circuit was not read", "circuit")
	}
	return c.spec, nil
}
