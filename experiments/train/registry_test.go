package train

import "testing"

// mustStream is the registered stream id of a rule (tests only).
func mustStream(name string) string {
	s, ok := StreamOf(name)
	if !ok {
		panic(UnknownRule(name))
	}
	return s
}

// TestEveryRuleHasItsOwnStream: every registered rule names a random
// stream of its own, fixed in its Def (not derived from its name).
func TestEveryRuleHasItsOwnStream(t *testing.T) {
	seen := map[string]string{}
	for _, d := range Rules() {
		if d.Stream == "" {
			t.Errorf("rule %s has no stream id", d.Name)
			continue
		}
		if other, ok := seen[d.Stream]; ok {
			t.Errorf("rules %s and %s share the stream %q", other, d.Name, d.Stream)
		}
		seen[d.Stream] = d.Name
	}
}
