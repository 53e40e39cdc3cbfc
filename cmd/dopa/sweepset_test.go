package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetOfASweptKeyIsRefused: a --set of a key the sweep sets at every
// point (under either spelling) is refused with exit 2 at the parameter,
// and nothing is written.
func TestSetOfASweptKeyIsRefused(t *testing.T) {
	for _, set := range []string{"rule.dopamine.learning_rate=0.1", "rule.0.sigma=0.02", "rule.dopamine.sigma=0.05"} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := dopa(t, "run", "xor_sweep", "--set", set, "--out", out, "--store", "off")
		if code != 2 || !strings.Contains(stderr, "xor_sweep.toml:") || !strings.Contains(stderr, "sweep sets this key") {
			t.Errorf("--set %s: exit %d, %q", set, code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--set %s: %s was written", set, out)
		}
	}
	// A key the sweep does not set still goes through validation.
	if code, _, stderr := dopa(t, "validate", "xor_sweep"); code != 0 {
		t.Errorf("validate: exit %d, %s", code, stderr)
	}
}
