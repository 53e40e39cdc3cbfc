package circuits

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.toml
var builtin embed.FS

// Builtin returns the source of the built-in circuit of that name (the
// file name without ".toml"); ok is false if there is none.
func Builtin(name string) (data []byte, ok bool) {
	b, err := builtin.ReadFile(name + ".toml")
	return b, err == nil
}

// BuiltinNames lists the built-in circuits.
func BuiltinNames() []string {
	var out []string
	ents, _ := fs.ReadDir(builtin, ".")
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(out)
	return out
}
