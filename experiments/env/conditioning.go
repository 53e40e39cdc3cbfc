package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// ConditioningParams are the keys of classical conditioning.
//
// Every episode is one trial of TrialSteps steps, t = 0 … TrialSteps−1,
// followed by the terminal state. The conditioned stimulus (CS) comes on at
// step CSStep and stays on for CSSteps steps (0: until the reward is due,
// delay conditioning; fewer: trace conditioning, with a gap between CS
// offset and reward). The reward (US) of size Reward is delivered on
// entering step USStep with probability RewardProbability, except on probe
// trials (every OmitEvery-th, from trial OmitEvery on) and after
// ExtinctionAfter trials, where it is omitted.
//
// The observation is the state representation the critic reads:
//   - "csc", the complete serial compound: one feature per step since CS
//     onset, 1 at that step and 0 elsewhere (TrialSteps − CSStep features);
//   - "microstimulus" (Ludvig, Sutton & Kehoe 2008): the CS starts a memory
//     trace y = Decay^k, k steps after onset, read by Microstimuli Gaussian
//     basis functions of its height, x_i = y·exp(−(y − i/m)²/(2σ²)),
//     i = 1 … m;
//   - "presence": one feature, 1 while the CS is on.
//
// Before the CS every feature is 0, so nothing predicts the CS: the
// inter-trial interval is unpredictable.
type ConditioningParams struct {
	// TrialSteps is the number of steps of a trial, in [2, 10000].
	TrialSteps int `toml:"trial_steps" check:"[2,10000]"`
	// CSStep is the step the CS comes on, in [1, trial_steps − 1].
	CSStep int `toml:"cs_step"`
	// CSSteps is how long the CS stays on (steps); 0: until us_step.
	CSSteps int `toml:"cs_steps"`
	// USStep is the step the reward is due, in (cs_step, trial_steps − 1].
	USStep int `toml:"us_step"`
	// Reward is the size r of the reward.
	Reward float64 `toml:"reward" check:"finite,[-1e6,1e6]"`
	// RewardProbability is the probability that a trial is rewarded, in [0, 1].
	RewardProbability float64 `toml:"reward_probability" check:"[0,1]"`
	// OmitEvery: every omit_every-th trial is a probe trial without reward
	// (0: none).
	OmitEvery int `toml:"omit_every"`
	// ExtinctionAfter: from this trial on no reward is given (0: never).
	ExtinctionAfter int `toml:"extinction_after" check:">=0"`
	// Representation is "csc", "microstimulus" or "presence".
	Representation string `toml:"representation" check:"oneof=csc|microstimulus|presence"`
	// Microstimuli is the number m of microstimuli, in [1, 1000].
	Microstimuli int `toml:"microstimuli" check:"[1,1000]"`
	// Decay is the per-step decay of the microstimulus memory trace, in (0, 1).
	Decay float64 `toml:"decay" check:"(0,1)"`
	// Sigma is the width σ of the microstimuli, > 0.
	Sigma float64 `toml:"sigma" check:"finite,>0"`
}

// Validate reports a key out of range.
func (p ConditioningParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.CSStep < 1 || p.CSStep >= p.TrialSteps:
		return bad(fmt.Sprintf("must be in [1, trial_steps − 1 = %d], got %%d", p.TrialSteps-1), p.CSStep, "cs_step")
	case p.USStep <= p.CSStep || p.USStep >= p.TrialSteps:
		return bad(fmt.Sprintf("must be in [cs_step + 1 = %d, trial_steps − 1 = %d], got %%d", p.CSStep+1, p.TrialSteps-1), p.USStep, "us_step")
	case p.CSSteps < 0 || p.CSSteps > p.TrialSteps-p.CSStep:
		return bad(fmt.Sprintf("must be in [0, trial_steps − cs_step = %d], got %%d", p.TrialSteps-p.CSStep), p.CSSteps, "cs_steps")
	case p.OmitEvery < 0 || p.OmitEvery == 1:
		return bad("must be 0 (no probe trials) or at least 2, got %d", p.OmitEvery, "omit_every")
	}
	return nil
}

var conditioningDef = Def{
	Name: "conditioning",
	Doc:  "classical conditioning: a CS, then a reward after a delay, with a reward probability, probe omissions and extinction",
	Defaults: func() Params {
		return ConditioningParams{TrialSteps: 25, CSStep: 10, USStep: 15, Reward: 1, RewardProbability: 1,
			Representation: "csc", Microstimuli: 10, Decay: 0.9, Sigma: 0.08}
	},
	New: func(p Params) (Env, error) {
		c := &conditioning{ConditioningParams: p.(ConditioningParams)}
		csOff := c.USStep
		if c.CSSteps > 0 {
			csOff = c.CSStep + c.CSSteps
		}
		c.csOff = csOff
		return c, nil
	},
	Reported: func(p Params) []Field {
		return []Field{{"reward_probability", p.(ConditioningParams).RewardProbability}}
	},
}

type conditioning struct {
	ConditioningParams
	csOff    int // first step the CS is off
	t        int // the current step
	rewarded bool
}

func (c *conditioning) Features() int {
	switch c.Representation {
	case "csc":
		return c.TrialSteps - c.CSStep
	case "microstimulus":
		return c.Microstimuli
	}
	return 1
}

func (c *conditioning) Actions() int  { return 0 }
func (c *conditioning) MaxSteps() int { return c.TrialSteps }

func (c *conditioning) Reset(episode int, rng *rand.Rand, x []float64) {
	c.t = 0
	// One draw per trial, whatever the trial is, so that the stream does
	// not depend on probe and extinction settings.
	u := rng.Float64()
	trial := episode + 1
	c.rewarded = u < c.RewardProbability &&
		!(c.OmitEvery > 0 && trial%c.OmitEvery == 0) &&
		!(c.ExtinctionAfter > 0 && episode >= c.ExtinctionAfter)
	c.observe(x)
}

func (c *conditioning) Step(_ int, _ *rand.Rand, x []float64) Outcome {
	c.t++
	o := Outcome{Optimal: -1, Regret: math.NaN()}
	switch c.t {
	case c.CSStep:
		o.Mark = CS
	case c.USStep:
		if c.rewarded {
			o.Mark, o.Reward = US, c.Reward
		} else {
			o.Mark = Omitted
		}
	}
	if c.t >= c.TrialSteps {
		o.End = true
		clear(x[:c.Features()])
		return o
	}
	c.observe(x)
	return o
}

// observe writes the features of step t.
func (c *conditioning) observe(x []float64) {
	x = x[:c.Features()]
	clear(x)
	k := c.t - c.CSStep // steps since CS onset
	if k < 0 {
		return
	}
	switch c.Representation {
	case "csc":
		x[k] = 1
	case "presence":
		if c.t < c.csOff {
			x[0] = 1
		}
	case "microstimulus":
		y := math.Pow(c.Decay, float64(k))
		m := float64(c.Microstimuli)
		for i := range x {
			d := y - float64(i+1)/m
			x[i] = y * math.Exp(-d*d/(2*c.Sigma*c.Sigma))
		}
	}
}
