package config_test

import (
	"fmt"

	"github.com/dopa-sim/dopa/internal/config"
)

func ExampleDecode() {
	type Population struct {
		Name  string  `toml:"name"`
		Size  int     `toml:"size"`
		TauMs float64 `toml:"tau_ms"`
	}
	type Circuit struct {
		Title      string       `toml:"title"`
		Population []Population `toml:"population"`
	}

	data := []byte(`title = "xor"

[[population]]
name = "input"
size = 2

[[population]]
name = "hidden"
size = 4
tau_ms = -5
`)
	var c Circuit
	doc, err := config.Decode("circuits/xor.toml", data, &c)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Checks after decoding report errors located in the file.
	for i, p := range c.Population {
		if p.TauMs < 0 {
			fmt.Println(doc.Errorf([]any{"population", i, "tau_ms"}, "must be >= 0, got %g", p.TauMs))
		}
	}

	// Mistakes in the file itself come back from Decode.
	var bad Circuit
	_, err = config.Decode("circuits/bad.toml", []byte("[[population]]\nname = \"hidden\"\ntua_ms = 5\n"), &bad)
	fmt.Println(err)

	// Command-line overrides.
	if err := config.Set(&c, "population.hidden.size", "8"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(c.Population[1].Size)
	fmt.Println(config.Set(&c, "population.hiden.size", "8"))

	// Output:
	// circuits/xor.toml:10: population[hidden].tau_ms: must be >= 0, got -5
	// circuits/bad.toml:3: population[hidden].tua_ms: unknown key "tua_ms" (did you mean "tau_ms"?)
	// 8
	// --set population.hiden.size: no population named "hiden" (have: input, hidden)
}
