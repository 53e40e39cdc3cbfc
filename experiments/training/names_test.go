package training_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/training"
)

// TestNamesArePathComponents: an experiment's or a circuit's name names
// output directories (dopa run without --out, recordings of the live
// page), so one that is not a single path component is refused at its
// key, before anything is written.
func TestNamesArePathComponents(t *testing.T) {
	for _, name := range []string{"../../x", "..", "a/b", `a\\b`, ".hidden", "", strings.Repeat("n", 101)} {
		for _, kind := range []string{"experiment", "circuit"} {
			t.Run(kind+" "+name, func(t *testing.T) {
				src := fmt.Sprintf("name = \"%s\"\ncircuit = \"xor\"\ntask = \"xor\"\n\n[[rule]]\nname = \"wp\"\n", name)
				if kind == "circuit" {
					src = fmt.Sprintf("name = \"%s\"\ninput = \"in\"\n\n[[population]]\nname = \"in\"\nsize = 2\n\n[[population]]\nname = \"out\"\nsize = 1\n\n[[projection]]\nfrom = \"in\"\nto = \"out\"\n\n[readout]\npopulation = \"out\"\n", name)
				}
				file := filepath.Join(t.TempDir(), "in.toml")
				if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				_, err := training.Load(file)
				if err == nil || !strings.Contains(err.Error(), file+":1: name:") {
					t.Errorf("name %q: %v, want an error at %s:1: name", name, err, file)
				}
			})
		}
	}
}
