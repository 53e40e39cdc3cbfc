package reward

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/modulator"
)

// Job is one run: an agent in one condition with one seed.
type Job struct {
	Condition string
	Agent     AgentSpec
	Seed      int
	spec      *Spec // the condition's experiment
}

// Episode is one row of episodes.csv.
type Episode struct {
	Return float64
	Steps  int
	// Action is the first action of the episode (−1 if the agent does not
	// act).
	Action int
	// Optimal is the fraction of the episode's actions that were best ones
	// (NaN where undefined).
	Optimal float64
	// Regret is the expected reward lost against the best actions (NaN
	// where undefined).
	Regret float64
}

// Step is one row of steps.csv: step k (1, 2, …) of an episode, on
// entering its state.
type Step struct {
	Episode, K int
	Reward     float64
	// Delta is the critic's δ, Value its V of the state entered (after the
	// update; 0 at the end), Dopamine the level D = d + tonic after the
	// pulse.
	Delta, Value, Dopamine float64
	// Action led to this step (−1 if the agent does not act).
	Action int
	Mark   env.Mark
}

// Point is one row of trajectories.csv: where the agent was at step K of
// an episode (0: after Reset, the start; k: on entering step k's state),
// in the arena's units (env.Arena).
type Point struct {
	Episode, K int
	X, Y       float64
}

// MapPoint is one row of value_map.csv: at position X, Y of the arena,
// the critic's V at the end of the run and the actor's preferred
// direction PX, PY (NaN where the agent cannot say).
type MapPoint struct {
	X, Y, Value, PX, PY float64
}

// RunResult is what one job produced (kept in the journal).
type RunResult struct {
	Agent, Condition string
	Seed             int
	Episodes         []Episode
	Steps            []Step
	// Path holds the points of the episodes of record.trajectories (and of
	// the last one), in order.
	Path []Point
	// Map is the value map at the end of the run (record.value_map).
	Map []MapPoint
	// Metrics, NaN where they do not apply.
	MeanReturn, DeltaCS, DeltaUS, DeltaOmitted, OptimalFraction, Regret float64
	// RegretBound is the environment's lower bound on the expected regret
	// of any learner over the run (NaN where none is known).
	RegretBound float64
	// Reported are the environment's reported parameters (reward_probability).
	Reported []env.Field
	// Fields are what the agent measured itself (Reporter), NaN where
	// undefined.
	Fields []env.Field
	// Recording is what the agent recorded of its circuit (Recorder).
	Recording
	// Solved says the run ended because stop_after_solved episodes in a
	// row solved the task.
	Solved      bool
	WallSeconds float64
	// Fail says why the run failed ("" if it did not).
	Fail string
}

// Failure implements runner.Result.
func (r *RunResult) Failure() string { return r.Fail }

// streams: the environment and the agent draw from their own streams of
// the seed, so that agents and conditions of one seed meet the same
// environment draws as far as their choices allow.
const (
	streamEnv    = 1
	streamAgent  = 2
	streamCritic = 3
)

// Episodes runs the episodes of one job one at a time: Run drives it to
// the end, the live view (dopa serve) one episode per update.
type Episodes struct {
	spec             *Spec
	env              env.Env
	critic           critic
	da               *modulator.Pulsed
	agent            Agent
	envRng, agentRng *rand.Rand
	x, y             []float64
	fromReward       bool // δ = r: no critic
	ep               int
	solved           func(steps int, ret float64) bool // nil: no stop_after_solved
	streak           int                               // episodes in a row that solved the task
	pos              env.Positioned                    // nil: not an arena environment
	trace            bool                              // record the path of the next episodes
	path             []Point                           // the path of the last traced episode
	sums             [3]float64                        // δ at CS, US, omitted US over the last delta_last episodes
	counts           [3]int
}

// NewEpisodes makes the environment, critic, dopamine and agent of a job.
func NewEpisodes(j Job) (*Episodes, error) {
	s := j.spec
	e, err := newEnv(s)
	if err != nil {
		return nil, err
	}
	n := e.Features()
	r := &Episodes{spec: s, env: e, x: make([]float64, n), y: make([]float64, n), fromReward: s.Critic.Source == "reward",
		envRng:   rand.New(rand.NewPCG(uint64(j.Seed), streamEnv)),
		agentRng: rand.New(rand.NewPCG(uint64(j.Seed), streamAgent))}
	if s.Critic.Model == "spiking" {
		r.critic = newSpikingCritic(s.Critic.Spiking, s.Critic.TDParams, s.Critic.StepMs, n, rand.New(rand.NewPCG(uint64(j.Seed), streamCritic)))
	} else {
		td, err := modulator.NewTD(s.Critic.TDParams, n)
		if err != nil {
			return nil, err
		}
		r.critic = td
	}
	r.pos, _ = e.(env.Positioned)
	if d, _ := env.Lookup(s.Environment.Name); s.StopAfterSolved > 0 && d.Solved != nil {
		p := s.Environment.Params
		r.solved = func(steps int, ret float64) bool { return d.Solved(p, steps, ret) }
	}
	if r.da, err = modulator.NewPulsed(s.Critic.Dopamine); err != nil {
		return nil, err
	}
	ad, _ := lookupAgent(j.Agent.Name)
	r.agent, err = ad.New(j.Agent.AgentParams, Setup{Features: n, Actions: e.Actions(), Rng: r.agentRng, Dopamine: s.Critic.Dopamine,
		StepMs: s.Critic.StepMs, RunMs: float64(s.Episodes) * float64(e.MaxSteps()) * s.Critic.StepMs})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// TracePaths says whether the next episodes record their paths (Path);
// it does nothing for an environment that is not in an arena.
func (r *Episodes) TracePaths(on bool) {
	r.trace = on && r.pos != nil
	if n := r.env.MaxSteps() + 1; r.trace && cap(r.path) < n {
		r.path = make([]Point, 0, n) // the longest episode: no allocation per step
	}
}

// Path returns the points of the last episode run while TracePaths was
// on (nil before any). The slice is reused by the next traced episode.
func (r *Episodes) Path() []Point { return r.path }

// Arena describes the arena of the job's environment (false: it is not in
// one, env.Spatial).
func (r *Episodes) Arena() (env.Arena, bool) {
	if sp, ok := r.spec.Environment.Params.(env.Spatial); ok && r.pos != nil {
		return sp.Arena(), true
	}
	return env.Arena{}, false
}

// Done reports whether every episode of the job has run, or the last
// stop_after_solved episodes solved the task.
func (r *Episodes) Done() bool {
	return r.ep >= r.spec.Episodes || (r.solved != nil && r.streak >= r.spec.StopAfterSolved)
}

// mayEnd tells whether the next episode ends the run if it solves the
// task (stop_after_solved): it is recorded as a last episode is.
func (r *Episodes) mayEnd() bool {
	return r.solved != nil && r.streak == r.spec.StopAfterSolved-1
}

// Next runs the next episode, appending its steps to steps if record, and
// returns its row and the steps. A critic that diverges is an error.
func (r *Episodes) Next(record bool, steps []Step) (Episode, []Step, error) {
	s, e, critic, da, agent := r.spec, r.env, r.critic, r.da, r.agent
	ep := r.ep
	r.ep++
	x, y := r.x, r.y
	e.Reset(ep, r.envRng, x)
	if r.trace {
		r.path = r.path[:0]
		r.point(ep, 0)
	}
	critic.Begin(x)
	agent.Begin()
	row := Episode{Action: -1, Optimal: math.NaN(), Regret: math.NaN()}
	optimal, judged := 0, 0
	acts := e.Actions() > 0
	for k := 1; k <= e.MaxSteps(); k++ {
		a := -1
		if acts {
			a = agent.Act(x, r.agentRng)
			if k == 1 {
				row.Action = a
			}
		}
		o := e.Step(max(a, 0), r.envRng, y)
		if r.trace {
			r.point(ep, k)
		}
		delta := o.Reward // critic.source = "reward": the reward is the dopamine signal
		if !r.fromReward {
			delta = critic.Step(o.Reward, y, o.End)
		}
		if math.IsNaN(delta) || math.IsInf(delta, 0) {
			return row, steps, fmt.Errorf("the critic diverged at episode %d step %d (δ = %g): lower critic.alpha", ep, k, delta)
		}
		da.Step(s.Critic.StepMs)
		da.Reward(delta)
		agent.Learn(x, a, o.Reward, y, o.End, delta)
		row.Return += o.Reward
		row.Steps = k
		if o.Optimal >= 0 {
			judged++
			optimal += int(o.Optimal)
		}
		if !math.IsNaN(o.Regret) {
			if math.IsNaN(row.Regret) {
				row.Regret = 0
			}
			row.Regret += o.Regret
		}
		if record {
			v := 0.0
			if !o.End && !r.fromReward {
				v = critic.Value(y)
			}
			d := delta
			if own, ok := agent.(ownCritic); ok { // an agent with a critic of its own (fremaux)
				d, v = own.StepCritic()
			}
			steps = append(steps, Step{Episode: ep, K: k, Reward: o.Reward, Delta: d, Value: v,
				Dopamine: da.Level(), Action: a, Mark: o.Mark})
		}
		if o.Mark != env.None && ep >= s.Episodes-s.Record.DeltaLast {
			r.sums[o.Mark-env.CS] += delta
			r.counts[o.Mark-env.CS]++
		}
		x, y = y, x
		if o.End {
			break
		}
	}
	r.x, r.y = x, y
	if r.solved != nil {
		r.streak++
		if !r.solved(row.Steps, row.Return) {
			r.streak = 0
		}
	}
	if judged > 0 {
		row.Optimal = float64(optimal) / float64(judged)
	}
	return row, steps, nil
}

// point appends where the agent is to the path.
func (r *Episodes) point(ep, k int) {
	px, py := r.pos.Position()
	r.path = append(r.path, Point{Episode: ep, K: k, X: px, Y: py})
}

// ownCritic is an agent whose dopamine is its own critic's (fremaux): the
// δ and V recorded of a step (steps.csv, the live view) are its own, not
// the file's critic's.
type ownCritic interface {
	// StepCritic returns the agent's δ of the last environment step and
	// its V at the step's end.
	StepCritic() (delta, value float64)
}

// mapValuer is a critic whose Value is not a function of the state (the
// spiking critic's estimate of the last step): MapValue is its expected V.
// An agent that carries a critic of its own (fremaux) implements it too,
// and the value map is then its V.
type mapValuer interface {
	MapValue(x []float64) float64
}

// ValueMap returns, at the points of an n × n grid spanning the arena
// (inside the pool), the critic's V (NaN with critic.source = "reward")
// and the actor's preferred direction Σ_a π_a·u_a, π its policy and u_a
// the unit vector of heading a (NaN for an agent that is not a Chooser).
// Nil for an environment that is not Mapped.
func (r *Episodes) ValueMap(n int) []MapPoint {
	m, ok := r.env.(env.Mapped)
	sp, ok2 := r.spec.Environment.Params.(env.Spatial)
	if !ok || !ok2 || n < 1 {
		return nil
	}
	a := sp.Arena()
	ch, _ := r.agent.(Chooser)
	x := make([]float64, len(r.x))
	pi := make([]float64, max(1, r.env.Actions()))
	var out []MapPoint
	for j := range n {
		for i := range n {
			px, py := 0.0, 0.0
			if n > 1 {
				px = -a.Radius + 2*a.Radius*float64(i)/float64(n-1)
				py = -a.Radius + 2*a.Radius*float64(j)/float64(n-1)
			}
			if math.Hypot(px, py) > a.Radius*(1+1e-12) {
				continue
			}
			m.ObserveAt(px, py, x)
			p := MapPoint{X: px, Y: py, Value: math.NaN(), PX: math.NaN(), PY: math.NaN()}
			switch c := r.critic.(type) {
			case mapValuer:
				p.Value = c.MapValue(x)
			default:
				p.Value = c.Value(x)
			}
			if r.fromReward {
				p.Value = math.NaN()
			}
			if own, ok := r.agent.(mapValuer); ok { // an agent with a critic of its own (fremaux)
				p.Value = own.MapValue(x)
			}
			if ch != nil && r.env.Actions() > 0 {
				ch.Policy(x, pi)
				p.PX, p.PY = 0, 0
				for k, q := range pi {
					dx, dy := m.Heading(k)
					p.PX += q * dx
					p.PY += q * dy
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// Run runs a job to the end, or until ctx is cancelled (done false).
func Run(ctx context.Context, j Job) (r RunResult, done bool, err error) {
	start := time.Now()
	s := j.spec
	r = RunResult{Agent: j.Agent.ID(), Condition: j.Condition, Seed: j.Seed}
	d, _ := env.Lookup(s.Environment.Name)
	if d.Reported != nil {
		r.Reported = d.Reported(s.Environment.Params)
	}
	r.RegretBound = math.NaN()
	if b, ok := s.Environment.Params.(env.Bounded); ok {
		r.RegretBound = b.RegretBound(s.Episodes)
	}
	eps, err := NewEpisodes(j)
	if err != nil {
		return r, false, err
	}
	r.Episodes = make([]Episode, 0, s.Episodes)
	for ep := 0; !eps.Done(); ep++ {
		// Every episode: one of a spiking agent can take a minute, and a
		// stop must not wait for dozens of them.
		if ctx.Err() != nil {
			return r, false, nil
		}
		last := ep == s.Episodes-1 || eps.mayEnd()
		record := s.Record.StepsEvery > 0 && (ep%s.Record.StepsEvery == 0 || last)
		traced := len(s.Record.Trajectories) > 0 && (last || slices.Contains(s.Record.Trajectories, ep))
		eps.TracePaths(traced)
		var row Episode
		row, r.Steps, err = eps.Next(record, r.Steps)
		if err != nil {
			r.Fail = err.Error()
			r.WallSeconds = time.Since(start).Seconds()
			return r, true, nil
		}
		r.Episodes = append(r.Episodes, row)
		if traced && eps.pos != nil {
			r.Path = append(r.Path, eps.Path()...)
		}
	}
	r.finish(s, eps.sums, eps.counts)
	r.Solved = eps.solved != nil && eps.streak >= s.StopAfterSolved
	if len(d.Measures) > 0 {
		steps, returns := make([]int, len(r.Episodes)), make([]float64, len(r.Episodes))
		for i, e := range r.Episodes {
			steps[i], returns[i] = e.Steps, e.Return
		}
		for _, m := range d.Measures {
			r.Fields = append(r.Fields, env.Field{Name: m.Name, Value: m.Of(s.Environment.Params, steps, returns)})
		}
	}
	if n := s.Record.ValueMap; n > 0 {
		r.Map = eps.ValueMap(n)
	}
	if rep, ok := eps.agent.(Reporter); ok {
		r.Fields = append(r.Fields, rep.Report()...)
	}
	if rec, ok := eps.agent.(Recorder); ok {
		r.Recording = rec.Recording()
	}
	r.WallSeconds = time.Since(start).Seconds()
	return r, true, nil
}

// finish computes the run's metrics from its episodes and the sums of δ
// at marked steps (over the last delta_last episodes).
func (r *RunResult) finish(s *Spec, sums [3]float64, counts [3]int) {
	mean := func(k int) float64 {
		if counts[k] == 0 {
			return math.NaN()
		}
		return sums[k] / float64(counts[k])
	}
	r.DeltaCS, r.DeltaUS, r.DeltaOmitted = mean(0), mean(1), mean(2)
	last := r.Episodes[max(0, len(r.Episodes)-s.Record.Last):]
	ret, opt, nOpt := 0.0, 0.0, 0
	for _, e := range last {
		ret += e.Return
		if !math.IsNaN(e.Optimal) {
			opt += e.Optimal
			nOpt++
		}
	}
	r.MeanReturn = ret / float64(len(last))
	r.OptimalFraction = math.NaN()
	if nOpt > 0 {
		r.OptimalFraction = opt / float64(nOpt)
	}
	r.Regret = math.NaN()
	for _, e := range r.Episodes {
		if !math.IsNaN(e.Regret) {
			if math.IsNaN(r.Regret) {
				r.Regret = 0
			}
			r.Regret += e.Regret
		}
	}
}
