package live

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/store"
)

// testSession runs the built-in XOR experiment's rule live (no criterion,
// so that it runs on), served by an httptest server on loopback.
func testSession(t testing.TB, rule string, pace float64, overrides ...string) (*Session, *Server, *httptest.Server) {
	t.Helper()
	return testServer(t, "xor", rule, pace, overrides...)
}

// testServer is testSession on a built-in experiment.
func testServer(t testing.TB, name, rule string, pace float64, overrides ...string) (*Session, *Server, *httptest.Server) {
	t.Helper()
	data, _ := experiments.BuiltinData(name)
	return serveConfig(t, Config{File: "builtin:" + name + ".toml", Data: data, Rule: rule, Pace: pace,
		Overrides: append([]string{"criterion.loss_below=0"}, overrides...)})
}

// serveConfig starts a session of cfg (its store and output in a temporary
// directory) and serves it by an httptest server on loopback, both
// stopped at the end of the test.
func serveConfig(t testing.TB, cfg Config) (*Session, *Server, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	cfg.Store, cfg.OutDir = filepath.Join(dir, "runs.db"), filepath.Join(dir, "out")
	s, err := New(cfg)
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
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		srv.Close()
	})
	return s, srv, hs
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lastLR(s *Session) float64 {
	p, _ := s.hub.Last()
	return p.LearningRate
}

func post(t testing.TB, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// TestRefusedRequestsChangeNothing: a request from another origin, without
// the token, with a bad token, of another content type, or with a bad value
// is refused and the running simulation and its parameters stay as they
// were.
func TestRefusedRequestsChangeNothing(t *testing.T) {
	s, srv, hs := testSession(t, "wp", 0)
	waitFor(t, 5*time.Second, "no updates", func() bool { p, ok := s.hub.Last(); return ok && p.Epoch > 10 })
	good := map[string]string{"Content-Type": "application/json", TokenHeader: srv.Token}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range good {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	set := `{"key":"rule.wp.learning_rate","value":"0.1"}`
	cases := []struct {
		name, path, body string
		hdr              map[string]string
		code             int
		msg              string
	}{
		{"other origin", "/api/param", set, with("Origin", "http://evil.example"), 403, "cross-origin"},
		{"cross-site fetch", "/api/param", set, with("Sec-Fetch-Site", "cross-site"), 403, "cross-site"},
		{"no token", "/api/param", set, with(TokenHeader, ""), 403, "X-Dopa-Token"},
		{"bad token", "/api/param", set, with(TokenHeader, strings.Repeat("0", 32)), 403, "X-Dopa-Token"},
		{"token in the query only", "/api/param?token=" + srv.Token, set, with(TokenHeader, ""), 403, "X-Dopa-Token"},
		{"form post", "/api/param", set, with("Content-Type", "application/x-www-form-urlencoded"), 415, "application/json"},
		{"bad value", "/api/param", `{"key":"rule.wp.learning_rate","value":"-1"}`, good, 400, "rule[wp].learning_rate: must be a finite number > 0, got -1"},
		{"not a number", "/api/param", `{"key":"rule.wp.learning_rate","value":"fast"}`, good, 400, "learning_rate"},
		{"unknown key", "/api/param", `{"key":"rule.wp.learning_rat","value":"0.1"}`, good, 400, "learning_rat"},
		{"other origin resets", "/api/control", `{"action":"reset"}`, with("Origin", "http://evil.example"), 403, "cross-origin"},
		{"no token pauses", "/api/control", `{"action":"pause"}`, with(TokenHeader, ""), 403, "X-Dopa-Token"},
		{"no token saves a set", "/api/sets/save", `{"name":"x"}`, with(TokenHeader, ""), 403, "X-Dopa-Token"},
		{"no token records", "/api/record", `{}`, with(TokenHeader, ""), 403, "X-Dopa-Token"},
		{"bad set", "/api/sets/load", `{"name":"nope"}`, good, 404, "not found"},
	}
	for _, c := range cases {
		runs := s.hub.runNow()
		code, body := post(t, hs.URL+c.path, c.body, c.hdr)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %q, want %d and %q", c.name, code, body, c.code, c.msg)
		}
		if got := s.Overrides(); len(got) != 1 {
			t.Errorf("%s: the overrides changed: %v", c.name, got)
		}
		time.Sleep(20 * time.Millisecond) // an update or more
		if lr := lastLR(s); lr != 1 {
			t.Errorf("%s: η moved to %g", c.name, lr)
		}
		if st := s.State(); st.Paused || s.hub.runNow() != runs {
			t.Errorf("%s: paused %v, runs %d → %d", c.name, st.Paused, runs, s.hub.runNow())
		}
	}
	st, err := srv.store()
	if err != nil {
		t.Fatal(err)
	}
	if sets, _ := st.ListParamSets(context.Background()); len(sets) != 0 {
		t.Errorf("refused requests saved sets: %v", sets)
	}
	// A good request, for contrast: η moves between two updates.
	if code, body := post(t, hs.URL+"/api/param", set, good); code != 200 || !strings.Contains(body, `"live":true`) {
		t.Fatalf("good request: %d %s", code, body)
	}
	waitFor(t, 2*time.Second, "η did not move to 0.1", func() bool { return lastLR(s) == 0.1 })
	ps, err := st.LoadParamSet(context.Background(), AutosaveSet)
	if err != nil || ps.Values["rule.wp.learning_rate"] != "0.1" {
		t.Errorf("autosave: %v %v", ps.Values, err)
	}
}

// TestOffLoopbackNeedsToken: listening beyond loopback, every request
// needs the token; on loopback a Host that is not a loopback name is
// refused (DNS rebinding).
func TestOffLoopbackNeedsToken(t *testing.T) {
	s, srv, hs := testSession(t, "wp", 100)
	_ = s
	get := func(path string, hdr map[string]string) int {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get("/api/state", nil); c != 200 {
		t.Errorf("loopback state: %d", c)
	}
	if c := get("/api/state", map[string]string{"Host": "evil.example:80"}); c != 403 {
		t.Errorf("loopback, foreign Host: %d, want 403", c)
	}
	srv.Open = false
	for _, p := range []string{"/", "/api/state", "/api/stream", "/static/app.js"} {
		if c := get(p, nil); c != 403 {
			t.Errorf("off loopback %s without token: %d, want 403", p, c)
		}
	}
	if c := get("/api/state?token="+srv.Token, nil); c != 200 {
		t.Errorf("off loopback with token: %d", c)
	}
	if c := get("/api/state", map[string]string{TokenHeader: srv.Token}); c != 200 {
		t.Errorf("off loopback with token header: %d", c)
	}
	if u := srv.URL("10.0.0.1:8080"); !strings.Contains(u, "token="+srv.Token) {
		t.Errorf("URL %s has no token", u)
	}
	for addr, want := range map[string]bool{"127.0.0.1:0": true, "[::1]:80": true, "localhost:1": true, "0.0.0.0:80": false, ":80": false, "10.1.2.3:80": false} {
		if Loopback(addr) != want {
			t.Errorf("Loopback(%q) = %v", addr, !want)
		}
	}
}

// TestPauseStepReset: a paused run makes exactly one update per step; a
// reset starts a new run.
func TestPauseStepReset(t *testing.T) {
	s, _, _ := testSession(t, "dopamine", 0)
	waitFor(t, 5*time.Second, "no updates", func() bool { p, _ := s.hub.Last(); return p.Epoch > 5 })
	s.Pause()
	waitFor(t, 2*time.Second, "not paused", func() bool { return s.State().Status == "paused" })
	p0, _ := s.hub.Last()
	time.Sleep(50 * time.Millisecond)
	if p, _ := s.hub.Last(); p.Epoch != p0.Epoch {
		t.Fatalf("paused at update %d, went on to %d", p0.Epoch, p.Epoch)
	}
	for i := 1; i <= 3; i++ {
		s.Step()
		waitFor(t, 2*time.Second, "step", func() bool { p, _ := s.hub.Last(); return p.Epoch == p0.Epoch+i })
	}
	time.Sleep(50 * time.Millisecond)
	if p, _ := s.hub.Last(); p.Epoch != p0.Epoch+3 {
		t.Fatalf("3 steps from %d went to %d", p0.Epoch, p.Epoch)
	}
	run := s.hub.runNow()
	s.Reset()
	waitFor(t, 2*time.Second, "no new run", func() bool { return s.hub.runNow() == run+1 })
	s.Step()
	waitFor(t, 2*time.Second, "no step in the new run", func() bool { p, ok := s.hub.Last(); return ok && p.Epoch == 1 })
	s.Resume()
	waitFor(t, 2*time.Second, "not resumed", func() bool { p, _ := s.hub.Last(); return p.Epoch > 10 })
}

// TestLiveRunIsTheRecordedRun: with no change, the live run's updates are
// those dopa run records (the same seeds and streams), and a recording
// from the page writes a normal output directory and records it in the
// store.
func TestLiveRunIsTheRecordedRun(t *testing.T) {
	s, _, _ := testSession(t, "dopamine", 0, "max_trials=400")
	waitFor(t, 5*time.Second, "run did not finish", func() bool { st := s.State().Status; return st != "running" && st != "" })
	dir, err := s.Record(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "recording did not finish", func() bool { return strings.HasPrefix(s.State().Record, "recorded") })
	if !strings.Contains(s.State().Record, "run store") {
		t.Errorf("record: %s", s.State().Record)
	}
	var pts []Point
	pts, _, _ = s.hub.Read(Cursor{}, nil, 1<<20)
	tab, err := readCSV(filepath.Join(dir, "traces.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab) != len(pts) || len(pts) == 0 {
		t.Fatalf("traces.csv has %d rows, the live run %d points", len(tab), len(pts))
	}
	for i, row := range tab {
		if row["learning_rate"] != fmtG(pts[i].LearningRate) || row["rpe"] != fmtG(pts[i].RPE) {
			t.Fatalf("update %d: recorded η %s δ %s, live %v", i+1, row["learning_rate"], row["rpe"], pts[i])
		}
	}
	st, err := store.Open(s.cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	abs, _ := filepath.Abs(dir)
	runs, err := st.Query(context.Background(), store.Filter{Kind: "training"})
	if err != nil || len(runs) != 1 || runs[0].Rule != "dopamine" || runs[0].OutDir != abs {
		t.Errorf("store: %v %v", runs, err)
	}
}

func fmtG(x float64) string { return output.Float(x) }

// readCSV reads a CSV file with a header into rows by column name.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out, nil
}

func TestHubThinsAndSkips(t *testing.T) {
	h := NewHub(8)
	h.NewRun()
	for i := range 20 {
		h.Push(Point{Epoch: i + 1})
	}
	pts, cur, newRun := h.Read(Cursor{}, nil, 100)
	if !newRun || len(pts) != 8 || pts[0].Epoch != 13 || pts[7].Epoch != 20 {
		t.Fatalf("read %v new run %v", pts, newRun)
	}
	if pts, _, _ := h.Read(cur, nil, 100); len(pts) != 0 {
		t.Errorf("read again: %v", pts)
	}
	big := NewHub(2000)
	big.NewRun()
	for i := range 1000 {
		big.Push(Point{Epoch: i})
	}
	th, _, _ := big.Read(Cursor{}, nil, 100)
	if len(th) != 100 || th[0].Epoch != 0 || th[99].Epoch != 999 {
		t.Errorf("thinned: %d points, %d..%d", len(th), th[0].Epoch, th[len(th)-1].Epoch)
	}
}
