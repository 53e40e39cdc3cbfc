package circuits_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/circuits"
)

// Load the built-in XOR circuit, build it and present one pattern.
func Example() {
	spec, err := circuits.Load("xor")
	if err != nil {
		panic(err)
	}
	c, err := spec.Build(rand.New(rand.NewChaCha8([32]byte{1})))
	if err != nil {
		panic(err)
	}
	y := c.Trial([]float64{1, 0})
	fmt.Printf("%s: %d populations, %d plastic synapses, output in (0,1): %v\n",
		c.Name, len(c.Pops), c.NumPlastic(), y[0] > 0 && y[0] < 1)
	// Output: xor: 3 populations, 17 plastic synapses, output in (0,1): true
}

// A circuit file with a mistake gives one error naming the file, the line
// and the key.
func ExampleParse() {
	_, err := circuits.Parse("mine.toml", []byte(`
name = "tiny"
input = "in"
[[population]]
name = "in"
size = 2
[[population]]
name = "out"
size = 1
tau_ms = -3.0
[[projection]]
from = "in"
to = "out"
[readout]
population = "out"
[rule]
name = "wp"
`))
	fmt.Println(err)
	// Output: mine.toml:10: population[out].tau_ms: must be a finite number >= 0, got -3
}

// Node perturbation: noise on the neurons' drive for one trial, replayed
// negated from the same seed; each plastic synapse's ξ holds the noise's
// signature Σ_t ζ_i(t)·r_j(t), which the perturbation rules use as their
// eligibility.
func ExampleCircuit_PerturbNodes() {
	spec, err := circuits.Load("xor")
	if err != nil {
		panic(err)
	}
	c, err := spec.Build(rand.New(rand.NewChaCha8([32]byte{1})))
	if err != nil {
		panic(err)
	}
	clean := c.Trial([]float64{1, 0})[0]
	c.PerturbNodes(42, 0.01, 1)
	plus := c.Trial([]float64{1, 0})[0]
	xi := c.Links[0].Xi[0] // input 0 → hidden 0: ζ_0 · r_0 with r_0 = 1
	c.PerturbNodes(42, 0.01, -1)
	minus := c.Trial([]float64{1, 0})[0]
	c.StopNodeNoise()
	fmt.Printf("outputs moved: %v; the opposite noise moves them the other way: %v; signature replayed negated: %v\n",
		plus != clean, (plus-clean)*(minus-clean) < 0, c.Links[0].Xi[0] == -xi)
	// Output: outputs moved: true; the opposite noise moves them the other way: true; signature replayed negated: true
}
