package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func open(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestRecordGetUpdate(t *testing.T) {
	s, _ := open(t)
	start := time.Date(2026, 12, 3, 6, 0, 0, 123456789, time.UTC)
	r := &Run{Kind: "run", Experiment: "xor", Rule: "dopamine", Seed: 7, Status: Running, Started: start,
		OutDir: "/out/xor", Metric: "trials_to_criterion", MetricValue: math.NaN(), WallSeconds: math.NaN(),
		Params: map[string]string{"rules.dopamine.eta": "0.05", "task": "xor", "hidden": "4"}}
	if err := s.RecordRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.Created.IsZero() {
		t.Fatalf("ID %d, Created %v", r.ID, r.Created)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Experiment != "xor" || got.Rule != "dopamine" || got.Seed != 7 || got.Status != Running ||
		!got.Started.Equal(start) || !got.Ended.IsZero() || !math.IsNaN(got.MetricValue) ||
		!math.IsNaN(got.WallSeconds) || !reflect.DeepEqual(got.Params, r.Params) {
		t.Fatalf("read back %+v", got)
	}
	if err := s.UpdateRun(ctx, r.ID, Update{Status: Done, Metric: "trials_to_criterion", MetricValue: 412,
		WallSeconds: 1.5}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetRun(ctx, r.ID)
	if got.Status != Done || got.MetricValue != 412 || got.WallSeconds != 1.5 || !got.Started.Equal(start) {
		t.Fatalf("after update %+v", got)
	}
	if err := s.UpdateStatus(ctx, r.ID, Failed, "loss is NaN at trial 12"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetRun(ctx, r.ID)
	if got.Status != Failed || got.Error != "loss is NaN at trial 12" || got.Ended.IsZero() {
		t.Fatalf("after UpdateStatus %+v", got)
	}
	if err := s.UpdateStatus(ctx, r.ID, "finished", ""); err == nil {
		t.Error("an unknown status was accepted")
	}
	if err := s.UpdateStatus(ctx, 999, Done, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing run: %v", err)
	}
	if _, err := s.GetRun(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("get of a missing run: %v", err)
	}
	if err := s.RecordRun(ctx, &Run{Status: "bogus"}); err == nil {
		t.Error("a run with an unknown status was recorded")
	}
}

func TestParseCond(t *testing.T) {
	for in, want := range map[string]Cond{
		"eta=0.1":         {"eta", "=", "0.1"},
		"eta<0.1":         {"eta", "<", "0.1"},
		"eta <= 1e-3":     {"eta", "<=", "1e-3"},
		"a.b>2":           {"a.b", ">", "2"},
		"a.b>=2":          {"a.b", ">=", "2"},
		"task!=xor":       {"task", "!=", "xor"},
		"name=a=b":        {"name", "=", "a=b"},
		"rules.wp.sigma=": {"rules.wp.sigma", "=", ""},
	} {
		got, err := ParseCond(in)
		if err != nil || got != want {
			t.Errorf("ParseCond(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "eta", "=1", "eta<abc", "eta!1", "eta<"} {
		if c, err := ParseCond(bad); err == nil {
			t.Errorf("ParseCond(%q) = %+v, no error", bad, c)
		}
	}
}

func TestQueryFilters(t *testing.T) {
	s, _ := open(t)
	var runs []*Run
	etas := []string{"0.001", "0.01", "0.1", "1"}
	for i, eta := range etas {
		for seed := range 3 {
			rule := "dopamine"
			if i%2 == 1 {
				rule = "wp"
			}
			st := Done
			if seed == 2 {
				st = Failed
			}
			runs = append(runs, &Run{Kind: "sweep", Experiment: "xor", Rule: rule, Seed: int64(seed),
				Status: st, PointID: "p" + strconv.Itoa(i), MetricValue: math.NaN(), WallSeconds: math.NaN(),
				Params: map[string]string{"eta": eta, "task": "xor"}})
		}
	}
	runs = append(runs, &Run{Kind: "run", Experiment: "mackey", Rule: "dopamine2", Status: Planned,
		MetricValue: math.NaN(), WallSeconds: math.NaN(), Params: map[string]string{"eta": "0.10", "task": "mg"}})
	if err := s.RecordRuns(ctx, runs); err != nil {
		t.Fatal(err)
	}
	seed1 := int64(1)
	count := func(f Filter) int {
		t.Helper()
		got, err := s.Query(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID <= got[i-1].ID {
				t.Fatal("not in id order")
			}
		}
		return len(got)
	}
	cond := func(s string) []Cond {
		var out []Cond
		for _, part := range strings.Split(s, ",") {
			c, err := ParseCond(part)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
		return out
	}
	for name, c := range map[string]struct {
		f    Filter
		want int
	}{
		"all":                {Filter{}, 13},
		"kind":               {Filter{Kind: "sweep"}, 12},
		"experiment":         {Filter{Experiment: "mackey"}, 1},
		"rule":               {Filter{Rule: "wp"}, 6},
		"status":             {Filter{Status: []Status{Failed, Planned}}, 5},
		"point":              {Filter{PointID: "p2"}, 3},
		"seed":               {Filter{Seed: &seed1}, 4},
		"eta equal number":   {Filter{Params: cond("eta=0.1")}, 4}, // 0.1 and 0.10
		"eta less":           {Filter{Params: cond("eta<0.1")}, 6},
		"eta at most":        {Filter{Params: cond("eta<=0.1")}, 10},
		"eta greater":        {Filter{Params: cond("eta>0.01")}, 7},
		"eta at least":       {Filter{Params: cond("eta>=1")}, 3},
		"text equal":         {Filter{Params: cond("task=mg")}, 1},
		"text differs":       {Filter{Params: cond("task!=xor")}, 1},
		"two conditions":     {Filter{Params: cond("eta>0.001,eta<1")}, 7},
		"missing key":        {Filter{Params: cond("sigma>0")}, 0},
		"rule and condition": {Filter{Rule: "dopamine", Status: []Status{Done}, Params: cond("eta<0.5")}, 4},
		"limit":              {Filter{Rule: "dopamine", Limit: 2}, 2},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d runs, want %d", name, got, c.want)
		}
	}
	got, _ := s.Query(ctx, Filter{Experiment: "mackey"})
	if got[0].Params["eta"] != "0.10" || got[0].Params["task"] != "mg" || len(got[0].Params) != 2 {
		t.Errorf("params %v", got[0].Params)
	}
	if _, err := s.Query(ctx, Filter{Params: []Cond{{"eta", "<", "x"}}}); err == nil {
		t.Error("a comparison with text was accepted")
	}
	if _, err := s.Query(ctx, Filter{Params: []Cond{{"eta", "LIKE", "x"}}}); err == nil {
		t.Error("an unknown operator was accepted")
	}
	if _, err := s.Query(ctx, Filter{Status: []Status{"x"}}); err == nil {
		t.Error("an unknown status was accepted")
	}
}

func TestSweepsAndPoints(t *testing.T) {
	s, _ := open(t)
	sw := &Sweep{Name: "eta-sigma", Experiment: "xor", File: "xor.toml", Backend: "slurm", OutDir: "/o"}
	pts := []Point{
		{ID: "b", Position: 1, Params: map[string]string{"eta": "0.1", "sigma": "0.01"}},
		{ID: "a", Position: 0, Params: map[string]string{"eta": "0.01", "sigma": "0.01"}},
	}
	if err := s.CreateSweep(ctx, sw, pts); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSweep(ctx, sw.ID)
	if err != nil || got.Name != "eta-sigma" || got.Backend != "slurm" || got.Created.IsZero() {
		t.Fatalf("GetSweep: %+v %v", got, err)
	}
	gp, err := s.Points(ctx, sw.ID)
	if err != nil || len(gp) != 2 || gp[0].ID != "a" || gp[1].Params["eta"] != "0.1" {
		t.Fatalf("Points: %+v %v", gp, err)
	}
	if err := s.RecordRun(ctx, &Run{SweepID: sw.ID, PointID: "a", MetricValue: math.NaN(), WallSeconds: math.NaN()}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRun(ctx, &Run{SweepID: 12345}); err == nil {
		t.Error("a run of a missing sweep was recorded")
	}
	if n, _ := s.Query(ctx, Filter{SweepID: sw.ID, Status: []Status{Planned}}); len(n) != 1 {
		t.Errorf("runs of the sweep: %d", len(n))
	}
	if err := s.CreateSweep(ctx, &Sweep{}, []Point{{ID: "x"}, {ID: "x"}}); err == nil {
		t.Error("two points with one identity were accepted")
	}
	if _, err := s.GetSweep(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSweep(999): %v", err)
	}
}

func TestParamSets(t *testing.T) {
	s, _ := open(t)
	if err := s.SaveParamSet(ctx, ParamSet{Name: "fast", Source: "xor.toml", Notes: "high eta",
		Values: map[string]string{"rules.dopamine.eta": "0.2", "modulator.tau_d_ms": "50"}}); err != nil {
		t.Fatal(err)
	}
	first, err := s.LoadParamSet(ctx, "fast")
	if err != nil || first.Values["rules.dopamine.eta"] != "0.2" || len(first.Values) != 2 || first.Notes != "high eta" {
		t.Fatalf("LoadParamSet: %+v %v", first, err)
	}
	time.Sleep(2 * time.Millisecond)
	// Saving again replaces the values and keeps the creation time.
	if err := s.SaveParamSet(ctx, ParamSet{Name: "fast", Values: map[string]string{"rules.dopamine.eta": "0.3"}}); err != nil {
		t.Fatal(err)
	}
	again, _ := s.LoadParamSet(ctx, "fast")
	if !reflect.DeepEqual(again.Values, map[string]string{"rules.dopamine.eta": "0.3"}) ||
		!again.Created.Equal(first.Created) || !again.Updated.After(first.Updated) || again.Notes != "" {
		t.Fatalf("after a second save: %+v (first %+v)", again, first)
	}
	s.SaveParamSet(ctx, ParamSet{Name: "a slow one", Values: map[string]string{}})
	list, err := s.ListParamSets(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "a slow one" || list[1].Name != "fast" {
		t.Fatalf("ListParamSets: %+v %v", list, err)
	}
	if _, err := s.LoadParamSet(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadParamSet(nope): %v", err)
	}
	if err := s.SaveParamSet(ctx, ParamSet{Name: " "}); err == nil {
		t.Error("a set without a name was saved")
	}
	if err := s.DeleteParamSet(ctx, "fast"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteParamSet(ctx, "fast"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	var n int
	s.db.QueryRow("SELECT count(*) FROM param_set_values").Scan(&n)
	if n != 0 {
		t.Errorf("%d values left behind by the deleted set", n)
	}
}

func TestSchemaVersion(t *testing.T) {
	s, path := open(t)
	if v, err := s.Version(ctx); err != nil || v != SchemaVersion {
		t.Fatalf("version %d %v", v, err)
	}
	var mode string
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal mode %q, want wal", mode)
	}
	s.RecordRun(ctx, &Run{Rule: "wp", MetricValue: math.NaN(), WallSeconds: math.NaN()})
	s.Close()
	// Reopening migrates nothing and keeps the runs.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Query(ctx, Filter{}); len(got) != 1 {
		t.Errorf("%d runs after reopening", len(got))
	}
	s2.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1))
	s2.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a store from a newer dopa: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Error("a store in a missing directory was opened")
	}
}

// writeRuns records n runs tagged with who, each planned, then running,
// then done: three write transactions per run.
func writeRuns(s *Store, who string, n int) error {
	for i := range n {
		r := &Run{Kind: "concurrency", Rule: who, Seed: int64(i), MetricValue: math.NaN(), WallSeconds: math.NaN(),
			Params: map[string]string{"writer": who, "i": strconv.Itoa(i)}}
		if err := s.RecordRun(ctx, r); err != nil {
			return err
		}
		if err := s.UpdateStatus(ctx, r.ID, Running, ""); err != nil {
			return err
		}
		if err := s.UpdateRun(ctx, r.ID, Update{Status: Done, Metric: "m", MetricValue: float64(i)}); err != nil {
			return err
		}
	}
	return nil
}

func checkWriters(t *testing.T, s *Store, writers []string, n int) {
	t.Helper()
	for _, w := range writers {
		got, err := s.Query(ctx, Filter{Rule: w, Status: []Status{Done}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Errorf("writer %s: %d runs done, want %d", w, len(got), n)
			continue
		}
		seeds := make([]int, n)
		for i, r := range got {
			seeds[i] = int(r.Seed)
			if r.Params["writer"] != w || r.MetricValue != float64(r.Seed) {
				t.Errorf("writer %s: run %+v", w, r)
			}
		}
		sort.Ints(seeds)
		for i := range seeds {
			if seeds[i] != i {
				t.Fatalf("writer %s: seeds %v", w, seeds)
			}
		}
	}
}

// TestConcurrentWriters: goroutines sharing one handle and goroutines on a
// second handle (a second *sql.DB, as another process would have) write at
// once.
func TestConcurrentWriters(t *testing.T) {
	s, path := open(t)
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const n = 40
	var writers []string
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		h := s
		if g%2 == 1 {
			h = s2
		}
		w := fmt.Sprintf("g%d", g)
		writers = append(writers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := writeRuns(h, w, n); err != nil {
				errs <- fmt.Errorf("%s: %w", w, err)
			}
		}()
	}
	// A reader keeps querying meanwhile.
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Add(1)
	go func() {
		defer rg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s2.Query(ctx, Filter{Kind: "concurrency", Params: []Cond{{"i", "<", "10"}}}); err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkWriters(t, s, writers, n)
}

// TestConcurrentProcesses runs two more processes (this test binary again)
// that write the same store while this one does.
func TestConcurrentProcesses(t *testing.T) {
	if path := os.Getenv("DOPA_STORE_HELPER"); path != "" {
		s, err := Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := writeRuns(s, os.Getenv("DOPA_STORE_WHO"), 60); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s.Close()
		os.Exit(0)
	}
	s, path := open(t)
	var cmds []*exec.Cmd
	for _, who := range []string{"p1", "p2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		cmd.Env = append(os.Environ(), "DOPA_STORE_HELPER="+path, "DOPA_STORE_WHO="+who)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	if err := writeRuns(s, "p0", 60); err != nil {
		t.Error(err)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("writer process: %v", err)
		}
	}
	checkWriters(t, s, []string{"p0", "p1", "p2"}, 60)
}

// fill records n runs of a sweep-like study: 4 rules, 5 parameters each.
func fill(tb testing.TB, s *Store, n int) {
	tb.Helper()
	rules := []string{"wp", "dopamine", "dopamine2", "np"}
	runs := make([]*Run, n)
	for i := range runs {
		eta := 0.001 * math.Pow(1000, float64(i%100)/99) // 0.001..1, log spaced
		runs[i] = &Run{Kind: "sweep", Experiment: "xor", Rule: rules[i%4], Seed: int64(i / 100),
			PointID: "p" + strconv.Itoa(i%100), Status: Done, Metric: "trials_to_criterion",
			MetricValue: float64(100 + i%977), WallSeconds: 0.5,
			Params: map[string]string{
				"rules.eta":   strconv.FormatFloat(eta, 'g', -1, 64),
				"rules.sigma": strconv.FormatFloat(0.01*float64(1+i%7), 'g', -1, 64),
				"hidden":      strconv.Itoa(2 + i%5),
				"task":        "xor",
				"seed":        strconv.Itoa(i / 100),
			}}
	}
	if err := s.RecordRuns(ctx, runs); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkQuery10000 queries a store of 10 000 runs (50 000 parameter
// rows) by rule, status and two parameter conditions (about 250 matches).
func BenchmarkQuery10000(b *testing.B) {
	s, _ := open(b)
	fill(b, s, 10000)
	f := Filter{Rule: "dopamine", Status: []Status{Done},
		Params: []Cond{{"rules.eta", "<", "0.01"}, {"hidden", "=", "4"}}}
	got, err := s.Query(ctx, f)
	if err != nil || len(got) == 0 {
		b.Fatalf("%d runs, %v", len(got), err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Query(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(got)), "runs/op")
}

// BenchmarkQueryAll10000 reads every run of a 10 000-run store with its
// parameters (what dopa runs prints without a filter).
func BenchmarkQueryAll10000(b *testing.B) {
	s, _ := open(b)
	fill(b, s, 10000)
	b.ResetTimer()
	for b.Loop() {
		if got, err := s.Query(ctx, Filter{}); err != nil || len(got) != 10000 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkRecordRun records one run with five parameters per operation
// (one write transaction, as a finishing run does).
func BenchmarkRecordRun(b *testing.B) {
	s, _ := open(b)
	p := map[string]string{"a": "1", "b": "2", "c": "x", "d": "0.5", "e": "7"}
	for b.Loop() {
		if err := s.RecordRun(ctx, &Run{Rule: "wp", Status: Done, MetricValue: 1, WallSeconds: 1, Params: p}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReplaceRuns: runs recorded again for the same out directory replace
// the earlier ones (a resumed run is recorded once).
func TestReplaceRuns(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	mk := func(seed int64, v string) []*Run {
		return []*Run{{Kind: "run", Experiment: "xor", Rule: "wp", Seed: seed, Status: Done, OutDir: "/o", Params: map[string]string{"k": v}}}
	}
	if err := s.ReplaceRuns(ctx, "/o", mk(1, "a")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRuns(ctx, []*Run{{Kind: "run", Experiment: "other", Status: Done, OutDir: "/p"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceRuns(ctx, "/o", mk(2, "b")); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Query(ctx, Filter{Experiment: "xor"})
	if err != nil || len(runs) != 1 || runs[0].Seed != 2 || runs[0].Params["k"] != "b" {
		t.Fatalf("after a replace: %+v (%v)", runs, err)
	}
	if all, _ := s.Query(ctx, Filter{}); len(all) != 2 {
		t.Errorf("the other out directory's run was touched: %d runs", len(all))
	}
}
