package distal

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// TestReadResultRebuildsWhatTheFiguresDraw: the files Write leaves give
// back the spec and, per run, everything the figures draw, exactly; the
// figures are then redrawn from them.
func TestReadResultRebuildsWhatTheFiguresDraw(t *testing.T) {
	spec := shortSpec(2)
	spec.Seeds = 1
	spec.Record.RasterMs = 500 // two raster windows that do not touch
	res, err := Run(context.Background(), spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeAll(dir, res); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Spec, res.Spec) {
		t.Errorf("spec from manifest.json:\n%+v\nwant\n%+v", got.Spec, res.Spec)
	}
	if len(got.Runs) != len(res.Runs) {
		t.Fatalf("%d runs, want %d", len(got.Runs), len(res.Runs))
	}
	for i, w := range res.Runs {
		g := got.Runs[i]
		if g.Condition != w.Condition || g.Reward != w.Reward || g.Seed != w.Seed || g.Done != w.Done ||
			g.Pre != w.Pre || g.Post != w.Post || g.Index != w.Index {
			t.Errorf("run %d: %s/%v/%d/%v pre %d post %d index %d, want %s/%v/%d/%v pre %d post %d index %d", i,
				g.Condition, g.Reward, g.Seed, g.Done, g.Pre, g.Post, g.Index, w.Condition, w.Reward, w.Seed, w.Done, w.Pre, w.Post, w.Index)
		}
		if !slices.Equal(g.Traces, w.Traces) || !slices.Equal(g.Weights, w.Weights) || !slices.Equal(g.WPre, w.WPre) || !slices.Equal(g.WPost, w.WPost) {
			t.Errorf("run %d: traces or weights differ from the run's", i)
		}
		if !slices.Equal(g.RasterFirst, w.RasterFirst) || !slices.Equal(g.RasterLast, w.RasterLast) ||
			g.RasterFirstFrom != w.RasterFirstFrom || g.RasterLastFrom != w.RasterLastFrom {
			t.Errorf("run %d: rasters differ: %d+%d spikes from %d, %d (want %d+%d from %d, %d)", i,
				len(g.RasterFirst), len(g.RasterLast), g.RasterFirstFrom, g.RasterLastFrom,
				len(w.RasterFirst), len(w.RasterLast), w.RasterFirstFrom, w.RasterLastFrom)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "plots")); err != nil {
		t.Fatal(err)
	}
	if err := WritePlots(dir, got); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"distal_reward.png", "weights_end.svg", "raster.png"} {
		if st, err := os.Stat(filepath.Join(dir, "plots", f)); err != nil || st.Size() == 0 {
			t.Errorf("plots/%s not redrawn: %v", f, err)
		}
	}

	// A damaged file is named, with its line.
	tr := filepath.Join(dir, output.SynapseTracesFile)
	data, _ := os.ReadFile(tr)
	lines := strings.SplitAfter(string(data), "\n")
	lines[3] = strings.Replace(lines[3], ",", ",x", 3)
	if err := os.WriteFile(tr, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResult(dir); err == nil || !strings.Contains(err.Error(), output.SynapseTracesFile+" line 4") {
		t.Errorf("damaged %s: %v, want an error naming its line 4", output.SynapseTracesFile, err)
	}
}
