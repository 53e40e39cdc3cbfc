package live

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/experiments/training"
)

// BenchmarkLive measures what watching costs: one training run of the
// dopamine rule (a fixed budget, no criterion, so that both do the same
// updates) alone in train.Loop ("bare"), and the same run in a live
// session whose traces a client streams over HTTP all along ("served":
// every update published, the stream read, thinned and written). Each
// iteration makes one of each, back to back, so that the load of a shared
// machine falls on both alike; it reports both times and their ratio
// (docs/live.md).
//
//	go test ./experiments/live -run '^$' -bench Live -benchtime 10x -count 3
func BenchmarkLive(b *testing.B) {
	for _, c := range []struct {
		name, file string
		trials     string
	}{
		{"xor", "xor", "100000"},
		{"mackey_glass", "mackey_glass", "4000"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ovr := []string{"criterion.loss_below=0", "max_trials=" + c.trials}
			data, _ := experiments.BuiltinData(c.file)
			s, err := New(Config{File: "builtin:" + c.file + ".toml", Data: data, Rule: "dopamine", Overrides: ovr, Paused: true})
			if err != nil {
				b.Fatal(err)
			}
			srv, err := NewServer(s, true)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ended := make(chan struct{}, 1)
			s.onEnd = func() { ended <- struct{}{} }
			done := make(chan struct{})
			go func() { s.Run(ctx); close(done) }()
			hs := httptest.NewServer(srv)
			defer hs.Close()
			// A client reading the stream all along, as the page does.
			resp, err := http.Get(hs.URL + "/api/stream")
			if err != nil {
				b.Fatal(err)
			}
			go io.Copy(io.Discard, resp.Body)
			defer resp.Body.Close()
			for s.State().Status != "paused" { // the first run, built, waits
				time.Sleep(time.Millisecond)
			}
			var tBare, tServed time.Duration
			first := true
			served := func() (train.Outcome, time.Duration) {
				t0 := time.Now()
				if first {
					s.Resume() // the paused run is the first to measure
					first = false
				} else {
					s.Reset()
				}
				<-ended
				d := time.Since(t0)
				p, _ := s.hub.Last()
				return train.Outcome{Epochs: p.Epoch}, d
			}
			alone := func() (train.Outcome, time.Duration) {
				t0 := time.Now()
				o, err := bare(s)
				if err != nil || o.Interrupted || o.Epochs == 0 {
					b.Fatalf("%+v %v", o, err)
				}
				return o, time.Since(t0)
			}
			i := 0
			for b.Loop() {
				// Alternate the order: neither comes always first.
				var ob, os train.Outcome
				var db, ds time.Duration
				if i%2 == 0 {
					ob, db = alone()
					os, ds = served()
				} else {
					os, ds = served()
					ob, db = alone()
				}
				i++
				tBare, tServed = tBare+db, tServed+ds
				if os.Epochs != ob.Epochs {
					b.Fatalf("served run: %d updates, bare %d", os.Epochs, ob.Epochs)
				}
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(tBare.Seconds()*1e3/n, "ms-bare/op")
			b.ReportMetric(tServed.Seconds()*1e3/n, "ms-served/op")
			b.ReportMetric(tServed.Seconds()/tBare.Seconds(), "served/bare")
			cancel()
			<-done
		})
	}
}

// bare trains the session's rule without hooks: what the run costs with
// no one watching.
func bare(s *Session) (train.Outcome, error) {
	plan, label := s.src.plan, s.label
	v, _ := variant(plan, label)
	run, err := plan.NewRun(v, plan.Spec.Seed)
	if err != nil {
		return train.Outcome{}, err
	}
	budget := train.Budget{MaxTrials: plan.Spec.MaxTrials, LossBelow: plan.Spec.Criterion.LossBelow}
	return train.Loop(context.Background(), run.Rule, run.Circuit, run.Task, run.TaskRand(), budget, train.Hooks{}), nil
}

func (h *Hub) runNow() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.run
}

// BenchmarkHook measures what the live session adds to one learning
// update of a training run, alone: the update's trace point (the rule's
// trace, the RMS of the plastic traces and weights) into the hook's batch,
// the batch into the ring every batchLen points, and the gate between two
// updates (no pause, no pace). The update itself is not in it.
//
//	go test ./experiments/live -run '^$' -bench Hook -count 3
func BenchmarkHook(b *testing.B) {
	for _, name := range []string{"xor", "mackey_glass"} {
		b.Run(name, func(b *testing.B) {
			data, _ := experiments.BuiltinData(name)
			s, err := New(Config{File: "builtin:" + name + ".toml", Data: data, Rule: "dopamine"})
			if err != nil {
				b.Fatal(err)
			}
			plan := s.src.plan
			v, _ := variant(plan, "dopamine")
			run, err := plan.NewRun(v, 1)
			if err != nil {
				b.Fatal(err)
			}
			c, tk, rule := run.Circuit, run.Task, run.Rule
			tk.Next(training.Stream(1, "task"))
			rule.Measure(tk)
			rule.Learn(tk)
			h := newTrainHook(s, rule, c, tk)
			h.pr = nil // the forecasts, made about once a second, are not per update
			h.ctx = context.Background()
			s.hub.NewRun()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				h.update(i, 2*i)
			}
		})
	}
}
