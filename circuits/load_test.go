package circuits

import (
	"strings"
	"testing"
)

// TestParseLeavesOtherKeysAlone: Parse reads the network and leaves a
// top-level key of another layer alone, but a near miss of a network key
// (a case variant or a likely typo) stays an error at its line.
func TestParseLeavesOtherKeysAlone(t *testing.T) {
	base, _ := Builtin("xor")
	if _, err := Parse("x.toml", append([]byte("how_it_runs = \"elsewhere\"\n"), base...)); err != nil {
		t.Errorf("a key of another layer: %v", err)
	}
	for key, want := range map[string]string{
		"dt_msx = 1.0": `x.toml:1: dt_msx: unknown key "dt_msx" (did you mean "dt_ms"?)`,
		"DT_MS = 1.0":  `x.toml:1: DT_MS: unknown key "DT_MS" (did you mean "dt_ms"? keys are case-sensitive)`,
	} {
		_, err := Parse("x.toml", append([]byte(key+"\n"), base...))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %s", key, err, want)
		}
	}
}
