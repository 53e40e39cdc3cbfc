package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"
)

// Kind is the kind of a run: what its input file declares and what its
// output directory holds. manifest.json names it, so that a directory's
// kind is read, never guessed.
type Kind string

// The kinds of run.
const (
	// Training: rules compared over seeds on a task (an experiment file,
	// or a circuit file with a learning task).
	Training Kind = "training"
	// Simulation: a circuit run without learning (task = "simulate").
	Simulation Kind = "simulation"
	// Sweep: an experiment run at every point of a parameter sweep, each
	// point a training run in PointsDir/ID.
	Sweep Kind = "sweep"
	// Memory: associative-memory rules compared over loads, sizes,
	// retrieval modes and seeds (package experiments/memory).
	Memory Kind = "memory"
	// Reward: agents acting in an environment, with a TD critic's error
	// as dopamine (package experiments/reward).
	Reward Kind = "reward"
)

// The files of an output directory, defined once. Which ones a run writes
// depends on its kind (docs/architecture.md).
const (
	ManifestFile     = "manifest.json"     // every kind
	SummaryFile      = "summary.json"      // every kind
	MetricsFile      = "metrics.csv"       // training: the loss per epoch (Metrics)
	TracesFile       = "traces.csv"        // training: modulator traces per update (Traces)
	DiagnosticsFile  = "diagnostics.csv"   // training: held-out measures and the rules' own, during training
	EligibilityFile  = "eligibility.csv"   // training: watched synapses' eligibility and learning signal (record.synapse)
	WeightsFile      = "weights.csv"       // training: plastic synapses before and after
	WeightsEndFile   = "weights_end.csv"   // reward: every plastic synapse of a network agent at the end
	PredictionsFile  = "predictions.csv"   // training on a forecasting task
	RastersFile      = "rasters.csv"       // spiking training: spikes of recorded trials
	RasterTrialsFile = "raster_trials.csv" // spiking training: the trials of the rasters
	SpikesFile       = "spikes.csv"        // simulation: every spike
	StatesFile       = "states.csv"        // simulation: the [[record]] monitors
	LayoutFile       = "populations.csv"   // simulation: population sizes
	SonataFile       = "spikes.h5"         // simulation (record_sonata, dopa export): the spikes as SONATA
	PlotsDir         = "plots"             // every kind: the figures
	JournalDir       = "journal"           // every run kept as it finishes, until the files are written
	PointsDir        = "points"            // a sweep: one output directory per point
	SweepFile        = "sweep.json"        // a sweep: its points and their parameters
	MemoryFile       = "memory.csv"        // memory: the measures of every run (ε against M)
	CapacityFile     = "capacity.csv"      // memory: the capacity M_ε of every rule, mode, size and seed
	EpisodesFile     = "episodes.csv"      // reward: every episode's return, steps and choice
	StepsFile        = "steps.csv"         // reward: δ, V and dopamine at every step of the recorded episodes
	// reward: dopamine, the watched synapse and the mean weight of a network agent over time
	SynapseTracesFile = "synapse_traces.csv"
	// reward: a network agent's spikes in the first and last raster_s seconds
	NetworkRastersFile = "network_rasters.csv"
	// reward: the synapses a network agent probes, sampled every probe_every_ms
	ProbesFile = "probes.csv"
	// reward (record.trajectories): the agent's path in the arena in chosen episodes
	TrajectoriesFile = "trajectories.csv"
	// reward (record.trajectories, record.value_map): the arena's shapes (pool, platform, walls, goal), for drawings
	ArenaFile = "arena.csv"
	// reward (record.value_map): the critic's V and the actor's preferred direction over the arena
	ValueMapFile = "value_map.csv"
)

// The columns of each CSV file are declared once, in schema.go.

// Files lists every file and directory a run of any kind may write, the
// ones Clean removes.
var Files = []string{ManifestFile, SummaryFile, MetricsFile, TracesFile, DiagnosticsFile, EligibilityFile, WeightsFile, WeightsEndFile, PredictionsFile,
	RastersFile, RasterTrialsFile, SpikesFile, StatesFile, LayoutFile, PlotsDir, JournalDir, PointsDir, SweepFile,
	MemoryFile, CapacityFile, SynapseTracesFile, NetworkRastersFile, ProbesFile, EpisodesFile, StepsFile,
	TrajectoriesFile, ArenaFile, ValueMapFile, "slurm", "slurm-jobs.json"}

// Clean removes what a run left in dir (Files, the .npz file of every
// table and SonataFile), and nothing else.
func Clean(dir string) error {
	for _, f := range Files {
		names := []string{f}
		if _, ok := SchemaOf(f); ok {
			names = append(names, NPZName(f))
		}
		for _, n := range names {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return os.RemoveAll(filepath.Join(dir, SonataFile))
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// Version is dopa's version, written into every manifest.
var Version = "0.1.0-dev"

// Manifest is manifest.json: everything needed to reproduce a run, of any
// kind. Fields that do not apply to a kind are left out.
type Manifest struct {
	Kind        Kind      `json:"kind"`
	Experiment  string    `json:"experiment"`
	File        string    `json:"file,omitempty"`
	CircuitFile string    `json:"circuit_file,omitempty"`
	Overrides   []string  `json:"overrides"`
	Seeds       []int     `json:"seeds"`
	Conditions  []string  `json:"conditions,omitempty"`
	Streams     string    `json:"streams,omitempty"`
	Resolved    any       `json:"resolved"` // the configuration with every default filled in
	Version     string    `json:"dopa_version"`
	VCS         string    `json:"vcs_revision,omitempty"`
	GoVersion   string    `json:"go_version"`
	Platform    string    `json:"platform"`
	Workers     int       `json:"workers"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Interrupted bool      `json:"interrupted"`
	// Complete: every planned run finished, none failed, and every result
	// file is written. While a run goes on (or after it was killed), and
	// when a run failed (--resume runs it again), it is false.
	Complete    bool `json:"complete"`
	RunsDone    int  `json:"runs_done"`
	RunsPlanned int  `json:"runs_planned"`
}

// NewManifest fills a manifest with the program's versions and platform.
func NewManifest(kind Kind, experiment string, overrides []string, start time.Time) Manifest {
	m := Manifest{Kind: kind, Experiment: experiment, Overrides: overrides, Version: Version,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Start: start.UTC(), Seeds: []int{}}
	if m.Overrides == nil {
		m.Overrides = []string{}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				m.VCS = s.Value
			}
		}
	}
	return m
}

// ReadKind returns the kind of the run in dir, from its manifest.json. A
// manifest written before manifests named their kind is a training run if
// its resolved configuration has an experiment, else a simulation.
func ReadKind(dir string) (Kind, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s: not a dopa output directory (no %s)", dir, ManifestFile)
	}
	if err != nil {
		return "", err
	}
	var m struct {
		Kind     Kind `json:"kind"`
		Resolved struct {
			Experiment json.RawMessage `json:"experiment"`
		} `json:"resolved"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	switch m.Kind {
	case Training, Simulation, Sweep, Memory, Reward:
		return m.Kind, nil
	case "distal_reward":
		return "", fmt.Errorf("%s: a run of the retired kind distal_reward: its experiment is now the reward file experiments/distal_reward.toml (dopa run distal_reward)", path)
	case "":
		if m.Resolved.Experiment != nil {
			return Training, nil
		}
		return Simulation, nil
	}
	return "", fmt.Errorf("%s: unknown kind %q", path, m.Kind)
}
