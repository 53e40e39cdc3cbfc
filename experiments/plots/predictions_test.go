package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readSVG returns the contents of dir/plots/name.
func readSVG(t *testing.T, dir, name string) []byte {
	t.Helper()
	checkSVG(t, dir, name)
	b, err := os.ReadFile(filepath.Join(dir, plotsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasNote reports whether svg has the legend note, wrapped into lines.
func hasNote(svg []byte, note string) bool {
	i := 0
	for _, line := range wrapNote(note, predNoteWidth) {
		j := bytes.Index(svg[i:], []byte(">"+line+"<"))
		if j < 0 {
			return false
		}
		i += j
	}
	return true
}

func noFile(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, f := range names {
		if _, err := os.Stat(filepath.Join(dir, plotsDir, f)); !os.IsNotExist(err) {
			t.Errorf("%s written (stat error %v)", f, err)
		}
	}
}

// TestWritePredictions draws testdata/forecast: two rules, two seeds each,
// one dimension.
func TestWritePredictions(t *testing.T) {
	dir := copyRun(t, "forecast")
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	checkPNG(t, dir, "predictions.png", pixels(predWidth.Points()), pixels(predHeight(2).Points()))
	b := readSVG(t, dir, "predictions.svg")
	for _, w := range []string{
		"Forecasts (first seed of each rule; black: target)",
		"adam: " + oneStepTitle,
		"adam: " + freeRunTitle,
		"wp: " + oneStepTitle,
		"wp: " + freeRunTitle,
		"adam (seed 1)",
		"wp (seed 1)",
		">target<",
		">" + sampleLabel + "<",
		">x<",
	} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("predictions.svg does not contain %q", w)
		}
	}
	for _, bad := range []string{"seed 2", " of (", "non-finite", "no finite", "clipped"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("predictions.svg contains %q", bad)
		}
	}
	// Rows in the order of the loss figure: adam above wp.
	if i, j := bytes.Index(b, []byte("adam: "+oneStepTitle)), bytes.Index(b, []byte("wp: "+oneStepTitle)); i > j {
		t.Error("wp drawn before adam")
	}
	// The axis label "sample" only under the bottom row.
	if n := bytes.Count(b, []byte(">"+sampleLabel+"<")); n != 2 {
		t.Errorf("%q appears %d times, want 2 (bottom row)", sampleLabel, n)
	}
}

// TestWritePredictionsXYZ draws testdata/forecast_xyz: three dimensions,
// of which the figure shows x and says so.
func TestWritePredictionsXYZ(t *testing.T) {
	dir := copyRun(t, "forecast_xyz")
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "predictions.png", pixels(predWidth.Points()), pixels(predHeight(2).Points()))
	b := readSVG(t, dir, "predictions.svg")
	for _, w := range []string{"Forecasts of x of (x, y, z)", "dopamine: " + oneStepTitle, "sgd: " + freeRunTitle} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("predictions.svg does not contain %q", w)
		}
	}

	preds, dims, err := readPredictions(filepath.Join("testdata", "forecast_xyz", predictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if dims != 3 || len(preds) != 2 {
		t.Fatalf("got %d predictions of %d dims, want 2 of 3", len(preds), dims)
	}
	for _, p := range preds {
		if len(p.step) != 40 || p.step[0] != 101 || p.step[39] != 140 {
			t.Errorf("%s: %d steps from %v, want 40 of dimension 0 from 101 to 140", p.rule, len(p.step), p.step[:1])
		}
		// Dimension 0 is x = 10 sin(step/6), within rounding.
		if got, want := p.values[predTarget][0], 10*math.Sin(101.0/6); math.Abs(got-want) > 1e-5 {
			t.Errorf("%s: first target %g, want %g (dimension 0)", p.rule, got, want)
		}
		if n := countFinite(p.values[predFreeRun]); n != 20 {
			t.Errorf("%s: %d finite free_run values, want 20", p.rule, n)
		}
	}
}

func countFinite(v []float64) int {
	n := 0
	for _, x := range v {
		if isFinite(x) {
			n++
		}
	}
	return n
}

func TestReadPredictionsFirstSeed(t *testing.T) {
	preds, dims, err := readPredictions(filepath.Join("testdata", "forecast", predictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if dims != 1 || len(preds) != 2 {
		t.Fatalf("got %d predictions of %d dims, want 2 of 1", len(preds), dims)
	}
	for _, p := range preds {
		if p.seed != 1 || len(p.step) != 60 {
			t.Errorf("%s: seed %d with %d steps, want seed 1 with 60", p.rule, p.seed, len(p.step))
		}
		for i, v := range p.values {
			if len(v) != len(p.step) {
				t.Errorf("%s: %d %s values for %d steps", p.rule, len(v), predColumns[i], len(p.step))
			}
		}
	}

	// Rows out of order are sorted by step; a missing file is no error.
	dir := t.TempDir()
	path := filepath.Join(dir, predictionsFile)
	csv := "rule,seed,step,dim,target,one_step,free_run\nwp,1,3,0,3,3.1,NaN\nwp,1,1,0,1,1.1,1\nwp,1,2,1,9,9,9\nwp,1,2,0,2,2.1,2\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	preds, dims, err = readPredictions(path)
	if err != nil {
		t.Fatal(err)
	}
	if dims != 2 || len(preds) != 1 {
		t.Fatalf("got %d predictions of %d dims, want 1 of 2", len(preds), dims)
	}
	check(t, "step", preds[0].step, []float64{1, 2, 3})
	check(t, "one_step", preds[0].values[predOneStep], []float64{1.1, 2.1, 3.1})
	check(t, "free_run", preds[0].values[predFreeRun], []float64{1, 2, math.NaN()})
	if p, d, err := readPredictions(filepath.Join(dir, "none.csv")); p != nil || d != 0 || err != nil {
		t.Errorf("missing file: %v, %d, %v; want nil, 0, nil", p, d, err)
	}
}

// TestWritePredictionsNaNRule checks that a rule whose one-step forecast
// is all NaN (a diverged run) is left out with a note, and that a rule
// without a closed-loop forecast gets an empty panel and a note.
func TestWritePredictionsNaNRule(t *testing.T) {
	dir := copyRun(t, "forecast")
	csv := "rule,seed,step,dim,target,one_step,free_run\n" +
		"wp,1,1,0,0.5,NaN,NaN\nwp,1,2,0,0.6,NaN,NaN\n" +
		"adam,1,1,0,0.5,0.52,NaN\nadam,1,2,0,0.6,0.61,NaN\nadam,1,3,0,0.7,+Inf,NaN\n"
	if err := os.WriteFile(filepath.Join(dir, predictionsFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "predictions.png", pixels(predWidth.Points()), pixels(predHeight(1).Points()))
	b := readSVG(t, dir, "predictions.svg")
	for _, w := range []string{"wp: " + noOneStepNote, "adam: " + noFreeRunNote} {
		if !hasNote(b, w) {
			t.Errorf("predictions.svg lacks the note %q", w)
		}
	}
	if n := bytes.Count(b, []byte("adam: "+oneStepTitle)); n != 1 {
		t.Errorf("predictions.svg contains the adam title %d times, want once", n)
	}
	for _, bad := range []string{"wp (seed", "wp: " + oneStepTitle} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("predictions.svg contains %q", bad)
		}
	}

	// No rule with a finite one-step forecast: no figure, the others stay.
	dir = copyRun(t, "forecast")
	csv = "rule,seed,step,dim,target,one_step,free_run\nwp,1,1,0,0.5,NaN,NaN\n"
	if err := os.WriteFile(filepath.Join(dir, predictionsFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	noFile(t, dir, "predictions.png", "predictions.svg")
}

// TestWriteWithoutPredictions checks that a run without predictions.csv,
// or with a header only, gets no predictions figure.
func TestWriteWithoutPredictions(t *testing.T) {
	dir := copyRun(t, "forecast")
	if err := os.Remove(filepath.Join(dir, predictionsFile)); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, dir, "loss.png", pixels(lossWidth.Points()), pixels(lossHeight.Points()))
	noFile(t, dir, "predictions.png", "predictions.svg", "modulator.png")

	hdr := "rule,seed,step,dim,target,one_step,free_run\n"
	if err := os.WriteFile(filepath.Join(dir, predictionsFile), []byte(hdr), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	noFile(t, dir, "predictions.png", "predictions.svg")
}

// TestWritePredictionsClipped checks that a forecast blowing up is clipped
// to a y axis around the target and named in a note.
func TestWritePredictionsClipped(t *testing.T) {
	dir := copyRun(t, "forecast")
	csv := "rule,seed,step,dim,target,one_step,free_run\n" +
		"wp,1,1,0,0.5,0.5,NaN\nwp,1,2,0,0.6,1e30,NaN\nwp,1,3,0,0.7,-4e9,0.7\nwp,1,4,0,0.8,0.8,0.9\n" +
		"adam,1,1,0,0.5,0.52,NaN\nadam,1,2,0,0.6,0.61,0.6\n"
	if err := os.WriteFile(filepath.Join(dir, predictionsFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	b := readSVG(t, dir, "predictions.svg")
	if !hasNote(b, "wp: "+clippedNote) || hasNote(b, "adam: "+clippedNote) {
		t.Errorf("predictions.svg lacks the note %q for wp only", "wp: "+clippedNote)
	}
}

func TestYRangeLimits(t *testing.T) {
	r := newYRange([]float64{1, 2, math.NaN()})
	r.add([]float64{1, 2})
	r.add([]float64{0.5, 3})
	if lo, hi := r.limits(); lo != 0.5 || hi != 3 {
		t.Errorf("limits = %g, %g; want 0.5, 3", lo, hi)
	}
	r.add([]float64{-1e9, 1e9})
	if lo, hi := r.limits(); lo != 1-predClampSpans || hi != 2+predClampSpans {
		t.Errorf("limits = %g, %g; want %d, %d", lo, hi, 1-predClampSpans, 2+predClampSpans)
	}
	c := newYRange([]float64{5, 5})
	c.add([]float64{5})
	if lo, hi := c.limits(); lo != 4.5 || hi != 5.5 {
		t.Errorf("constant: limits = %g, %g; want 4.5, 5.5", lo, hi)
	}
	e := newYRange(nil)
	if lo, hi := e.limits(); lo != 0 || hi != 1 {
		t.Errorf("empty: limits = %g, %g; want 0, 1", lo, hi)
	}
}

func TestPredTitle(t *testing.T) {
	for dims, want := range map[int]string{
		1: "Forecasts (first",
		2: "Forecasts of x of (x, y) (first",
		3: "Forecasts of x of (x, y, z) (first",
		5: "Forecasts of x = dimension 0 of 5 (first",
	} {
		if got := predTitle(dims); !strings.HasPrefix(got, want) {
			t.Errorf("predTitle(%d) = %q, want prefix %q", dims, got, want)
		}
	}
}

func TestWrapNote(t *testing.T) {
	got := wrapNote("dopamine, dopamine2, wp: clipped to the y axis", 24)
	want := []string{"dopamine, dopamine2, wp:", "  clipped to the y axis"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapNote = %q, want %q", got, want)
	}
	got = wrapNote("dopamine2: clipped to the y axis", 28)
	want = []string{"dopamine2:", "  clipped to the y axis"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapNote = %q, want %q", got, want)
	}
	got = wrapNote("a bb ccc dddddddd e: why not", 5)
	want = []string{"a bb", "  ccc", "  dddddddd", "  e:", "  why not"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapNote = %q, want %q", got, want)
	}
	if got := wrapNote("short", 24); !slices.Equal(got, []string{"short"}) {
		t.Errorf("wrapNote(short) = %q", got)
	}
}

// TestRuleColorsOrder checks that a rule found in several files gets one
// style, and that rules only in traces.csv come before rules only in
// predictions.csv, so that adding predictions never restyles the others.
func TestRuleColorsOrder(t *testing.T) {
	curves := []Curve{{Rule: "b"}, {Rule: "d"}}
	m := ruleColors(curves, []string{"z", "a", "d"}, []string{"c", "a", "b", "c"})
	for rule, i := range map[string]int{"b": 0, "d": 1, "a": 2, "z": 3, "c": 4} {
		if m[rule].color != palette[i] {
			t.Errorf("%s has colour %v, want palette[%d]", rule, m[rule].color, i)
		}
	}
	if len(m) != 5 {
		t.Errorf("%d styles, want 5", len(m))
	}
}

func TestWritePredictionsErrors(t *testing.T) {
	const hdr = "rule,seed,step,dim,target,one_step,free_run\n"
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"bad value", hdr + "wp,1,1,0,0.5,0.5,NaN\nwp,1,2,0,0.6,abc,NaN\n", `predictions.csv line 3: bad one_step "abc"`},
		{"bad step", hdr + "wp,1,1.5,0,0.5,0.5,NaN\n", `predictions.csv line 2: bad step "1.5"`},
		{"bad dim", hdr + "wp,1,1,-1,0.5,0.5,NaN\n", `predictions.csv line 2: dim "-1" out of range`},
		{"bad seed", hdr + "wp,x,1,0,0.5,0.5,NaN\n", `predictions.csv line 2: bad seed "x"`},
		{"empty rule", hdr + ",1,1,0,0.5,0.5,NaN\n", "predictions.csv line 2: empty rule"},
		{"short row", hdr + "wp,1,1,0,0.5,0.5,NaN\nwp,1,2,0,0.5,0.5\n", "predictions.csv line 3: 6 fields, want 7"},
		{"missing column", "rule,seed,step,dim,target,one_step\nwp,1,1,0,0.5,0.5\n", `predictions.csv line 1: missing column "free_run"`},
		{"empty", "", "predictions.csv: empty file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyRun(t, "forecast")
			if err := os.WriteFile(filepath.Join(dir, predictionsFile), []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
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
