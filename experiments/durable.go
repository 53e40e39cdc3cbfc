package experiments

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
)

// Output directories are claimed before any work, each finished run is
// kept at once (atomically) in the directory's journal, the manifest is
// rewritten (atomically) after every run so that it always tells the
// truth, and the result files are written from the journal when the plan
// ends. A run killed at any moment loses only the runs that had not
// finished; Execute with Resume continues it, rerunning what is missing
// or failed, and ends with the files an uninterrupted run would have
// written.

// Options say how Execute treats its output directory.
type Options struct {
	// Overrides are the command line's key=value overrides, recorded in
	// the manifest.
	Overrides []string
	// Resume continues the run in the directory: the same plan (the same
	// resolved configuration), rerunning only the runs that are missing or
	// failed.
	Resume bool
	// Force replaces a finished or interrupted run in the directory: its
	// files are removed first, so that only the new run is left.
	Force bool
	// Done is called after every finished run (serialised) with the number
	// of runs done and planned.
	Done func(done, planned int)
	// CheckpointEvery is how often a run of a rate circuit saves its state
	// in the journal (0: DefaultCheckpointEvery); an interrupted run saves
	// it when it stops. --resume continues it from there.
	CheckpointEvery time.Duration
}

// ErrNotResumable is a directory that --resume cannot continue.
var ErrNotResumable = errors.New("cannot resume")

// Claim makes dir ready for a new run before any work: it must not hold a
// run (unless force, which removes it) and must be writable. With resume
// it must hold a run of kind.
func Claim(dir string, kind output.Kind, resume, force bool) error {
	k, kerr := output.ReadKind(dir)
	switch {
	case resume && kerr != nil:
		return fmt.Errorf("%w: %v", ErrNotResumable, kerr)
	case resume && k != kind:
		return fmt.Errorf("%w: %s holds a %s run, not a %s run", ErrNotResumable, dir, k, kind)
	case resume:
		if err := output.CleanTemp(dir); err != nil {
			return err
		}
	case kerr == nil && !force:
		return fmt.Errorf("%s already holds results (%s); choose another --out, pass --resume to continue it or --force to replace it", dir, output.ManifestFile)
	case kerr == nil && force:
		if err := output.Clean(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Writable? A probe file, removed at once: a read-only or full
	// directory fails now, not after hours of work.
	probe := filepath.Join(dir, ".probe")
	if err := output.WriteFile(probe, func(w *bufio.Writer) error {
		_, err := w.WriteString("dopa\n")
		return err
	}); err != nil {
		return err
	}
	return os.Remove(probe)
}

// NewDir creates a new directory for a run under parent, named
// NAME-YYYYMMDD-HHMMSS, with -2, -3, … appended when that exists: two runs
// started in the same second never share one.
func NewDir(parent, name string, now time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
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
			return "", err
		}
	}
	return "", fmt.Errorf("%s: no free directory name", base)
}

// journal keeps the finished runs of a plan in dir/output.JournalDir, one
// file per job, written atomically.
type journal struct{ dir string }

func (j journal) path(i int) string {
	return filepath.Join(j.dir, fmt.Sprintf("%06d.gob", i))
}

// save keeps a finished run.
func (j journal) save(i int, job Job, r *Result) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(r); err != nil {
		return err
	}
	return output.WriteFile(j.path(i), func(w *bufio.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
}

// load returns the runs kept for jobs (Done false where none is), leaving
// out failed runs (an error that is not a divergence) so that they run
// again.
func (j journal) load(jobs []Job) ([]Result, error) {
	out := make([]Result, len(jobs))
	for i, job := range jobs {
		b, err := os.ReadFile(j.path(i))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var r Result
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", j.path(i), err)
		}
		if r.Rule != job.Variant.Label || r.Seed != job.Seed {
			return nil, fmt.Errorf("%s: run %s seed %d, want %s seed %d", j.path(i), r.Rule, r.Seed, job.Variant.Label, job.Seed)
		}
		if r.Done && !r.Failed() {
			out[i] = r
		}
	}
	return out, nil
}

// Failed reports a run that ended with an error other than a divergence
// (a divergence is a result; a failure is run again on resume).
func (r *Result) Failed() bool { return r.Err != "" && !r.Diverged }

// Execute runs the plan durably into dir (see Options) and writes its
// result files; it returns the results and the manifest. Runs finished
// before an interruption are kept in dir; the error then says so.
func (p *Plan) Execute(ctx context.Context, dir string, o Options) ([]Result, output.Manifest, error) {
	start := time.Now()
	jobs := p.Jobs()
	m := p.NewManifest(o.Overrides, start)
	m.RunsPlanned = len(jobs)
	j := journal{filepath.Join(dir, output.JournalDir)}
	var have []Result
	if o.Resume {
		old, err := output.ReadManifest(dir)
		if err != nil {
			return nil, m, fmt.Errorf("%w: %v", ErrNotResumable, err)
		}
		if !sameConfig(old.Resolved, m.Resolved) {
			return nil, m, fmt.Errorf("%w: %s holds a run of another configuration (compare its manifest.json \"resolved\" with the file and --set overrides given)", ErrNotResumable, dir)
		}
		m.Start = old.Start
		if have, err = j.load(jobs); err != nil {
			return nil, m, err
		}
	}
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return nil, m, err
	}
	for _, d := range []string{dir, j.dir} {
		if err := output.CleanTemp(d); err != nil {
			return nil, m, err
		}
	}
	p.checkpointDir, p.checkpointEvery = j.dir, o.CheckpointEvery
	defer func() { p.checkpointDir = "" }()
	var mu sync.Mutex
	var saveErr error
	count := func(rs []Result) int {
		n := 0
		for _, r := range rs {
			if r.Done {
				n++
			}
		}
		return n
	}
	m.RunsDone = count(have)
	if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil {
		return nil, m, err
	}
	results := p.RunMissing(ctx, have, func(i int, r *Result) {
		mu.Lock()
		defer mu.Unlock()
		if err := j.save(i, jobs[i], r); err != nil && saveErr == nil {
			saveErr = err
		}
		m.RunsDone++
		m.End = time.Now().UTC()
		if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil && saveErr == nil {
			saveErr = err
		}
		if o.Done != nil {
			o.Done(m.RunsDone, len(jobs))
		}
	})
	if saveErr != nil {
		return results, m, saveErr
	}
	m.End, m.RunsDone = time.Now().UTC(), count(results)
	m.Interrupted = m.RunsDone < len(jobs)
	m.Complete = !m.Interrupted
	sum := p.Summarize(results)
	if err := WriteResults(dir, m, sum, results); err != nil {
		return results, m, err
	}
	if !m.Interrupted {
		// Every run is in the files now; the journal is no longer needed.
		if err := os.RemoveAll(j.dir); err != nil {
			return results, m, err
		}
	}
	if m.Interrupted {
		return results, m, fmt.Errorf("interrupted: kept the %d finished runs in %s (dopa run FILE --out %s --resume continues)", m.RunsDone, dir, dir)
	}
	return results, m, nil
}

// sameConfig compares two resolved configurations, the worker count aside
// (it never changes results).
func sameConfig(a, b any) bool {
	norm := func(v any) string {
		raw, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(raw, &m)
		if e, ok := m["experiment"].(map[string]any); ok {
			delete(e, "workers")
		}
		out, _ := json.Marshal(m)
		return string(out)
	}
	return norm(a) == norm(b)
}
