package plots

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyRun copies the files of testdata/name into a fresh temporary
// directory and returns it, so that tests never write into testdata.
func copyRun(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", name)
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// checkPNG checks that dir/plots/name is a PNG of the given size in pixels.
func checkPNG(t *testing.T, dir, name string, w, h int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got := img.Bounds().Size(); got.X != w || got.Y != h {
		t.Errorf("%s is %dx%d pixels, want %dx%d", name, got.X, got.Y, w, h)
	}
}

// checkSVG checks that dir/plots/name looks like a non-empty SVG.
func checkSVG(t *testing.T, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("</svg>")) {
		t.Errorf("%s is not a complete SVG (%d bytes)", name, len(b))
	}
}

func pixels(l float64) int { return int(math.Round(l / 72 * dpi)) } // l in points

func TestWriteProducesFigures(t *testing.T) {
	dir := copyRun(t, "run")
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	checkPNG(t, dir, "modulator.png", pixels(modWidth.Points()), pixels(modHeight.Points()))
	checkSVG(t, dir, "loss.svg")
	checkSVG(t, dir, "modulator.svg")

	// Legend labels use summary.json; rules and axis labels appear in the SVG text.
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, "loss.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wp (2/3 solved)", "dopamine@0.003 (0/1 solved)", "criterion: loss &lt; 0.01", trialsLabel, lossLabel} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("loss.svg does not contain %q", want)
		}
	}

	// Running again overwrites the figures.
	if err := Write(dir); err != nil {
		t.Fatalf("second Write: %v", err)
	}
}

func TestWriteWithoutOptionalFiles(t *testing.T) {
	dir := copyRun(t, "run")
	for _, f := range []string{tracesFile, summaryFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	checkSVG(t, dir, "loss.svg")
	if _, err := os.Stat(filepath.Join(dir, plotsDir, "modulator.png")); !os.IsNotExist(err) {
		t.Errorf("modulator.png written without traces.csv (stat error %v)", err)
	}
}

func TestWriteHeaderOnlyTraces(t *testing.T) {
	dir := copyRun(t, "run")
	hdr := "rule,seed,epoch,trials,reward,expectation,rpe,dopamine,learning_rate,eligibility_rms,weight_rms\n"
	if err := os.WriteFile(filepath.Join(dir, tracesFile), []byte(hdr), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, plotsDir, "modulator.svg")); !os.IsNotExist(err) {
		t.Errorf("modulator.svg written for empty traces.csv (stat error %v)", err)
	}
}

// TestWriteNonFinite uses runs whose losses and traces are NaN or ±Inf,
// including a rule where every run diverged and a trace with no finite value.
func TestWriteNonFinite(t *testing.T) {
	dir := copyRun(t, "nan")
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	checkPNG(t, dir, "modulator.png", pixels(modWidth.Points()), pixels(modHeight.Points()))
	// The wp trace has no finite RPE: it is named in one note, not drawn.
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, "modulator.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("wp: no dopamine system")) {
		t.Error("modulator.svg lacks the note about wp having no finite RPE")
	}
	for _, bad := range []string{"wp (seed", "all non-finite"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("modulator.svg contains %q", bad)
		}
	}
	if !bytes.Contains(b, []byte("dopamine (seed 1)")) {
		t.Error("modulator.svg lacks the dopamine trace")
	}
}

const traceHeader = "rule,seed,epoch,trials,reward,expectation,rpe,dopamine,learning_rate,eligibility_rms,weight_rms\n"

// TestWriteGradientBaselines checks that rules without a finite RPE (sgd
// and adam write NaN for it) are left out of the modulator figure and
// named in a single note, while a rule with a finite RPE but an all-NaN
// column is drawn with a note about that column.
func TestWriteGradientBaselines(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		metricsFile: "rule,seed,epoch,trials,loss\nsgd,1,0,0,0.3\nsgd,1,1,4,0.2\nadam,1,0,0,0.3\nadam,1,1,4,0.1\n" +
			"dopamine,1,0,0,0.3\ndopamine,1,1,2,0.25\ndopamine,1,2,40000,0.2\n",
		tracesFile: traceHeader +
			"sgd,1,1,4,NaN,NaN,NaN,NaN,10,0,0.7\nsgd,1,2,8,NaN,NaN,NaN,NaN,10,0,0.8\n" +
			"adam,1,1,4,NaN,NaN,NaN,NaN,0.5,0,0.7\n" +
			"dopamine,1,1,2,-0.2,0,-0.2,0.3,NaN,0.1,0.5\ndopamine,1,2,40000,-0.1,-0.04,-0.06,0.44,NaN,0.1,0.5\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "modulator.png", pixels(modWidth.Points()), pixels(modHeight.Points()))
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, "modulator.svg"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dopamine (seed 1)",
		"adam, sgd: no dopamine system",
		"dopamine: learning_rate all non-finite",
	}
	for _, w := range want {
		if n := bytes.Count(b, []byte(w)); n != 1 {
			t.Errorf("modulator.svg contains %q %d times, want once", w, n)
		}
	}
	for _, bad := range []string{"sgd (seed", "adam (seed"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("modulator.svg contains %q", bad)
		}
	}
	if n := bytes.Count(b, []byte("all non-finite")); n != 1 {
		t.Errorf("modulator.svg has %d notes about non-finite columns, want 1", n)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
}

// TestWriteNoRPEAnywhere checks that no modulator figure is made when no
// rule has a finite RPE.
func TestWriteNoRPEAnywhere(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		metricsFile: "rule,seed,epoch,trials,loss\nsgd,1,0,0,0.3\nsgd,1,1,4,0.2\n",
		tracesFile:  traceHeader + "sgd,1,1,4,NaN,NaN,NaN,NaN,10,0,0.7\nadam,1,1,4,NaN,NaN,+Inf,NaN,0.5,0,0.7\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	for _, f := range []string{"modulator.png", "modulator.svg"} {
		if _, err := os.Stat(filepath.Join(dir, plotsDir, f)); !os.IsNotExist(err) {
			t.Errorf("%s written although no rule has a finite RPE (stat error %v)", f, err)
		}
	}
}

func TestNoDopamineNote(t *testing.T) {
	for _, tc := range []struct {
		rules []string
		want  string
	}{
		{[]string{"sgd"}, "sgd: no dopamine system"},
		{[]string{"adam", "sgd"}, "adam, sgd: no dopamine system"},
		{[]string{"adam@0.1", "sgd@1", "sgd@3", "sgd@10"}, "adam@0.1, sgd@*: no dopamine system"},
	} {
		if got := noDopamineNote(tc.rules); got != tc.want {
			t.Errorf("noDopamineNote(%q) = %q, want %q", tc.rules, got, tc.want)
		}
	}
}

// TestWriteSinglePoints covers rules with one logged row and one trace row.
func TestWriteSinglePoints(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		metricsFile: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.25\nwp,2,0,1,0.5\n",
		tracesFile:  traceHeader + "wp,1,0,1,-0.2,0,-0.2,0.3,0.01,0.1,0.5\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	checkPNG(t, dir, "modulator.png", pixels(modWidth.Points()), pixels(modHeight.Points()))
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		metrics string // contents of metrics.csv; "" means no file
		traces  string // contents of traces.csv; "" means no file
		summary string
		want    string // substring of the error
	}{
		{name: "missing", want: "metrics.csv"},
		{name: "empty", metrics: " ", want: "metrics.csv"},
		{name: "header only", metrics: "rule,seed,epoch,trials,loss\n", want: "metrics.csv: no data rows"},
		{name: "missing column", metrics: "rule,seed,epoch,trials\nwp,1,0,1\n", want: `metrics.csv line 1: missing column "loss"`},
		{name: "bad seed", metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.2\nwp,one,1,3,0.1\n", want: `metrics.csv line 3: bad seed "one"`},
		{name: "bad trials", metrics: "rule,seed,epoch,trials,loss\nwp,1,0,NaN,0.2\n", want: `metrics.csv line 2: bad trials "NaN"`},
		{name: "short row", metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1\n", want: "metrics.csv line 2: 4 fields, want 5"},
		{name: "bad quote", metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.2\n\"wp,1,1,2,0.1\n", want: "metrics.csv line 3"},
		{name: "empty rule", metrics: "rule,seed,epoch,trials,loss\n,1,0,1,0.2\n", want: "metrics.csv line 2: empty rule"},
		{
			name:    "bad trace",
			metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.2\n",
			traces:  "rule,seed,epoch,trials,reward,expectation,rpe,dopamine,learning_rate,eligibility_rms,weight_rms\nwp,1,0,1,0,0,0,0.5,0.01,0,1\nwp,1,1,2,0,0,0,high,0.01,0,1\n",
			want:    `traces.csv line 3: bad dopamine "high"`,
		},
		{
			name:    "trace missing column",
			metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.2\n",
			traces:  "rule,seed,epoch,trials,reward,expectation,rpe,learning_rate,eligibility_rms,weight_rms\nwp,1,0,1,0,0,0,0,0,0\n",
			want:    `traces.csv line 1: missing column "dopamine"`,
		},
		{
			name:    "bad summary",
			metrics: "rule,seed,epoch,trials,loss\nwp,1,0,1,0.2\n",
			summary: `{"criterion": {"loss_below": "small"}}`,
			want:    "summary.json",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, s := range map[string]string{metricsFile: tc.metrics, tracesFile: tc.traces, summaryFile: tc.summary} {
				if s == "" {
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(dir)
			if err == nil {
				t.Fatalf("Write succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestSummaryCriterionKeys(t *testing.T) {
	for _, tc := range []struct {
		json string
		want float64
		ok   bool
	}{
		{`{"criterion": {"loss_below": 0.01}}`, 0.01, true},
		{`{"criterion": {"LossBelow": 0.02}}`, 0.02, true},
		{`{"criterion": {"loss_below": 0}}`, 0, false},
		{`{"runs": []}`, 0, false},
	} {
		path := filepath.Join(t.TempDir(), summaryFile)
		if err := os.WriteFile(path, []byte(tc.json), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := readSummary(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := s.criterion(); ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%s: criterion() = %g, %v; want %g, %v", tc.json, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMalformedTestdata(t *testing.T) {
	err := Write(copyRun(t, "bad"))
	if err == nil || !strings.Contains(err.Error(), `metrics.csv line 4: bad loss "x"`) {
		t.Fatalf("got error %v, want one naming metrics.csv line 4", err)
	}
}

func TestResample(t *testing.T) {
	trials := []float64{1, 11, 21}
	loss := []float64{4, math.NaN(), 1}
	grid := []float64{0, 1, 5, 11, 20, 21, 100}
	got := resample(trials, loss, grid)
	inf := math.Inf(1)
	want := []float64{math.NaN(), 4, 4, inf, inf, 1, 1}
	if !sameFloats(got, want) {
		t.Errorf("resample = %v, want %v", got, want)
	}
}

// TestLossCurvesByHand checks the log-spaced grid, resampling, carrying
// forward and quartiles on an example small enough to compute by hand.
func TestLossCurvesByHand(t *testing.T) {
	runs := []*run{
		// Stops at trials 10 with loss 0.5, which it keeps.
		{runKey: runKey{"a", 1}, trials: []float64{1, 10}, loss: []float64{8, 0.5}},
		{runKey: runKey{"a", 2}, trials: []float64{1, 5, 10, 50, 100}, loss: []float64{4, 3, 2, 1.5, 1}},
		{runKey: runKey{"a", 3}, trials: []float64{1, 100}, loss: []float64{6, 3}},
		// Diverges at trials 10: ranks as +Inf from then on.
		{runKey: runKey{"a", 4}, trials: []float64{1, 10, 100}, loss: []float64{2, math.NaN(), math.NaN()}},
		// Another rule, starting later than the grid's first point.
		{runKey: runKey{"b@10", 1}, trials: []float64{5, 9}, loss: []float64{1, 2}},
		// Logged from trial 0, which the grid (and the log axis) starts at 1.
		{runKey: runKey{"b@2", 1}, trials: []float64{0, 4}, loss: []float64{7, 5}},
		{runKey: runKey{"b@2", 2}, trials: []float64{2, 4}, loss: []float64{9, 1}},
	}
	curves := lossCurves(runs, 3)
	var rules []string
	for _, c := range curves {
		rules = append(rules, c.Rule)
	}
	if want := []string{"a", "b@2", "b@10"}; !slices.Equal(rules, want) {
		t.Fatalf("rules %v, want %v", rules, want)
	}
	inf := math.Inf(1)

	// Rule a, grid 1, 10, 100 (ratio 10). Sorted values per point:
	//   1: {2, 4, 6, 8};  10: {0.5, 2, 6, Inf};  100: {0.5, 1, 3, Inf}.
	// Empirical quantiles of 4 values: Q25 = 1st, median = 2nd, Q75 = 3rd.
	a := curves[0]
	check(t, "a trials", a.Trials, []float64{1, 10, 100})
	check(t, "a Q25", a.Q25, []float64{2, 0.5, 0.5})
	check(t, "a median", a.Median, []float64{4, 2, 1})
	check(t, "a Q75", a.Q75, []float64{6, 6, 3})
	if a.Seeds != 4 {
		t.Errorf("a has %d seeds, want 4", a.Seeds)
	}

	// Rule b@2, grid 1, 2, 4 (from max(0, 1) to 4, ratio 2). At trials 1
	// only seed 1 has started, with the loss it logged at trial 0.
	//   1: {7};  2: {7, 9};  4: {1, 5}.
	b := curves[1]
	check(t, "b@2 trials", b.Trials, []float64{1, 2, 4})
	check(t, "b@2 Q25", b.Q25, []float64{7, 7, 1})
	check(t, "b@2 median", b.Median, []float64{7, 7, 1})
	check(t, "b@2 Q75", b.Q75, []float64{7, 9, 5})

	// Rule b@10, grid 5, sqrt(45), 9: no run logged in between.
	c := curves[2]
	if len(c.Trials) != 3 || c.Trials[0] != 5 || c.Trials[2] != 9 || math.Abs(c.Trials[1]-math.Sqrt(45)) > 1e-12 {
		t.Errorf("b@10 trials = %v, want 5, %g, 9", c.Trials, math.Sqrt(45))
	}
	check(t, "b@10 median", c.Median, []float64{1, 1, 2})

	// All runs diverged: every quantile is +Inf.
	d := lossCurves([]*run{
		{runKey: runKey{"d", 1}, trials: []float64{1}, loss: []float64{math.NaN()}},
		{runKey: runKey{"d", 2}, trials: []float64{1}, loss: []float64{math.Inf(1)}},
	}, 5)[0]
	check(t, "d trials", d.Trials, []float64{1})
	check(t, "d median", d.Median, []float64{inf})

	// Only rows at trial 0: a single grid point at 1, carrying them forward.
	z := lossCurves([]*run{
		{runKey: runKey{"z", 1}, trials: []float64{0, 0}, loss: []float64{3, 2}},
	}, 5)[0]
	check(t, "z trials", z.Trials, []float64{1})
	check(t, "z median", z.Median, []float64{2})
}

func TestLogspace(t *testing.T) {
	check(t, "logspace(1, 1000, 4)", logspace(1, 1000, 4), []float64{1, 10, 100, 1000})
	check(t, "logspace(3, 48, 5)", logspace(3, 48, 5), []float64{3, 6, 12, 24, 48})
	check(t, "logspace(7, 7, 5)", logspace(7, 7, 5), []float64{7})
	check(t, "logspace(2, 8, 1)", logspace(2, 8, 1), []float64{2})

	// The figure's grid on XOR: 1 to 40000 trials.
	g := logspace(1, 40000, GridPoints)
	if len(g) != GridPoints || g[0] != 1 || g[len(g)-1] != 40000 {
		t.Fatalf("grid has %d points from %g to %g", len(g), g[0], g[len(g)-1])
	}
	ratio := math.Pow(40000, 1/float64(GridPoints-1))
	for i := 1; i < len(g); i++ {
		if r := g[i] / g[i-1]; math.Abs(r-ratio) > 1e-6 {
			t.Fatalf("g[%d]/g[%d] = %g, want %g", i, i-1, r, ratio)
		}
	}
}

func TestQuartilesOddCount(t *testing.T) {
	// Five seeds at one point: 1 2 3 4 5 -> Q25 = 2, median = 3, Q75 = 4.
	series := [][]float64{{5}, {1}, {4}, {2}, {3}, {math.NaN()}}
	q25, med, q75 := quartiles(series, 1)
	if q25[0] != 2 || med[0] != 3 || q75[0] != 4 {
		t.Errorf("quartiles = %v %v %v, want 2 3 4", q25, med, q75)
	}
}

func TestReadMetricsSortsAndGroups(t *testing.T) {
	dir := t.TempDir()
	csv := "rule,seed,epoch,trials,loss\nwp,1,10,21,0.2\nwp,2,0,1,0.3\nwp,1,0,1,+Inf\n"
	path := filepath.Join(dir, metricsFile)
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	runs, err := readMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].seed != 1 || runs[1].seed != 2 {
		t.Fatalf("got %d runs", len(runs))
	}
	check(t, "trials", runs[0].trials, []float64{1, 21})
	check(t, "loss", runs[0].loss, []float64{math.Inf(1), 0.2})
}

func TestReadTracesFirstSeed(t *testing.T) {
	traces, err := readTraces(filepath.Join("testdata", "run", tracesFile))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tr := range traces {
		got[tr.rule] = tr.seed
		if len(tr.trials) == 0 || len(tr.values[0]) != len(tr.trials) {
			t.Errorf("%s: %d trials, %d rpe values", tr.rule, len(tr.trials), len(tr.values[0]))
		}
	}
	if got["wp"] != 1 || got["dopamine@0.03"] != 3 || len(got) != 2 {
		t.Errorf("first seeds %v, want wp:1 dopamine@0.03:3", got)
	}
}

func TestDecimate(t *testing.T) {
	const n = 10000
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
		y[i] = math.Sin(float64(i) / 7)
	}
	y[5000] = 9 // a spike must survive
	dx, dy := Decimate(x, y, 0, n-1, 100)
	if len(dx) > 200 || len(dx) != len(dy) {
		t.Fatalf("decimated to %d points (y %d), want <= 200", len(dx), len(dy))
	}
	if !slices.IsSorted(dx) {
		t.Error("decimated x not sorted")
	}
	if !slices.Contains(dy, 9) {
		t.Error("spike lost")
	}
	if slices.Max(dy) != 9 || slices.Min(dy) != slices.Min(y) {
		t.Errorf("envelope changed: [%g, %g]", slices.Min(dy), slices.Max(dy))
	}
	sx, _ := Decimate(x[:50], y[:50], 0, 49, 100)
	if len(sx) != 50 {
		t.Errorf("short series changed length to %d", len(sx))
	}
}

func TestCompareRules(t *testing.T) {
	rules := []string{"wp", "dopamine@0.1", "dopamine@0.03", "dopamine@1e-3", "dopamine@x", "dopamine"}
	slices.SortFunc(rules, compareRules)
	want := []string{"dopamine", "dopamine@1e-3", "dopamine@0.03", "dopamine@0.1", "dopamine@x", "wp"}
	if !slices.Equal(rules, want) {
		t.Errorf("sorted %v, want %v", rules, want)
	}
}

func check(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if !sameFloats(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// sameFloats reports whether a and b are equal, with NaN equal to NaN.
func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool {
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	})
}
