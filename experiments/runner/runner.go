// Package runner runs every kind of dopa run the same way: one Execute
// claims the output directory, writes the manifest first and after every
// job, keeps each finished job in the directory's journal, lets a long job
// checkpoint, refuses a resume whose configuration differs, stops cleanly
// on Ctrl-C, writes the kind's result files, and records every run in the
// run store.
//
// A kind of run (training, simulation, memory, reward, …) is a
// Kind: how its files load into an Experiment. An Experiment is a list of
// independent jobs (a rule and a seed, a condition and a seed, a load of a
// memory) and the code that runs one job, writes the kind's files from the
// results, prints them and names what the store records. Nothing here
// knows a kind.
package runner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
)

// Kind is a kind of run, registered once (experiments/kinds).
type Kind struct {
	// Name is what manifest.json calls the kind.
	Name output.Kind
	// Doc says in a line what files of the kind do.
	Doc string
	// Load reads a source of the kind (file names it in messages; its
	// parsed document is what the kind decodes), applies the overrides
	// (key=value; "seeds" and "seed" are keys too) and validates the
	// result: a bad file or override is an error located at its key.
	Load func(src Source, overrides []string) (Experiment, error)
	// Plot redraws the figures of an output directory of the kind.
	Plot func(dir string) error
	// Example is a run of the kind for the tests that every kind must
	// pass (killed and resumed, refused resumes, the store): a built-in
	// file and overrides (key=value) that make it a few seconds of several
	// jobs.
	Example Example
}

// Example is a small run of a kind.
type Example struct {
	File      string
	Overrides []string
}

// Source is an input file, read and parsed once.
type Source struct {
	// File names the file in messages: its path, or builtin:NAME.toml.
	File string
	// Doc is the parsed file.
	Doc *config.Doc
}

// Experiment is a loaded file of some kind, ready to run.
type Experiment interface {
	// Manifest returns manifest.json as the run starts: the kind, the
	// experiment's name, its files, the resolved configuration (every
	// default filled in: a resume is refused when it differs), seeds,
	// random streams, workers. The runner fills the overrides, times and
	// counts.
	Manifest() output.Manifest
	// Describe says in a line what the file runs (dopa validate).
	Describe() string
	// Jobs lists the jobs, in the order the outputs list them; a job's
	// name ("dopamine seed 3") identifies it in the journal and messages.
	Jobs() []string
	// Workers is how many jobs run at once (0: one per CPU); it never
	// changes results.
	Workers() int
	// Run does job i. A job watches ctx and, cancelled, returns done
	// false (saving its state in ck first, if it can continue from it).
	// err is a fault that stops the whole run (a checkpoint that cannot be
	// read); a job that fails on its own returns a Result whose Failure
	// says why.
	Run(ctx context.Context, i int, ck Checkpoint) (r Result, done bool, err error)
	// NewResult returns a value to decode job i's journal entry into: a
	// pointer to the type Run returns.
	NewResult(i int) Result
	// Write writes the kind's result files into dir from the results
	// (indexed as Jobs; nil where a job did not finish). The runner
	// writes manifest.json after it.
	Write(dir string, m *output.Manifest, results []Result) error
	// Print prints the results for a person.
	Print(w io.Writer, results []Result)
	// Records says what the run store keeps of the finished results: one
	// record per run (a job may hold several: a memory load stores once
	// and retrieves in every mode).
	Records(results []Result) []Record
}

// Result is what one job produced. It is kept in the journal with
// encoding/gob, so it must be a pointer to a gob-encodable struct.
type Result interface {
	// Failure says why the job failed ("" if it did not): a failed job
	// leaves the run incomplete (it runs again on --resume), is stored
	// with status failed, and makes the command exit with status 1. A result that is bad science (a
	// divergence) is not a failure.
	Failure() string
}

// Checkpoint is where a long job saves its state to continue after an
// interruption, and how often. Path is "" when the run has no directory
// (a job run for a test): nothing is saved. Dir is the run's output
// directory ("" when it has none): a job whose work is a run of its own
// (a sweep's point) keeps that run's files under it.
type Checkpoint struct {
	Path  string
	Every time.Duration
	Dir   string
}

// Nested is an Experiment whose jobs are runs of their own, each on a
// pool of workers (a sweep: a job is a point, whose runs are the point's
// rules and seeds). Execute runs its jobs one at a time and gives each
// job the run's worker count instead.
type Nested interface {
	Experiment
	// SetWorkers sets how many runs of a job run at once (never changes
	// results).
	SetWorkers(n int)
}

// Record is one run as the run store records it.
type Record struct {
	Rule   string // the rule, condition or rule/mode
	Seed   int
	Metric string  // the headline metric
	Value  float64 // its value (NaN: none)
	// Params are the run's own parameters, beside the overrides.
	Params      map[string]string
	WallSeconds float64
	// Error is why the run failed or diverged ("" if it did not).
	Error string
	// Failed: the run failed or diverged (status failed in the store).
	Failed bool
	// Point is the sweep point the run belongs to ("" for none): the
	// store records the run as a run of the point (dopa runs --point,
	// --compare).
	Point string
}

// SetEach applies key=value overrides with a kind's own set; an override
// without "=" or key is an error that quotes it.
func SetEach(overrides []string, set func(key, value string) error) error {
	for _, kv := range overrides {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--set %q: want key=value", kv)
		}
		if err := set(k, v); err != nil {
			return err
		}
	}
	return nil
}
