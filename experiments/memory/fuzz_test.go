package memory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dopa-sim/dopa/internal/config"
)

// FuzzFromDoc: no memory file, however broken, makes decoding, validating
// or planning panic.
func FuzzFromDoc(f *testing.F) {
	for _, name := range []string{"willshaw", "autoassociation"} {
		data, err := os.ReadFile(filepath.Join("..", name+".toml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("kind = \"memory\"\nm_range = {from = 1, to = 9223372036854775807, step = 4611686018427387904}\n"))
	f.Add([]byte("kind = \"memory\"\nhetero = true\n[content]\nn = -1\n[[mode]]\nname = \"x\"\nsteps = 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := config.Parse("fuzz.toml", data)
		if err != nil {
			return
		}
		fl, err := FromDoc(doc)
		if err != nil {
			return
		}
		fl.Planned()
		_ = fl.Loads()
	})
}
