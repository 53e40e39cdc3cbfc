package live

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/experiments/reward"
	"github.com/dopa-sim/dopa/experiments/train"
)

// How a reward experiment runs live: one agent in one condition (the
// label, as reward.Spec.Labels names them) with the file's first seed, one
// episode per update, exactly as dopa run runs that job (the same streams:
// reward.Episodes). The update's point carries the episode's return
// (Loss), δ at its CS, or else at its last step (RPE), and the peak
// dopamine level (Dopamine); about four times a second the page gets the
// "trial" view: δ, V and the reward at every step of the latest episode.

// trialJSON is one episode as the page reads it.
type trialJSON struct {
	Episode int       `json:"episode"`
	Step    []int     `json:"step"`
	Delta   []float64 `json:"delta"`
	Value   []float64 `json:"value"`
	Reward  []float64 `json:"reward"`
}

// reinforce runs a reward experiment live.
func (s *Session) reinforce(ctx context.Context, f *reward.Spec, label string) (train.Outcome, string, error) {
	job, ok := f.Job(label, f.Seed)
	if !ok {
		return train.Outcome{}, "", fmt.Errorf("no agent %q in %s (have: %v)", label, s.cfg.File, f.Labels())
	}
	eps, err := reward.NewEpisodes(job)
	if err != nil {
		return train.Outcome{}, "", err
	}
	g := gate{s: s, next: time.Now()}
	batch := &pointBatch{hub: s.hub}
	g.flush = batch.flush
	if !g.wait(ctx) {
		return train.Outcome{Interrupted: true}, "", nil
	}
	var steps []reward.Step
	var last time.Time
	sum, n := 0.0, 0
	for ep := 1; !eps.Done(); ep++ {
		var row reward.Episode
		row, steps, err = eps.Next(true, steps[:0])
		if err != nil {
			batch.flush()
			return train.Outcome{Epochs: ep, Trials: ep, Err: err.Error()}, "", nil
		}
		p := Point{Epoch: ep, Trials: ep, Loss: row.Return, RPE: math.NaN(), Dopamine: math.Inf(-1),
			LearningRate: math.NaN(), Eligibility: math.NaN(), Weight: math.NaN(), Rate: math.NaN()}
		for _, st := range steps {
			if st.Mark == env.CS || math.IsNaN(p.RPE) && st.K == len(steps) {
				p.RPE = st.Delta
			}
			p.Dopamine = max(p.Dopamine, st.Dopamine)
		}
		sum += row.Return
		n++
		batch.add(p)
		if ep == 1 || eps.Done() || time.Since(last) >= viewEvery/4 {
			s.hub.SetNamedView("trial", trialView(ep, steps))
			last = time.Now()
		}
		if !g.wait(ctx) {
			batch.flush()
			return train.Outcome{Epochs: ep, Trials: ep, Interrupted: true}, "", nil
		}
	}
	batch.flush()
	return train.Outcome{Epochs: n, Trials: n}, fmt.Sprintf("%d episodes of %s: mean return %.3g", n, label, sum/float64(max(n, 1))), nil
}

// trialView encodes the steps of one episode.
func trialView(ep int, steps []reward.Step) []byte {
	v := trialJSON{Episode: ep, Step: []int{}, Delta: []float64{}, Value: []float64{}, Reward: []float64{}}
	for _, st := range steps {
		v.Step = append(v.Step, st.K)
		v.Delta = append(v.Delta, st.Delta)
		v.Value = append(v.Value, st.Value)
		v.Reward = append(v.Reward, st.Reward)
	}
	b, _ := json.Marshal(v) // finite numbers (a diverged critic stops the run first)
	return b
}
