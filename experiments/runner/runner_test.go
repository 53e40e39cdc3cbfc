package runner

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// tiny is a kind of run made for the tests: n jobs that square their
// index, checkpointing half-way; job fail fails on its own.
type tiny struct {
	n, fail int
	scale   int        // part of the resolved configuration
	mu      sync.Mutex // jobs run at once
	ran     []int
	badCk   bool // Run reports its checkpoint damaged when it finds one
}

type square struct{ I, V int }

func (s *square) Failure() string {
	if s.V < 0 {
		return "negative"
	}
	return ""
}

func (k *tiny) Manifest() output.Manifest {
	m := output.NewManifest("tiny", "tiny", nil, output.Manifest{}.Start)
	m.Resolved = map[string]any{"scale": k.scale, "workers": 3}
	return m
}
func (k *tiny) Describe() string { return "tiny" }
func (k *tiny) Jobs() []string {
	var s []string
	for i := range k.n {
		s = append(s, "job "+strconv.Itoa(i))
	}
	return s
}
func (k *tiny) Workers() int { return 1 }
func (k *tiny) Run(ctx context.Context, i int, ck Checkpoint) (Result, bool, error) {
	if _, err := os.Stat(ck.Path); err == nil && k.badCk {
		return nil, false, fmt.Errorf("%w: %s", ErrBadCheckpoint, ck.Path)
	}
	if ctx.Err() != nil {
		os.WriteFile(ck.Path, []byte("half"), 0o644)
		return nil, false, nil
	}
	k.mu.Lock()
	k.ran = append(k.ran, i)
	k.mu.Unlock()
	v := i * i * k.scale
	if i == k.fail {
		v = -1
	}
	return &square{i, v}, true, nil
}
func (k *tiny) NewResult(int) Result { return new(square) }
func (k *tiny) Write(dir string, m *output.Manifest, rs []Result) error {
	return output.WriteCSV(filepath.Join(dir, "squares.csv"), "i,v", func(w *bufio.Writer) {
		for _, r := range rs {
			if r != nil {
				fmt.Fprintf(w, "%d,%d\n", r.(*square).I, r.(*square).V)
			}
		}
	})
}
func (k *tiny) Print(w io.Writer, rs []Result) {}
func (k *tiny) Records(rs []Result) []Record {
	var out []Record
	for _, r := range rs {
		if r != nil {
			out = append(out, Record{Rule: "square", Seed: r.(*square).I, Failed: r.Failure() != ""})
		}
	}
	return out
}

var tinyKind = Kind{Name: "tiny", Plot: func(string) error { return errors.New("no figure") }}

type recorder struct{ recs []Record }

func (r *recorder) Record(_ context.Context, _ output.Manifest, _ string, recs []Record) error {
	r.recs = recs
	return nil
}

func hashTree(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			fmt.Fprintf(h, "%s %x\n", p, sha256.Sum256(b))
		}
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestInterruptResumeAndRefusals: an interrupted run keeps its finished
// jobs and continues them on resume, running only the missing; a resume
// of another configuration is refused and changes nothing; a resume of a
// complete run does nothing and changes nothing; a figure that cannot be
// drawn is a warning; a failed job is counted and recorded as failed.
func TestInterruptResumeAndRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	k := &tiny{n: 6, fail: -1, scale: 1}
	rep, err := Execute(ctx, tinyKind, k, Options{Dir: dir, Workers: 1, Progress: func(done, _ int) {
		if done == 2 {
			cancel()
		}
	}})
	if err == nil || rep.Manifest.Complete || rep.Manifest.RunsDone != 2 {
		t.Fatalf("interrupted: %v, %+v", err, rep.Manifest)
	}
	other := &tiny{n: 6, fail: -1, scale: 2}
	before := hashTree(t, dir)
	if _, err := Execute(context.Background(), tinyKind, other, Options{Dir: dir, Resume: true, Workers: 1}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "scale: 1 there, 2 now") {
		t.Errorf("resume of another configuration: %v", err)
	}
	if hashTree(t, dir) != before {
		t.Error("a refused resume changed the directory")
	}
	rec := &recorder{}
	k2 := &tiny{n: 6, fail: 4, scale: 1}
	rep, err = Execute(context.Background(), tinyKind, k2, Options{Dir: dir, Resume: true, Workers: 3, Store: rec})
	if err != nil || rep.Manifest.Complete || rep.Manifest.Interrupted || len(k2.ran) != 4 || rep.Failed != 1 || len(rep.Warnings) != 1 {
		t.Fatalf("resume: %v, ran %v, failed %d, warnings %q, manifest %+v", err, k2.ran, rep.Failed, rep.Warnings, rep.Manifest)
	}
	if len(rec.recs) != 6 || !rec.recs[4].Failed || rec.recs[3].Failed {
		t.Errorf("recorded %+v", rec.recs)
	}
	// A failed job leaves the run incomplete: --resume runs it alone again.
	k3 := &tiny{n: 6, fail: -1, scale: 1}
	rep, err = Execute(context.Background(), tinyKind, k3, Options{Dir: dir, Resume: true, Workers: 2})
	if err != nil || !rep.Manifest.Complete || rep.Failed != 0 || len(k3.ran) != 1 || k3.ran[0] != 4 {
		t.Fatalf("resume after a failed job: %v, ran %v, failed %d", err, k3.ran, rep.Failed)
	}
	if _, err := os.Stat(filepath.Join(dir, output.JournalDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a complete run keeps its journal: %v", err)
	}
	before = hashTree(t, dir)
	k3 = &tiny{n: 6, fail: 4, scale: 1}
	rep, err = Execute(context.Background(), tinyKind, k3, Options{Dir: dir, Resume: true})
	if err != nil || !rep.AlreadyComplete || len(k3.ran) != 0 || hashTree(t, dir) != before {
		t.Errorf("resume of a complete run: %v, ran %v", err, k3.ran)
	}
	if _, err := Execute(context.Background(), tinyKind, k3, Options{Dir: dir}); !errors.Is(err, ErrRefused) {
		t.Errorf("a new run into a full directory: %v", err)
	}
}

// TestDamagedCheckpointStartsOver: a checkpoint that cannot be read back
// costs only time: the job runs from its start.
func TestDamagedCheckpointStartsOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Execute(ctx, tinyKind, &tiny{n: 2, fail: -1, scale: 1}, Options{Dir: dir}); err == nil {
		t.Fatal("a cancelled run returned no error")
	}
	os.MkdirAll(filepath.Join(dir, output.JournalDir), 0o755)
	os.WriteFile(filepath.Join(dir, output.JournalDir, "000000.ckpt"), []byte("\x00garbage"), 0o644)
	k := &tiny{n: 2, fail: -1, scale: 1, badCk: true}
	rep, err := Execute(context.Background(), tinyKind, k, Options{Dir: dir, Resume: true})
	if err != nil || !rep.Manifest.Complete || len(k.ran) != 2 {
		t.Errorf("resume past a damaged checkpoint: %v, ran %v", err, k.ran)
	}
}

// TestNamesStayInTheirPlace: a run without --out gets a directory under
// its parent; a name that is not one path component is refused before
// anything is written.
func TestNamesStayInTheirPlace(t *testing.T) {
	parent := t.TempDir()
	for _, name := range []string{"../../x", "a/b", "..", ".hidden", "", strings.Repeat("n", 300), "tab\tname", `back\slash`} {
		if _, err := NewDir(parent, name, output.Manifest{}.Start); !errors.Is(err, ErrRefused) {
			t.Errorf("name %q: %v", name, err)
		}
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 0 || func() bool { _, err := os.Stat(filepath.Join(parent, "..", "x")); return err == nil }() {
		t.Errorf("refused names wrote %v", ents)
	}
	d, err := NewDir(parent, "xor", output.Manifest{}.Start)
	if err != nil || filepath.Dir(d) != parent {
		t.Errorf("NewDir: %s, %v", d, err)
	}
}
