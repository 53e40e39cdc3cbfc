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
// "trial" view: δ, V and the reward at every step of the latest episode,
// and, in an arena environment (water_maze, grid), the arena and the
// episode's path.

// trialJSON is one episode as the page reads it.
type trialJSON struct {
	Episode int       `json:"episode"`
	Step    []int     `json:"step"`
	Delta   []float64 `json:"delta"`
	Value   []float64 `json:"value"`
	Reward  []float64 `json:"reward"`
	// Arena and the path X, Y (from the start, one point per step) in
	// arena environments; absent otherwise.
	Arena *arenaJSON `json:"arena,omitempty"`
	X     []float64  `json:"x,omitempty"`
	Y     []float64  `json:"y,omitempty"`
}

// arenaJSON is env.Arena as the page reads it.
type arenaJSON struct {
	Shape          string       `json:"shape"`
	Radius         float64      `json:"radius,omitempty"`
	Platform       [2]float64   `json:"platform"`
	PlatformRadius float64      `json:"platform_radius,omitempty"`
	Starts         [][2]float64 `json:"starts"`
	Width          int          `json:"width,omitempty"`
	Height         int          `json:"height,omitempty"`
	Walls          [][2]int     `json:"walls"`
	Goal           [2]int       `json:"goal"`
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
	var arena *arenaJSON
	if a, ok := eps.Arena(); ok {
		arena = &arenaJSON{Shape: a.Shape, Radius: a.Radius, Platform: a.Platform, PlatformRadius: a.PlatformRadius, Starts: a.Starts,
			Width: a.Width, Height: a.Height, Walls: a.Walls, Goal: a.Goal}
		if arena.Walls == nil {
			arena.Walls = [][2]int{}
		}
		eps.TracePaths(true)
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
			s.hub.SetNamedView("trial", trialView(ep, steps, arena, eps.Path()))
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

// trialView encodes the steps of one episode, and its path in the arena
// (arena nil: none).
func trialView(ep int, steps []reward.Step, arena *arenaJSON, path []reward.Point) []byte {
	v := trialJSON{Episode: ep, Step: []int{}, Delta: []float64{}, Value: []float64{}, Reward: []float64{}, Arena: arena}
	if arena != nil {
		v.X, v.Y = make([]float64, len(path)), make([]float64, len(path))
		for i, p := range path {
			v.X[i], v.Y[i] = p.X, p.Y
		}
	}
	for _, st := range steps {
		v.Step = append(v.Step, st.K)
		v.Delta = append(v.Delta, st.Delta)
		v.Value = append(v.Value, st.Value)
		v.Reward = append(v.Reward, st.Reward)
	}
	b, _ := json.Marshal(v) // finite numbers (a diverged critic stops the run first)
	return b
}
