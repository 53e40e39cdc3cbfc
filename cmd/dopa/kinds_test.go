package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/kinds"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/race"
	"github.com/dopa-sim/dopa/internal/store"
)

// raceKind is the one kind TestEveryKindIsDurable runs under the race
// detector: the one of the cheapest example.
const raceKind = output.Reward

// TestEveryKindIsDurable runs the example of every registered kind (a new
// kind gets these checks by registering): killed with SIGKILL mid-run and
// resumed, it ends with the files of an uninterrupted run; a resume with
// another --set or --seeds is refused with exit status 2 and leaves the
// directory as it was; every finished run is in the run store.
func TestEveryKindIsDurable(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes a run of every kind: about 30 s")
	}
	for _, k := range kinds.All() {
		t.Run(string(k.Name), func(t *testing.T) {
			if race.Enabled && k.Name != raceKind {
				// Every kind runs through the one runner, on one worker
				// here: one kind under the detector covers its goroutines
				// (signals, checkpoints, progress); the others run without
				// -race, so that go test -race stays within its timeout.
				t.Skipf("under the race detector only the kind %s", raceKind)
			}
			ex := k.Example
			if ex.File == "" {
				t.Fatalf("kind %s has no Example", k.Name)
			}
			args := []string{"run", ex.File, "--quiet", "--workers", "1", "--checkpoint-every", "50ms"}
			for _, kv := range ex.Overrides {
				args = append(args, "--set", kv)
			}
			base := t.TempDir()
			whole := filepath.Join(base, "whole")
			if code, _, stderr := dopa(t, append(args, "--out", whole)...); code != 0 {
				t.Fatalf("uninterrupted run: exit %d: %s", code, stderr)
			}
			dir := filepath.Join(base, "killed")
			cmd, _ := dopaProcess(t, append(args, "--out", dir)...)
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := os.Stat(filepath.Join(dir, output.ManifestFile)); err == nil {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			m, merr := output.ReadManifest(dir)
			if merr != nil {
				t.Fatalf("after the kill: %v", merr)
			}
			if err == nil || m.Complete {
				t.Logf("the run ended before the kill; resuming a complete run")
			}
			if code, _, stderr := dopa(t, append(args, "--out", dir, "--resume")...); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, stderr)
			}
			sameResultFiles(t, whole, dir)

			// A resume of another configuration is refused, touching nothing.
			before := tree(t, dir)
			for _, other := range [][]string{{"--seeds", "5"}, {"--seed", "17"}} {
				code, _, stderr := dopa(t, append(append(args, "--out", dir, "--resume"), other...)...)
				// (A simulation refuses --seeds at once: it simulates one seed.)
				if code != 2 || other[0] == "--seed" && !strings.Contains(stderr, "another configuration") {
					t.Errorf("resume with %v: exit %d, %q", other, code, stderr)
				}
			}
			if after := tree(t, dir); !equalTrees(before, after) {
				t.Errorf("a refused resume changed the directory")
			}

			// Every finished run is in the store.
			st, err := store.Open(os.Getenv("DOPA_STORE"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			abs, _ := filepath.Abs(dir)
			runs, err := st.Query(context.Background(), store.Filter{Kind: string(k.Name)})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range runs {
				if r.OutDir == abs && r.Status == store.Done {
					n++
				}
			}
			if m, _ := output.ReadManifest(dir); n < m.RunsPlanned || n == 0 {
				t.Errorf("store holds %d finished runs of %s, the run planned %d jobs", n, dir, m.RunsPlanned)
			}
		})
	}
}

// sameResultFiles compares every result file of two output directories
// (manifest.json, the figures and wall times aside).
func sameResultFiles(t *testing.T, a, b string) {
	t.Helper()
	ents, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if e.IsDir() || e.Name() == output.ManifestFile {
			continue
		}
		fa, _ := os.ReadFile(filepath.Join(a, e.Name()))
		fb, err := os.ReadFile(filepath.Join(b, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		fa, fb = wallTimes.ReplaceAll(fa, nil), wallTimes.ReplaceAll(fb, nil)
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs after the kill and resume", e.Name())
		}
		n++
	}
	if n < 2 {
		t.Errorf("%s: %d result files", a, n)
	}
}

// tree hashes every file under dir.
func tree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = sha256.Sum256(b)
		}
		return nil
	})
	return out
}

func equalTrees(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
