package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// PavlovianParams are the keys of the Pavlovian experiment of Izhikevich
// (2007, Fig. 2): a continuous stream of stimuli S1 … Sn, one every
// interval_min_ms to interval_max_ms, each chosen uniformly at random;
// every presentation of S1 earns a reward after a random delay.
//
// One step is 1 ms (a reward file sets critic.step_ms = 1). The stream
// does not stop between episodes: an episode is the next episode_ms of
// it, and a reward due after an episode's end arrives in the next one.
// The observation has one feature per stimulus: x_i = 1 in the step
// stimulus i is presented, else 0 (a network agent stimulates group i
// with it). The first stimulus comes one interval after the start; each
// interval and each delay is a whole number of ms drawn uniformly from
// its bounds, both included; rewards due in the same ms add up.
type PavlovianParams struct {
	// Stimuli is the number n of stimuli, in [1, 10000]; S1 is the first.
	Stimuli int `toml:"stimuli" check:"[1,10000]"`
	// IntervalMinMs and IntervalMaxMs bound the interval between two
	// stimuli (ms), 1 ≤ min ≤ max ≤ 10⁶.
	IntervalMinMs int `toml:"interval_min_ms" check:"[1,1000000]"`
	IntervalMaxMs int `toml:"interval_max_ms"`
	// DelayMinMs and DelayMaxMs bound the delay of the reward after S1
	// (ms), 1 ≤ min ≤ max ≤ 10⁶.
	DelayMinMs int `toml:"delay_min_ms" check:"[1,1000000]"`
	DelayMaxMs int `toml:"delay_max_ms"`
	// Reward is the size of a reward.
	Reward float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
	// EpisodeMs is the length of an episode (ms), in [1, 10⁶].
	EpisodeMs int `toml:"episode_ms" check:"[1,1000000]"`
}

// Validate reports a key out of range.
func (p PavlovianParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.IntervalMaxMs < p.IntervalMinMs || p.IntervalMaxMs > 1e6 {
		return bad(fmt.Sprintf("must be in [interval_min_ms = %d, 1000000], got %%d", p.IntervalMinMs), p.IntervalMaxMs, "interval_max_ms")
	}
	return checkDelays(p.DelayMinMs, p.DelayMaxMs)
}

var pavlovianDef = Def{
	Name:   "pavlovian",
	StepMs: 1,
	Doc:    "Izhikevich (2007) Pavlovian conditioning: a stream of random stimuli S1…Sn, 1-ms steps; each S1 earns a reward after a random delay",
	Defaults: func() Params {
		return PavlovianParams{Stimuli: 100, IntervalMinMs: 100, IntervalMaxMs: 300, DelayMinMs: 1, DelayMaxMs: 1000,
			Reward: 1, EpisodeMs: 1000}
	},
	New: func(p Params) (Env, error) {
		pp := p.(PavlovianParams)
		return &pavlovian{PavlovianParams: pp, rewards: newWheel(pp.DelayMaxMs)}, nil
	},
}

// wheel holds the rewards due in the next n steps.
type wheel struct {
	due []int32 // rewards due, by step modulo len(due)
}

func newWheel(maxDelay int) wheel { return wheel{due: make([]int32, maxDelay+1)} }

func (w *wheel) clear() { clear(w.due) }

// add schedules a reward at step t (less than len(due) steps ahead).
func (w *wheel) add(t int) { w.due[t%len(w.due)]++ }

// take returns and clears the rewards due at step t.
func (w *wheel) take(t int) int32 {
	i := t % len(w.due)
	c := w.due[i]
	w.due[i] = 0
	return c
}

type pavlovian struct {
	PavlovianParams
	t, start int // the current ms since the run began, and the episode's first
	next     int // the ms of the next stimulus
	stim     int // the stimulus presented at t, −1 for none
	rewards  wheel
}

func (p *pavlovian) Features() int { return p.Stimuli }
func (p *pavlovian) Actions() int  { return 0 }
func (p *pavlovian) MaxSteps() int { return p.EpisodeMs }

func (p *pavlovian) interval(rng *rand.Rand) int {
	return p.IntervalMinMs + rng.IntN(p.IntervalMaxMs-p.IntervalMinMs+1)
}

// Reset starts the stream at episode 0 and continues it afterwards.
func (p *pavlovian) Reset(episode int, rng *rand.Rand, x []float64) {
	if episode == 0 {
		p.t, p.stim = 0, -1
		p.rewards.clear()
		p.next = p.interval(rng)
	}
	p.start = p.t
	p.observe(x)
}

// observe writes the stimulus of ms t into x (drawn when it comes, so
// that it is drawn once whatever the episodes are).
func (p *pavlovian) observe(x []float64) {
	x = x[:p.Stimuli]
	clear(x)
	if p.stim >= 0 {
		x[p.stim] = 1
	}
}

func (p *pavlovian) Step(_ int, rng *rand.Rand, x []float64) Outcome {
	p.t++
	o := Outcome{Optimal: -1, Regret: math.NaN()}
	p.stim = -1
	if p.t == p.next {
		p.stim = rng.IntN(p.Stimuli)
		p.next += p.interval(rng)
		if p.stim == 0 {
			o.Mark = CS
			p.rewards.add(p.t + p.DelayMinMs + rng.IntN(p.DelayMaxMs-p.DelayMinMs+1))
		}
	}
	if c := p.rewards.take(p.t); c > 0 {
		o.Reward = p.Reward * float64(c)
		o.Mark = US
	}
	if p.t-p.start >= p.EpisodeMs {
		o.End = true
		clear(x[:p.Stimuli])
		return o
	}
	p.observe(x)
	return o
}
