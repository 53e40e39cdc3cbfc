package config

import (
	"reflect"
	"testing"
)

// TestCanonical: every spelling of a list element gives one path, and
// finding it changes nothing (no map entry made, no pointer allocated).
func TestCanonical(t *testing.T) {
	type rule struct {
		Name  string  `toml:"name"`
		Label string  `toml:"label"`
		X     float64 `toml:"x"`
	}
	type inner struct {
		A int `toml:"a"`
	}
	type cfg struct {
		Rules []rule             `toml:"rule"`
		M     map[string]float64 `toml:"m"`
		P     *inner             `toml:"p"`
	}
	v := cfg{Rules: []rule{{Name: "wp"}, {Name: "dopamine"}, {Name: "dopamine", Label: "d2"}}}
	before := v
	for path, want := range map[string]string{
		"rule.dopamine.x": "rule.1.x",
		"rule.1.x":        "rule.1.x",
		"rule.d2.x":       "rule.2.x",
		"rule.wp.x":       "rule.0.x",
		"m.k":             "m.k",
		"p.a":             "p.a",
	} {
		got, err := Canonical(&v, path)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	if !reflect.DeepEqual(v, before) || v.M != nil || v.P != nil {
		t.Errorf("Canonical changed the value: %+v", v)
	}
	for _, bad := range []string{"rule.np.x", "rule.5.x", "nokey", "rule..x"} {
		if _, err := Canonical(&v, bad); err == nil {
			t.Errorf("Canonical(%q) accepted", bad)
		}
	}
}
