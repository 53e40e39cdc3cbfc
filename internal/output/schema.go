package output

import (
	"bufio"
	"fmt"
	"io"
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
}

// Schema is one CSV file of an output directory, declared once: its name,
// the kinds that write it, what a row is and its columns. The file's
// writer writes Header and fills the columns in this order; its readers
// read the columns by name through Read or Open, which require every
// declared column. A file name means the same columns in every kind that
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

// Write writes dir/File atomically: the header (with the extra columns of
// More), then whatever rows writes.
func (s *Schema) Write(dir string, rows func(*bufio.Writer), extra ...string) error {
	return WriteCSV(filepath.Join(dir, s.File), s.Header(extra...), rows)
}

// Read calls row for every record of dir/File (named File in errors),
// after checking that the header has every declared column. A missing
// file is an error, or, when optional, calls nothing and reports found =
// false.
func (s *Schema) Read(dir string, optional bool, row func(t *Table) error) (found bool, err error) {
	return s.ReadAt(filepath.Join(dir, s.File), s.File, optional, row)
}

// ReadAt is Read for the file at path, named name in errors.
func (s *Schema) ReadAt(path, name string, optional bool, row func(t *Table) error) (found bool, err error) {
	return ReadTable(path, name, optional, s.Names(), row)
}

// Open reads the header of the file from rd (named name in errors) and
// checks that it has every declared column.
func (s *Schema) Open(name string, rd io.Reader) (*Table, error) {
	return OpenTable(name, rd, s.Names()...)
}

// The CSV files of every kind of run.
var (
	Metrics = &Schema{File: MetricsFile, Kinds: []Kind{Training}, Row: "one rule, seed and recorded epoch",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol, {"loss", "", "the task's loss on its evaluation set"}}}
	Traces = &Schema{File: TracesFile, Kinds: []Kind{Training}, Row: "one update of a traced seed (modulator.Trace)",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol,
			{"reward", "", "r, the outcome of the perturbed circuit (−loss)"},
			{"expectation", "", "b, the expectation r is compared with"},
			{"rpe", "", "δ = r − b, the reward prediction error"},
			{"dopamine", "", "D, the dopamine level broadcast to the synapses"},
			{"learning_rate", "", "η"},
			{"eligibility_rms", "", "root mean square of the plastic synapses' eligibility"},
			{"weight_rms", "", "root mean square of the plastic weights"}}}
	Diagnostics = &Schema{File: DiagnosticsFile, Kinds: []Kind{Training}, Row: "one measure at one recorded epoch (record.diagnostics_every)",
		Columns: []Column{ruleCol, seedCol, epochCol, trialsCol,
			{"name", "", "the measure: a held-out metric, or a rule's own (angle_deg/LAYER, abscissa/LAYER, …)"},
			{"value", "", "its value"}}}
	Weights = &Schema{File: WeightsFile, Kinds: []Kind{Training}, Row: "one plastic synapse of a traced seed, before or after training",
		Columns: []Column{ruleCol, seedCol,
			{"when", "", "start or end"},
			{"projection", "", "the projection's name"},
			{"pre", "", "presynaptic neuron (−1: the bias)"},
			{"post", "", "postsynaptic neuron"},
			{"weight", "", "w"}}}
	Predictions = &Schema{File: PredictionsFile, Kinds: []Kind{Training}, Row: "one step and dimension of a traced seed's forecast (forecasting tasks)",
		Columns: []Column{ruleCol, seedCol,
			{"step", "", "the step of the test series"},
			{"dim", "", "the dimension of the series"},
			{"target", "series units", "the truth"},
			{"one_step", "series units", "the forecast from the true past"},
			{"free_run", "series units", "the forecast fed its own outputs (NaN where not run)"}}}
	Rasters = &Schema{File: RastersFile, Kinds: []Kind{Training}, Row: "one spike of a recorded trial of a traced seed (spiking circuits on xor)",
		Columns: []Column{ruleCol, seedCol, phaseCol,
			{"time_ms", "ms", "end of the spike's step, from the start of the stretch"},
			{"population", "", "the population's name"},
			{"neuron", "", "the neuron's index in it"}}}
	RasterTrials = &Schema{File: RasterTrialsFile, Kinds: []Kind{Training}, Row: "one trial of a recorded stretch",
		Columns: []Column{ruleCol, seedCol, phaseCol,
			{"start_ms", "ms", "the trial's start"},
			{"end_ms", "ms", "its end"},
			{"input", "", "the input presented"}}}
	Layout = &Schema{File: LayoutFile, Kinds: []Kind{Simulation}, Row: "one population",
		Columns: []Column{{"population", "", "the population's name"}, {"size", "", "its number of neurons"},
			{"dt_ms", "ms", "the time step"}, {"steps", "", "the steps simulated"}}}
	Spikes = &Schema{File: SpikesFile, Kinds: []Kind{Simulation}, Row: "one spike",
		Columns: []Column{{"time_ms", "ms", "end of the spike's step"}, {"population", "", "the population's name"}, {"neuron", "", "the neuron's index in it"}}}
	States = &Schema{File: StatesFile, Kinds: []Kind{Simulation}, Row: "one step",
		Columns: []Column{{"time_ms", "ms", "end of the step"}},
		More:    "one column per recorded variable and neuron of the [[record]] monitors, POPULATION.VARIABLE.NEURON"}
	SynapseTraces = &Schema{File: SynapseTracesFile, Kinds: []Kind{Reward}, Row: "one sample (every trace_every_ms of a network agent) of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			{"t_s", "s", "simulated time"},
			{"dopamine", "", "D = d + tonic, the agent's dopamine level"},
			{"eligibility", "", "c, the eligibility trace of the watched synapse (empty: none watched)"},
			{"weight", "", "the weight of the watched synapse (empty: none watched)"},
			{"mean_weight", "", "the mean weight of the circuit's plastic synapses"}}}
	WeightsEnd = &Schema{File: WeightsEndFile, Kinds: []Kind{Reward}, Row: "one plastic synapse at the end of a run (weights_end of a network agent)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			{"projection", "", "the plastic projection's label"},
			{"pre", "", "presynaptic neuron (index in its population)"}, {"post", "", "postsynaptic neuron (index in its population)"},
			{"weight", "", "the weight at the end (w_min to w_max)"}, {"w_max", "", "the projection's bound on its weights"},
			{"watched", "", "1 for the watched synapse, else 0"}}}
	NetworkRasters = &Schema{File: NetworkRastersFile, Kinds: []Kind{Reward}, Row: "one spike in the first or the last raster_s seconds of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol, {"t_ms", "ms", "simulated time of the spike"},
			{"population", "", "the neuron's population"}, {"neuron", "", "the neuron's index in its population"}}}
	MemoryRuns = &Schema{File: MemoryFile, Kinds: []Kind{Memory}, Row: "one finished run: rule, mode, size, seed and load",
		Columns: []Column{nCol, kCol, ruleCol, modeCol, seedCol,
			{"patterns", "", "M, the patterns stored"},
			{"queries", "", "the queries made"},
			{"output_noise", "", "ε = (false + missed)/k, mean over the queries"},
			{"output_noise_se", "", "its standard error"},
			{"perfect_recall_fraction", "", "the fraction of queries recalled without error"},
			{"false_units", "", "mean false units per query"},
			{"missed_units", "", "mean missed units per query"},
			{"false_rate", "", "the rate of false units"},
			{"false_rate_se", "", "its standard error"},
			{"false_rate_exact", "", "the exact expectation of the false rate (NaN where it does not apply)"},
			{"false_rate_classical", "", "the classical approximation p₁^z (NaN where it does not apply)"},
			{"mean_steps", "", "mean retrieval steps"},
			{"set_fraction", "", "p₁, the fraction of set synapses"},
			bitsCol}}
	Capacity = &Schema{File: CapacityFile, Kinds: []Kind{Memory}, Row: "one capacity search: rule, mode, size and seed",
		Columns: []Column{nCol, kCol, ruleCol, modeCol, seedCol,
			{"eps", "", "the output noise ε the capacity is taken at"},
			{"capacity", "", "M_ε, the most patterns stored with output noise ≤ ε"},
			{"output_noise", "", "ε at M_ε"},
			{"perfect_recall_fraction", "", "at M_ε"},
			bitsCol}}
	Episodes = &Schema{File: EpisodesFile, Kinds: []Kind{Reward}, Row: "one episode (trial) of a run",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			{"episode", "", "the episode, from 0"},
			{"return", "reward", "the sum of the episode's rewards"},
			{"steps", "", "the episode's steps"},
			{"action", "", "the episode's first action (−1: the agent does not act)"},
			{"optimal", "", "the fraction of the episode's actions that were best ones (empty: not judged)"},
			{"regret", "reward", "expected reward lost against the best actions (empty: not defined)"}}}
	Steps = &Schema{File: StepsFile, Kinds: []Kind{Reward}, Row: "one step of a recorded episode (record.steps_every)",
		Columns: []Column{ruleCol, conditionCol, seedCol,
			{"episode", "", "the episode, from 0"},
			{"step", "", "the step within the episode, from 1, on entering its state"},
			{"reward", "reward", "the reward delivered on entering the state"},
			{"delta", "reward", "the critic's prediction error δ = r + γV(x′) − V(x)"},
			{"value", "reward", "V of the state entered, after the update (0 at the end)"},
			{"dopamine", "", "the dopamine level D = d + tonic after the step's pulse"},
			{"action", "", "the action that led to the step (−1: the agent does not act)"},
			{"mark", "", "cs, us, omitted (conditioning) or empty"}}}
)

var (
	ruleCol      = Column{"rule", "", "the rule's label"}
	seedCol      = Column{"seed", "", "the run's seed"}
	epochCol     = Column{"epoch", "", "epochs done"}
	trialsCol    = Column{"trials", "", "trials (forward passes) done"}
	phaseCol     = Column{"phase", "", "the recorded stretch: before or after learning"}
	conditionCol = Column{"condition", "", "the condition's name"}
	nCol         = Column{"n", "", "neurons of the memory"}
	kCol         = Column{"k", "", "active units per pattern"}
	modeCol      = Column{"mode", "", "the retrieval mode's name"}
	bitsCol      = Column{"bits_per_synapse", "bit", "the information stored per synapse"}
)

// Schemas lists the schema of every CSV file, in the order of Files.
func Schemas() []*Schema {
	return []*Schema{Metrics, Traces, Diagnostics, Weights, WeightsEnd, Predictions, Rasters, RasterTrials, Spikes, States, Layout,
		MemoryRuns, Capacity, SynapseTraces, NetworkRasters, Episodes, Steps}
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
