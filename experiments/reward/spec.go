package reward

import (
	"fmt"
	"math"
	"strings"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
)

// Kind is the value of the top-level key "kind" of a reward file.
const Kind = "reward"

// Spec is a reward experiment as its TOML file declares it. Every key has
// a default; a file needs kind, [environment] name and one [[agent]].
type Spec struct {
	// Kind must be "reward".
	Kind string `toml:"kind"`
	// Name identifies the experiment in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// Seed is the first seed; runs use Seed, Seed+1, … The agents and
	// conditions of one seed meet the same environment draws.
	Seed int `toml:"seed" check:"[0,2147483647]"`
	// Seeds is the number of seeds, in [1, 100000].
	Seeds int `toml:"seeds" check:"[1,100000]"`
	// Episodes is the number of episodes (trials) of a run, in [1, 10⁷].
	Episodes int `toml:"episodes" check:"[1,10000000]"`
	// StopAfterSolved ends a run early, once this many episodes in a row
	// solved the task (the environment's test: a cart-pole episode that
	// lasted max_steps); 0: every run runs all its episodes.
	StopAfterSolved int `toml:"stop_after_solved" check:"[0,10000000],note=0: never"`
	// Environment is the task the agents act in.
	Environment EnvSpec `toml:"environment"`
	// Critic is the TD critic whose error is the dopamine signal.
	Critic Critic `toml:"critic"`
	// Agents are the agents compared (the rules that act and learn).
	Agents []AgentSpec `toml:"agent"`
	// Conditions are variants of the whole experiment, each run for every
	// agent and seed (default: one condition, "default").
	Conditions []Condition `toml:"condition"`
	// Record says what the output files hold.
	Record Record `toml:"record"`
	// Checks are criteria every finished run must meet (summary.json
	// "checks").
	Checks []Check `toml:"check"`

	file string // the file, for the paths it names
}

// resolver is implemented by the keys of an agent that name a file (a
// circuit): resolve reads it, relative to the reward file base.
type resolver interface {
	resolve(base string) (AgentParams, error)
}

// checker is implemented by the keys of an agent that must fit the
// environment (a circuit's input and readout sizes) and bound its cost.
type checker interface {
	check(features, actions, episodes, maxSteps int) error
}

// stepChecker is implemented by the keys of an agent that simulates in
// time steps of its own (a circuit's dt), which must divide the step.
type stepChecker interface {
	checkStep(stepMs float64) error
}

// resolve reads the files the agents name.
func (s *Spec) resolve() error {
	for i := range s.Agents {
		if r, ok := s.Agents[i].AgentParams.(resolver); ok {
			p, err := r.resolve(s.file)
			if err != nil {
				return param.Under(err, "agent", i)
			}
			s.Agents[i].AgentParams = p
		}
	}
	return nil
}

// EnvSpec is the [environment] table: a registered environment and its
// keys.
type EnvSpec struct {
	// Name is a registered environment (env.All).
	Name string `toml:"name"`
	env.Params
}

// Critic is the [critic] table: the TD critic and the dopamine it drives.
type Critic struct {
	// Model is "td" (the linear TD critic, modulator.TD) or "spiking" (a
	// population of spiking neurons whose rate codes V, [critic.spiking]).
	Model string `toml:"model" check:"oneof=td|spiking"`
	// Source is where δ comes from: "td" (the TD critic's error) or
	// "reward" (δ = r: the reward itself is the dopamine signal, the critic
	// bypassed, as in Izhikevich 2007's scripted dopamine).
	Source string `toml:"source" check:"oneof=td|reward"`
	modulator.TDParams
	// Spiking are the keys of the spiking critic.
	Spiking SpikingCritic `toml:"spiking"`
	// StepMs is the duration of one step (ms), for the dopamine's decay.
	StepMs float64 `toml:"step_ms" check:"(0,1e6],unit=ms"`
	// Dopamine is the dopamine level that δ drives: each step it decays
	// with τ_d and jumps by gain·δ.
	Dopamine modulator.PulsedParams `toml:"dopamine"`
}

// AgentSpec is one [[agent]]: a registered agent, its label and its keys.
type AgentSpec struct {
	// Name is a registered agent (Agents).
	Name string `toml:"name"`
	// Label names the agent in outputs (default: its name); it tells apart
	// two entries of the same agent.
	Label string `toml:"label"`
	AgentParams
}

// ID is the agent's name in outputs: its label or else its name.
func (a AgentSpec) ID() string {
	if a.Label != "" {
		return a.Label
	}
	return a.Name
}

// Condition is one [[condition]]: a name and overrides of the experiment's
// keys (as --set spells them) that hold in it.
type Condition struct {
	Name string   `toml:"name" check:"set"`
	Set  []string `toml:"set"`
}

// Record says what the outputs hold and over which episodes the summary's
// metrics are taken.
type Record struct {
	// DeltaLast: delta_cs, delta_us and delta_omitted are means over the
	// last delta_last episodes.
	DeltaLast int `toml:"delta_last" check:">=1"`
	// Last: mean_return and optimal_choice_fraction are over the last
	// `last` episodes.
	Last int `toml:"last" check:">=1"`
	// StepsEvery: steps.csv holds every step of every steps_every-th
	// episode (and of the last one); 0 records no steps.
	StepsEvery int `toml:"steps_every" check:">=0,note=0 records no steps"`
	// Trajectories lists episodes (numbered from 0, as in episodes.csv)
	// whose paths trajectories.csv holds, the last episode with them;
	// empty (the default) records none. Arena environments only
	// (env.Spatial: water_maze, grid).
	Trajectories []int `toml:"trajectories"`
	// ValueMap is the number of points along each side of the square grid
	// over the arena at which value_map.csv gives, at the end of a run,
	// the critic's V and the actor's preferred direction, in [0, 201]; 0
	// (the default): none. Environments whose observation is a function of
	// a position only (env.Mapped: water_maze).
	ValueMap int `toml:"value_map" check:"[0,201],note=0: none"`
	// Format is the format of the tables: "csv" (the default), "npz"
	// (NumPy: one .npz file per table) or "both" (docs/python.md).
	Format output.Format `toml:"format"`
}

// Defaults returns an experiment of 10 seeds of 200 episodes, a TD(0)
// critic with γ = 1 and α = 0.1, 100-ms steps, and the default condition.
func (Spec) Defaults() Spec {
	return Spec{Kind: Kind, Name: "reward", Seed: 1, Seeds: 10, Episodes: 200,
		Critic: Critic{Model: "td", Source: "td", TDParams: modulator.TDParams{}.Defaults(), Spiking: SpikingCritic{}.Defaults(), StepMs: 100,
			Dopamine: modulator.PulsedParams{}.Defaults()},
		Record: Record{DeltaLast: 50, Last: 100, StepsEvery: 1, Format: output.CSV}}
}

// Bounds on what one experiment may ask for, so that a slip in a number
// is refused at once instead of running for days or filling the disk.
const (
	maxAgents     = 100
	maxConditions = 1000
	// maxTrajectories bounds record.trajectories.
	maxTrajectories = 1000
	maxJobs         = 100_000
	// maxSteps bounds the steps of all runs together (episodes × max steps
	// per episode × jobs).
	maxSteps = 1e10
	// maxStepRows bounds steps.csv (rows over all runs), maxTraceRows
	// synapse_traces.csv and maxWeightRows weights_end.csv.
	maxStepRows   = 2e7
	maxTraceRows  = 2e7
	maxWeightRows = 5e7
)

// rowser is implemented by the keys of an agent that records its circuit
// (Recorder): rows says how many rows one run adds to the recording files.
type rowser interface {
	rows(episodes, maxSteps int, stepMs float64) recordRows
}

// recordRows counts the rows of synapse_traces.csv, probes.csv and
// weights_end.csv.
type recordRows struct{ traces, probes, weights float64 }

// FromDoc decodes a parsed reward file strictly, with the defaults of
// every key it leaves out, and validates it. Errors name the file, the
// line and the key.
func FromDoc(doc *config.Doc) (*Spec, error) {
	s := Spec{}.Defaults()
	if doc.Line("kind") == 0 {
		return nil, &config.Error{File: doc.File(), Line: 1, Key: "kind", Msg: fmt.Sprintf("must be set to %q", Kind)}
	}
	name := doc.String("environment", "name")
	d, ok := env.Lookup(name)
	if !ok {
		if doc.Line("environment", "name") == 0 {
			return nil, doc.Errorf([]any{"environment"}, "an [environment] table with a name is required %s", strings.TrimPrefix(env.Unknown(""), "unknown environment \"\" "))
		}
		return nil, doc.Errorf([]any{"environment", "name"}, "%s", env.Unknown(name))
	}
	s.Environment = EnvSpec{Name: name, Params: d.Defaults()}
	n := doc.Len("agent")
	if n > maxAgents {
		return nil, doc.Errorf([]any{"agent"}, "%d agents, more than %d", n, maxAgents)
	}
	s.Agents = make([]AgentSpec, n)
	for i := range s.Agents {
		an := doc.String("agent", i, "name")
		ad, ok := lookupAgent(an)
		if !ok {
			return nil, doc.Errorf([]any{"agent", i, "name"}, "%s", unknownAgent(an))
		}
		s.Agents[i] = AgentSpec{Name: an, AgentParams: ad.Defaults()}
	}
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	s.file = doc.File()
	if err := s.resolve(); err != nil {
		return nil, doc.Locate(err)
	}
	if err := s.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	return &s, nil
}

// Set applies a command-line override (--set path=value: episodes=500,
// environment.reward_probability=0.5, agent.0.beta=4) and validates the
// result. Errors are *config.Error values whose key starts with "--set".
func (s *Spec) Set(path, value string) error {
	t := s.clone()
	if err := config.Set(&t, path, value); err != nil {
		return err
	}
	if err := t.resolve(); err != nil {
		return &config.Error{Key: "--set " + path, Msg: err.Error()}
	}
	if err := t.Validate(); err != nil {
		return &config.Error{Key: "--set " + path, Msg: err.Error()}
	}
	*s = t
	return nil
}

func (s *Spec) clone() Spec {
	t := *s
	t.Agents = append([]AgentSpec(nil), s.Agents...)
	t.Conditions = append([]Condition(nil), s.Conditions...)
	t.Checks = append([]Check(nil), s.Checks...)
	return t
}

// conditions returns the conditions with the experiment each one runs:
// the default condition alone when the file lists none.
func (s *Spec) conditions() ([]string, []Spec, error) {
	if len(s.Conditions) == 0 {
		return []string{"default"}, []Spec{*s}, nil
	}
	names := make([]string, len(s.Conditions))
	specs := make([]Spec, len(s.Conditions))
	for i, c := range s.Conditions {
		t := s.clone()
		t.Conditions = nil
		for j, kv := range c.Set {
			k, v, ok := strings.Cut(kv, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, nil, param.New(fmt.Sprintf("want key=value, got %q", kv), "condition", i, "set", j)
			}
			if root, _, _ := strings.Cut(k, "."); root == "condition" || root == "check" || root == "seeds" || root == "seed" || root == "kind" || root == "name" {
				return nil, nil, param.New(fmt.Sprintf("a condition cannot set %q", k), "condition", i, "set", j)
			}
			if err := config.Set(&t, k, strings.TrimSpace(v)); err != nil {
				return nil, nil, param.New(err.Error(), "condition", i, "set", j)
			}
		}
		if err := t.resolve(); err != nil {
			return nil, nil, param.New(fmt.Sprintf("condition %q: %v", c.Name, err), "condition", i, "set")
		}
		if err := t.validate(); err != nil {
			return nil, nil, param.New(fmt.Sprintf("condition %q: %v", c.Name, err), "condition", i, "set")
		}
		names[i], specs[i] = c.Name, t
	}
	return names, specs, nil
}

// Validate reports the first key out of range as a *param.Error.
func (s *Spec) Validate() error {
	if err := s.validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, c := range s.Conditions {
		if err := param.Check(c); err != nil {
			return param.Under(err, "condition", i)
		}
		switch {
		case strings.ContainsAny(c.Name, ",\"\n\r"):
			return param.New(fmt.Sprintf("must not contain commas, quotes or line breaks, got %q", c.Name), "condition", i, "name")
		case seen[c.Name]:
			return param.New(fmt.Sprintf("condition %q is listed twice", c.Name), "condition", i, "name")
		}
		seen[c.Name] = true
	}
	if len(s.Conditions) > maxConditions {
		return param.New(fmt.Sprintf("%d conditions, more than %d", len(s.Conditions), maxConditions), "condition")
	}
	_, specs, err := s.conditions()
	if err != nil {
		return err
	}
	if err := s.validateChecks(); err != nil {
		return err
	}
	jobs := float64(max(1, len(s.Conditions))) * float64(len(s.Agents)) * float64(s.Seeds)
	if jobs > maxJobs {
		return param.New(fmt.Sprintf("%g runs (conditions × agents × seeds), more than %d", jobs, maxJobs), "seeds")
	}
	steps, rows, paths, maps := 0.0, 0.0, 0.0, 0.0
	recs := make([]recordRows, len(s.Agents))
	for _, t := range specs {
		e, err := newEnv(&t)
		if err != nil {
			return err
		}
		per := float64(t.Seeds) * float64(len(t.Agents)) * float64(e.MaxSteps())
		steps += per * float64(t.Episodes)
		if t.Record.StepsEvery > 0 {
			rows += per * (math.Ceil(float64(t.Episodes)/float64(t.Record.StepsEvery)) + 1)
		}
		if n := float64(t.Record.ValueMap); n > 0 {
			maps += float64(t.Seeds) * float64(len(t.Agents)) * n * n
		}
		if n := len(t.Record.Trajectories); n > 0 {
			paths += float64(t.Seeds) * float64(len(t.Agents)) * float64(n+1) * float64(e.MaxSteps()+1)
		}
		for i, a := range t.Agents {
			if r, ok := a.AgentParams.(rowser); ok {
				x := r.rows(t.Episodes, e.MaxSteps(), t.Critic.StepMs)
				recs[i].traces += x.traces * float64(t.Seeds)
				recs[i].probes += x.probes * float64(t.Seeds)
				recs[i].weights += x.weights * float64(t.Seeds)
			}
		}
	}
	var sum recordRows
	for i, x := range recs {
		if sum.weights += x.weights; sum.weights > maxWeightRows {
			return param.New(fmt.Sprintf("weights_end.csv would hold about %.3g rows, more than %g: fewer seeds or conditions, or no weights_end", sum.weights, float64(maxWeightRows)), "agent", i, "weights_end")
		}
		if sum.traces += x.traces; sum.traces > maxTraceRows {
			return param.New(fmt.Sprintf("synapse_traces.csv would hold up to %.3g rows, more than %g: sample less often", sum.traces, float64(maxTraceRows)), "agent", i, "trace_every_ms")
		}
		if sum.probes += x.probes; sum.probes > maxTraceRows {
			return param.New(fmt.Sprintf("probes.csv would hold up to %.3g rows, more than %g: sample less often or probe fewer synapses", sum.probes, float64(maxTraceRows)), "agent", i, "probe_every_ms")
		}
	}
	if steps > maxSteps {
		return param.New(fmt.Sprintf("up to %.3g steps in all (episodes × steps per episode × runs), more than %g", steps, maxSteps), "episodes")
	}
	if maps > maxStepRows {
		return param.New(fmt.Sprintf("value_map.csv would hold up to %.3g rows, more than %g: fewer points", maps, float64(maxStepRows)), "record", "value_map")
	}
	if paths > maxStepRows {
		return param.New(fmt.Sprintf("trajectories.csv would hold up to %.3g rows, more than %g: list fewer episodes", paths, float64(maxStepRows)), "record", "trajectories")
	}
	if rows > maxStepRows {
		return param.New(fmt.Sprintf("steps.csv would hold up to %.3g rows, more than %g: record every n-th episode (record.steps_every) or none (0)", rows, maxStepRows), "record", "steps_every")
	}
	return nil
}

// validate checks one condition's experiment.
func (s *Spec) validate() error {
	switch {
	case s.Kind != Kind:
		return param.New(fmt.Sprintf("must be %q, got %q", Kind, s.Kind), "kind")
	case param.Check(s) != nil:
		return param.Check(s)
	case param.Check(s.Critic) != nil:
		return param.Under(param.Check(s.Critic), "critic")
	case param.Check(s.Record) != nil:
		return param.Under(param.Check(s.Record), "record")
	case s.Record.Format.Check() != nil:
		return param.New(s.Record.Format.Check().Error(), "record", "format")
	case len(s.Agents) == 0:
		return param.New("a reward experiment needs at least one [[agent]]", "agent")
	case len(s.Record.Trajectories) > maxTrajectories:
		return param.New(fmt.Sprintf("lists %d episodes, more than %d", len(s.Record.Trajectories), maxTrajectories), "record", "trajectories")
	}
	for i, ep := range s.Record.Trajectories {
		if ep < 0 || ep >= s.Episodes {
			return param.New(fmt.Sprintf("must be an episode in [0, %d] (numbered from 0, as in episodes.csv), got %d", s.Episodes-1, ep), "record", "trajectories", i)
		}
	}
	if _, ok := s.Environment.Params.(env.Spatial); !ok && len(s.Record.Trajectories) > 0 {
		return param.New(fmt.Sprintf("applies only to environments in an arena (%s), not %q", spatialNames(), s.Environment.Name), "record", "trajectories")
	}
	if err := s.Environment.Params.Validate(); err != nil {
		return param.Under(err, "environment")
	}
	if d, _ := env.Lookup(s.Environment.Name); s.StopAfterSolved > 0 && d.Solved == nil {
		return param.New(fmt.Sprintf("environment %q has no test of a solved episode (%s has)", s.Environment.Name, solvableNames()), "stop_after_solved")
	}
	if err := s.Critic.TDParams.Validate(); err != nil {
		return param.Under(err, "critic")
	}
	switch s.Critic.Model {
	case "td":
		if s.Critic.Spiking != (SpikingCritic{}.Defaults()) {
			return param.New("applies only to critic.model = \"spiking\"", "critic", "spiking")
		}
	case "spiking":
		if err := s.Critic.Spiking.Validate(); err != nil {
			return param.Under(err, "critic", "spiking")
		}
		if s.Critic.Spiking.DtMs > s.Critic.StepMs {
			return param.New(fmt.Sprintf("must be at most critic.step_ms (%g), got %g", s.Critic.StepMs, s.Critic.Spiking.DtMs), "critic", "spiking", "dt_ms")
		}
	}
	if err := s.Critic.Dopamine.Validate(); err != nil {
		return param.Under(err, "critic", "dopamine")
	}
	e, err := newEnv(s)
	if err != nil {
		return err
	}
	if d, _ := env.Lookup(s.Environment.Name); d.StepMs != 0 && s.Critic.StepMs != d.StepMs {
		return param.New(fmt.Sprintf("environment %q counts its times in steps of %g ms: must be %g, got %g", s.Environment.Name, d.StepMs, d.StepMs, s.Critic.StepMs), "critic", "step_ms")
	}
	if st, ok := s.Environment.Params.(env.Stepped); ok && math.Abs(s.Critic.StepMs-st.StepMs()) > 1e-9*st.StepMs() {
		return param.New(fmt.Sprintf("environment %q steps its physics by environment.step_s = %g s: must be %g, got %g", s.Environment.Name, st.StepMs()/1000, st.StepMs(), s.Critic.StepMs), "critic", "step_ms")
	}
	if _, ok := e.(env.Mapped); !ok && s.Record.ValueMap > 0 {
		return param.New(fmt.Sprintf("applies only to environments whose observation is a function of a position (water_maze), not %q", s.Environment.Name), "record", "value_map")
	}
	ids := map[string]bool{}
	for i, a := range s.Agents {
		d, _ := lookupAgent(a.Name)
		if err := a.AgentParams.Validate(); err != nil {
			return param.Under(err, "agent", i)
		}
		if c, ok := a.AgentParams.(checker); ok && (d.Acts && e.Actions() > 0 || d.ActsOptionally) {
			if err := c.check(e.Features(), e.Actions(), s.Episodes, e.MaxSteps()); err != nil {
				return param.Under(err, "agent", i)
			}
		}
		if c, ok := a.AgentParams.(stepChecker); ok {
			if err := c.checkStep(s.Critic.StepMs); err != nil {
				return param.Under(err, "agent", i)
			}
		}
		if !d.ActsOptionally && d.Acts != (e.Actions() > 0) {
			if d.Acts {
				return param.New(fmt.Sprintf("agent %q acts, but environment %q takes no actions (use \"critic\")", a.Name, s.Environment.Name), "agent", i, "name")
			}
			return param.New(fmt.Sprintf("agent %q does not act, but environment %q needs an action every step", a.Name, s.Environment.Name), "agent", i, "name")
		}
		id := a.ID()
		switch {
		case strings.ContainsAny(id, ",\"\n\r/"):
			return param.New(fmt.Sprintf("must not contain commas, quotes, slashes or line breaks, got %q", id), "agent", i, "label")
		case ids[id]:
			return param.New(fmt.Sprintf("agent %q appears twice; give one a label", id), "agent", i, "label")
		}
		ids[id] = true
	}
	return nil
}

// spatialNames lists the environments in an arena (env.Spatial).
func spatialNames() string {
	var names []string
	for _, d := range env.All() {
		if _, ok := d.Defaults().(env.Spatial); ok {
			names = append(names, d.Name)
		}
	}
	return strings.Join(names, ", ")
}

// solvableNames lists the environments that test a solved episode.
func solvableNames() string {
	var names []string
	for _, d := range env.All() {
		if d.Solved != nil {
			names = append(names, d.Name)
		}
	}
	return strings.Join(names, ", ")
}

// newEnv makes the experiment's environment (parameters validated).
func newEnv(s *Spec) (env.Env, error) {
	d, ok := env.Lookup(s.Environment.Name)
	if !ok {
		return nil, param.New(env.Unknown(s.Environment.Name), "environment", "name")
	}
	e, err := d.New(s.Environment.Params)
	if err != nil {
		return nil, param.Under(err, "environment")
	}
	return e, nil
}
