package circuits

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/neuron"
)

// The built-in Frémaux circuit builds: escape populations, a ring whose
// weights depend only on the angular distance (excitation near,
// inhibition far), TD-LTP weights drawn in [0, w_init_mv).
func TestFremauxCircuitBuilds(t *testing.T) {
	src, _ := Builtin("fremaux_maze")
	s, err := Parse("fremaux_maze.toml", src)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Build(rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"critic", "actor"} {
		i, _ := s.PopulationIndex(name)
		if _, ok := c.Pops[i].(*neuron.Escape); !ok {
			t.Errorf("population %s is %T, want *neuron.Escape", name, c.Pops[i])
		}
	}
	for _, l := range c.Links {
		w := l.Weights()
		switch l.Name {
		case "actor_ring":
			n := l.NPre
			for m := range n {
				for j := range n {
					if d := (j - m + n) % n; math.Abs(w[m*n+j]-w[d]) > 1e-12 {
						t.Fatalf("ring weight %d → %d = %g, but %g at the same distance from 0", j, m, w[m*n+j], w[d])
					}
				}
			}
			if !(w[0] > 0 && w[n/2] < 0) {
				t.Errorf("ring: w(0) = %g, w(π) = %g: want excitation near, inhibition far", w[0], w[n/2])
			}
		case "place_critic", "place_actor":
			lo, hi := 1.0, 0.0
			for _, x := range w {
				lo, hi = min(lo, x), max(hi, x)
			}
			if lo < 0 || hi >= 0.6 || hi-lo < 0.5 {
				t.Errorf("%s: weights in [%g, %g], want spread over [0, 0.6)", l.Name, lo, hi)
			}
		}
	}
}

// The new keys are refused where they do not apply, at their key.
func TestFremauxCircuitRefuses(t *testing.T) {
	src, _ := Builtin("fremaux_maze")
	for _, c := range []struct {
		name, key string
		edit      func(s *Spec)
	}{
		{"a sparse ring", "pattern", func(s *Spec) { s.Projections[2].Connectivity = "sparse" }},
		{"a plastic ring", "pattern", func(s *Spec) { s.Projections[2].Plastic = true }},
		{"ring keys without a ring", "psi", func(s *Spec) { s.Projections[0].Ring.Psi = 1 }},
		{"TD-LTP onto a poisson population", "learn", func(s *Spec) { s.Populations[1].Model, s.Populations[1].Escape = "poisson", s.Populations[0].Escape }},
		{"td_ltp keys without TD-LTP", "eta", func(s *Spec) { s.Projections[2].TDLTP.Eta = 1 }},
		{"a negative eta", "eta", func(s *Spec) { s.Projections[0].TDLTP.Eta = -1 }},
		{"TD-LTP without a critic", "learn", func(s *Spec) { s.Modulator = Spec{}.Defaults().Modulator }},
		{"a critic that is not a population", "population", func(s *Spec) { s.Modulator.Population = "nowhere" }},
		{"ν_κ above τ_κ", "nu_kappa_ms", func(s *Spec) { s.Modulator.NuKappaMs = 300 }},
		{"τ_s above τ_m", "tau_s_ms", func(s *Spec) { s.Populations[1].Escape.TauSMs = 30 }},
		{"escape keys on a poisson population", "rho0_hz", func(s *Spec) { s.Populations[0].Escape.Rho0Hz = 1 }},
	} {
		s, err := Parse("fremaux_maze.toml", src)
		if err != nil {
			t.Fatal(err)
		}
		c.edit(s)
		var pe *param.Error
		if err := s.Validate(); !errors.As(err, &pe) || !strings.HasSuffix("."+pe.Key(), "."+c.key) {
			t.Errorf("%s: got %v, want an error at %s", c.name, err, c.key)
		}
	}
}
