// Package live is dopa's live view (dopa serve): one run of a file stepped
// in a goroutine, watched and steered from a web page served by the dopa
// binary itself, with named parameter sets kept in the run store (as
// IVISIT keeps them in SQLite). It runs three kinds of file: training (a
// circuit with its rule, or an experiment), simulation (a circuit with
// task = "simulate": its spikes, raster.go) and memory (a study of
// experiments/memory: patterns stored one batch at a time and recalled,
// recall.go).
//
// A training run is train.Loop, the one training loop; its Update hook,
// called between two learning updates, gathers a trace point into a batch
// that goes into a bounded ring (Hub: a browser that is slow or gone never
// blocks the simulation, each client reads and thins at its own pace),
// now and then remakes the task's views (forecasts; the raster of a
// spiking circuit, from a copy), applies the parameter changes queued by
// the page (IVISIT's sync mode: a value reaches the simulation between two
// updates), and pauses, single-steps or paces the run. A change is
// validated exactly as a --set value of that kind of file (Plan.Set and
// Plan.Validate for training, the same error text); a change of the
// running rule's parameters is applied in place (train.Tunable), any other
// change starts a new run. The simulation core knows nothing of this
// package: the session reads what the core exposes (spike lists, weights,
// the rule's trace) between steps and updates.
package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
)

// Config says what a session runs.
type Config struct {
	// File names the source in messages and parameter sets (a path or
	// builtin:NAME.toml); Data is its contents.
	File string
	Data []byte
	// Overrides are key=value --set overrides applied from the start.
	Overrides []string
	// Rule is the label of the rule variant to run ("": dopamine if the
	// plan has it, else the first).
	Rule string
	// Pace caps the learning updates per second (0: as fast as it goes),
	// so that a run that solves in a fraction of a second can be watched.
	Pace float64
	// Paused starts the session paused.
	Paused bool
	// Store is the run store's path ("off": no parameter sets, no
	// recording in a store); OutDir the directory recorded runs go under.
	Store  string
	OutDir string
	// Ring is the number of trace points kept for the clients (default
	// 8192).
	Ring int
}

// Session is one live run and its controls; safe for concurrent use.
type Session struct {
	cfg Config
	hub *Hub

	ctl sync.Mutex // serialises the page's changes (validation may take a while)

	mu        sync.Mutex // guards the fields below; the simulation takes it only when dirty
	overrides []string   // key=value, one per key, in the order first set
	src       *loaded    // the file with the overrides
	label     string     // the running rule variant (memory: rule/mode)
	paused    bool
	steps     int         // single steps allowed while paused
	pending   *train.Spec // a retune for the next update
	status    string
	runErr    string
	cancelRun context.CancelFunc
	finished  bool   // the run ended (solved, budget, diverged): a change starts a new one
	tunable   bool   // the running rule takes new parameters in place (train.Tunable)
	record    string // the state of the last recording
	recording bool
	epoch     int
	trials    int

	dirty   atomic.Bool  // paused or a retune pending: the hook takes mu
	paceNs  atomic.Int64 // minimum ns per update (0: none)
	wake    chan struct{}
	restart chan struct{}
	onEnd   func() // called when a run ends (tests, benchmarks)
}

// New loads the source with its overrides and validates them; the
// session does not run until Run.
func New(cfg Config) (*Session, error) {
	if err := CheckPace(cfg.Pace); err != nil {
		return nil, fmt.Errorf("pace %v", err)
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 8192
	}
	if cfg.Store == "" {
		cfg.Store = "off"
	}
	if cfg.OutDir == "" {
		cfg.OutDir = "out"
	}
	s := &Session{cfg: cfg, hub: NewHub(cfg.Ring), wake: make(chan struct{}, 1), restart: make(chan struct{}, 1), paused: cfg.Paused}
	ovr := normalize(nil, cfg.Overrides...)
	src, err := s.load(ovr)
	if err != nil {
		return nil, err
	}
	label := cfg.Rule
	if label == "" {
		label = src.first()
	}
	if !src.has(label) {
		return nil, fmt.Errorf("no rule %q in %s (have: %s)", label, cfg.File, strings.Join(src.labels(), ", "))
	}
	s.overrides, s.src, s.label = ovr, src, label
	s.SetPace(cfg.Pace)
	s.dirty.Store(s.paused)
	return s, nil
}

// Hub returns the trace ring the clients read.
func (s *Session) Hub() *Hub { return s.hub }

// normalize appends key=value pairs to a list of overrides, replacing the
// value of a key set before (keeping its place).
func normalize(list []string, kvs ...string) []string {
	out := slices.Clone(list)
	for _, kv := range kvs {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(o string) bool { ok, _, _ := strings.Cut(o, "="); return ok == k })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

func variant(p *training.Plan, label string) (training.Variant, bool) {
	for _, v := range p.Spec.Variants() {
		if v.Label == label {
			return v, true
		}
	}
	return training.Variant{}, false
}

func labels(p *training.Plan) []string {
	var out []string
	for _, v := range p.Spec.Variants() {
		out = append(out, v.Label)
	}
	return out
}

// SetPace caps the updates per second (0 or less: no cap).
func (s *Session) SetPace(perSecond float64) {
	if perSecond > 0 && !math.IsInf(perSecond, 0) {
		s.paceNs.Store(int64(float64(time.Second) / perSecond))
	} else {
		s.paceNs.Store(0)
	}
}

// Run runs the session until ctx is cancelled: a run, then (when it
// solves, spends its budget or diverges) waiting for a reset.
func (s *Session) Run(ctx context.Context) {
	for ctx.Err() == nil {
		s.mu.Lock()
		runCtx, cancel := context.WithCancel(ctx)
		s.cancelRun = cancel
		src, label := s.src, s.label
		s.epoch, s.trials, s.runErr, s.pending = 0, 0, "", nil
		s.status, s.finished = "running", false
		s.dirty.Store(s.paused)
		s.mu.Unlock()
		s.hub.NewRun()
		var o train.Outcome
		var done string // what a simulation or a memory did
		var err error
		switch src.kind {
		case output.Simulation:
			o, done, err = s.simulate(runCtx, src.sim)
		case output.Memory:
			o, done, err = s.memorize(runCtx, src.mem, label)
		case output.Reward:
			o, done, err = s.reinforce(runCtx, src.rew, label)
		default:
			o, err = s.runOnce(runCtx, src.plan, label)
		}
		cancel()
		s.mu.Lock()
		switch {
		case err != nil:
			s.status, s.runErr = "failed", err.Error()
		case o.Interrupted:
			s.status = "stopped"
		case done != "":
			s.status = done
		case o.Solved:
			s.status = fmt.Sprintf("solved after %d trials (%d updates)", o.Trials, o.Epochs)
		case o.Err != "":
			s.status, s.runErr = "diverged", o.Err
		default:
			s.status = fmt.Sprintf("budget spent: %d trials (%d updates)", o.Trials, o.Epochs)
		}
		s.finished = true
		s.mu.Unlock()
		if s.onEnd != nil {
			s.onEnd()
		}
		select {
		case <-s.restart:
		case <-ctx.Done():
		}
	}
}

// runOnce builds the run of one rule variant with Plan.NewRun, as dopa run
// does (the same seeds and streams: with no change from the page, it is
// the run dopa run records), and trains it in train.Loop.
func (s *Session) runOnce(ctx context.Context, plan *training.Plan, label string) (train.Outcome, error) {
	v, ok := variant(plan, label)
	if !ok {
		return train.Outcome{}, fmt.Errorf("no rule %q", label)
	}
	run, err := plan.NewRun(v, plan.Spec.Seed)
	if err != nil {
		return train.Outcome{}, err
	}
	rule, c, t := run.Rule, run.Circuit, run.Task
	_, tunable := rule.(train.Tunable)
	s.mu.Lock()
	s.tunable = tunable
	s.mu.Unlock()
	budget := train.Budget{MaxTrials: plan.Spec.MaxTrials, LossBelow: plan.Spec.Criterion.LossBelow}
	h := newTrainHook(s, rule, c, t)
	if c.Spiking() {
		if h.rs, err = newRasterView(s.hub, plan, t); err != nil {
			return train.Outcome{}, err
		}
	}
	return s.train(ctx, h, t, run.TaskRand(), budget), nil
}

// train is the loop with the session's hooks.
func (s *Session) train(ctx context.Context, h *trainHook, t task.Task, rng *rand.Rand, b train.Budget) train.Outcome {
	if h.rs != nil {
		h.rs.show(h.c, 0) // the spikes of the initial weights
	}
	if !h.g.wait(ctx) {
		return train.Outcome{Interrupted: true}
	}
	h.ctx = ctx
	o := train.Loop(ctx, h.rule, h.c, t, rng, b, train.Hooks{Every: 1, Loss: h.lossHook, Update: h.update})
	h.batch.flush()
	return o
}

// How often and how long the forecasts of a forecasting task are shown.
const (
	viewEvery = time.Second
	viewSteps = 300
)

// batchLen is how many trace points the hook gathers before it pushes
// them into the ring under one lock (sooner when a reader asks, the run
// pauses or is paced, or it ends).
const batchLen = 64

// pointBatch gathers trace points and pushes them into the hub's ring
// under one lock when batchLen are gathered or a reader asks (flush also
// pushes, for a pause, the pace or the end of a run).
type pointBatch struct {
	hub *Hub
	n   int
	buf [batchLen]Point
}

// add gathers p.
func (b *pointBatch) add(p Point) {
	b.buf[b.n] = p
	b.n++
	if b.n == batchLen || b.hub.wanted.Load() {
		b.flush()
	}
}

// flush pushes the gathered points into the ring.
func (b *pointBatch) flush() {
	if b.n > 0 {
		b.hub.PushBatch(b.buf[:b.n])
		b.n = 0
	}
}

// trainHook is what the session does between two learning updates of a
// training run: the update's trace point into a local batch (no lock, no
// clock), the batch into the ring when it is full or wanted, now and then
// the task's view (forecasts, spikes), then the gate.
type trainHook struct {
	s     *Session
	rule  train.Rule
	c     *circuits.Circuit
	g     gate
	ctx   context.Context
	loss  float64
	batch pointBatch
	// A forecasting task shows its forecasts of the test segment, made
	// between two updates about once a second (cheap: a few hundred steps;
	// every loss starts from a reset circuit, so training is unchanged).
	pr       task.Predictor
	lastView time.Time
	// A spiking circuit shows the spikes of its current weights (raster).
	rs *rasterView
	// The plastic weights and traces (the slices of the circuit's plastic
	// projections, which keep them for the run), and their count.
	ws, es [][]float64
	nw     float64
}

func newTrainHook(s *Session, rule train.Rule, c *circuits.Circuit, t task.Task) *trainHook {
	h := &trainHook{s: s, rule: rule, c: c, g: gate{s: s, rule: rule, next: time.Now()}, loss: math.NaN(), ctx: context.Background(),
		batch: pointBatch{hub: s.hub}}
	h.g.flush = h.batch.flush
	h.pr, _ = t.(task.Predictor)
	for i := range c.Links {
		if l := &c.Links[i]; l.Plastic {
			h.ws, h.es = append(h.ws, l.W), append(h.es, l.E[:len(l.W)])
			h.nw += float64(len(l.W))
		}
	}
	return h
}

func (h *trainHook) lossHook(_, _ int, l float64) { h.loss = l }

// update is train.Hooks.Update: what watching adds to every update.
func (h *trainHook) update(epoch, trials int) {
	tr := h.rule.Trace()
	p := Point{Epoch: epoch, Trials: trials, Loss: h.loss, RPE: tr.RPE, Dopamine: tr.Dopamine, LearningRate: tr.LearningRate, Rate: math.NaN()}
	p.Eligibility, p.Weight = h.plasticRMS()
	h.batch.add(p)
	if epoch == 1 || epoch%16 == 0 {
		h.views(epoch)
	}
	h.g.wait(h.ctx)
}

// views remakes the task's views when they are due.
func (h *trainHook) views(epoch int) {
	if h.pr == nil && h.rs == nil {
		return
	}
	if epoch != 1 && time.Since(h.lastView) < viewEvery/4 {
		return
	}
	if h.pr != nil && (epoch == 1 || time.Since(h.lastView) >= viewEvery) {
		h.s.hub.SetView(appendView(nil, h.pr.Predict(h.c, viewSteps)))
		h.lastView = time.Now()
	}
	if h.rs != nil {
		h.rs.show(h.c, epoch)
		h.lastView = time.Now()
	}
}

// plasticRMS is Circuit.PlasticRMS of the traces and of the weights (the
// same sums in the same order) in one pass.
func (h *trainHook) plasticRMS() (elig, weight float64) {
	if h.nw == 0 {
		return 0, 0
	}
	se, sw := 0.0, 0.0
	for k, w := range h.ws {
		e := h.es[k][:len(w)]
		for j, x := range w {
			sw += x * x
			se += e[j] * e[j]
		}
	}
	return math.Sqrt(se / h.nw), math.Sqrt(sw / h.nw)
}

// gate is what happens between two updates: queued changes, pause, single
// steps and pace. It takes the session's lock only when there is
// something to do.
type gate struct {
	s     *Session
	rule  train.Rule
	next  time.Time
	flush func() // pushes the gathered points before the gate waits
}

// wait returns when the next update may run (false: ctx was cancelled).
func (g *gate) wait(ctx context.Context) bool {
	s := g.s
	if g.flush != nil && (s.dirty.Load() || s.paceNs.Load() > 0) {
		g.flush() // a paused or paced run shows every point at once
	}
	for s.dirty.Load() {
		s.mu.Lock()
		if s.pending != nil {
			if tu, ok := g.rule.(train.Tunable); ok {
				if err := tu.Retune(*s.pending); err != nil {
					s.runErr = err.Error() // validated before: not expected
				}
			}
			s.pending = nil
		}
		if !s.paused {
			s.dirty.Store(false)
			s.mu.Unlock()
			break
		}
		if s.steps > 0 {
			s.steps--
			s.mu.Unlock()
			g.next = time.Now()
			return true
		}
		s.status = "paused"
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return false
		}
		g.next = time.Now()
	}
	if ns := s.paceNs.Load(); ns > 0 {
		g.next = g.next.Add(time.Duration(ns))
		d := time.Until(g.next)
		if d > 0 {
			tm := time.NewTimer(d)
			select {
			case <-tm.C:
			case <-ctx.Done():
				tm.Stop()
				return false
			}
		} else if d < -time.Second {
			g.next = time.Now() // fell behind (a pause, a slow machine): do not race to catch up
		}
	}
	return ctx.Err() == nil
}

func (s *Session) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Pause pauses the run before its next update.
func (s *Session) Pause() {
	s.mu.Lock()
	s.paused = true
	s.dirty.Store(true)
	s.mu.Unlock()
}

// Resume lets the run go on.
func (s *Session) Resume() {
	s.mu.Lock()
	s.paused, s.steps = false, 0
	if s.status == "paused" {
		s.status = "running"
	}
	s.dirty.Store(true) // the gate clears it
	s.mu.Unlock()
	s.poke()
}

// Step makes one learning update of a paused run (and pauses a running
// one after its current update).
func (s *Session) Step() {
	s.mu.Lock()
	s.paused = true
	s.steps++
	s.dirty.Store(true)
	s.mu.Unlock()
	s.poke()
}

// Reset starts a new run with the current parameters (from the same
// seed); a paused session stays paused.
func (s *Session) Reset() {
	s.mu.Lock()
	if s.cancelRun != nil {
		s.cancelRun()
	}
	s.mu.Unlock()
	select {
	case s.restart <- struct{}{}:
	default:
	}
}

// Change is the outcome of a parameter change.
type Change struct {
	// Live: applied to the running rule between two updates; otherwise a
	// new run started.
	Live bool `json:"live"`
}

// Set validates key=value with the current overrides exactly as dopa run
// validates --set values and, if it is valid, applies it: in place when it
// is a parameter of the running rule (train.Tunable), else by starting a
// new run. A bad value changes nothing; its error is the --set error.
func (s *Session) Set(key, value string) (Change, error) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, "=\n") {
		return Change{}, fmt.Errorf("--set %q: want key=value", key+"="+value)
	}
	s.mu.Lock()
	ovr, label := normalize(s.overrides, key+"="+value), s.label
	s.mu.Unlock()
	src, err := s.load(ovr)
	if err != nil {
		return Change{}, err
	}
	if !src.has(label) {
		return Change{}, fmt.Errorf("--set %s=%s: the running rule %q is no longer in the file (have: %s)", key, value, label, strings.Join(src.labels(), ", "))
	}
	s.mu.Lock()
	live := false
	if src.kind == output.Training {
		v, _ := variant(src.plan, label)
		old, _ := variant(s.src.plan, label)
		live = liveKey(src.plan, v, key) && old.Rule.Name == v.Rule.Name && !s.finished && s.tunable
		if live {
			spec := v.Rule
			s.pending = &spec
			s.dirty.Store(true)
		}
	}
	s.overrides, s.src = ovr, src
	s.mu.Unlock()
	if !live {
		s.Reset()
	}
	return Change{Live: live}, nil
}

// liveKey reports whether key is a parameter of rule variant v that its
// running rule can take in place (if it is train.Tunable: Set checks; its
// name, its sweep and its expectation source need a new run).
func liveKey(plan *training.Plan, v training.Variant, key string) bool {
	rest, ok := strings.CutPrefix(key, rulePrefix(plan, v))
	return ok && rest != "name" && rest != "modulator" && rest != "modulator.rpe" && !strings.HasPrefix(rest, "sweep")
}

// rulePrefix is the --set prefix of the keys of variant v's rule:
// "rule.NAME." (or "rule.INDEX." when two entries share a name) in an
// experiment file, "rule." for a circuit that runs alone.
func rulePrefix(plan *training.Plan, v training.Variant) string {
	if plan.File == "" {
		return "rule."
	}
	// An entry is addressed by its label, or its name when it has none.
	id := func(e training.RuleEntry) string {
		if e.Label != "" {
			return e.Label
		}
		return e.Name
	}
	mine, n := id(plan.Spec.Rules[v.Entry]), 0
	for _, e := range plan.Spec.Rules {
		if id(e) == mine {
			n++
		}
	}
	if n == 1 {
		return "rule." + mine + "."
	}
	return fmt.Sprintf("rule.%d.", v.Entry)
}

// SelectRule starts a new run of another rule variant of the plan.
func (s *Session) SelectRule(label string) error {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	s.mu.Lock()
	ok := s.src.has(label)
	have := s.src.labels()
	if ok {
		s.label = label
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no rule %q (have: %s)", label, strings.Join(have, ", "))
	}
	s.Reset()
	return nil
}

// LoadOverrides replaces every override with kvs (a parameter set) and
// starts a new run; if one is bad, nothing changes.
func (s *Session) LoadOverrides(kvs map[string]string) error {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	keys := make([]string, 0, len(kvs))
	for k := range kvs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ovr []string
	for _, k := range keys {
		ovr = normalize(ovr, k+"="+kvs[k])
	}
	src, err := s.load(ovr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.overrides, s.src = ovr, src
	if !src.has(s.label) {
		s.label = src.first()
	}
	s.mu.Unlock()
	s.Reset()
	return nil
}

// Overrides returns the current overrides as a map.
func (s *Session) Overrides() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]string{}
	for _, kv := range s.overrides {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// State is what the page shows of the session.
type State struct {
	File      string            `json:"file"`
	Kind      string            `json:"kind"`
	Rules     []string          `json:"rules"`
	Rule      string            `json:"rule"`
	Status    string            `json:"status"`
	Error     string            `json:"error,omitempty"`
	Paused    bool              `json:"paused"`
	Pace      float64           `json:"pace"`
	Overrides map[string]string `json:"overrides"`
	Controls  []Control         `json:"controls"`
	Record    string            `json:"record"`
	Store     string            `json:"store"`
	Epoch     int               `json:"epoch"`
	Trials    int               `json:"trials"`
}

// State returns the session's state with the controls of the running rule.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{File: s.cfg.File, Kind: string(s.src.kind), Rules: s.src.labels(), Rule: s.label, Status: s.status, Error: s.runErr, Paused: s.paused,
		Record: s.record, Store: s.cfg.Store, Overrides: map[string]string{}}
	if ns := s.paceNs.Load(); ns > 0 {
		st.Pace = float64(time.Second) / float64(ns)
	}
	for _, kv := range s.overrides {
		k, v, _ := strings.Cut(kv, "=")
		st.Overrides[k] = v
	}
	if p, ok := s.hub.Last(); ok {
		st.Epoch, st.Trials = p.Epoch, p.Trials
	}
	st.Controls = s.src.controls(s.label)
	return st
}

// errStoreOff is returned by the parameter-set operations without a store.
var errStoreOff = errors.New("the run store is off (start dopa serve with --store PATH)")

// MaxPace bounds the pace, in learning updates per second.
const MaxPace = 1e7

// CheckPace reports why pace cannot cap the updates per second: it must be
// a number in [0, MaxPace] (0: no cap); NaN and ±Inf are not.
func CheckPace(pace float64) error {
	if !(pace >= 0 && pace <= MaxPace) {
		return fmt.Errorf("must be >= 0 and <= %g updates per second, a number (0: no cap), got %g", float64(MaxPace), pace)
	}
	return nil
}
