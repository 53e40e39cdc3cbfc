package param

import (
	"errors"
	"testing"
)

func TestKeyAndUnder(t *testing.T) {
	e := Errorf("tau_ms", "must be > 0, got %g", -5.0)
	if got := e.Error(); got != "tau_ms: must be > 0, got -5" {
		t.Errorf("Error() = %q", got)
	}
	u := Under(e, "population", 1)
	var pe *Error
	if !errors.As(u, &pe) || pe.Key() != "population[1].tau_ms" || pe.Msg != e.Msg {
		t.Fatalf("Under: %#v", u)
	}
	if len(e.Path) != 1 {
		t.Errorf("Under changed the inner error's path: %v", e.Path)
	}
	plain := Under(errors.New("boom"), "rule", "modulator")
	if plain.Error() != "rule.modulator: boom" {
		t.Errorf("Under(plain) = %q", plain)
	}
	if Under(nil, "x") != nil {
		t.Error("Under(nil) != nil")
	}
	if New("must be set").Error() != "must be set" {
		t.Error("an error without a path prints its message alone")
	}
}
