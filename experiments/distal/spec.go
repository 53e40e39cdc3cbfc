package distal

import (
	"fmt"
	"math"
	"strings"

	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/neuron"
)

// Kind is the value of the top-level key "kind" that marks a distal-reward
// experiment file.
const Kind = "distal_reward"

// Rule is the learning rule name written into summaries.
const Rule = "rstdp"

// Spec is a distal-reward experiment as declared in its TOML file. Every key
// has a default (see Defaults); the file only needs kind.
type Spec struct {
	// Kind must be "distal_reward".
	Kind string `toml:"kind"`
	// Name identifies the experiment in outputs.
	Name string `toml:"name"`
	// Description is free text for people.
	Description string `toml:"description"`
	// Seed is the first seed; the runs of every condition use Seed, Seed+1, …
	// Conditions with the same seed share the network, the initial state
	// and the thalamic input.
	Seed int `toml:"seed"`
	// Seeds is the number of seeds per condition.
	Seeds int `toml:"seeds"`
	// DurationS is the simulated time (s) of every run, at dt = 1 ms.
	DurationS float64 `toml:"duration_s"`
	// Network is the network and its input.
	Network Network `toml:"network"`
	// STDP is the eligibility trace and the weight change.
	STDP STDP `toml:"stdp"`
	// Dopamine is the extracellular dopamine.
	Dopamine Dopamine `toml:"dopamine"`
	// Reward is the rewarded pairing and the reward it earns.
	Reward Reward `toml:"reward"`
	// Record is what goes into the output files besides the summary.
	Record Record `toml:"record"`
	// Conditions are the conditions run for every seed.
	Conditions []Condition `toml:"condition"`
}

// Network is the network of Izhikevich (2007, Fig. 1).
type Network struct {
	// NExc and NInh are the numbers of excitatory and inhibitory neurons.
	NExc int `toml:"n_exc"`
	NInh int `toml:"n_inh"`
	// Synapses is the number of outgoing synapses of every neuron:
	// excitatory neurons target any neuron, inhibitory ones excitatory
	// neurons only; targets are drawn uniformly with replacement.
	Synapses int `toml:"synapses_per_neuron"`
	// RepeatedTargets is what a target drawn twice by the same neuron
	// means: "drop" (the original script: the spike reaches it once, the
	// repeated excitatory synapses stay plastic), "sum" (every synapse
	// delivers its weight) or "distinct" (targets are redrawn until they
	// differ).
	RepeatedTargets string `toml:"repeated_targets"`
	// WExcInit is the initial weight of the excitatory synapses.
	WExcInit float64 `toml:"w_exc_init"`
	// WRewardedInit is the initial weight of the rewarded synapse.
	WRewardedInit float64 `toml:"w_rewarded_init"`
	// WMax bounds the excitatory weights to [0, w_max].
	WMax float64 `toml:"w_max"`
	// WInh is the fixed weight of the inhibitory synapses (< 0).
	WInh float64 `toml:"w_inh"`
	// Thalamic is the random input: "uniform" (every neuron receives
	// amplitude·(U − 0.5), U uniform in [0, 1), every ms: the original
	// script) or "single" (one random neuron receives amplitude every ms,
	// as in Izhikevich's spnet.m).
	Thalamic string `toml:"thalamic"`
	// ThalamicAmplitude is the amplitude of the thalamic input (current,
	// in the units of the Izhikevich model).
	ThalamicAmplitude float64 `toml:"thalamic_amplitude"`
	// Exc and Inh are the neuron parameters: regular spiking and fast
	// spiking by default.
	Exc neuron.IzhikevichParams `toml:"exc_neuron"`
	Inh neuron.IzhikevichParams `toml:"inh_neuron"`
}

// STDP are the parameters of the eligibility trace and the weight change.
type STDP struct {
	// APlus and AMinus are the amplitudes of potentiation and depression
	// added to the eligibility trace c by one spike pair at zero lag.
	APlus  float64 `toml:"a_plus"`
	AMinus float64 `toml:"a_minus"`
	// TauPlusMs and TauMinusMs are the decay times of the STDP window (ms).
	TauPlusMs  float64 `toml:"tau_plus_ms"`
	TauMinusMs float64 `toml:"tau_minus_ms"`
	// TauCMs is the decay time of the eligibility trace c (ms).
	TauCMs float64 `toml:"tau_c_ms"`
	// RatePerMs is η in ds/dt = η·c·(d + tonic) (1/ms).
	RatePerMs float64 `toml:"rate_per_ms"`
	// Pairing is "nearest" (the original: each spike pairs with the most
	// recent spike on the other side) or "all_to_all".
	Pairing string `toml:"pairing"`
}

// Dopamine are the parameters of the extracellular dopamine d.
type Dopamine struct {
	// TauDMs is the uptake time constant τ_d (ms).
	TauDMs float64 `toml:"tau_d_ms"`
	// Tonic is the tonic level added to d wherever it gates plasticity.
	Tonic float64 `toml:"tonic"`
}

// Reward are the parameters of the rewarded pairing.
type Reward struct {
	// Pulse is the jump of d at each reward.
	Pulse float64 `toml:"pulse"`
	// WindowMs: a spike of the postsynaptic neuron of the rewarded synapse
	// that comes 0 < lag < window_ms ms after the last spike of its
	// presynaptic neuron earns a reward.
	WindowMs int `toml:"window_ms"`
	// DelayMinMs and DelayMaxMs bound the reward delay: an integer number of
	// ms drawn uniformly from [delay_min_ms, delay_max_ms].
	DelayMinMs int `toml:"delay_min_ms"`
	DelayMaxMs int `toml:"delay_max_ms"`
}

// Record chooses what the output files hold.
type Record struct {
	// TraceEveryMs is the sampling interval of synapse_traces.csv (ms).
	TraceEveryMs int `toml:"trace_every_ms"`
	// RasterMs is the length of the first and of the last stretch of the
	// run whose spikes are kept for the raster plot (ms).
	RasterMs int `toml:"raster_ms"`
	// LastS is the length (s) of the final stretch over which the weight of
	// the rewarded synapse is averaged.
	LastS float64 `toml:"last_s"`
	// Format is the format of the tables: "csv" (the default), "npz"
	// (NumPy: one .npz file per table) or "both" (docs/python.md).
	Format output.Format `toml:"format"`
	// Probes record chosen excitatory synapses: their weight, eligibility
	// and the dopamine they receive, into probes.csv ([[record.probe]]).
	Probes []Probe `toml:"probe"`
}

// Probe records one excitatory→excitatory synapse of every run, every
// EveryMs ms: chosen as the rewarded synapse of the seed, by its index in
// the projection, or by its pre- and postsynaptic neurons. A run without
// probes does no work for them.
type Probe struct {
	// Name labels its rows (default: "rewarded", "index K" or "PRE->POST").
	Name string `toml:"name"`
	// Synapse says how it is chosen: "rewarded", "index" or "pair".
	Synapse string `toml:"synapse"`
	// Index is the synapse's index in the excitatory projection (synapse
	// = "index"), in the order of its presynaptic neurons.
	Index int `toml:"index"`
	// Pre and Post are its excitatory neurons (synapse = "pair").
	Pre  int `toml:"pre"`
	Post int `toml:"post"`
	// EveryMs is the sampling interval (ms; 1: every step).
	EveryMs int `toml:"every_ms"`
}

// Label is the probe's name in probes.csv.
func (p Probe) Label() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Synapse == "index":
		return fmt.Sprintf("index %d", p.Index)
	case p.Synapse == "pair":
		return fmt.Sprintf("%d->%d", p.Pre, p.Post)
	}
	return p.Synapse
}

// Condition is one condition of the experiment.
type Condition struct {
	// Name is the condition's name in outputs ("rewarded", "control").
	Name string `toml:"name"`
	// Reward switches the reward on.
	Reward bool `toml:"reward"`
}

// Defaults returns the experiment of Izhikevich (2007, Fig. 1) as its
// script daspnet.m runs it (see the package documentation), for one seed,
// one hour, rewarded and control.
func (Spec) Defaults() Spec {
	return Spec{
		Kind: Kind, Name: "izhikevich2007", Seed: 1, Seeds: 1, DurationS: 3600,
		Network: Network{
			NExc: 800, NInh: 200, Synapses: 100, RepeatedTargets: "drop",
			WExcInit: 1, WRewardedInit: 0, WMax: 4, WInh: -1,
			Thalamic: "uniform", ThalamicAmplitude: 13,
			Exc: neuron.RegularSpiking(), Inh: neuron.FastSpiking(),
		},
		STDP: STDP{APlus: 1, AMinus: 1.5, TauPlusMs: 20, TauMinusMs: 20, TauCMs: 1000,
			RatePerMs: 0.01, Pairing: "nearest"},
		Dopamine: Dopamine{TauDMs: 200, Tonic: 0.002},
		Reward:   Reward{Pulse: 0.5, WindowMs: 20, DelayMinMs: 1000, DelayMaxMs: 3000},
		Record:   Record{TraceEveryMs: 100, RasterMs: 1000, LastS: 600, Format: output.CSV},
		Conditions: []Condition{
			{Name: "rewarded", Reward: true},
			{Name: "control", Reward: false},
		},
	}
}

// Parse decodes a distal-reward experiment strictly, with the defaults for
// every key left out, and validates it. Errors are *config.Error values
// naming the file, the line and the key.
func Parse(file string, data []byte) (*Spec, error) {
	doc, err := config.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return FromDoc(doc)
}

// FromDoc decodes a parsed distal-reward experiment file (see Parse).
func FromDoc(doc *config.Doc) (*Spec, error) {
	s := Spec{}.Defaults()
	if doc.Line("kind") == 0 {
		return nil, &config.Error{File: doc.File(), Line: 1, Key: "kind", Msg: fmt.Sprintf("must be set to %q", Kind)}
	}
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	if len(s.Record.Probes) == 0 {
		s.Record.Probes = nil // "probe = []" of a manifest's resolved file: none, as the defaults say
	}
	if err := s.Validate(); err != nil {
		return nil, doc.Locate(err)
	}
	return &s, nil
}

// Set applies a command-line override (--set path=value, e.g.
// duration_s=20 or network.thalamic=single) and validates the result.
// Errors are *config.Error values whose key starts with "--set".
func (s *Spec) Set(path, value string) error {
	t := *s
	t.Conditions = append([]Condition(nil), s.Conditions...)
	if err := config.Set(&t, path, value); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return &config.Error{Key: "--set " + path, Msg: err.Error()}
	}
	*s = t
	return nil
}

func fieldErr(msg string, path ...any) error { return param.New(msg, path...) }

// Validate reports the first value out of range as a *param.Error.
func (s *Spec) Validate() error {
	pos := func(v float64, path ...any) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", v), path...)
		}
		return nil
	}
	nonneg := func(v float64, path ...any) error {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fieldErr(fmt.Sprintf("must be a finite number >= 0, got %g", v), path...)
		}
		return nil
	}
	n := &s.Network
	switch {
	case s.Kind != Kind:
		return fieldErr(fmt.Sprintf("must be %q, got %q", Kind, s.Kind), "kind")
	case s.Seeds < 1 || s.Seeds > maxSeeds:
		return fieldErr(fmt.Sprintf("must be in [1, %d], got %d", maxSeeds, s.Seeds), "seeds")
	case s.Seed < 0 || s.Seed > math.MaxInt32:
		return fieldErr(fmt.Sprintf("must be in [0, %d], got %d", math.MaxInt32, s.Seed), "seed")
	case !(s.DurationS >= 0.001) || s.DurationS > 1e6:
		return fieldErr(fmt.Sprintf("must be in [0.001, 1e6] s, got %g", s.DurationS), "duration_s")
	case n.NExc < 2 || n.NExc > 1<<20:
		return fieldErr(fmt.Sprintf("must be in [2, %d], got %d", 1<<20, n.NExc), "network", "n_exc")
	case n.NInh < 0 || n.NInh > 1<<20:
		return fieldErr(fmt.Sprintf("must be in [0, %d], got %d", 1<<20, n.NInh), "network", "n_inh")
	case n.Synapses < 1 || n.Synapses > 10000:
		return fieldErr(fmt.Sprintf("must be in [1, 10000], got %d", n.Synapses), "network", "synapses_per_neuron")
	case n.RepeatedTargets != "drop" && n.RepeatedTargets != "sum" && n.RepeatedTargets != "distinct":
		return fieldErr(fmt.Sprintf("must be \"drop\", \"sum\" or \"distinct\", got %q", n.RepeatedTargets), "network", "repeated_targets")
	case n.RepeatedTargets == "distinct" && n.Synapses > n.NExc:
		return fieldErr(fmt.Sprintf("with repeated_targets = \"distinct\", must be at most n_exc (%d), got %d", n.NExc, n.Synapses), "network", "synapses_per_neuron")
	case !(n.WMax > 0) || math.IsInf(n.WMax, 0):
		return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", n.WMax), "network", "w_max")
	case !(n.WExcInit >= 0 && n.WExcInit <= n.WMax):
		return fieldErr(fmt.Sprintf("must be in [0, w_max = %g], got %g", n.WMax, n.WExcInit), "network", "w_exc_init")
	case !(n.WRewardedInit >= 0 && n.WRewardedInit <= n.WMax):
		return fieldErr(fmt.Sprintf("must be in [0, w_max = %g], got %g", n.WMax, n.WRewardedInit), "network", "w_rewarded_init")
	case !(n.WInh <= 0) || math.IsInf(n.WInh, 0):
		return fieldErr(fmt.Sprintf("must be a finite number <= 0, got %g", n.WInh), "network", "w_inh")
	case n.Thalamic != "uniform" && n.Thalamic != "single":
		return fieldErr(fmt.Sprintf("must be \"uniform\" or \"single\", got %q", n.Thalamic), "network", "thalamic")
	}
	if err := nonneg(n.ThalamicAmplitude, "network", "thalamic_amplitude"); err != nil {
		return err
	}
	for _, pp := range []struct {
		key string
		p   neuron.IzhikevichParams
	}{{"exc_neuron", n.Exc}, {"inh_neuron", n.Inh}} {
		if err := pp.p.Validate(); err != nil {
			return param.Under(err, "network", pp.key)
		}
	}
	p := &s.STDP
	for _, err := range []error{
		nonneg(p.APlus, "stdp", "a_plus"), nonneg(p.AMinus, "stdp", "a_minus"),
		pos(p.TauPlusMs, "stdp", "tau_plus_ms"), pos(p.TauMinusMs, "stdp", "tau_minus_ms"),
		pos(p.TauCMs, "stdp", "tau_c_ms"), nonneg(p.RatePerMs, "stdp", "rate_per_ms"),
		pos(s.Dopamine.TauDMs, "dopamine", "tau_d_ms"), nonneg(s.Dopamine.Tonic, "dopamine", "tonic"),
		nonneg(s.Reward.Pulse, "reward", "pulse"),
	} {
		if err != nil {
			return err
		}
	}
	r := &s.Reward
	switch {
	case p.Pairing != "nearest" && p.Pairing != "all_to_all":
		return fieldErr(fmt.Sprintf("must be \"nearest\" or \"all_to_all\", got %q", p.Pairing), "stdp", "pairing")
	case r.WindowMs < 1:
		return fieldErr(fmt.Sprintf("must be >= 1, got %d", r.WindowMs), "reward", "window_ms")
	case r.DelayMinMs < 1:
		return fieldErr(fmt.Sprintf("must be >= 1, got %d", r.DelayMinMs), "reward", "delay_min_ms")
	case r.DelayMaxMs < r.DelayMinMs || r.DelayMaxMs > 1000000:
		return fieldErr(fmt.Sprintf("must be in [delay_min_ms (%d), 1000000], got %d", r.DelayMinMs, r.DelayMaxMs), "reward", "delay_max_ms")
	case s.Record.TraceEveryMs < 1:
		return fieldErr(fmt.Sprintf("must be >= 1, got %d", s.Record.TraceEveryMs), "record", "trace_every_ms")
	case s.Record.Format.Check() != nil:
		return fieldErr(s.Record.Format.Check().Error(), "record", "format")
	case s.Record.RasterMs < 0:
		return fieldErr(fmt.Sprintf("must be >= 0, got %d", s.Record.RasterMs), "record", "raster_ms")
	case !(s.Record.LastS > 0) || math.IsInf(s.Record.LastS, 0):
		return fieldErr(fmt.Sprintf("must be a finite number > 0, got %g", s.Record.LastS), "record", "last_s")
	case len(s.Record.Probes) > maxProbes:
		return fieldErr(fmt.Sprintf("%d probes, more than %d", len(s.Record.Probes), maxProbes), "record", "probe")
	case len(s.Conditions) == 0:
		return fieldErr("must list at least one [[condition]]", "condition")
	case len(s.Conditions) > maxConditions:
		return fieldErr(fmt.Sprintf("%d conditions, more than %d", len(s.Conditions), maxConditions), "condition")
	}
	rows := 0.0
	names := map[string]bool{}
	for i, p := range s.Record.Probes {
		switch {
		case p.Synapse != "rewarded" && p.Synapse != "index" && p.Synapse != "pair":
			return fieldErr(fmt.Sprintf("must be \"rewarded\", \"index\" or \"pair\", got %q", p.Synapse), "record", "probe", i, "synapse")
		case p.Synapse == "index" && p.Index < 0:
			return fieldErr(fmt.Sprintf("must be >= 0, got %d", p.Index), "record", "probe", i, "index")
		case p.Synapse == "pair" && (p.Pre < 0 || p.Pre >= s.Network.NExc):
			return fieldErr(fmt.Sprintf("must be an excitatory neuron in [0, %d), got %d", s.Network.NExc, p.Pre), "record", "probe", i, "pre")
		case p.Synapse == "pair" && (p.Post < 0 || p.Post >= s.Network.NExc):
			return fieldErr(fmt.Sprintf("must be an excitatory neuron in [0, %d), got %d", s.Network.NExc, p.Post), "record", "probe", i, "post")
		case p.EveryMs < 1:
			return fieldErr(fmt.Sprintf("must be >= 1 (1: every step), got %d", p.EveryMs), "record", "probe", i, "every_ms")
		case strings.ContainsAny(p.Name, ",\"\n\r"):
			return fieldErr(fmt.Sprintf("must not contain commas, quotes or line breaks, got %q", p.Name), "record", "probe", i, "name")
		case names[p.Label()]:
			return fieldErr(fmt.Sprintf("two probes are named %q: name one", p.Label()), "record", "probe", i, "name")
		}
		names[p.Label()] = true
		rows += float64(s.Steps()/p.EveryMs) * float64(s.Seeds) * float64(len(s.Conditions))
	}
	if rows > maxProbeRows {
		return fieldErr(fmt.Sprintf("the probes would write %.3g rows, more than %g: sample less often (every_ms)", rows, float64(maxProbeRows)), "record", "probe")
	}
	seen := map[string]bool{}
	for i, c := range s.Conditions {
		switch {
		case c.Name == "":
			return fieldErr("must be set", "condition", i, "name")
		case strings.ContainsAny(c.Name, ",\"\n\r"):
			return fieldErr(fmt.Sprintf("must not contain commas, quotes or line breaks, got %q", c.Name), "condition", i, "name")
		case seen[c.Name]:
			return fieldErr(fmt.Sprintf("condition %q is listed twice", c.Name), "condition", i, "name")
		}
		seen[c.Name] = true
	}
	return nil
}

// Bounds on what one experiment may ask for, so that a slip in a number is
// refused instead of running for days.
const (
	maxSeeds      = 100_000
	maxConditions = 100
	maxProbes     = 100
	maxProbeRows  = 50_000_000 // probes.csv: about 3 GB
)

// Steps returns the number of 1-ms steps of a run.
func (s *Spec) Steps() int { return int(math.Round(s.DurationS * 1000)) }
