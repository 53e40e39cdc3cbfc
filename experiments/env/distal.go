package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// DistalParams are the keys of the distal-reward task of Izhikevich (2007,
// Fig. 1): the agent reports, every step, whether the synapse it watches
// just paired (action 1: its post neuron fired shortly after its pre
// neuron; 0 otherwise), and every such pairing earns a reward after a
// random delay of a few seconds.
//
// One step is 1 ms (critic.step_ms = 1). The task runs without pause:
// an episode is the next episode_ms of it, and a reward due after an
// episode's end arrives in the next one. The observation is one feature,
// always 0 (nothing stimulates the network). Each delay is a whole number
// of ms drawn uniformly from its bounds, both included; rewards due in
// the same ms add up.
type DistalParams struct {
	// DelayMinMs and DelayMaxMs bound the delay of the reward after a
	// pairing (ms), 1 ≤ min ≤ max ≤ 10⁶.
	DelayMinMs int `toml:"delay_min_ms" check:"[1,1000000]"`
	DelayMaxMs int `toml:"delay_max_ms"`
	// Reward is the size of a reward (0: the control condition).
	Reward float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
	// EpisodeMs is the length of an episode (ms), in [1, 10⁶].
	EpisodeMs int `toml:"episode_ms" check:"[1,1000000]"`
}

// Validate reports a key out of range.
func (p DistalParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return checkDelays(p.DelayMinMs, p.DelayMaxMs)
}

// checkDelays checks the upper bound of the reward delay of the 1-ms
// streams (distal, pavlovian) against the lower one.
func checkDelays(delayMin, delayMax int) error {
	if delayMax < delayMin || delayMax > 1e6 {
		return bad(fmt.Sprintf("must be in [delay_min_ms = %d, 1000000], got %%d", delayMin), delayMax, "delay_max_ms")
	}
	return nil
}

var distalDef = Def{
	Name:   "distal",
	StepMs: 1,
	Doc:    "Izhikevich (2007) distal reward: 1-ms steps; action 1 (the watched synapse paired) earns a reward 1–3 s later",
	Defaults: func() Params {
		return DistalParams{DelayMinMs: 1000, DelayMaxMs: 3000, Reward: 1, EpisodeMs: 1000}
	},
	New: func(p Params) (Env, error) {
		dp := p.(DistalParams)
		return &distal{DistalParams: dp, rewards: newWheel(dp.DelayMaxMs)}, nil
	},
}

type distal struct {
	DistalParams
	t, start int
	rewards  wheel
}

func (d *distal) Features() int { return 1 }
func (d *distal) Actions() int  { return 2 }
func (d *distal) MaxSteps() int { return d.EpisodeMs }

// Reset starts the task at episode 0 and continues it afterwards.
func (d *distal) Reset(episode int, _ *rand.Rand, x []float64) {
	if episode == 0 {
		d.t = 0
		d.rewards.clear()
	}
	d.start = d.t
	x[0] = 0
}

func (d *distal) Step(a int, rng *rand.Rand, x []float64) Outcome {
	o := Outcome{Optimal: -1, Regret: math.NaN()}
	if a == 1 {
		d.rewards.add(d.t + d.DelayMinMs + rng.IntN(d.DelayMaxMs-d.DelayMinMs+1))
	}
	d.t++
	if c := d.rewards.take(d.t); c > 0 {
		o.Reward = d.Reward * float64(c)
		o.Mark = US
	}
	x[0] = 0
	o.End = d.t-d.start >= d.EpisodeMs
	return o
}
