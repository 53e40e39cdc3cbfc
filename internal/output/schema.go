package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Column is one column of an output file.
type Column struct {
	// Name is the header name (lower case).
	Name string
	// Unit is the column's unit ("ms", "s", …); "" for a label, a count or
	// a dimensionless number.
	Unit string
	// Doc says what the column holds.
	Doc string
	// Type is the column's data type: how its writer hands its values
	// over (Rows) and its dtype in a .npz file.
	Type Type
	// Quoted: the CSV field is always written between double quotes.
	Quoted bool
	// EmptyNaN: NaN is written as an empty CSV field (a value that does
	// not apply); a .npz file holds NaN.
	EmptyNaN bool
}

// Type is the data type of a column.
type Type uint8

// The types of a column, with their dtype in a .npz file.
const (
	// StrType: text, "<U{n}" (UTF-32, n the longest value's length; "<U1"
	// for a table without rows).
	StrType Type = iota
	// IntType: a 64-bit signed integer, "<i8".
	IntType
	// FloatType: a 64-bit float, "<f8", NaN and ±Inf included.
	FloatType
)

// Dtype is the type's NumPy dtype ("<U" without its length for Str).
func (t Type) Dtype() string {
	switch t {
	case IntType:
		return "<i8"
	case FloatType:
		return "<f8"
	}
	return "<U"
}

func (t Type) String() string {
	switch t {
	case IntType:
		return "int"
	case FloatType:
		return "float"
	}
	return "str"
}

// The constructors of the columns of each type.
func strCol(name, unit, doc string) Column {
	return Column{Name: name, Unit: unit, Doc: doc, Type: StrType}
}
func intCol(name, unit, doc string) Column {
	return Column{Name: name, Unit: unit, Doc: doc, Type: IntType}
}
func fltCol(name, unit, doc string) Column {
	return Column{Name: name, Unit: unit, Doc: doc, Type: FloatType}
}
func quoted(c Column) Column   { c.Quoted = true; return c }
func emptyNaN(c Column) Column { c.EmptyNaN = true; return c }

// Schema is one table of an output directory, declared once: its CSV
// file's name, the kinds that write it, what a row is and its columns
// with their types. The table's writer hands its rows over through Write
// (as CSV, .npz or both); its readers read the columns by name through
// Read or OpenFile, which require every declared column, from the CSV
// file or the .npz file. A file name means the same columns in every kind that
// writes it: a kind whose rows differ writes a file of its own.
type Schema struct {
	File  string
	Kinds []Kind
	// Row says what one row is.
	Row     string
	Columns []Column
	// More, if not "", says what the columns after Columns are (their
	// names depend on the run, as the monitors of states.csv).
	More string
}

// Names lists the declared columns' names, in file order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Header is the file's header line (without the newline), with extra the
// names of the columns after the declared ones (More).
func (s *Schema) Header(extra ...string) string {
	return strings.Join(append(s.Names(), extra...), ",")
}

// Has reports whether the schema declares the column.
func (s *Schema) Has(col string) bool { return slices.Contains(s.Names(), col) }

// Read calls row for every record of dir/File (named File in errors),
// after checking that the header has every declared column; where File
// is missing, it reads its .npz file (NPZName) instead. A missing table
// is an error, or, when optional, calls nothing and reports found =
// false.
func (s *Schema) Read(dir string, optional bool, row func(t *Table) error) (found bool, err error) {
	return s.ReadAt(filepath.Join(dir, s.File), s.File, optional, row)
}

// ReadAt is Read for the file at path (a .csv file, or its .npz
// sibling), named name in errors.
func (s *Schema) ReadAt(path, name string, optional bool, row func(t *Table) error) (found bool, err error) {
	defer func() { err = AsReadError(err) }()
	t, err := s.OpenFile(path, name)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return t != nil, err
	}
	defer t.Close()
	for {
		ok, err := t.Next()
		if err != nil || !ok {
			return true, err
		}
		if err := row(t); err != nil {
			return true, err
		}
	}
}

// OpenFile opens the table at path (named name in errors): the CSV file
// at path, or, where it is missing, its .npz sibling (NPZName; named
// after it), or the .npz file at path, and checks that it has every declared column, of its
// declared type in a .npz file. The caller closes the table.
func (s *Schema) OpenFile(path, name string) (*Table, error) {
	if strings.HasSuffix(path, ".npz") {
		return s.openNPZ(path, name)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(path, ".csv") {
		zpath := NPZName(path)
		if _, zerr := os.Stat(zpath); zerr == nil {
			return s.openNPZ(zpath, NPZName(name))
		}
	}
	if err != nil {
		return nil, err
	}
	t, err := OpenTable(name, f, s.Names()...)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.c = f
	return t, nil
}

// openNPZ reads a .npz table and checks its columns against the schema.
func (s *Schema) openNPZ(path, name string) (*Table, error) {
	z, err := readNPZ(path, name)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: name, cols: make(map[string]int), n: len(z.names), z: z, Line: 1}
	for i, c := range z.names {
		if _, dup := t.cols[c]; dup {
			return nil, fmt.Errorf("%s: array %q twice", name, c)
		}
		t.cols[c] = i
	}
	z.emptyNaN = make([]bool, len(z.names))
	for _, c := range s.Columns {
		i, ok := t.cols[c.Name]
		if !ok {
			return nil, fmt.Errorf("%s: missing array %q (have %s)", name, c.Name, strings.Join(z.names, ", "))
		}
		if z.types[i] != c.Type {
			return nil, fmt.Errorf("%s: array %q is %s, want %s (%s)", name, c.Name, z.types[i], c.Type, c.Type.Dtype())
		}
		z.emptyNaN[i] = c.EmptyNaN
	}
	return t, nil
}

// The CSV files of every kind of run.
var (
	Metrics = &Schema{File: MetricsFile, Kinds: []Kind{Training}, Row: "one rule, seed and recorded epoch",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol, fltCol("loss", "", "the task's loss on its evaluation set")}}
	Traces = &Schema{File: TracesFile, Kinds: []Kind{Training}, Row: "one update of a traced seed (modulator.Trace)",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol,
			fltCol("reward", "", "r, the outcome of the perturbed circuit (−loss)"),
			fltCol("expectation", "", "b, the expectation r is compared with"),
			fltCol("rpe", "", "δ = r − b, the reward prediction error"),
			fltCol("dopamine", "", "D, the dopamine level broadcast to the synapses"),
			fltCol("learning_rate", "", "η"),
			fltCol("eligibility_rms", "", "root mean square of the plastic synapses' eligibility"),
			fltCol("weight_rms", "", "root mean square of the plastic weights")}}
	Diagnostics = &Schema{File: DiagnosticsFile, Kinds: []Kind{Training}, Row: "one measure at one recorded epoch (record.diagnostics_every)",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol,
			strCol("name", "", "the measure: a held-out metric, or a rule's own (angle_deg/LAYER, abscissa/LAYER, …)"),
			fltCol("value", "", "its value")}}
	Eligibility = &Schema{File: EligibilityFile, Kinds: []Kind{Training},
		Row: "one step of the first sequence of a recorded update, for one watched synapse of a traced seed (record.synapse; eprop)",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol,
			strCol("projection", "", "the watched synapse's projection"),
			intCol("pre", "", "presynaptic neuron"),
			intCol("post", "", "postsynaptic neuron"),
			intCol("step", "", "step of the sequence, from 0"),
			fltCol("eligibility", "", "the filtered eligibility trace ē_ji (onto the readout: z̄_i)"),
			fltCol("learning_signal", "", "the learning signal L_j (onto the readout: ∂E/∂v_k); Σ over steps of eligibility × learning_signal is the synapse's gradient from the sequence")}}
	Weights = &Schema{File: WeightsFile, Kinds: []Kind{Training}, Row: "one plastic synapse of a traced seed, before or after training",
		Columns: []Column{ruleCol, seedCol,
			strCol("when", "", "start or end"),
			strCol("projection", "", "the projection's name"),
			intCol("pre", "", "presynaptic neuron (−1: the bias)"),
			intCol("post", "", "postsynaptic neuron"),
			fltCol("weight", "", "w")}}
	Predictions = &Schema{File: PredictionsFile, Kinds: []Kind{Training}, Row: "one step and dimension of a traced seed's forecast (forecasting tasks)",
		Columns: []Column{ruleCol, seedCol,
			intCol("step", "", "the step of the test series"),
			intCol("dim", "", "the dimension of the series"),
			fltCol("target", "series units", "the truth"),
			fltCol("one_step", "series units", "the forecast from the true past"),
			fltCol("free_run", "series units", "the forecast fed its own outputs (NaN where not run)")}}
	Rasters = &Schema{File: RastersFile, Kinds: []Kind{Training}, Row: "one spike of a recorded trial of a traced seed (spiking circuits on xor)",
		Columns: []Column{ruleCol, seedCol, phaseCol,
			fltCol("time_ms", "ms", "end of the spike's step, from the start of the stretch"),
			strCol("population", "", "the population's name"),
			intCol("neuron", "", "the neuron's index in it")}}
	RasterTrials = &Schema{File: RasterTrialsFile, Kinds: []Kind{Training}, Row: "one trial of a recorded stretch",
		Columns: []Column{ruleCol, seedCol, phaseCol,
			fltCol("start_ms", "ms", "the trial's start"),
			fltCol("end_ms", "ms", "its end"),
			quoted(strCol("input", "", "the input presented"))}}
	Layout = &Schema{File: LayoutFile, Kinds: []Kind{Simulation}, Row: "one population",
		Columns: []Column{strCol("population", "", "the population's name"), intCol("size", "", "its number of neurons"),
			fltCol("dt_ms", "ms", "the time step"), intCol("steps", "", "the steps simulated")}}
	Spikes = &Schema{File: SpikesFile, Kinds: []Kind{Simulation}, Row: "one spike",
		Columns: []Column{fltCol("time_ms", "ms", "end of the spike's step"), strCol("population", "", "the population's name"), intCol("neuron", "", "the neuron's index in it")}}
	States = &Schema{File: StatesFile, Kinds: []Kind{Simulation}, Row: "one step",
		Columns: []Column{fltCol("time_ms", "ms", "end of the step")},
		More:    "one column per recorded variable and neuron of the [[record]] monitors, POPULATION.VARIABLE.NEURON"}
	SynapseTraces = &Schema{File: SynapseTracesFile, Kinds: []Kind{Reward}, Row: "one sample (every trace_every_ms of a network agent) of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			fltCol("t_s", "s", "simulated time"),
			fltCol("dopamine", "", "D = d + tonic, the agent's dopamine level"),
			emptyNaN(fltCol("eligibility", "", "c, the eligibility trace of the watched synapse (empty: none watched)")),
			emptyNaN(fltCol("weight", "", "the weight of the watched synapse (empty: none watched)")),
			fltCol("mean_weight", "", "the mean weight of the circuit's plastic synapses")}}
	WeightsEnd = &Schema{File: WeightsEndFile, Kinds: []Kind{Reward}, Row: "one plastic synapse at the end of a run (weights_end of a network agent)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			strCol("projection", "", "the plastic projection's label"),
			intCol("pre", "", "presynaptic neuron (index in its population)"), intCol("post", "", "postsynaptic neuron (index in its population)"),
			fltCol("weight", "", "the weight at the end (w_min to w_max)"), fltCol("w_max", "", "the projection's bound on its weights"),
			intCol("watched", "", "1 for the watched synapse, else 0")}}
	NetworkRasters = &Schema{File: NetworkRastersFile, Kinds: []Kind{Reward}, Row: "one spike in the first or the last raster_s seconds of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol, fltCol("t_ms", "ms", "simulated time of the spike"),
			strCol("population", "", "the neuron's population"), intCol("neuron", "", "the neuron's index in its population")}}
	Probes = &Schema{File: ProbesFile, Kinds: []Kind{Reward}, Row: "one sample of a probed synapse (a circuit file's [[probe]] or a network agent's [[agent.probe]], every probe_every_ms)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			strCol("probe", "", "the probe's name"),
			strCol("projection", "", "the plastic projection's label"),
			intCol("pre", "", "presynaptic neuron (index in its population)"), intCol("post", "", "postsynaptic neuron (index in its population)"),
			fltCol("t_s", "s", "simulated time"),
			fltCol("dopamine", "", "D = d + tonic, the dopamine the synapse receives"),
			fltCol("eligibility", "", "c, its eligibility trace"),
			fltCol("weight", "", "its weight (w_min to w_max)")}}
	MemoryRuns = &Schema{File: MemoryFile, Kinds: []Kind{Memory}, Row: "one finished run: rule, mode, size, seed and load",
		Columns: []Column{nCol, kCol, ruleCol, modeCol, seedCol,
			intCol("patterns", "", "M, the patterns stored"),
			intCol("queries", "", "the queries made"),
			fltCol("output_noise", "", "ε = (false + missed)/k, mean over the queries"),
			fltCol("output_noise_se", "", "its standard error"),
			fltCol("perfect_recall_fraction", "", "the fraction of queries recalled without error"),
			fltCol("false_units", "", "mean false units per query"),
			fltCol("missed_units", "", "mean missed units per query"),
			fltCol("false_rate", "", "the rate of false units"),
			fltCol("false_rate_se", "", "its standard error"),
			fltCol("false_rate_exact", "", "the exact expectation of the false rate (NaN where it does not apply)"),
			fltCol("false_rate_classical", "", "the classical approximation p₁^z (NaN where it does not apply)"),
			fltCol("mean_steps", "", "mean retrieval steps"),
			fltCol("set_fraction", "", "p₁, the fraction of set synapses"),
			bitsCol}}
	Capacity = &Schema{File: CapacityFile, Kinds: []Kind{Memory}, Row: "one capacity search: rule, mode, size and seed",
		Columns: []Column{nCol, kCol, ruleCol, modeCol, seedCol,
			fltCol("eps", "", "the output noise ε the capacity is taken at"),
			intCol("capacity", "", "M_ε, the most patterns stored with output noise ≤ ε"),
			fltCol("output_noise", "", "ε at M_ε"),
			fltCol("perfect_recall_fraction", "", "at M_ε"),
			bitsCol}}
	Episodes = &Schema{File: EpisodesFile, Kinds: []Kind{Reward}, Row: "one episode (trial) of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			intCol("episode", "", "the episode, from 0"),
			fltCol("return", "reward", "the sum of the episode's rewards"),
			intCol("steps", "", "the episode's steps"),
			intCol("action", "", "the episode's first action (−1: the agent does not act)"),
			emptyNaN(fltCol("optimal", "", "the fraction of the episode's actions that were best ones (empty: not judged)")),
			emptyNaN(fltCol("regret", "reward", "expected reward lost against the best actions (empty: not defined)"))}}
	Steps = &Schema{File: StepsFile, Kinds: []Kind{Reward}, Row: "one step of a recorded episode (record.steps_every)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			intCol("episode", "", "the episode, from 0"),
			intCol("step", "", "the step within the episode, from 1, on entering its state"),
			fltCol("reward", "reward", "the reward delivered on entering the state"),
			fltCol("delta", "reward", "the critic's prediction error δ = r + γV(x′) − V(x)"),
			fltCol("value", "reward", "V of the state entered, after the update (0 at the end)"),
			fltCol("dopamine", "", "the dopamine level D = d + tonic after the step's pulse"),
			intCol("action", "", "the action that led to the step (−1: the agent does not act)"),
			strCol("mark", "", "cs, us, omitted (conditioning) or empty")}}
	Trajectories = &Schema{File: TrajectoriesFile, Kinds: []Kind{Reward}, Row: "one position of the agent in an episode of record.trajectories (arena environments)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			intCol("episode", "", "the episode, from 0"),
			intCol("step", "", "the step within the episode: 0 the start, k on entering step k's state"),
			fltCol("x", "", "the position across: m from the pool's centre (water_maze), the column (grid)"),
			fltCol("y", "", "the position up: m from the pool's centre (water_maze), the row, 0 at the top (grid)")}}
	Arena = &Schema{File: ArenaFile, Kinds: []Kind{Reward}, Row: "one shape of the arena of a condition (pool, platform, start; grid, wall, goal)",
		Columns: []Column{conditionCol,
			strCol("shape", "", "pool, platform or start (water_maze); grid, wall, goal or start (grid)"),
			fltCol("x", "", "the shape's centre or cell across (m or column); the grid's width for grid"),
			fltCol("y", "", "the shape's centre or cell up (m or row); the grid's height for grid"),
			fltCol("size", "", "the radius of a pool or platform (m); 1 for a cell")}}
	ValueMap = &Schema{File: ValueMapFile, Kinds: []Kind{Reward}, Row: "one point of the grid over the arena at the end of a run (record.value_map)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			fltCol("x", "m", "the point across, from the pool's centre"),
			fltCol("y", "m", "the point up, from the pool's centre"),
			emptyNaN(fltCol("value", "reward", "the critic's V of the features observed there (the spiking critic's expectation; empty: no critic)")),
			emptyNaN(fltCol("pref_x", "", "the actor's preferred direction Σ_a π_a·u_a across (empty: the agent cannot say)")),
			emptyNaN(fltCol("pref_y", "", "the same, up"))}}
)

var (
	ruleCol      = strCol("rule", "", "the rule's label")
	seedCol      = intCol("seed", "", "the run's seed")
	epochCol     = intCol("epoch", "", "epochs done")
	trialsCol    = intCol("trials", "", "trials (forward passes) done")
	phaseCol     = strCol("phase", "", "the recorded stretch: before or after learning")
	conditionCol = strCol("condition", "", "the condition's name")
	nCol         = intCol("n", "", "neurons of the memory")
	kCol         = intCol("k", "", "active units per pattern")
	modeCol      = strCol("mode", "", "the retrieval mode's name")
	bitsCol      = fltCol("bits_per_synapse", "bit", "the information stored per synapse")
)

// Schemas lists the schema of every CSV file, in the order of Files.
func Schemas() []*Schema {
	return []*Schema{Metrics, Traces, Diagnostics, Eligibility, Weights, WeightsEnd, Predictions, Rasters, RasterTrials, Spikes, States, Layout,
		MemoryRuns, Capacity, SynapseTraces, NetworkRasters, Probes, Episodes, Steps, Trajectories, Arena, ValueMap}
}

// SchemaOf returns the schema of a file name.
func SchemaOf(file string) (*Schema, bool) {
	for _, s := range Schemas() {
		if s.File == file {
			return s, true
		}
	}
	return nil, false
}

// Describe renders a schema for people: "file: row — col (unit): doc; …".
func (s *Schema) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s):", s.File, s.Row)
	for _, c := range s.Columns {
		fmt.Fprintf(&b, " %s", c.Name)
		if c.Unit != "" {
			fmt.Fprintf(&b, " [%s]", c.Unit)
		}
		fmt.Fprintf(&b, " — %s;", c.Doc)
	}
	if s.More != "" {
		fmt.Fprintf(&b, " then %s", s.More)
	}
	return strings.TrimSuffix(b.String(), ";")
}
