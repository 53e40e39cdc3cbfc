package live

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/experiments/runstore"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/pathname"
	"github.com/dopa-sim/dopa/internal/store"
)

//go:embed static
var staticFS embed.FS

// TokenHeader carries the session token of every request that changes
// state.
const TokenHeader = "X-Dopa-Token"

// Limits of what a client may ask of the server.
const (
	maxBody    = 64 << 10 // bytes of a request body
	maxClients = 16       // streams at once
	maxBatch   = 400      // points per stream message: more are thinned
	tick       = 100 * time.Millisecond
	writeLimit = 5 * time.Second // a stream write that takes longer drops the client
)

// Server serves the page and the API of one session.
type Server struct {
	s *Session
	// Token is the per-session token: every state-changing request carries
	// it in the X-Dopa-Token header; off loopback, every request carries it
	// (header or ?token=).
	Token string
	// Open: the server listens on loopback only, so reading needs no token.
	Open    bool
	clients chan struct{}
	mux     *http.ServeMux
	mu      sync.Mutex
	st      *store.Store
	page    *template.Template
}

// NewServer returns the server of a session; loopback says whether it
// listens on loopback addresses only.
func NewServer(s *Session, loopback bool) (*Server, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	page, err := template.ParseFS(staticFS, "static/index.html")
	if err != nil {
		return nil, err
	}
	srv := &Server{s: s, Token: hex.EncodeToString(b), Open: loopback, clients: make(chan struct{}, maxClients), page: page}
	sub, _ := fs.Sub(staticFS, "static")
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", srv.index)
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	m.HandleFunc("GET /api/state", srv.state)
	m.HandleFunc("GET /api/stream", srv.stream)
	m.HandleFunc("GET /api/sets", srv.listSets)
	m.HandleFunc("GET /api/set", srv.getSet)
	m.HandleFunc("POST /api/control", srv.control)
	m.HandleFunc("POST /api/param", srv.param)
	m.HandleFunc("POST /api/sets/save", srv.saveSet)
	m.HandleFunc("POST /api/sets/load", srv.loadSet)
	m.HandleFunc("POST /api/record", srv.record)
	srv.mux = m
	return srv, nil
}

// Loopback reports whether addr (host:port) names loopback addresses only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close closes the run store.
func (srv *Server) Close() error {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.st != nil {
		return srv.st.Close()
	}
	return nil
}

func (srv *Server) store() (*store.Store, error) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.s.cfg.Store == "off" {
		return nil, errStoreOff
	}
	if srv.st == nil {
		st, err := openStore(srv.s.cfg.Store)
		if err != nil {
			return nil, err
		}
		srv.st = st
	}
	return srv.st, nil
}

// ServeHTTP checks where a request comes from and what it carries before
// any handler: off loopback the token on every request; on loopback a Host
// that is a loopback name (no DNS rebinding); for a request that changes
// state (POST) the token header, the same Origin and a JSON body.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if srv.Open && !Loopback(hostPort(r.Host)) {
		http.Error(w, "forbidden: unexpected Host", http.StatusForbidden)
		return
	}
	tok := r.Header.Get(TokenHeader)
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	good := subtle.ConstantTimeCompare([]byte(tok), []byte(srv.Token)) == 1
	if !srv.Open && !good {
		http.Error(w, "forbidden: this server needs its token (the URL dopa serve printed)", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			http.Error(w, "forbidden: cross-site request", http.StatusForbidden)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(TokenHeader)), []byte(srv.Token)) != 1 {
			http.Error(w, "forbidden: missing or bad "+TokenHeader, http.StatusForbidden)
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			http.Error(w, "want Content-Type: application/json", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	srv.mux.ServeHTTP(w, r)
}

// hostPort adds a port to a Host header without one.
func hostPort(h string) string {
	if _, _, err := net.SplitHostPort(h); err == nil {
		return h
	}
	return net.JoinHostPort(strings.Trim(h, "[]"), "80")
}

func (srv *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	srv.page.Execute(w, map[string]string{"Token": srv.Token, "File": srv.s.cfg.File, "Kind": string(srv.s.State().Kind)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// fail answers a refused request: nothing changed, here is why.
func fail(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("bad request body: one JSON object expected")
	}
	return nil
}

func (srv *Server) state(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, srv.s.State())
}

// stream sends the trace points as server-sent events: every tick, the
// points this client has not seen (thinned to maxBatch), and "reset" when
// a new run starts. It holds no lock while writing: a slow client only
// falls behind (and skips points), a gone one is dropped.
func (srv *Server) stream(w http.ResponseWriter, r *http.Request) {
	select {
	case srv.clients <- struct{}{}:
		defer func() { <-srv.clients }()
	default:
		http.Error(w, "too many streams", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	var cur Cursor
	seen := map[string]uint64{}
	var pts []Point
	var buf []byte
	t := time.NewTicker(tick)
	defer t.Stop()
	first := true
	for {
		var newRun bool
		pts, cur, newRun = srv.s.hub.Read(cur, pts[:0], maxBatch)
		buf = buf[:0]
		if newRun || first {
			buf = append(buf, "event: reset\ndata: {}\n\n"...)
			first = false
		}
		if len(pts) > 0 {
			buf = append(buf, "event: points\ndata: "...)
			buf = appendBatch(buf, pts)
			buf = append(buf, "\n\n"...)
		}
		if newRun {
			clear(seen)
		}
		srv.s.hub.Views(seen, func(name string, v []byte) {
			buf = append(buf, "event: "...)
			buf = append(buf, name...)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, v...)
			buf = append(buf, "\n\n"...)
		})
		if len(buf) == 0 {
			buf = append(buf, ": idle\n\n"...)
		}
		rc.SetWriteDeadline(time.Now().Add(writeLimit))
		if _, err := w.Write(buf); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
}

func (srv *Server) control(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Action string  `json:"action"`
		Rule   string  `json:"rule"`
		Pace   float64 `json:"pace"`
	}
	if err := decode(r, &req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	s := srv.s
	switch req.Action {
	case "run":
		s.Resume()
	case "pause":
		s.Pause()
	case "step":
		s.Step()
	case "reset":
		s.Reset()
	case "pace":
		if err := CheckPace(req.Pace); err != nil {
			fail(w, http.StatusBadRequest, fmt.Errorf("pace %v", err))
			return
		}
		s.SetPace(req.Pace)
	case "rule":
		if err := s.SelectRule(req.Rule); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
	default:
		fail(w, http.StatusBadRequest, fmt.Errorf("unknown action %q (want run, pause, step, reset, pace or rule)", req.Action))
		return
	}
	writeJSON(w, http.StatusOK, s.State())
}

// param validates and applies one key=value; the value is also saved in
// the store's parameter set "autosave" (IVISIT keeps the current
// parameters in its database).
func (srv *Server) param(w http.ResponseWriter, r *http.Request) {
	var req struct{ Key, Value string }
	if err := decode(r, &req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	ch, err := srv.s.Set(req.Key, req.Value)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	saved := ""
	if st, err := srv.store(); err == nil {
		ps := store.ParamSet{Name: AutosaveSet, Values: srv.s.Overrides(), Source: srv.s.cfg.File, Notes: "the live view's current parameters"}
		if err := st.SaveParamSet(r.Context(), ps); err != nil {
			saved = err.Error()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"live": ch.Live, "store_error": saved, "state": srv.s.State()})
}

// AutosaveSet is the parameter set that holds the live view's current
// parameters.
const AutosaveSet = "autosave"

func (srv *Server) listSets(w http.ResponseWriter, r *http.Request) {
	st, err := srv.store()
	if err != nil {
		fail(w, http.StatusConflict, err)
		return
	}
	sets, err := st.ListParamSets(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	type item struct {
		Name, Source, Notes string
		Updated             time.Time
	}
	out := []item{}
	for _, ps := range sets {
		out = append(out, item{ps.Name, ps.Source, ps.Notes, ps.Updated})
	}
	writeJSON(w, http.StatusOK, out)
}

func (srv *Server) getSet(w http.ResponseWriter, r *http.Request) {
	st, err := srv.store()
	if err != nil {
		fail(w, http.StatusConflict, err)
		return
	}
	ps, err := st.LoadParamSet(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			code = http.StatusNotFound
		}
		fail(w, code, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": ps.Name, "values": ps.Values, "source": ps.Source, "notes": ps.Notes})
}

func (srv *Server) saveSet(w http.ResponseWriter, r *http.Request) {
	var req struct{ Name, Notes string }
	if err := decode(r, &req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" || len(req.Name) > 200 {
		fail(w, http.StatusBadRequest, errors.New("a parameter set needs a name (at most 200 bytes)"))
		return
	}
	st, err := srv.store()
	if err != nil {
		fail(w, http.StatusConflict, err)
		return
	}
	ps := store.ParamSet{Name: req.Name, Values: srv.s.Overrides(), Source: srv.s.cfg.File, Notes: req.Notes}
	if err := st.SaveParamSet(r.Context(), ps); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved": req.Name, "values": ps.Values})
}

// loadSet loads a saved set into a new run; a set whose values are bad
// (for this file) changes nothing.
func (srv *Server) loadSet(w http.ResponseWriter, r *http.Request) {
	var req struct{ Name string }
	if err := decode(r, &req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	st, err := srv.store()
	if err != nil {
		fail(w, http.StatusConflict, err)
		return
	}
	ps, err := st.LoadParamSet(r.Context(), req.Name)
	if err != nil {
		fail(w, http.StatusNotFound, err)
		return
	}
	if err := srv.s.LoadOverrides(ps.Values); err != nil {
		fail(w, http.StatusBadRequest, fmt.Errorf("parameter set %q: %w", req.Name, err))
		return
	}
	writeJSON(w, http.StatusOK, srv.s.State())
}

// record runs the running rule with the current parameters as dopa run
// would (Plan.Execute into a new output directory, the run store, the
// plots), in the background.
func (srv *Server) record(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	if err := decode(r, &req); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	dir, err := srv.s.Record(context.Background())
	if err != nil {
		fail(w, http.StatusConflict, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"dir": dir})
}

// Record starts recording the running rule variant with the current
// parameters (one seed, the live one) into a new directory under the
// session's OutDir, as dopa run records: the runner, with the run store
// and the plots. It returns the directory; the state's
// Record field says when it is done.
func (s *Session) Record(ctx context.Context) (string, error) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	s.mu.Lock()
	if s.recording {
		s.mu.Unlock()
		return "", errors.New("a recording is under way")
	}
	ovr, label := append([]string(nil), s.overrides...), s.label
	s.mu.Unlock()
	src, err := s.load(ovr)
	if err != nil {
		return "", err
	}
	if src.kind != output.Training {
		return "", fmt.Errorf("recording from the page is for training files; a %s file is recorded by dopa run %s (with the same --set values)", src.kind, s.cfg.File)
	}
	plan := src.plan
	v, ok := variant(plan, label)
	if !ok {
		return "", fmt.Errorf("no rule %q", label)
	}
	entry := plan.Spec.Rules[v.Entry]
	entry.Spec, entry.Sweep = v.Rule, training.Sweep{}
	plan.Spec.Rules = []training.RuleEntry{entry}
	plan.Spec.Seeds, plan.Spec.Record.TraceSeeds = 1, 1
	if err := plan.Validate(); err != nil {
		return "", err
	}
	// The name becomes a directory under OutDir: never a way out of it.
	if err := pathname.Check(plan.Spec.Name); err != nil {
		return "", fmt.Errorf("cannot record experiment %q: its name %v", plan.Spec.Name, err)
	}
	dir, err := runner.NewDir(s.cfg.OutDir, plan.Spec.Name+"-live", time.Now())
	if err != nil {
		return "", err
	}
	rec, err := runstore.Open(s.cfg.Store)
	if err != nil {
		return "", err
	}
	var store runner.Recorder
	if rec != nil {
		store = rec
	}
	s.mu.Lock()
	s.recording, s.record = true, "recording "+label+" into "+dir
	s.mu.Unlock()
	go func() {
		msg := "recorded " + label + " into " + dir
		rep, err := runner.Execute(ctx, training.TrainingKind, plan.Experiment(), runner.Options{Dir: dir, Overrides: ovr, Workers: -1, Store: store})
		if err == nil && rep.StoreErr != nil {
			err = rep.StoreErr
		}
		if err == nil && len(rep.Warnings) > 0 {
			msg += " (" + strings.Join(rep.Warnings, "; ") + ")"
		}
		if err == nil && store != nil {
			msg += " (run store " + s.cfg.Store + ")"
		}
		if err != nil {
			msg = "recording into " + dir + " failed: " + err.Error()
		}
		s.mu.Lock()
		s.recording, s.record = false, msg
		s.mu.Unlock()
	}()
	return dir, nil
}

// URL is the address to open: with the token when the server needs it.
func (srv *Server) URL(addr string) string {
	u := url.URL{Scheme: "http", Host: addr, Path: "/"}
	if !srv.Open {
		u.RawQuery = "token=" + url.QueryEscape(srv.Token)
	}
	return u.String()
}

// Serve serves on ln until ctx is cancelled.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sh, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		hs.Shutdown(sh)
		hs.Close()
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// openStore opens (creating its directory) the run store at path.
func openStore(path string) (*store.Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	return store.Open(path)
}
