package reward

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
)

// NetworkParams are the keys of the network agent.
type NetworkParams struct {
	// CircuitAgent is the agent's circuit. Its plastic sparse projections
	// learn by R-STDP gated by the dopamine δ drives.
	CircuitAgent
	// StimulusPopulations are the spiking populations whose neurons, taken
	// together in this order, make up the stimulus groups: one group per
	// feature of the observation, each of group_size distinct neurons drawn
	// at random (groups may overlap).
	StimulusPopulations []string `toml:"stimulus_populations"`
	// GroupSize is the number of neurons of a stimulus group.
	GroupSize int `toml:"group_size" check:"[0,10000000]"`
	// StimulusDrive is the input current added, for one circuit step (the
	// first of the environment's step), to every neuron of group i per unit
	// of feature x_i.
	StimulusDrive float64 `toml:"stimulus_drive" check:"[0,1e6]"`
	// ResponseMs is the window after a stimulus in which the spikes of the
	// stimulus populations count as the network's response, in ms: the
	// steps after the stimulus step, the spikes of the stimulated group's
	// own neurons excluded (they fire because they were driven).
	ResponseMs float64 `toml:"response_ms" check:"(0,1e5],unit=ms"`
	// CompareS: the responses are averaged over the first and over the
	// last compare_s seconds of the run (early and late).
	CompareS float64 `toml:"compare_s" check:"(0,1e7],unit=s"`
	// Watch names a plastic sparse projection one synapse of which the
	// agent watches: drawn per seed among its synapses between two
	// different neurons, its weight set to watch_weight; the agent's action
	// is 1 in a step in which the synapse's post neuron fires
	// 0 < lag < watch_window_ms after its pre neuron's last spike (a
	// pairing), else 0. "" watches nothing (environments without actions).
	Watch string `toml:"watch"`
	// WatchWindowMs is the pairing window (ms).
	WatchWindowMs float64 `toml:"watch_window_ms" check:"(0,1e5],unit=ms"`
	// WatchWeight is the initial weight of the watched synapse.
	WatchWeight float64 `toml:"watch_weight" check:"finite"`
	// LastS: the watched synapse's weight is averaged over the last last_s
	// seconds of the run.
	LastS float64 `toml:"last_s" check:"(0,1e7],unit=s"`
	// TraceEveryMs: every trace_every_ms the agent samples its dopamine
	// level, the watched synapse's eligibility and weight and the mean
	// weight of its plastic synapses, read without changing them
	// (synapse_traces.csv); 0 samples nothing. It must be a whole number of
	// the circuit's steps.
	TraceEveryMs float64 `toml:"trace_every_ms" check:"[0,1e7],unit=ms,note=0: no trace"`
	// RasterS: the spikes of every spiking population in the first and the
	// last raster_s seconds of a run are kept (network_rasters.csv, at most
	// 2·10⁶ per run); 0 keeps none.
	RasterS float64 `toml:"raster_s" check:"[0,60],unit=s,note=0: no raster"`
	// WeightsEnd: the weight of every plastic synapse at the end of a run
	// goes into weights_end.csv.
	WeightsEnd bool `toml:"weights_end"`
	// Probes are synapses whose weight, eligibility and dopamine the agent
	// samples every probe_every_ms (probes.csv), read without changing
	// them, as the trace is.
	Probes []Probe `toml:"probe"`
	// ProbeEveryMs is the probes' sampling interval (ms), a whole number
	// of the circuit's dt_ms; > 0 when there are probes.
	ProbeEveryMs float64 `toml:"probe_every_ms"`
}

// Validate reports a key out of range.
func (p NetworkParams) Validate() error {
	if err := p.CircuitAgent.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

func (p NetworkParams) resolve(base string) (AgentParams, error) { return p, p.read(base) }

// check tells whether the circuit fits the environment and bounds its cost.
func (p NetworkParams) check(n, actions, episodes, maxSteps int) error {
	s, err := p.circuit()
	if err != nil {
		return err
	}
	if !s.PlasticSparse() {
		return param.New(fmt.Sprintf("circuit %s has no plastic sparse projection: nothing would learn", p.file), "circuit")
	}
	total := 0
	for k, name := range p.StimulusPopulations {
		i, ok := s.PopulationIndex(name)
		if !ok {
			return param.New(fmt.Sprintf("circuit %s has no population %q", p.file, name), "stimulus_populations", k)
		}
		if m := s.Populations[i].Model; m != "lif" && m != "izhikevich" {
			return param.New(fmt.Sprintf("population %q of %s must be lif or izhikevich (it is %s)", name, p.file, m), "stimulus_populations", k)
		}
		if slices.Index(p.StimulusPopulations, name) != k {
			return param.New(fmt.Sprintf("population %q is listed twice", name), "stimulus_populations", k)
		}
		total += s.Populations[i].Size
	}
	if len(p.StimulusPopulations) > 0 && (p.GroupSize < 1 || p.GroupSize > total) {
		return param.New(fmt.Sprintf("must be in [1, %d] (the neurons of stimulus_populations), got %d", total, p.GroupSize), "group_size")
	}
	switch {
	case actions > 0 && p.Watch == "":
		return param.New("the environment takes an action every step: name the projection whose synapse the agent watches (watch)", "watch")
	case actions == 0 && p.Watch != "":
		return param.New("the environment takes no actions: a watched synapse would report to nobody", "watch")
	case actions > 0 && actions < 2:
		return param.New(fmt.Sprintf("the agent's actions are 0 and 1; the environment has %d", actions), "watch")
	}
	if p.Watch != "" {
		var proj *circuits.ProjectionSpec
		for i := range s.Projections {
			if s.Projections[i].Label() == p.Watch {
				proj = &s.Projections[i]
			}
		}
		if proj == nil || proj.Connectivity != "sparse" || !proj.Plastic || !proj.STDP.EventDriven {
			return param.New(fmt.Sprintf("circuit %s has no event-driven plastic sparse projection %q", p.file, p.Watch), "watch")
		}
		if !(p.WatchWeight >= proj.WMin && p.WatchWeight <= proj.WMax) {
			return param.New(fmt.Sprintf("must be within [w_min, w_max] = [%g, %g] of %q, got %g", proj.WMin, proj.WMax, p.Watch, p.WatchWeight), "watch_weight")
		}
	}
	taken := map[string]bool{}
	for i := range s.Probes {
		taken[circuits.ProbeName(s.Probes, i, 0)] = true
	}
	if err := s.CheckProbes(p.Probes, p.ProbeEveryMs, circuits.ProbeOwner{Agent: true, Watched: p.Watch, Taken: taken, Offset: len(s.Probes)}); err != nil {
		return err
	}
	if steps := float64(episodes) * float64(maxSteps); steps > 1e10 {
		return param.New(fmt.Sprintf("%.3g steps per run, more than 1e10", steps), "circuit")
	}
	return nil
}

// checkStep: a step must be a whole number of the circuit's steps.
func (p NetworkParams) checkStep(stepMs float64) error {
	if p.spec == nil {
		return param.New("the circuit was not read", "circuit")
	}
	k := stepMs / p.spec.DtMs
	if math.Abs(k-math.Round(k)) > 1e-9*k || math.Round(k) < 1 || k > 1e6 {
		return param.New(fmt.Sprintf("critic.step_ms = %g is not a whole number (1 to 10⁶) of the circuit's dt_ms = %g", stepMs, p.spec.DtMs), "circuit")
	}
	for _, c := range []struct {
		key string
		v   float64
	}{{"trace_every_ms", p.TraceEveryMs}} {
		if c.v > 0 {
			if k := c.v / p.spec.DtMs; math.Abs(k-math.Round(k)) > 1e-9*k || math.Round(k) < 1 {
				return param.New(fmt.Sprintf("is not a whole number of the circuit's dt_ms = %g, got %g", p.spec.DtMs, c.v), c.key)
			}
		}
	}
	return nil
}

// The network agent: a circuit of spiking neurons that does not choose.
// The environment's observation stimulates groups of its neurons; δ (the
// reward itself with critic.source = "reward") is its dopamine; its
// plastic synapses learn by R-STDP. Where the environment takes actions,
// the action reports whether a watched synapse just paired (Izhikevich
// 2007, Fig. 1); the agent measures the response to each stimulus
// (Fig. 2) and the watched synapse's weight.
var networkDef = AgentDef{
	Name:           "network",
	Doc:            "a spiking circuit (circuit file) stimulated by the environment: R-STDP gated by δ; responses to stimuli, a watched synapse's pairings as actions",
	ActsOptionally: true,
	Reports: []string{"mean_rate_hz", "s1_response_early", "other_response_early", "s1_ratio_early", "s1_presentations_early",
		"s1_response_late", "other_response_late", "s1_ratio_late", "s1_presentations_late", "watched_weight_end",
		"watched_weight_percentile", "watched_weight_last", "other_weight_mean", "other_weight_median", "other_above_90pct", "pairings",
		"raster_spikes_dropped"},
	Defaults: func() AgentParams {
		return NetworkParams{GroupSize: 50, StimulusDrive: 40, ResponseMs: 20, CompareS: 300, WatchWindowMs: 20, LastS: 600}
	},
	New: newNetwork,
}

// member is a neuron of a stimulus group: its population and index.
type member struct{ pop, i int32 }

type network struct {
	NetworkParams
	c      *circuits.Circuit
	da     *modulator.Pulsed
	zero   []float64 // the circuit's input, if it has one (nothing)
	k      int       // circuit steps per environment step
	n      int64     // circuit steps done
	dt     float64
	groups [][]member
	stim   []neuron.Spiking // the stimulus populations
	inputs [][]float64      // their inputs
	in     [][]bool         // per stimulus population, the neurons of the open window's group

	// Responses: the group whose window is open (−1: none), the steps it
	// has left and the spikes counted so far.
	open, left  int
	count       int
	window      int
	earlyEnd    int64 // the last step of the early stretch
	lateFrom    int64 // the first step of the late stretch
	acted       bool  // Act stepped the circuit for this environment step
	sum         [2][2]float64
	num         [2][2]int // [early, late][S1, others]
	neurons     int
	watch       *circuits.SparseLink
	kW          int32 // the watched synapse
	preW, postW neuron.Spiking
	preI, postI int32
	lastPre     int64
	pairWin     int64
	paired      bool
	pairings    int
	lastFrom    int64
	lastSum     float64
	lastN       int

	// Recording (trace_every_ms, raster_s, weights_end).
	total       int64 // circuit steps of the run
	traceEvery  int64 // circuit steps between samples (0: none)
	rasterSteps int64 // circuit steps of each raster stretch (0: none)
	spiking     []neuron.Spiking
	rec         Recording
	probes      []probeAt              // the circuit's [[probe]], then the agent's
	plastic     []*circuits.SparseLink // the circuit's plastic sparse links, for the trace
}

func newNetwork(p AgentParams, s Setup) (Agent, error) {
	np := p.(NetworkParams)
	c, err := np.spec.Build(s.Rng)
	if err != nil {
		return nil, err
	}
	da, err := modulator.NewPulsed(s.Dopamine)
	if err != nil {
		return nil, err
	}
	for _, l := range c.PlasticLinks() {
		if l.STDP.EventDriven {
			da.Subscribe(l)
		}
	}
	a := &network{NetworkParams: np, c: c, da: da, dt: c.DtMs, open: -1, plastic: c.PlasticLinks()}
	a.k = int(math.Round(s.StepMs / c.DtMs))
	if c.In >= 0 {
		a.zero = make([]float64, c.Pops[c.In].Len())
	}
	a.window = max(1, int(math.Round(np.ResponseMs/c.DtMs)))
	a.earlyEnd = int64(math.Round(np.CompareS * 1000 / c.DtMs))
	total := int64(math.Round(s.RunMs / c.DtMs))
	a.lateFrom = total - a.earlyEnd + 1
	a.lastFrom = total - int64(math.Round(np.LastS*1000/c.DtMs)) + 1
	a.total = total
	for i, pop := range c.Pops {
		if sp, ok := pop.(neuron.Spiking); ok {
			a.neurons += sp.Len()
			a.spiking = append(a.spiking, sp)
			a.rec.Populations = append(a.rec.Populations, c.PopNames[i])
		}
	}
	if np.TraceEveryMs > 0 {
		a.traceEvery = int64(math.Round(np.TraceEveryMs / c.DtMs))
		a.rec.Traces = make([]TraceRow, 0, total/a.traceEvery)
	}
	if np.RasterS > 0 {
		a.rasterSteps = int64(math.Round(np.RasterS * 1000 / c.DtMs))
		a.rec.RasterMs = float64(a.rasterSteps) * c.DtMs
	}
	var all []member
	for _, name := range np.StimulusPopulations {
		i := slices.Index(c.PopNames, name)
		sp := c.Pops[i].(neuron.Spiking)
		a.stim = append(a.stim, sp)
		a.inputs = append(a.inputs, sp.Input())
		a.in = append(a.in, make([]bool, sp.Len()))
		for j := range sp.Len() {
			all = append(all, member{int32(len(a.stim) - 1), int32(j)})
		}
	}
	if len(all) > 0 {
		// Each group: group_size distinct neurons by a partial shuffle.
		for range s.Features {
			g := make([]member, np.GroupSize)
			for t := range g {
				u := t + s.Rng.IntN(len(all)-t)
				all[t], all[u] = all[u], all[t]
				g[t] = all[t]
			}
			a.groups = append(a.groups, g)
		}
	}
	if np.Watch != "" {
		if err := a.pickWatched(s.Rng); err != nil {
			return nil, err
		}
	}
	if err := a.placeProbes(); err != nil {
		return nil, err
	}
	return a, nil
}

// pickWatched draws the watched synapse among the synapses of the watched
// projection between two different neurons.
func (a *network) pickWatched(rng *rand.Rand) error {
	for _, l := range a.c.PlasticLinks() {
		if l.Name == a.Watch {
			a.watch = l
		}
	}
	l := a.watch
	same := l.Pre == l.Post
	var cand []int32
	for j := range l.NPre {
		for k := l.RowPtr[j]; k < l.RowPtr[j+1]; k++ {
			if !same || int(l.Sparse.Post[k]) != j {
				cand = append(cand, k)
			}
		}
	}
	if len(cand) == 0 {
		return fmt.Errorf("reward: projection %q has no synapse between two different neurons to watch", a.Watch)
	}
	a.kW = cand[rng.IntN(len(cand))]
	a.postI = l.Sparse.Post[a.kW]
	for j := range l.NPre {
		if l.RowPtr[j] <= a.kW && a.kW < l.RowPtr[j+1] {
			a.preI = int32(j)
			break
		}
	}
	a.preW, a.postW = a.c.Pops[l.Pre].(neuron.Spiking), a.c.Pops[l.Post].(neuron.Spiking)
	l.W[a.kW] = a.WatchWeight
	a.lastPre = math.MinInt64 / 2
	a.pairWin = int64(math.Ceil(a.WatchWindowMs/a.dt - 1e-9))
	return nil
}

func (a *network) Begin() {}

// run steps the circuit over one environment step with the observation x:
// the stimulus goes into its groups in the first circuit step.
func (a *network) run(x []float64) {
	a.paired = false
	opened := false
	for i, g := range a.groups {
		if x[i] == 0 {
			continue
		}
		v := x[i] * a.StimulusDrive
		for _, m := range g {
			a.inputs[m.pop][m.i] += v
		}
		if a.open >= 0 {
			a.close() // a new stimulus ends the window of the last
		}
		a.open, a.left, a.count = i, a.window, 0
		for _, m := range g {
			a.in[m.pop][m.i] = true
		}
		opened = true
	}
	for s := range a.k {
		d := a.da.Level()
		a.c.Step(a.zero)
		a.da.Step(a.dt)
		a.c.Plasticity(a.da.T, d)
		a.n++
		a.observe(s == 0 && opened)
	}
}

// observe counts the step's spikes: the open response window (not in the
// stimulus step itself), the watched synapse's pairing and its weight.
func (a *network) observe(stimStep bool) {
	if a.open >= 0 && !stimStep {
		for p, sp := range a.stim {
			for _, i := range sp.Spikes() {
				if !a.in[p][i] {
					a.count++
				}
			}
		}
	}
	if a.open >= 0 && !stimStep {
		a.left--
		if a.left == 0 {
			a.close()
		}
	}
	if a.traceEvery > 0 && a.n%a.traceEvery == 0 {
		a.sample()
	}
	if a.rasterSteps > 0 && (a.n <= a.rasterSteps || a.n > a.total-a.rasterSteps) {
		a.keepSpikes()
	}
	if len(a.probes) > 0 {
		a.sampleProbes()
	}
	if a.watch == nil {
		return
	}
	if fired(a.preW.Spikes(), a.preI) {
		a.lastPre = a.n
	}
	if fired(a.postW.Spikes(), a.postI) {
		if lag := a.n - a.lastPre; lag > 0 && lag < a.pairWin {
			a.paired = true
			a.pairings++
		}
	}
	if a.n >= a.lastFrom {
		w, _ := a.watch.SynapseAt(a.kW, a.da.T)
		a.lastSum += w
		a.lastN++
	}
}

// close ends the open response window: its count goes to the early or
// late sums (by the step of the stimulus) of S1 or of the others.
func (a *network) close() {
	onset := a.n - int64(a.window-a.left)
	kind := 1
	if a.open == 0 {
		kind = 0
	}
	if onset <= a.earlyEnd {
		a.sum[0][kind] += float64(a.count)
		a.num[0][kind]++
	}
	if onset >= a.lateFrom {
		a.sum[1][kind] += float64(a.count)
		a.num[1][kind]++
	}
	for _, m := range a.groups[a.open] {
		a.in[m.pop][m.i] = false
	}
	a.open = -1
}

func fired(spikes []int32, i int32) bool {
	_, ok := slices.BinarySearch(spikes, i)
	return ok
}

func (a *network) Act(x []float64, _ *rand.Rand) int {
	a.run(x)
	a.acted = true
	if a.paired {
		return 1
	}
	return 0
}

func (a *network) Learn(x []float64, _ int, _ float64, _ []float64, _ bool, delta float64) {
	if !a.acted {
		a.run(x)
	}
	a.acted = false
	if delta != 0 {
		a.da.Reward(delta)
	}
}

// Report flushes the plastic projections and gives the responses and the
// watched synapse's statistics.
func (a *network) Report() []env.Field {
	t := a.da.T
	for _, l := range a.c.PlasticLinks() {
		if l.STDP.EventDriven {
			l.Flush(t)
		}
	}
	mean := func(s float64, n int) float64 {
		if n == 0 {
			return math.NaN()
		}
		return s / float64(n)
	}
	var out []env.Field
	out = append(out, env.Field{Name: "mean_rate_hz", Value: float64(a.c.SpikeCount) / float64(a.neurons) / (float64(a.n) * a.dt / 1000)})
	if len(a.groups) > 0 {
		for w, name := range []string{"early", "late"} {
			s1, other := mean(a.sum[w][0], a.num[w][0]), mean(a.sum[w][1], a.num[w][1])
			out = append(out, env.Field{Name: "s1_response_" + name, Value: s1},
				env.Field{Name: "other_response_" + name, Value: other},
				env.Field{Name: "s1_ratio_" + name, Value: s1 / other},
				env.Field{Name: "s1_presentations_" + name, Value: float64(a.num[w][0])})
		}
	}
	if a.rasterSteps > 0 {
		out = append(out, env.Field{Name: "raster_spikes_dropped", Value: float64(a.rec.SpikesDropped)})
	}
	if a.watch != nil {
		wmax := a.watch.WMax
		var others []float64
		for _, l := range a.c.PlasticLinks() {
			for k, w := range l.W {
				if l == a.watch && int32(k) == a.kW {
					continue
				}
				others = append(others, w/l.WMax)
			}
		}
		slices.Sort(others)
		above, sum := 0, 0.0
		for _, w := range others {
			sum += w
			if w > 0.9 {
				above++
			}
		}
		med := math.NaN()
		if n := len(others); n > 0 {
			med = others[n/2]
			if n%2 == 0 {
				med = (others[n/2-1] + others[n/2]) / 2
			}
		}
		// The watched synapse's rank among the others: the percentage of
		// them below it, those equal to it counted half.
		we := a.watch.W[a.kW] / wmax
		below, equal := 0, 0
		for _, w := range others {
			if w < we {
				below++
			} else if w == we {
				equal++
			}
		}
		out = append(out,
			env.Field{Name: "watched_weight_end", Value: we},
			env.Field{Name: "watched_weight_percentile", Value: 100 * (float64(below) + float64(equal)/2) / float64(max(len(others), 1))},
			env.Field{Name: "watched_weight_last", Value: mean(a.lastSum, a.lastN) / wmax},
			env.Field{Name: "other_weight_mean", Value: mean(sum, len(others))},
			env.Field{Name: "other_weight_median", Value: med},
			env.Field{Name: "other_above_90pct", Value: mean(float64(above), len(others))},
			env.Field{Name: "pairings", Value: float64(a.pairings)})
	}
	return out
}
