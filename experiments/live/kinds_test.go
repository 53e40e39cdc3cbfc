package live

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testFile runs a file of the repository live (served on loopback).
func testFile(t testing.TB, path, rule string, pace float64, overrides ...string) (*Session, *Server) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := New(Config{File: path, Data: data, Rule: rule, Pace: pace, Store: filepath.Join(dir, "runs.db"), OutDir: filepath.Join(dir, "out"), Overrides: overrides})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(s, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return s, srv
}

func TestSmokeKinds(t *testing.T) {
	for _, c := range []struct{ path, rule, view string }{
		{"experiments/xor_spiking.toml", "dopamine", "raster"},
		{"circuits/cuba.toml", "", "raster"},
		{"experiments/willshaw.toml", "", "recall"},
	} {
		s, _ := testFile(t, c.path, c.rule, 0)
		waitFor(t, 10*time.Second, c.path+" view", func() bool { _, ok := s.hub.View(c.view); return ok })
		time.Sleep(500 * time.Millisecond)
		b, _ := s.hub.View(c.view)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err, string(b[:200]))
		}
		p, _ := s.hub.Last()
		st := s.State()
		t.Logf("%s: %s %+v %d controls; view %.300s", c.path, st.Status, p, len(st.Controls), b)
		for _, ct := range st.Controls {
			t.Logf("  %s %s %s %s %v", ct.Group, ct.Key, ct.Kind, ct.Value, ct.Options)
		}
	}
}
