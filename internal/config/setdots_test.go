package config

import (
	"strings"
	"testing"
)

// TestSetDottedNames: an element whose name holds dots ("ndi-0.01") is
// addressed by it (the longest run of segments that names an element), by
// Set and Canonical alike; a shorter name is still found, and an unknown
// one is an error naming the list.
func TestSetDottedNames(t *testing.T) {
	c := func() *Circuit {
		return &Circuit{Rule: []Rule{{Name: "wp"}, {Name: "ndi-0.01", Sigma: 1}, {Name: "a.b.c"}, {Name: "ndi"}}}
	}
	for _, tc := range []struct {
		path  string
		index int
		canon string
	}{
		{"rule.ndi-0.01.sigma", 1, "rule.1.sigma"},
		{"rule.a.b.c.sigma", 2, "rule.2.sigma"},
		{"rule.ndi.sigma", 3, "rule.3.sigma"},
		{"rule.wp.sigma", 0, "rule.0.sigma"},
		{"rule.1.sigma", 1, "rule.1.sigma"},
	} {
		x := c()
		if err := Set(x, tc.path, "0.5"); err != nil {
			t.Errorf("Set %s: %v", tc.path, err)
			continue
		}
		if x.Rule[tc.index].Sigma != 0.5 {
			t.Errorf("Set %s: rule %d has sigma %g", tc.path, tc.index, x.Rule[tc.index].Sigma)
		}
		if got, err := Canonical(c(), tc.path); err != nil || got != tc.canon {
			t.Errorf("Canonical %s = %q, %v; want %q", tc.path, got, err, tc.canon)
		}
	}
	for _, path := range []string{"rule.ndi-0.02.sigma", "rule.a.b.sigma"} {
		if err := Set(c(), path, "0.5"); err == nil || !strings.Contains(err.Error(), "--set "+path) {
			t.Errorf("Set %s: %v, want an error naming --set %s", path, err, path)
		}
	}
}
