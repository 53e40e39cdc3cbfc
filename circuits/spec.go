package circuits

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/internal/chacha8"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/pathname"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// Spec is a circuit as declared in a TOML circuit file.
type Spec struct {
	// Name identifies the circuit in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// DtMs is the step dt (ms).
	DtMs float64 `toml:"dt_ms" check:"finite,>0"`
	// StepsPerTrial is how many steps a trial presents its input for.
	StepsPerTrial int `toml:"steps_per_trial" check:"[1,1000000]"`
	// Input names the population that receives a task's input ("": the
	// circuit has no input; a task that needs one says so).
	Input string `toml:"input"`
	// Populations are stepped in this order.
	Populations []PopulationSpec `toml:"population"`
	// Projections connect populations.
	Projections []ProjectionSpec `toml:"projection"`
	// Feedback are feedback projections: synapses that carry the error of
	// one population down to another, for the credit-assignment rules.
	Feedback []FeedbackSpec `toml:"feedback"`
	// Readout says where the task reads the circuit's answer.
	Readout ReadoutSpec `toml:"readout"`
	// Probes are synapses of plastic sparse projections that a run which
	// drives the circuit's plasticity samples every ProbeEveryMs
	// (probes.csv; probe.go).
	Probes []Probe `toml:"probe"`
	// ProbeEveryMs is the probes' sampling interval (ms), a whole number
	// of dt_ms; > 0 when there are probes.
	ProbeEveryMs float64 `toml:"probe_every_ms"`
	// Modulator is the circuit's own TD critic, when the circuit forms its
	// dopamine signal itself (the [modulator] table; none by default).
	Modulator ModulatorSpec `toml:"modulator"`
}

// ModulatorSpec declares the circuit's own dopamine system: with kind =
// "continuous_td", the continuous-time TD critic of Doya (2000) and
// Frémaux et al. (2013) (modulator.ContinuousTD) read from the spikes of
// a population; its δ gates the circuit's TD-LTP projections.
type ModulatorSpec struct {
	// Kind is "" (none) or "continuous_td".
	Kind string `toml:"kind"`
	// Population names the critic population, a spiking one whose
	// filtered rate is V.
	Population string `toml:"population"`
	modulator.ContinuousTDParams
}

// RingParams shape the weights of a dense projection with pattern =
// "ring" (the [projection.ring] table): a population of N neurons with
// preferred directions θ_k = 2πk/N onto itself (or one of the same size),
//
//	w_km = (w_minus_mv + w_plus_mv·exp(psi·(cos(θ_k − θ_m) − 1)))/N
//
// so that near neighbours excite and far ones inhibit (Frémaux et al.
// 2013's actor: its activity forms a bump).
type RingParams struct {
	// WPlusMV is the excitation between neurons of equal direction (mV,
	// before the division by N).
	WPlusMV float64 `toml:"w_plus_mv" check:"[0,1e6],unit=mV"`
	// WMinusMV is the uniform inhibition (mV, before the division by N).
	WMinusMV float64 `toml:"w_minus_mv" check:"[-1e6,0],unit=mV"`
	// Psi is the sharpness ψ of the excitation's tuning.
	Psi float64 `toml:"psi" check:"[0,1e3]"`
}

// Defaults are those of circuits/fremaux_maze.toml's actor (our choices).
func (RingParams) Defaults() RingParams { return RingParams{WPlusMV: 2000, WMinusMV: -1500, Psi: 5} }

// Validate reports a parameter out of range, naming its key.
func (p RingParams) Validate() error { return param.Check(p) }

// Weight is the ring weight from neuron k onto neuron m of n.
func (p RingParams) Weight(k, m, n int) float64 {
	d := 2 * math.Pi * float64(k-m) / float64(n)
	return (p.WMinusMV + p.WPlusMV*math.Exp(p.Psi*(math.Cos(d)-1))) / float64(n)
}

// PopulationSpec declares a population. The keys of a model other than
// the population's own must keep their defaults.
type PopulationSpec struct {
	Name string `toml:"name" check:"set"`
	Size int    `toml:"size" check:"[1,10000000]"`
	// Model is the neuron model: "rate", "lif", "coba", "alif",
	// "izhikevich", "poisson" or "escape".
	Model string `toml:"model"`
	neuron.RateParams
	neuron.LIFParams
	// ALIF are the keys of model "alif" (the [population.alif] table;
	// their names would clash with lif's at the top level).
	ALIF neuron.ALIFParams `toml:"alif"`
	// COBA are the keys of model "coba" (the [population.coba] table;
	// several names would clash with lif's at the top level).
	COBA neuron.COBAParams `toml:"coba"`
	// Preset chooses the defaults of the izhikevich keys:
	// "regular_spiking" (the default) or "fast_spiking".
	Preset string `toml:"preset"`
	neuron.IzhikevichParams
	neuron.PoissonParams
	// Escape are the keys of model "escape", spike-response neurons with
	// escape noise (the [population.escape] table; their names would clash
	// with lif's at the top level).
	Escape neuron.EscapeParams `toml:"escape"`
	// InitVUniformMV, when given as [lo, hi], draws the initial membrane
	// potential of every neuron uniformly in [lo, hi) mV at build time (lif,
	// coba and izhikevich). Reset returns to rest, not to this draw.
	InitVUniformMV []float64 `toml:"init_v_uniform_mv"`
	// NoiseUniform, when > 0, adds to the input of every neuron, every
	// step, an independent current noise_uniform·(U − 0.5), U uniform in
	// [0, 1) (lif and izhikevich; in the units of the population's input):
	// the random thalamic input of Izhikevich (2007), 13·(U − 0.5) per ms.
	// Its random stream is the population's own, seeded from the circuit's
	// stream when it is built.
	NoiseUniform float64 `toml:"noise_uniform" check:"[0,1e6],note=0: no noise"`
	// PoissonInput is an external Poisson drive (lif only; the
	// [population.poisson_input] table): n inputs of rate_hz each onto
	// every neuron, each spike adding weight to its excitatory input, a
	// Poisson count per neuron and step (Brunel 2000's C_ext inputs at
	// ν_ext). Its stream is the population's own, seeded from the
	// circuit's stream when it is built. n = 0: none.
	PoissonInput neuron.PoissonInputParams `toml:"poisson_input"`
}

// ProjectionSpec declares a projection. A dense projection uses the keys
// of synapse.DenseParams, a sparse one those of SparseKeys plus w_min,
// w_max and plastic; the keys of the other kind must keep their defaults.
// A plastic sparse projection learns by reward-modulated STDP with an
// eligibility trace (synapse.STDPParams, the [projection.stdp] table)
// gated by the dopamine its run broadcasts.
type ProjectionSpec struct {
	Name string `toml:"name"`
	From string `toml:"from"`
	To   string `toml:"to"`
	// Connectivity is "dense" (all to all) or "sparse" (drawn, event driven).
	Connectivity string `toml:"connectivity"`
	// Channel is the input channel of a lif or coba post population:
	// "excitatory" or "inhibitory"; "" picks excitatory for a dense
	// projection and, for a sparse one, inhibitory when weight < 0 (onto
	// coba weights are conductances, >= 0: name the inhibitory channel).
	Channel string `toml:"channel"`
	synapse.DenseParams
	SparseKeys
	// STDP are the plasticity parameters of a plastic sparse projection.
	STDP synapse.STDPParams `toml:"stdp"`
	// Pattern, when "ring", sets the weights of a dense, fixed projection
	// from the angular distance of its neurons' preferred directions
	// (Ring); "" draws them (init, init_gain).
	Pattern string `toml:"pattern"`
	// Ring are the keys of pattern = "ring".
	Ring RingParams `toml:"ring"`
	// Learn, when "td_ltp", makes a dense projection from a spiking
	// population onto an escape population learn by TD-LTP (TDLTP), gated
	// by the circuit's continuous_td [modulator]; "" leaves it to the
	// run's learning rule.
	Learn string `toml:"learn"`
	// TDLTP are the keys of learn = "td_ltp".
	TDLTP synapse.TDLTPParams `toml:"td_ltp"`
}

// SparseKeys are the connection keys of a sparse projection (see
// synapse.SparseParams, whose meaning and defaults they take).
type SparseKeys struct {
	Connect       synapse.ConnectRule `toml:"connect"`
	P             float64             `toml:"p"`
	InDegree      int                 `toml:"in_degree"`
	OutDegree     int                 `toml:"out_degree"`
	NoSelf        bool                `toml:"no_self"`
	Weight        float64             `toml:"weight"`
	DelaySteps    int                 `toml:"delay_steps"`
	DelayMaxSteps int                 `toml:"delay_max_steps"`
}

// ReadoutSpec says what the task reads of the circuit.
type ReadoutSpec struct {
	Population string `toml:"population"`
	// Mode is "output" (the population's output after the trial's last
	// step) or "spike_count" (each neuron's spike count over the trial
	// divided by CountScale; spiking populations only).
	Mode string `toml:"mode"`
	// CountScale is the spike count read as 1 (spike_count mode), > 0.
	CountScale float64 `toml:"count_scale" check:"finite,>0"`
}

// MaxPopulation bounds the size of one population (10 million neurons).
const MaxPopulation = 10_000_000

// MaxStepsPerTrial bounds the steps of one trial (a million steps).
const MaxStepsPerTrial = 1_000_000

// MaxDenseSynapses bounds the synapses of one dense projection.
const MaxDenseSynapses = 100_000_000

// Defaults returns an empty spec with dt = 1 ms and one step per trial.
func (Spec) Defaults() Spec {
	return Spec{DtMs: 1, StepsPerTrial: 1, Readout: ReadoutSpec{Mode: "output", CountScale: 1},
		Modulator: ModulatorSpec{ContinuousTDParams: modulator.ContinuousTDParams{}.Defaults()}}
}

// Defaults returns a rate population with the neuron package's defaults
// (and the defaults of every other model's keys).
func (PopulationSpec) Defaults() PopulationSpec {
	return PopulationSpec{Model: "rate", RateParams: neuron.RateParams{}.Defaults(), LIFParams: neuron.LIFParams{}.Defaults(), ALIF: neuron.ALIFParams{}.Defaults(),
		COBA: neuron.COBAParams{}.Defaults(), IzhikevichParams: neuron.IzhikevichParams{}.Defaults(), PoissonParams: neuron.PoissonParams{}.Defaults(),
		Escape: neuron.EscapeParams{}.Defaults()}
}

// DefaultsFor returns the defaults of a population of the given model and
// Izhikevich preset (which sets the defaults of the izhikevich keys).
func (PopulationSpec) DefaultsFor(model, preset string) PopulationSpec {
	p := PopulationSpec{}.Defaults()
	p.Model, p.Preset = model, preset
	if preset == "fast_spiking" {
		p.IzhikevichParams = neuron.FastSpiking()
	}
	return p
}

// Defaults returns a dense projection with the synapse package's defaults.
func (ProjectionSpec) Defaults() ProjectionSpec {
	sp := synapse.SparseParams{}.Defaults()
	return ProjectionSpec{Connectivity: "dense", DenseParams: synapse.DenseParams{}.Defaults(),
		SparseKeys: SparseKeys{Connect: sp.Connect, P: sp.P, Weight: sp.Weight, DelaySteps: sp.DelaySteps}, STDP: sp.STDP,
		Ring: RingParams{}.Defaults(), TDLTP: synapse.TDLTPParams{}.Defaults()}
}

// DefaultsFor returns the defaults of a projection of that connectivity:
// a sparse projection has no bias and is not plastic.
func (ProjectionSpec) DefaultsFor(connectivity string) ProjectionSpec {
	p := ProjectionSpec{}.Defaults()
	if connectivity == "sparse" {
		p.Connectivity, p.Bias, p.Plastic = "sparse", false, false
	}
	return p
}

// SparseParams returns the synapse parameters of a sparse projection.
func (p ProjectionSpec) SparseParams() synapse.SparseParams {
	sp := synapse.SparseParams{}.Defaults()
	k := p.SparseKeys
	sp.Connect, sp.P, sp.InDegree, sp.OutDegree, sp.NoSelf, sp.Weight, sp.DelaySteps, sp.DelayMaxSteps = k.Connect, k.P, k.InDegree, k.OutDegree, k.NoSelf, k.Weight, k.DelaySteps, k.DelayMaxSteps
	sp.WMin, sp.WMax = p.WMin, p.WMax
	sp.Plastic, sp.STDP = p.Plastic, p.STDP
	return sp
}

// PlasticSparse reports whether the circuit has a plastic sparse
// projection (one that learns by reward-modulated STDP).
func (s *Spec) PlasticSparse() bool {
	for _, p := range s.Projections {
		if p.Connectivity == "sparse" && p.Plastic {
			return true
		}
	}
	return false
}

// Label is the projection's name: name, or FROM_TO when it has none.
func (p ProjectionSpec) Label() string {
	if p.Name == "" {
		return p.From + "_" + p.To
	}
	return p.Name
}

// inhibitory reports whether the projection feeds the inhibitory channel.
func (p ProjectionSpec) inhibitory() bool {
	return p.Channel == "inhibitory" || (p.Channel == "" && p.Connectivity == "sparse" && p.Weight < 0)
}

func fieldErr(msg string, path ...any) *param.Error { return param.New(msg, path...) }

// Validate checks the whole spec: ranges, names and references. The error
// is a *param.Error that locates the offending key.
func (s *Spec) Validate() error {
	if err := pathname.Check(s.Name); err != nil {
		// The name names output directories when the circuit runs alone.
		return fieldErr(err.Error(), "name")
	}
	if err := param.Check(s); err != nil {
		return err
	}
	if len(s.Populations) == 0 {
		return fieldErr("a circuit needs at least one [[population]]", "population")
	}
	names := map[string]int{}
	for i, p := range s.Populations {
		if err := param.Check(p); err != nil {
			return param.Under(err, "population", i)
		}
		if _, dup := names[p.Name]; dup {
			return fieldErr(fmt.Sprintf("population %q is declared twice", p.Name), "population", i, "name")
		}
		names[p.Name] = i
		if err := p.validateModel(); err != nil {
			return param.Under(err, "population", i)
		}
		if p.PoissonInput != (neuron.PoissonInputParams{}) {
			if p.Model != "lif" {
				return fieldErr(fmt.Sprintf("applies only to model = \"lif\" (model is %q)", p.Model), "population", i, "poisson_input")
			}
			if err := p.PoissonInput.ValidateFor(s.DtMs); err != nil {
				return param.Under(err, "population", i, "poisson_input")
			}
		}
	}
	ref := func(name string, path ...any) error {
		if name == "" {
			return fieldErr("must be set", path...)
		}
		if _, ok := names[name]; !ok {
			return fieldErr(fmt.Sprintf("no population named %q (have: %s)", name, s.popList()), path...)
		}
		return nil
	}
	if s.Input != "" {
		if err := ref(s.Input, "input"); err != nil {
			return err
		}
	}
	if s.Readout.Population != "" {
		if err := ref(s.Readout.Population, "readout", "population"); err != nil {
			return err
		}
	}
	if err := param.Check(s.Readout); err != nil {
		return param.Under(err, "readout")
	}
	switch s.Readout.Mode {
	case "output":
		if s.Readout.CountScale != 1 {
			return fieldErr("applies only to mode = \"spike_count\"", "readout", "count_scale")
		}
	case "spike_count":
		if s.Readout.Population == "" || !spikingModel(s.Populations[names[s.Readout.Population]].Model) {
			return fieldErr("spike_count needs a spiking readout population (lif, coba, alif, izhikevich, poisson or escape)", "readout", "mode")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown readout mode %q (want output or spike_count)", s.Readout.Mode), "readout", "mode")
	}
	links := map[string]bool{}
	for i, p := range s.Projections {
		p.Name = p.Label()
		if links[p.Name] {
			return fieldErr(fmt.Sprintf("projection %q is declared twice", p.Name), "projection", i, "name")
		}
		links[p.Name] = true
		if err := ref(p.From, "projection", i, "from"); err != nil {
			return err
		}
		if err := ref(p.To, "projection", i, "to"); err != nil {
			return err
		}
		if p.To == s.Input {
			return fieldErr(fmt.Sprintf("population %q is the input; nothing may project onto it", p.To), "projection", i, "to")
		}
		if err := p.validate(s.Populations[names[p.From]], s.Populations[names[p.To]]); err != nil {
			return param.Under(err, "projection", i)
		}
		if d := p.STDP.DendriticDelayMs; d > 0 {
			if k := math.Round(d / s.DtMs); k < 1 || math.Abs(k*s.DtMs-d) > 1e-9*d {
				return fieldErr(fmt.Sprintf("must be a whole number of dt_ms = %g, got %g", s.DtMs, d), "projection", i, "stdp", "dendritic_delay_ms")
			}
		}
	}
	if err := s.validateFeedback(ref, links); err != nil {
		return err
	}
	if err := s.validateModulator(); err != nil {
		return err
	}
	if err := s.CheckProbes(s.Probes, s.ProbeEveryMs, ProbeOwner{}); err != nil {
		return err
	}
	if len(s.Probes) == 0 && s.ProbeEveryMs != 0 {
		return fieldErr("applies only to a circuit with [[probe]]", "probe_every_ms")
	}
	return s.validateTotals()
}

// MaxNeurons bounds the neurons of all populations of a circuit together.
const MaxNeurons = MaxPopulation

// MaxSynapses bounds the synapses of all projections and feedback
// projections of a circuit together (for sparse ones, the number
// expected); the dense ones together are bounded by MaxDenseSynapses.
const MaxSynapses = 1_000_000_000

// synapses is the number of synapses of the projection between
// populations of from and to neurons (expected, for random sparse ones).
func (p ProjectionSpec) synapses(from, to int64) float64 {
	if p.Connectivity == "dense" {
		return float64(from * to)
	}
	sp := p.SparseParams()
	switch sp.Connect {
	case synapse.InDegree:
		return float64(to) * float64(sp.InDegree)
	case synapse.OutDegree:
		return float64(from) * float64(sp.OutDegree)
	}
	return float64(from) * float64(to) * max(sp.P, 0)
}

// PlasticSparseSynapses returns the number of synapses of the plastic
// sparse projections (expected, for random ones): what a table of their
// weights holds.
func (s *Spec) PlasticSparseSynapses() float64 {
	n := 0.0
	for _, p := range s.Projections {
		if p.Connectivity != "sparse" || !p.Plastic {
			continue
		}
		from, _ := s.PopulationIndex(p.From)
		to, _ := s.PopulationIndex(p.To)
		n += p.synapses(int64(s.Populations[from].Size), int64(s.Populations[to].Size))
	}
	return n
}

// validateTotals bounds the products and sums that every population and
// projection within its own bound can still reach together, before
// anything is allocated: the neurons of all populations, the dense
// synapses and all synapses of all projections and feedback projections.
// The error is at the key that tipped the total over.
func (s *Spec) validateTotals() error {
	size := map[string]int64{}
	var neurons int64
	for i, p := range s.Populations {
		size[p.Name] = int64(p.Size)
		if neurons += int64(p.Size); neurons > MaxNeurons {
			return fieldErr(fmt.Sprintf("the populations up to this one hold %d neurons, more than a circuit may hold (%d)", neurons, MaxNeurons), "population", i, "size")
		}
	}
	var dense int64
	var all float64
	for i, p := range s.Projections {
		from, to := size[p.From], size[p.To]
		if p.Connectivity == "dense" {
			dense += from * to
		}
		all += p.synapses(from, to)
		if dense > MaxDenseSynapses {
			return fieldErr(fmt.Sprintf("the dense projections up to this one hold %d synapses, more than a circuit may hold (%d)", dense, MaxDenseSynapses), "projection", i, "to")
		}
		if all > MaxSynapses {
			return fieldErr(fmt.Sprintf("the projections up to this one hold %.0f synapses (sparse ones: expected), more than a circuit may hold (%d)", all, int64(MaxSynapses)), "projection", i, "to")
		}
	}
	for i, f := range s.Feedback {
		n := size[f.From] * size[f.To]
		dense += n
		all += float64(n)
		if dense > MaxDenseSynapses || all > MaxSynapses {
			return fieldErr(fmt.Sprintf("with this feedback (%d × %d) the circuit's dense synapses number %d, more than a circuit may hold (%d)", size[f.From], size[f.To], dense, MaxDenseSynapses), "feedback", i, "to")
		}
	}
	return nil
}

// PopulationIndex returns the index of the population of that name.
func (s *Spec) PopulationIndex(name string) (int, bool) {
	for i, p := range s.Populations {
		if p.Name == name {
			return i, true
		}
	}
	return -1, false
}

// RecurrentProjection returns the first recurrent projection: one onto
// its own population or onto an earlier one (populations step in order).
func (s *Spec) RecurrentProjection() (name string, ok bool) {
	for _, p := range s.Projections {
		from, _ := s.PopulationIndex(p.From)
		to, _ := s.PopulationIndex(p.To)
		if from >= to {
			return p.Label(), true
		}
	}
	return "", false
}

// SpikingPopulation returns the first spiking population (lif, coba,
// alif, izhikevich or poisson) of the circuit, if it has one.
func (s *Spec) SpikingPopulation() (name, model string, ok bool) {
	for _, p := range s.Populations {
		if spikingModel(p.Model) {
			return p.Name, p.Model, true
		}
	}
	return "", "", false
}

// Recordable lists the state variables Circuit.Variable can monitor in a
// population of the model.
func Recordable(model string) []string { return slices.Clone(recordable[model]) }

// recordable lists the variables [[record]] can monitor, per model.
var recordable = map[string][]string{
	"rate":       {"v", "r"},
	"lif":        {"v", "syn_e", "syn_i"},
	"coba":       {"v", "g_e", "g_i"},
	"alif":       {"v", "a", "psi"},
	"izhikevich": {"v", "u"},
	"poisson":    {},
	"escape":     {},
}

func spikingModel(m string) bool {
	return m == "lif" || m == "coba" || m == "alif" || m == "izhikevich" || m == "poisson" || m == "escape"
}

// validateModel checks the model's keys, and that the keys of the other
// models keep their defaults.
func (p PopulationSpec) validateModel() error {
	d := PopulationSpec{}.DefaultsFor(p.Model, p.Preset)
	var err error
	switch p.Model {
	case "rate":
		err = p.RateParams.Validate()
	case "lif":
		err = p.LIFParams.Validate()
	case "alif":
		if err := p.ALIF.Validate(); err != nil {
			return param.Under(err, "alif")
		}
	case "coba":
		if err := p.COBA.Validate(); err != nil {
			return param.Under(err, "coba")
		}
	case "izhikevich":
		err = p.IzhikevichParams.Validate()
	case "poisson":
		err = p.PoissonParams.Validate()
	case "escape":
		if err := p.Escape.Validate(); err != nil {
			return param.Under(err, "escape")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown model %q (want rate, lif, coba, alif, izhikevich, poisson or escape)", p.Model), "model")
	}
	if err != nil {
		return param.Under(err)
	}
	switch p.Preset {
	case "", "regular_spiking", "fast_spiking":
	default:
		return fieldErr(fmt.Sprintf("unknown preset %q (want regular_spiking or fast_spiking)", p.Preset), "preset")
	}
	if p.Preset != "" && p.Model != "izhikevich" {
		return fieldErr(fmt.Sprintf("applies only to model = \"izhikevich\" (model is %q)", p.Model), "preset")
	}
	for _, o := range []struct {
		model     string
		got, want any
	}{
		{"rate", p.RateParams, d.RateParams},
		{"lif", p.LIFParams, d.LIFParams},
		{"alif", p.ALIF, d.ALIF},
		{"coba", p.COBA, d.COBA},
		{"izhikevich", p.IzhikevichParams, d.IzhikevichParams},
		{"poisson", p.PoissonParams, d.PoissonParams},
		{"escape", p.Escape, d.Escape},
	} {
		if o.model == p.Model {
			continue
		}
		if key := changedKey(o.got, o.want); key != "" {
			if o.model == "alif" || o.model == "coba" || o.model == "escape" {
				return fieldErr(fmt.Sprintf("applies only to model = %q (model is %q)", o.model, p.Model), o.model, key)
			}
			return fieldErr(fmt.Sprintf("applies only to model = %q (model is %q)", o.model, p.Model), key)
		}
	}
	if p.NoiseUniform != 0 {
		if p.Model != "lif" && p.Model != "izhikevich" {
			return fieldErr(fmt.Sprintf("applies only to models lif and izhikevich (model is %q)", p.Model), "noise_uniform")
		}
	}
	if p.InitVUniformMV != nil {
		if p.Model != "lif" && p.Model != "coba" && p.Model != "izhikevich" {
			return fieldErr(fmt.Sprintf("applies only to models lif, coba and izhikevich (model is %q)", p.Model), "init_v_uniform_mv")
		}
		v := p.InitVUniformMV
		if len(v) != 2 || math.IsNaN(v[0]) || math.IsNaN(v[1]) || math.IsInf(v[0], 0) || math.IsInf(v[1], 0) || v[0] > v[1] {
			return fieldErr(fmt.Sprintf("must be [lo, hi] with finite lo <= hi (mV), got %v", v), "init_v_uniform_mv")
		}
	}
	return nil
}

// changedKey returns the TOML key of the first field in which two values
// of the same struct type differ, or "".
func changedKey(got, want any) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		a, b := g.Field(i).Interface(), w.Field(i).Interface()
		fa, okA := a.(float64)
		fb, okB := b.(float64)
		if okA && okB && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb)) {
			continue
		}
		if a != b {
			key, _, _ := strings.Cut(g.Type().Field(i).Tag.Get("toml"), ",")
			return key
		}
	}
	return ""
}

// validate checks a projection's keys against its kind and populations.
func (p ProjectionSpec) validate(from, to PopulationSpec) error {
	switch p.Channel {
	case "", "excitatory":
	case "inhibitory":
		if to.Model != "lif" && to.Model != "coba" {
			return fieldErr(fmt.Sprintf("only lif and coba populations have an inhibitory channel (%q is %s)", to.Name, to.Model), "channel")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown channel %q (want excitatory or inhibitory)", p.Channel), "channel")
	}
	if p.inhibitory() && to.Model != "lif" && to.Model != "coba" {
		// A negative sparse weight names the inhibitory channel, which only
		// lif and coba populations have: refused here, not when built.
		return fieldErr(fmt.Sprintf("a negative sparse weight feeds the inhibitory channel, which %q (%s) does not have: set channel = \"excitatory\" (its one input, where the negative weight inhibits)", to.Name, to.Model), "weight")
	}
	if to.Model == "coba" {
		// A coba population's inputs are conductances: they only grow.
		switch {
		case p.Connectivity != "sparse":
			return fieldErr(fmt.Sprintf("a coba population (%q) takes sparse projections only (conductance increments)", to.Name), "connectivity")
		case !(p.Weight >= 0):
			return fieldErr(fmt.Sprintf("a conductance increment onto a coba population must be >= 0 (channel = \"inhibitory\" for inhibition), got %g", p.Weight), "weight")
		case p.Plastic && !(p.WMin >= 0):
			return fieldErr(fmt.Sprintf("must be >= 0 for a plastic projection onto a coba population (conductances), got %g", p.WMin), "w_min")
		}
	}
	d := ProjectionSpec{}.DefaultsFor(p.Connectivity)
	if err := p.validatePattern(from, to, d); err != nil {
		return err
	}
	switch p.Connectivity {
	case "dense":
		if err := p.DenseParams.Validate(); err != nil {
			return param.Under(err)
		}
		if n := int64(from.Size) * int64(to.Size); n > MaxDenseSynapses {
			return fieldErr(fmt.Sprintf("%d × %d = %d synapses, more than a dense projection may hold (%d): use connectivity = \"sparse\"", from.Size, to.Size, n, MaxDenseSynapses), "connectivity")
		}
		if key := changedKey(p.SparseKeys, d.SparseKeys); key != "" {
			return fieldErr("applies only to connectivity = \"sparse\"", key)
		}
		if key := changedKey(p.STDP, d.STDP); key != "" {
			return fieldErr("applies only to a plastic sparse projection (connectivity = \"sparse\", plastic = true)", "stdp", key)
		}
	case "sparse":
		if !spikingModel(from.Model) {
			return fieldErr(fmt.Sprintf("a sparse projection carries spikes: %q is %s, not a spiking population", from.Name, from.Model), "connectivity")
		}
		if p.Bias {
			return fieldErr("a sparse projection has no bias", "bias")
		}
		if p.Plastic && !spikingModel(to.Model) {
			return fieldErr(fmt.Sprintf("a plastic sparse projection pairs pre and post spikes (R-STDP): %q is %s, not a spiking population", to.Name, to.Model), "plastic")
		}
		if key := changedKey(p.STDP, d.STDP); !p.Plastic && key != "" {
			return fieldErr("applies only to a plastic sparse projection (plastic = true)", "stdp", key)
		}
		dd := d.DenseParams
		dd.WMin, dd.WMax, dd.Plastic = p.WMin, p.WMax, p.Plastic
		if key := changedKey(p.DenseParams, dd); key != "" {
			return fieldErr("applies only to connectivity = \"dense\"", key)
		}
		sp := p.SparseParams()
		if err := sp.Validate(); err != nil {
			return param.Under(err)
		}
		if sp.Connect == synapse.InDegree {
			cand := from.Size
			if sp.NoSelf {
				cand--
			}
			if sp.InDegree > cand {
				return fieldErr(fmt.Sprintf("must be at most %d (the candidate pre neurons), got %d", cand, sp.InDegree), "in_degree")
			}
		}
		if sp.Connect == synapse.OutDegree {
			cand := to.Size
			if sp.NoSelf {
				cand--
			}
			if sp.OutDegree > cand {
				return fieldErr(fmt.Sprintf("must be at most %d (the candidate post neurons), got %d", cand, sp.OutDegree), "out_degree")
			}
		}
		if float64(from.Size)*float64(to.Size)*max(sp.P, 0) > 1e9 || sp.Connect == synapse.InDegree && float64(to.Size)*float64(sp.InDegree) > 1e9 ||
			sp.Connect == synapse.OutDegree && float64(from.Size)*float64(sp.OutDegree) > 1e9 {
			return fieldErr("more than 1e9 synapses expected", "connectivity")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown connectivity %q (want dense or sparse)", p.Connectivity), "connectivity")
	}
	return nil
}

// validatePattern checks the keys of pattern = "ring" and learn =
// "td_ltp", and that a projection without them leaves their keys alone.
func (p ProjectionSpec) validatePattern(from, to PopulationSpec, d ProjectionSpec) error {
	switch p.Pattern {
	case "":
		if key := changedKey(p.Ring, d.Ring); key != "" {
			return fieldErr("applies only to pattern = \"ring\"", "ring", key)
		}
	case "ring":
		switch {
		case p.Connectivity != "dense":
			return fieldErr("a ring is a dense projection (connectivity = \"dense\")", "pattern")
		case from.Size != to.Size:
			return fieldErr(fmt.Sprintf("a ring connects populations of one size (%q has %d, %q %d)", from.Name, from.Size, to.Name, to.Size), "pattern")
		case p.Bias || p.Plastic:
			return fieldErr("a ring is fixed: write bias = false and plastic = false", "pattern")
		case p.Learn != "":
			return fieldErr("a ring is fixed: it cannot learn", "learn")
		}
		if err := p.Ring.Validate(); err != nil {
			return param.Under(err, "ring")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown pattern %q (want ring, or none)", p.Pattern), "pattern")
	}
	switch p.Learn {
	case "":
		if key := changedKey(p.TDLTP, d.TDLTP); key != "" {
			return fieldErr("applies only to learn = \"td_ltp\"", "td_ltp", key)
		}
	case "td_ltp":
		switch {
		case p.Connectivity != "dense":
			return fieldErr("TD-LTP learns on a dense projection (connectivity = \"dense\")", "learn")
		case !spikingModel(from.Model):
			return fieldErr(fmt.Sprintf("TD-LTP needs pre spikes: %q is %s, not a spiking population", from.Name, from.Model), "learn")
		case to.Model != "escape":
			return fieldErr(fmt.Sprintf("TD-LTP pairs the PSP of escape neurons with their spikes: %q is %s, not escape", to.Name, to.Model), "learn")
		case p.Bias:
			return fieldErr("a TD-LTP projection has no bias: write bias = false", "bias")
		}
		if err := p.TDLTP.Validate(); err != nil {
			return param.Under(err, "td_ltp")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown learn %q (want td_ltp, or none)", p.Learn), "learn")
	}
	return nil
}

// validateModulator checks the [modulator] table.
func (s *Spec) validateModulator() error {
	m := s.Modulator
	switch m.Kind {
	case "":
		d := Spec{}.Defaults().Modulator
		if key := changedKey(m.ContinuousTDParams, d.ContinuousTDParams); key != "" || m.Population != "" {
			if key == "" {
				key = "population"
			}
			return fieldErr("applies only to kind = \"continuous_td\"", "modulator", key)
		}
		for i, p := range s.Projections {
			if p.Learn == "td_ltp" {
				return fieldErr("TD-LTP is gated by the circuit's continuous TD error: declare [modulator] kind = \"continuous_td\"", "projection", i, "learn")
			}
		}
	case "continuous_td":
		i, ok := s.PopulationIndex(m.Population)
		if !ok {
			return fieldErr(fmt.Sprintf("unknown population %q (have %s)", m.Population, s.popList()), "modulator", "population")
		}
		if !spikingModel(s.Populations[i].Model) {
			return fieldErr(fmt.Sprintf("the critic is read from spikes: %q is %s, not a spiking population", m.Population, s.Populations[i].Model), "modulator", "population")
		}
		if err := m.ContinuousTDParams.Validate(); err != nil {
			return param.Under(err, "modulator")
		}
	default:
		return fieldErr(fmt.Sprintf("unknown kind %q (want continuous_td, or none)", m.Kind), "modulator", "kind")
	}
	return nil
}

// patternWeights sets the weights of the ring projections and draws those
// of the TD-LTP projections, uniform in [0, w_init_mv), in the order of
// the projections.
func (s *Spec) patternWeights(c *Circuit, rng *rand.Rand) {
	k := 0
	for _, p := range s.Projections {
		if p.Connectivity != "dense" {
			continue
		}
		l := c.Links[k]
		k++
		w := l.Weights()
		switch {
		case p.Pattern == "ring":
			n := l.NPre
			for m := range l.NPost {
				for j := range n {
					w[m*n+j] = p.Ring.Weight(j, m, n)
				}
			}
		case p.Learn == "td_ltp":
			for i := range w {
				w[i] = p.TDLTP.WInitMV * rng.Float64()
			}
		}
	}
}

func (s *Spec) popList() string {
	out := ""
	for i, p := range s.Populations {
		if i > 0 {
			out += ", "
		}
		out += p.Name
	}
	return out
}

// Build validates the spec and builds the circuit, its weights drawn from
// rng. In this order, rng gives: the seed of every poisson population's own
// stream, of every noise_uniform population's noise and of every
// poisson_input drive, population by population, the connections of every sparse projection, the weights of every
// dense projection, the initial potentials of init_v_uniform_mv, and the
// weights of every feedback projection. A rate circuit without feedback
// draws only its dense weights.
func (s *Spec) Build(rng *rand.Rand) (*Circuit, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	idx := map[string]int{}
	var noise []popNoise
	var drives []popDrive
	pops := make([]neuron.Population, len(s.Populations))
	names := make([]string, len(s.Populations))
	for i, p := range s.Populations {
		var pop neuron.Population
		var err error
		switch p.Model {
		case "lif":
			pop, err = neuron.NewLIF(p.Size, p.LIFParams)
		case "alif":
			pop, err = neuron.NewALIF(p.Size, p.ALIF)
		case "coba":
			pop, err = neuron.NewCOBA(p.Size, p.COBA)
		case "izhikevich":
			pop, err = neuron.NewIzhikevich(p.Size, p.IzhikevichParams)
		case "poisson":
			var seed [32]byte
			for k := 0; k < 4; k++ {
				binary.LittleEndian.PutUint64(seed[8*k:], rng.Uint64())
			}
			pop, err = neuron.NewPoisson(p.Size, p.PoissonParams, seed)
		case "escape":
			var seed [32]byte
			for k := 0; k < 4; k++ {
				binary.LittleEndian.PutUint64(seed[8*k:], rng.Uint64())
			}
			pop, err = neuron.NewEscape(p.Size, p.Escape, seed)
		default:
			pop, err = neuron.NewRate(p.Size, p.RateParams)
		}
		if err != nil {
			return nil, param.Under(err, "population", i)
		}
		pops[i], names[i], idx[p.Name] = pop, p.Name, i
		if p.NoiseUniform > 0 {
			var seed [32]byte
			for k := 0; k < 4; k++ {
				binary.LittleEndian.PutUint64(seed[8*k:], rng.Uint64())
			}
			noise = append(noise, popNoise{pop: i, amp: p.NoiseUniform, src: chacha8.New(seed)})
		}
		if !p.PoissonInput.Off() {
			var seed [32]byte
			for k := 0; k < 4; k++ {
				binary.LittleEndian.PutUint64(seed[8*k:], rng.Uint64())
			}
			d, err := neuron.NewPoissonInput(p.PoissonInput, p.Size, s.DtMs, seed)
			if err != nil {
				return nil, param.Under(err, "population", i, "poisson_input")
			}
			drives = append(drives, popDrive{pop: i, in: d})
		}
	}
	var links []Link
	var sparse []SparseLink
	for i, p := range s.Projections {
		pre, post := idx[p.From], idx[p.To]
		name := p.Label()
		if p.Connectivity == "sparse" {
			sp, err := synapse.NewSparse(s.Populations[pre].Size, s.Populations[post].Size, p.SparseParams(), rng)
			if err != nil {
				return nil, param.Under(err, "projection", i)
			}
			sparse = append(sparse, SparseLink{Name: name, Pre: pre, Post: post, Inh: p.inhibitory(), Sparse: sp})
			continue
		}
		d, err := synapse.NewDense(s.Populations[pre].Size, s.Populations[post].Size, p.DenseParams)
		if err != nil {
			return nil, param.Under(err, "projection", i)
		}
		links = append(links, Link{Name: name, Pre: pre, Post: post, Inh: p.inhibitory(), Dense: d})
	}
	in, out := -1, -1
	if s.Input != "" {
		in = idx[s.Input]
	}
	if s.Readout.Population != "" {
		out = idx[s.Readout.Population]
	}
	c, err := New(s.Name, s.DtMs, s.StepsPerTrial, pops, names, links, in, out)
	if err != nil {
		return nil, err
	}
	for _, l := range sparse {
		if err := c.AddSparse(l); err != nil {
			return nil, err
		}
	}
	for _, n := range noise {
		c.noise[n.pop] = n
	}
	for _, d := range drives {
		c.drive[d.pop] = d.in
	}
	if s.Readout.Mode == "spike_count" {
		if err := c.SetSpikeCountReadout(s.Readout.CountScale); err != nil {
			return nil, err
		}
	}
	c.Init(rng)
	s.patternWeights(c, rng)
	for i, p := range s.Populations {
		if v := p.InitVUniformMV; v != nil {
			lo, hi := v[0], v[1]
			switch z := pops[i].(type) {
			case *neuron.LIF:
				for k := range z.V {
					z.V[k] = lo + rng.Float64()*(hi-lo)
				}
			case *neuron.COBA:
				for k := range z.V {
					z.V[k] = lo + rng.Float64()*(hi-lo)
				}
			case *neuron.Izhikevich:
				for k := range z.V {
					z.V[k] = lo + rng.Float64()*(hi-lo)
					z.U[k] = z.B * z.V[k]
				}
			}
		}
	}
	if err := s.buildFeedback(c, idx, rng); err != nil {
		return nil, err
	}
	return c, nil
}
