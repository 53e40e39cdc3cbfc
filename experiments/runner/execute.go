package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/pathname"
	"github.com/dopa-sim/dopa/internal/pool"
)

// DefaultCheckpointEvery is how often a long job saves its state.
const DefaultCheckpointEvery = time.Minute

// ErrRefused is a run refused before any work: a directory that holds
// another run, a resume of another configuration, a name that cannot name
// a directory. Nothing was written. (The program exits with status 2.)
var ErrRefused = errors.New("refused")

// ErrNotResumable is a directory that --resume cannot continue; it is
// also ErrRefused.
var ErrNotResumable = fmt.Errorf("%w: cannot resume", ErrRefused)

// ErrBadCheckpoint is a checkpoint that cannot be read back (a job
// returns it wrapped); the runner removes it and runs the job from its
// start.
var ErrBadCheckpoint = errors.New("damaged checkpoint")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Options say where and how Execute runs an experiment.
type Options struct {
	// Dir is the output directory (--out). Empty: a new directory
	// Parent/NAME-YYYYMMDD-HHMMSS of its own.
	Dir string
	// Parent is where a run without Dir gets its directory ("out" if
	// empty).
	Parent string
	// Overrides are the command line's key=value overrides, recorded in
	// the manifest and the store.
	Overrides []string
	// Resume continues the run in Dir: the same resolved configuration,
	// rerunning only the jobs that are missing or failed. A complete run
	// is left as it is.
	Resume bool
	// Force replaces the run in Dir.
	Force bool
	// Workers overrides the experiment's worker count (< 0: its own).
	Workers int
	// CheckpointEvery is how often a long job checkpoints (0: the
	// default).
	CheckpointEvery time.Duration
	// Progress is called after every finished job, serialised.
	Progress func(done, planned int)
	// Store records the runs (nil: none).
	Store Recorder
}

// Recorder keeps the runs of an output directory in the run store,
// replacing what it held for that directory.
type Recorder interface {
	Record(ctx context.Context, m output.Manifest, dir string, recs []Record) error
}

// Report is what Execute did.
type Report struct {
	Dir      string
	Manifest output.Manifest
	// Results are indexed as the experiment's Jobs (nil: not finished).
	Results []Result
	// Failed counts the finished jobs that failed.
	Failed int
	// AlreadyComplete: --resume of a complete run; nothing was done.
	AlreadyComplete bool
	// Warnings are what went wrong without losing a result (a figure that
	// could not be drawn).
	Warnings []string
	// StoreErr is why the runs could not be recorded in the run store.
	StoreErr error
}

// Execute runs exp, of kind k, durably (see the package comment); the
// figures are drawn with k.Plot.
//
// The returned error is ErrRefused (nothing was done or written), a fault
// (the finished jobs are kept in the directory), or the interruption by
// ctx (the finished jobs are kept; --resume continues). Jobs that fail on
// their own are counted in Report.Failed, not returned as an error.
func Execute(ctx context.Context, k Kind, exp Experiment, o Options) (*Report, error) {
	start := time.Now()
	m := exp.Manifest()
	m.Overrides = append([]string{}, o.Overrides...)
	m.Start = start.UTC()
	jobs := exp.Jobs()
	m.RunsPlanned = len(jobs)
	workers := exp.Workers()
	if o.Workers >= 0 {
		workers = o.Workers
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	m.Workers = workers
	pooled := workers
	if n, ok := exp.(Nested); ok {
		// Its jobs run one at a time, each on the workers.
		n.SetWorkers(workers)
		pooled = 1
	}
	dir, old, err := ClaimRun(o, m)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir, Results: make([]Result, len(jobs))}
	if old != nil && old.Complete {
		// A kill between the complete manifest and the journal's removal
		// leaves the journal: it is no longer needed.
		if err := os.RemoveAll(filepath.Join(dir, output.JournalDir)); err != nil {
			return nil, err
		}
		rep.Manifest, rep.AlreadyComplete = *old, true
		return rep, nil
	}
	j := journal{filepath.Join(dir, output.JournalDir)}
	if old != nil {
		m.Start = old.Start
		if err := j.load(exp, jobs, rep.Results); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{dir, j.dir} {
		if err := output.CleanTemp(d); err != nil {
			return nil, err
		}
	}
	manifest := filepath.Join(dir, output.ManifestFile)
	m.RunsDone = count(rep.Results)
	// The manifest first: a run killed from here on can be resumed.
	if err := output.WriteJSON(manifest, m); err != nil {
		return nil, err
	}
	var todo []int
	for i, r := range rep.Results {
		if r == nil {
			todo = append(todo, i)
		}
	}
	every := o.CheckpointEvery
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var fault error
	pool.Run(ctx, len(todo), pooled, func(k int) {
		i := todo[k]
		ck := Checkpoint{Path: j.checkpoint(i), Every: every, Dir: dir}
		r, done, err := exp.Run(ctx, i, ck)
		if errors.Is(err, ErrBadCheckpoint) {
			// A damaged checkpoint costs only time: the job starts over.
			os.Remove(ck.Path)
			r, done, err = exp.Run(ctx, i, ck)
		}
		mu.Lock()
		defer mu.Unlock()
		if err == nil && done {
			if err = j.save(i, jobs[i], r); err == nil {
				rep.Results[i] = r
				m.RunsDone++
				m.End = time.Now().UTC()
				err = output.WriteJSON(manifest, m)
				os.Remove(j.checkpoint(i))
			}
			if o.Progress != nil {
				o.Progress(m.RunsDone, len(jobs))
			}
		}
		if err != nil && fault == nil {
			fault = fmt.Errorf("%s: %w", jobs[i], err)
			cancel() // a fault stops the run: what finished is kept
		}
	})
	m.End, m.RunsDone = time.Now().UTC(), count(rep.Results)
	for _, r := range rep.Results {
		if r != nil && r.Failure() != "" {
			rep.Failed++
		}
	}
	// A failed job leaves the run incomplete: --resume runs it again (the
	// journal keeps the others).
	m.Interrupted = m.RunsDone < len(jobs)
	m.Complete = !m.Interrupted && rep.Failed == 0
	// The result files show every finished job, interrupted or not; then
	// the store records them; the manifest last, so that it says complete
	// only when both are done: a kill before it leaves a run that --resume
	// finishes (from the journal, which goes only after the manifest) and
	// records again (the store replaces the runs of dir).
	if err := exp.Write(dir, &m, rep.Results); err != nil {
		return rep, errors.Join(fault, err)
	}
	if o.Store != nil {
		rep.StoreErr = o.Store.Record(context.Background(), m, dir, exp.Records(rep.Results))
	}
	if err := output.WriteJSON(manifest, m); err != nil {
		return rep, errors.Join(fault, err)
	}
	rep.Manifest = m
	if m.Complete {
		if err := os.RemoveAll(j.dir); err != nil {
			return rep, err
		}
	}
	if m.RunsDone > 0 {
		if err := k.Plot(dir); err != nil {
			rep.Warnings = append(rep.Warnings, "figures: "+err.Error())
		}
	}
	switch {
	case fault != nil:
		return rep, fault
	case m.Interrupted:
		return rep, fmt.Errorf("interrupted: kept the %d finished runs of %d in %s (the same command with --out %s --resume continues)", m.RunsDone, len(jobs), dir, dir)
	}
	return rep, nil
}

func count(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r != nil {
			n++
		}
	}
	return n
}

// ClaimRun returns the directory of a run of manifest m, ready before any
// work (o.Dir claimed, or a new directory under o.Parent), and with
// o.Resume the manifest of the run it continues (Check). This is what
// Execute does first; a backend that runs the jobs elsewhere (a sweep on
// Slurm) claims its directory with it too.
func ClaimRun(o Options, m output.Manifest) (string, *output.Manifest, error) {
	if o.Dir == "" {
		if o.Resume {
			return "", nil, refused("--resume needs --out DIR: the directory of the run to continue")
		}
		parent := o.Parent
		if parent == "" {
			parent = "out"
		}
		dir, err := NewDir(parent, m.Experiment, time.Now())
		return dir, nil, err
	}
	if o.Resume && o.Force {
		return "", nil, refused("--resume continues the run in --out and --force replaces it: give one")
	}
	if o.Resume {
		old, err := Check(o.Dir, m)
		if err != nil {
			return "", nil, fmt.Errorf("%w: %w", ErrNotResumable, err)
		}
		if !old.Complete {
			if err := probe(o.Dir); err != nil {
				return "", nil, err
			}
		}
		return o.Dir, &old, nil
	}
	if err := Claim(o.Dir, o.Force); err != nil {
		return "", nil, err
	}
	return o.Dir, nil, nil
}

// ManifestError is a directory with no readable manifest.json: it holds
// no run to continue.
type ManifestError struct{ Err error }

func (e *ManifestError) Error() string { return e.Err.Error() }
func (e *ManifestError) Unwrap() error { return e.Err }

// Check returns the manifest of the run in dir if a run of manifest m
// continues it (or works for it): dir must hold a run (else a
// ManifestError) of m's kind and of its configuration (ConfigDiff).
// Nothing is written.
func Check(dir string, m output.Manifest) (output.Manifest, error) {
	old, err := output.ReadManifest(dir)
	if err != nil {
		return old, &ManifestError{err}
	}
	if old.Kind != m.Kind {
		return old, fmt.Errorf("%s holds a %s run, not a %s run", dir, old.Kind, m.Kind)
	}
	if diff := ConfigDiff(old, m); diff != "" {
		return old, fmt.Errorf("%s holds a run of another configuration (%s); nothing was changed", dir, diff)
	}
	return old, nil
}

// Claim makes dir ready for a new run before any work: it must not hold a
// run (unless force, which removes that run's files and nothing else) and
// must be writable.
func Claim(dir string, force bool) error {
	_, err := os.Stat(filepath.Join(dir, output.ManifestFile))
	switch {
	case err == nil && !force:
		return refused("%s already holds results (%s); choose another --out, pass --resume to continue it or --force to replace it", dir, output.ManifestFile)
	case err == nil && force:
		if err := output.Clean(dir); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return refused("%s: %v", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return refused("%v", err)
	}
	return probe(dir)
}

// probe checks that dir is writable: a read-only or full directory fails
// now, not after hours of work.
func probe(dir string) error {
	p := filepath.Join(dir, ".probe")
	if err := output.WriteFile(p, func(w *bufio.Writer) error {
		_, err := w.WriteString("dopa\n")
		return err
	}); err != nil {
		return refused("%s is not writable: %v", dir, err)
	}
	return os.Remove(p)
}

// CheckName refuses a name that cannot name a directory of its own under
// a parent (internal/pathname).
func CheckName(name string) error {
	if err := pathname.Check(name); err != nil {
		return refused("name %q cannot name an output directory: it %v", name, err)
	}
	return nil
}

// NewDir creates a new directory for a run under parent, named
// NAME-YYYYMMDD-HHMMSS, with -2, -3, … appended when that exists: two runs
// started in the same second never share one. A name that is not one
// path component is refused (CheckName).
func NewDir(parent, name string, now time.Time) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", refused("%v", err)
	}
	base := filepath.Join(parent, name+"-"+now.Format("20060102-150405"))
	for i := 1; i < 10000; i++ {
		dir := base
		if i > 1 {
			dir += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", refused("%v", err)
		}
	}
	return "", refused("%s: no free directory name", base)
}

// ConfigDiff says how the configuration of manifest b differs from a's
// ("" if it does not): the resolved configuration (worker counts aside:
// they never change results) and the seeds.
func ConfigDiff(a, b output.Manifest) string {
	fa, fb := flatten(a.Resolved), flatten(b.Resolved)
	if !slices.Equal(a.Seeds, b.Seeds) {
		fa["seeds"], fb["seeds"] = fmt.Sprint(a.Seeds), fmt.Sprint(b.Seeds)
	}
	var diffs []string
	keys := slices.Sorted(maps.Keys(fa))
	for k := range fb {
		if _, ok := fa[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		va, oka := fa[k]
		vb, okb := fb[k]
		if oka && okb && va == vb {
			continue
		}
		if !oka {
			va = "unset"
		}
		if !okb {
			vb = "unset"
		}
		diffs = append(diffs, fmt.Sprintf("%s: %s there, %s now", k, va, vb))
	}
	const most = 5
	if len(diffs) > most {
		diffs = append(diffs[:most], fmt.Sprintf("and %d more", len(diffs)-most))
	}
	return strings.Join(diffs, "; ")
}

// flatten renders a resolved configuration as key path → JSON value,
// leaving out worker counts.
func flatten(v any) map[string]string {
	raw, _ := json.Marshal(v)
	var x any
	json.Unmarshal(raw, &x)
	out := map[string]string{}
	var walk func(prefix string, x any)
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, v := range t {
				if k == "workers" {
					continue
				}
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, v)
			}
		case []any:
			for i, v := range t {
				walk(prefix+"."+strconv.Itoa(i), v)
			}
		default:
			b, _ := json.Marshal(t)
			out[prefix] = string(b)
		}
	}
	walk("", x)
	return out
}

// journal keeps the finished jobs of a run in dir, one file per job,
// written atomically, and the checkpoints of the jobs under way.
type journal struct{ dir string }

func (j journal) path(i int) string       { return filepath.Join(j.dir, fmt.Sprintf("%06d.gob", i)) }
func (j journal) checkpoint(i int) string { return filepath.Join(j.dir, fmt.Sprintf("%06d.ckpt", i)) }

// save keeps job i's result: its name, then the result.
func (j journal) save(i int, name string, r Result) error {
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	if err := enc.Encode(name); err != nil {
		return err
	}
	if err := enc.Encode(r); err != nil {
		return err
	}
	return output.WriteFile(j.path(i), func(w *bufio.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
}

// load fills results with the jobs kept in the journal, leaving out failed
// ones so that they run again.
func (j journal) load(exp Experiment, jobs []string, results []Result) error {
	for i, job := range jobs {
		b, err := os.ReadFile(j.path(i))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		dec := gob.NewDecoder(bytes.NewReader(b))
		var name string
		r := exp.NewResult(i)
		if err := dec.Decode(&name); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNotResumable, j.path(i), err)
		}
		if name != job {
			return fmt.Errorf("%w: %s holds %s, want %s", ErrNotResumable, j.path(i), name, job)
		}
		if err := dec.Decode(r); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNotResumable, j.path(i), err)
		}
		if r.Failure() == "" {
			results[i] = r
		}
	}
	return nil
}
