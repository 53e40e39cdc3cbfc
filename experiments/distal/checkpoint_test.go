package distal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/experiments/runner"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/race"
)

// TestCheckpointResumeIsIdentical: distal-reward runs stopped again and
// again continue from their checkpoints, and end with the files of runs
// never stopped.
func TestCheckpointResumeIsIdentical(t *testing.T) {
	// Under the race detector, runs of 3 s stopped every 1.5 s: at a
	// tenth of the speed, runs of 12 s stopped every 400 ms would not end
	// within 60 stops.
	duration, every := 12, 400*time.Millisecond
	if race.Enabled {
		duration, every = 3, 1500*time.Millisecond
	}
	spec := Spec{}.Defaults()
	spec.DurationS, spec.Seeds = float64(duration), 1
	whole, err := Run(context.Background(), &spec, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := t.TempDir()
	if err := Write(a, whole); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var dirB string
	doc, err := config.Parse("test.toml", []byte(fmt.Sprintf("kind = \"distal_reward\"\nduration_s = %d\nseeds = 1\n", duration)))
	if err != nil {
		t.Fatal(err)
	}
	noPlots := RunKind
	noPlots.Plot = func(string) error { return nil }
	stops := 0
	for ; ; stops++ {
		if stops > 60 {
			t.Fatal("no end after 60 stops")
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		exp, lerr := RunKind.Load(runner.Source{File: "test", Doc: doc}, nil)
		if lerr != nil {
			t.Fatal(lerr)
		}
		rep, err := runner.Execute(ctx, noPlots, exp, runner.Options{Dir: dir, Resume: stops > 0, Workers: 2, CheckpointEvery: 20 * time.Millisecond})
		cancel()
		if err == nil {
			b := t.TempDir()
			if err := exp.Write(b, &rep.Manifest, rep.Results); err != nil {
				t.Fatal(err)
			}
			dirB = b
			break
		}
		if rep == nil {
			t.Fatal(err)
		}
		if ck, _ := filepath.Glob(filepath.Join(dir, output.JournalDir, "*.ckpt")); len(ck) == 0 {
			t.Fatalf("stop %d: no checkpoint of the runs under way", stops)
		}
	}
	if stops == 0 {
		t.Skip("finished before the first stop: nothing was resumed")
	}
	b := dirB
	wall := regexp.MustCompile(`"(?:wall_seconds|sim_seconds|median_sim_seconds|median_wall_seconds)": [^,\n]+`)
	for _, f := range []string{output.SummaryFile, output.SynapseTracesFile, output.WeightsEndFile, output.NetworkRastersFile} {
		fa, _ := os.ReadFile(filepath.Join(a, f))
		fb, _ := os.ReadFile(filepath.Join(b, f))
		if f == output.SummaryFile {
			fa, fb = wall.ReplaceAll(fa, nil), wall.ReplaceAll(fb, nil)
		}
		if len(fa) == 0 || !bytes.Equal(fa, fb) {
			t.Errorf("%s differs after %d stops (%d and %d bytes)", f, stops, len(fa), len(fb))
		}
	}
	t.Logf("identical after %d stops", stops)
}
