package pathname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"xor", "regression_tanh", "xor sweep 2", "mg-τ17", "a.b", strings.Repeat("x", MaxLen)} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../../x", "..", "a/b", `a\b`, "/abs", ".hidden", "a..b", "x\x00y", "a\nb", strings.Repeat("x", MaxLen+1)} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) accepted", bad)
		}
	}
}
