package live

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/experiments/memory"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/synapse"
)

// How a memory study runs live: one rule in one retrieval mode at the
// study's first network size. Each update stores the next patterns (as
// memory.Store draws them: the same streams, one after another, so that
// after M patterns the memory is the study's memory of load M) until the
// study's largest load, then queries recallQueries stored patterns, each
// from a noisy query made by the study's query noise (its own stream,
// "live/query"), and retrieves it step by step. The update's point is
// the mean output noise ε = (false + missed)/k of its queries (Loss) at M
// stored patterns (Trials); about four times a second the page gets the
// first query's retrieval: the stored pattern, the query and the output of
// every step.
const (
	recallUpdates = 400 // updates to reach the largest load
	recallQueries = 8   // queries per update
)

// stepper retrieves step by step with the code of experiments/memory: a
// retriever of one step (Config.Steps = 1) whose output is fed back as
// the next query, which is exactly memory.Retriever.Retrieve with the
// mode's steps (TestStepperIsRetrieve), keeping every step's output.
type stepper struct {
	m      *memory.Memory
	steps  int
	stable bool
	r      *memory.Retriever
	outs   [][]int32 // the output of each step of the last retrieval
	q      []int32
}

// retrieve retrieves from query and returns the outputs of its steps
// (owned by the stepper).
func (st *stepper) retrieve(query []int32) [][]int32 {
	st.q = append(st.q[:0], query...)
	st.outs = st.outs[:0]
	for t := range st.steps {
		y, _ := st.r.Retrieve(st.q)
		if t < cap(st.outs) {
			st.outs = st.outs[:t+1]
		} else {
			st.outs = append(st.outs, nil)
		}
		st.outs[t] = append(st.outs[t][:0], y...)
		if st.stable && slices.Equal(y, st.q) {
			break
		}
		st.q = append(st.q[:0], y...)
	}
	return st.outs
}

// newStepper returns the step-by-step retrieval of memory m in a mode.
func newStepper(m *memory.Memory, md memory.FileMode) *stepper {
	one := *m // shares the count synapses and the patterns
	one.Steps, one.UntilStable = 1, false
	return &stepper{m: &one, steps: md.Steps, stable: md.UntilStable}
}

// ready makes the retriever of the memory as it now is.
func (st *stepper) ready(m *memory.Memory) error {
	st.m.U, st.m.V, st.m.M = m.U, m.V, m.M
	r, err := st.m.NewRetriever()
	st.r = r
	return err
}

// memorize runs a memory study live (see recallUpdates).
func (s *Session) memorize(ctx context.Context, f *memory.File, label string) (train.Outcome, string, error) {
	ruleName, modeName, _ := strings.Cut(label, "/")
	var md memory.FileMode
	var rule synapse.MemoryRule
	found := 0
	for _, r := range f.Rules {
		if r.String() == ruleName {
			rule, found = r, found+1
			break
		}
	}
	for _, m := range f.Modes {
		if m.Name == modeName {
			md, found = m, found+1
			break
		}
	}
	if found != 2 {
		return train.Outcome{}, "", fmt.Errorf("no rule and mode %q in %s", label, s.cfg.File)
	}
	loads := f.Loads()
	maxM := slices.Max(loads)
	n := f.Patterns.N[0]
	cfg := f.Config(n, rule, md, 1)
	if err := cfg.Validate(); err != nil {
		return train.Outcome{}, "", err
	}
	cont := cfg.Patterns
	if cfg.Hetero {
		cont = cfg.Content
	}
	counts, err := synapse.NewCounts(cfg.Patterns.N, cont.N)
	if err != nil {
		return train.Outcome{}, "", err
	}
	seed := uint64(f.Seed)
	mem := &memory.Memory{Config: cfg, Counts: counts}
	ru := rng.Stream(seed, "memory/patterns")
	rv := rng.Stream(seed, "memory/content")
	rq := rng.Stream(seed, "live/query")
	st := newStepper(mem, md)
	perUpdate := max(1, (maxM+recallUpdates-1)/recallUpdates)

	g := gate{s: s, next: time.Now()}
	batch := &pointBatch{hub: s.hub}
	g.flush = batch.flush
	if !g.wait(ctx) {
		return train.Outcome{Interrupted: true}, "", nil
	}
	var query, scratch []int32
	var last time.Time
	update := 0
	recent := make([]float64, 0, 100) // ε of the last queries
	for len(mem.U) < maxM {
		if err := storeNext(mem, cont, ru, rv, min(perUpdate, maxM-len(mem.U))); err != nil {
			return train.Outcome{}, "", err
		}
		mem.M = len(mem.U)
		if err := st.ready(mem); err != nil {
			return train.Outcome{}, "", err
		}
		update++
		sum := 0.0
		show := update == 1 || len(mem.U) == maxM || time.Since(last) >= viewEvery/4
		for q := range recallQueries {
			mu := rq.IntN(mem.M)
			query, scratch = cfg.Query.Apply(rq, query[:0], mem.U[mu], n, scratch)
			outs := st.retrieve(query)
			e := memory.OutputNoise(outs[len(outs)-1], mem.V[mu])
			sum += e
			if len(recent) == cap(recent) {
				recent = append(recent[:0], recent[1:]...)
			}
			recent = append(recent, e)
			if q == 0 && show {
				s.hub.SetNamedView("recall", recallView(update, mem, mu, query, outs, cont.N))
				last = time.Now()
			}
		}
		batch.add(Point{Epoch: update, Trials: mem.M, Loss: sum / recallQueries, RPE: math.NaN(), Dopamine: math.NaN(),
			LearningRate: math.NaN(), Eligibility: math.NaN(), Weight: math.NaN(), Rate: math.NaN()})
		if !g.wait(ctx) {
			batch.flush()
			return train.Outcome{Epochs: update, Trials: mem.M, Interrupted: true}, "", nil
		}
	}
	batch.flush()
	mean := 0.0
	for _, e := range recent {
		mean += e
	}
	mean /= float64(max(len(recent), 1))
	return train.Outcome{Epochs: update, Trials: mem.M}, fmt.Sprintf("stored %d patterns (n = %d, %s, %s): ε = %.3g over the last %d queries", mem.M, n, ruleName, modeName, mean, len(recent)), nil
}

// storeNext draws and stores the next k patterns (pairs) of mem, as
// memory.Store draws them from its streams ru and rv (cont: the content
// ensemble), and updates mem.M.
func storeNext(mem *memory.Memory, cont memory.Ensemble, ru, rv *rand.Rand, k int) error {
	for range k {
		u := mem.Patterns.Draw(ru, nil)
		v := u
		if mem.Hetero {
			v = cont.Draw(rv, nil)
		}
		if err := mem.Counts.Store(u, v); err != nil {
			return err
		}
		mem.U, mem.V = append(mem.U, u), append(mem.V, v)
	}
	mem.M = len(mem.U)
	return nil
}

// recallJSON is one retrieval as the page reads it: the stored (content)
// pattern, the query and every step's output with its ε, as lists of
// active units.
type recallJSON struct {
	Update  int          `json:"update"`
	N       int          `json:"n"`
	M       int          `json:"m"`
	Pattern int          `json:"pattern"`
	Stored  []int32      `json:"stored"`
	Query   []int32      `json:"query"`
	Steps   []recallStep `json:"steps"`
}

type recallStep struct {
	Eps float64 `json:"eps"`
	Out []int32 `json:"out"`
}

// recallView encodes retrieval outs of pattern mu from query.
func recallView(update int, m *memory.Memory, mu int, query []int32, outs [][]int32, n int) []byte {
	v := recallJSON{Update: update, N: n, M: m.M, Pattern: mu, Stored: orEmpty(m.V[mu]), Query: orEmpty(query), Steps: []recallStep{}}
	for _, y := range outs {
		v.Steps = append(v.Steps, recallStep{Eps: memory.OutputNoise(y, m.V[mu]), Out: orEmpty(y)})
	}
	b, _ := json.Marshal(v) // finite numbers, plain types: cannot fail
	return b
}
