package circuits

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
)

const plasticBase = `name = "p"
dt_ms = 1.0
input = "in"
[[population]]
name = "in"
size = 20
model = "poisson"
rate_hz_per_unit = 50.0
[[population]]
name = "out"
size = 10
model = "lif"
[[projection]]
from = "in"
to = "out"
connectivity = "sparse"
p = 0.5
weight = 8.0
w_min = 0.0
w_max = 20.0
plastic = true
[projection.stdp]
tau_c_ms = 100.0
[readout]
population = "out"
mode = "spike_count"
`

// Circuit.Plasticity is the synapse's R-STDP applied to the circuit's own
// spikes: a copy of the projection driven by hand with the same spikes and
// dopamine ends with the same weights, per step and event-driven.
func TestPlasticityIsTheSynapseRule(t *testing.T) {
	for _, event := range []bool{false, true} {
		src := plasticBase
		if event {
			src = strings.Replace(src, "tau_c_ms = 100.0", "tau_c_ms = 100.0\nevent_driven = true", 1)
		}
		spec, err := Parse("p.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		build := func() *Circuit {
			c, err := spec.Build(rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a, b := build(), build()
		da, _ := modulator.NewPulsed(modulator.PulsedParams{TauDMs: 50, Gain: 1})
		db, _ := modulator.NewPulsed(modulator.PulsedParams{TauDMs: 50, Gain: 1})
		if event {
			da.Subscribe(a.PlasticLinks()[0])
			db.Subscribe(b.PlasticLinks()[0].Sparse)
		}
		x := make([]float64, 20)
		for i := range x {
			x[i] = 1
		}
		lb := b.PlasticLinks()[0]
		for step := range 400 {
			if step%100 == 50 {
				da.Reward(1)
				db.Reward(1)
			}
			d := da.Level()
			a.Step(x)
			da.Step(1)
			a.Plasticity(da.T, d)
			b.Step(x)
			db.Step(1)
			pre := b.Pops[0].(neuron.Spiking).Spikes()
			post := b.Pops[1].(neuron.Spiking).Spikes()
			if event {
				lb.SpikesAt(db.T, pre, post)
			} else {
				lb.PlasticStep(pre, post, 1, d)
			}
		}
		la := a.PlasticLinks()[0]
		if event {
			la.Flush(da.T)
			lb.Flush(db.T)
		}
		changed := 0
		for k := range la.W {
			if la.W[k] != lb.W[k] {
				t.Fatalf("event %v: synapse %d: %g through the circuit, %g by hand", event, k, la.W[k], lb.W[k])
			}
			if la.W[k] != 8 {
				changed++
			}
		}
		if changed == 0 {
			t.Errorf("event %v: no weight changed in 400 steps with dopamine", event)
		}
	}
}

// A plastic sparse projection needs a spiking post population.
func TestPlasticOntoRateIsRefused(t *testing.T) {
	src := strings.Replace(plasticBase, "size = 10\nmodel = \"lif\"", "size = 10", 1)
	src = strings.Replace(src, "mode = \"spike_count\"\n", "", 1)
	_, err := Parse("p.toml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "projection[0].plastic") {
		t.Errorf("plastic onto a rate population: %v", err)
	}
}

// stdp.dendritic_delay_ms pairs every post spike d ms after it happens
// (NEST's convention): the circuit equals its projection driven by hand
// with the post spikes handed over d ms late, per step and event-driven,
// and differs from the same circuit without the delay. (synapse's
// TestRSTDPEqualsNESTDopamineSynapse checks that synapse against NEST's.)
func TestDendriticDelayPairsPostSpikesLate(t *testing.T) {
	const d = 3
	for _, event := range []bool{false, true} {
		src := strings.Replace(plasticBase, "tau_c_ms = 100.0", "tau_c_ms = 100.0\ndendritic_delay_ms = 3.0", 1)
		if event {
			src = strings.Replace(src, "tau_c_ms = 100.0", "tau_c_ms = 100.0\nevent_driven = true", 1)
		}
		build := func(src string) *Circuit {
			spec, err := Parse("p.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			c, err := spec.Build(rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a, b := build(src), build(src)
		undelayed := build(strings.Replace(src, "dendritic_delay_ms = 3.0\n", "", 1))
		mods := make([]*modulator.Pulsed, 3)
		for i := range mods {
			mods[i], _ = modulator.NewPulsed(modulator.PulsedParams{TauDMs: 50, Gain: 1})
		}
		if event {
			mods[0].Subscribe(a.PlasticLinks()[0])
			mods[1].Subscribe(b.PlasticLinks()[0].Sparse)
			mods[2].Subscribe(undelayed.PlasticLinks()[0])
		}
		x := make([]float64, 20)
		for i := range x {
			x[i] = 1
		}
		lb := b.PlasticLinks()[0]
		var past [][]int32 // b's post spikes, step by step
		for step := range 400 {
			if step%100 == 50 {
				for _, m := range mods {
					m.Reward(1)
				}
			}
			for _, c := range []*Circuit{a, undelayed} {
				m := mods[0]
				if c == undelayed {
					m = mods[2]
				}
				lvl := m.Level()
				c.Step(x)
				m.Step(1)
				c.Plasticity(m.T, lvl)
			}
			lvl := mods[1].Level()
			b.Step(x)
			mods[1].Step(1)
			pre := b.Pops[0].(neuron.Spiking).Spikes()
			past = append(past, append([]int32(nil), b.Pops[1].(neuron.Spiking).Spikes()...))
			var post []int32
			if step >= d {
				post = past[step-d]
			}
			if event {
				lb.SpikesAt(mods[1].T, pre, post)
			} else {
				lb.PlasticStep(pre, post, 1, lvl)
			}
		}
		la, lu := a.PlasticLinks()[0], undelayed.PlasticLinks()[0]
		if event {
			la.Flush(mods[0].T)
			lb.Flush(mods[1].T)
			lu.Flush(mods[2].T)
		}
		differs := 0
		for k := range la.W {
			if la.W[k] != lb.W[k] {
				t.Fatalf("event %v: synapse %d: %g through the circuit, %g by hand with post spikes %d ms late", event, k, la.W[k], lb.W[k], d)
			}
			if la.W[k] != lu.W[k] {
				differs++
			}
		}
		if differs == 0 {
			t.Errorf("event %v: the dendritic delay changed no weight", event)
		}
	}
}

// A dendritic delay that is not a whole number of dt is refused at its key.
func TestDendriticDelayMustBeWholeSteps(t *testing.T) {
	src := strings.Replace(plasticBase, "tau_c_ms = 100.0", "tau_c_ms = 100.0\ndendritic_delay_ms = 2.5", 1)
	_, err := Parse("p.toml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "stdp.dendritic_delay_ms") || !strings.Contains(err.Error(), "whole number") {
		t.Errorf("dendritic_delay_ms = 2.5 at dt 1: %v", err)
	}
}
