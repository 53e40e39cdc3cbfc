package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// dirState lists a directory's files and their contents.
func dirState(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func sameDir(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestOtherFilesAreLeftAlone: Open and OpenReadOnly refuse a file that is
// not a dopa store (another program's SQLite database, with or without a
// user_version, or not a database) with ErrNotStore, and leave it byte for
// byte as it was: no tables added, no WAL mode, no side files.
func TestOtherFilesAreLeftAlone(t *testing.T) {
	other := func(t *testing.T, file string, stmts ...string) {
		db, err := sql.Open("sqlite", file)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		make func(t *testing.T, file string)
	}{
		{"another program's database", func(t *testing.T, f string) {
			other(t, f, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)", "INSERT INTO notes (text) VALUES ('keep me')")
		}},
		{"another program's versioned database", func(t *testing.T, f string) {
			other(t, f, "CREATE TABLE runs (x)", "PRAGMA user_version = 3")
		}},
		{"a text file", func(t *testing.T, f string) {
			if err := os.WriteFile(f, []byte("not a database at all\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "other.db")
			tc.make(t, file)
			before := dirState(t, dir)
			for _, open := range []func(string) (*Store, error){Open, OpenReadOnly} {
				s, err := open(file)
				if err == nil {
					s.Close()
					t.Fatal("opened as a store")
				}
				if !errors.Is(err, ErrNotStore) {
					t.Errorf("error %v is not ErrNotStore", err)
				}
			}
			if after := dirState(t, dir); !sameDir(before, after) {
				t.Errorf("the directory changed: %d files before, %d after", len(before), len(after))
			}
		})
	}
}

// TestReadOnlyListing: OpenReadOnly reads a store without writing
// anything (no lock, WAL or shm file left, the file unchanged), also
// from a directory and a file without write permission, and refuses to
// write.
func TestReadOnlyListing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "runs.db")
	s, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if err := s.RecordRun(ctx, &Run{Kind: "run", Experiment: "e", Rule: "wp", Seed: int64(i), Status: Done, MetricValue: float64(i), WallSeconds: math.NaN()}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if err := os.Chmod(file, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := dirState(t, dir)
	ro, err := OpenReadOnly(file)
	if err != nil {
		t.Fatalf("OpenReadOnly of a store in a read-only directory: %v", err)
	}
	runs, err := ro.Query(ctx, Filter{})
	if err != nil || len(runs) != 3 {
		t.Errorf("Query: %d runs, %v; want 3", len(runs), err)
	}
	if err := ro.RecordRun(ctx, &Run{Kind: "run", MetricValue: math.NaN(), WallSeconds: math.NaN()}); err == nil {
		t.Error("a read-only store recorded a run")
	}
	ro.Close()
	after := dirState(t, dir)
	if !sameDir(before, after) {
		var names []string
		for k := range after {
			names = append(names, k)
		}
		slices.Sort(names)
		t.Errorf("reading changed the directory: now %v", names)
	}
	// A fresh path is no store to read.
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, ErrNotStore) {
		t.Errorf("OpenReadOnly of no file: %v, want ErrNotStore", err)
	}
}
