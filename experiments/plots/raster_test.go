package plots

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteSimulation(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		layoutFile: "population,size,dt_ms,steps\nexc,4,0.5,40\ninh,2,0.5,40\n",
		spikesFile: "time_ms,population,neuron\n0.5,exc,0\n1,inh,1\n10.5,exc,3\n",
		statesFile: "time_ms,exc.v.0,exc.v.1,inh.v.0\n0.5,-60,-61,-55\n1,-59,-60,nan\n1.5,-58,-59,-54\n",
	})
	if err := WriteSimulation(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"raster.png", "raster.svg", "states.png", "states.svg"} {
		st, err := os.Stat(filepath.Join(dir, plotsDir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, plotsDir, "raster.svg"))
	if !strings.Contains(string(svg), "3 spikes in 20 ms") {
		t.Error("raster.svg does not give the spike count and duration in its title")
	}
	// Without states.csv: no states figure, no error.
	os.Remove(filepath.Join(dir, statesFile))
	os.RemoveAll(filepath.Join(dir, plotsDir))
	if err := WriteSimulation(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, plotsDir, "states.png")); err == nil {
		t.Error("states.png without states.csv")
	}
}

func TestWriteSimulationBadInput(t *testing.T) {
	for _, tc := range []struct{ spikes, want string }{
		{"time_ms,population,neuron\n1,glia,0\n", "spikes.csv line 2: unknown population \"glia\""},
		{"time_ms,population,neuron\n1,exc,4\n", "spikes.csv line 2: neuron 4 of \"exc\" (size 4)"},
		{"time_ms,population,neuron\nx,exc,1\n", "spikes.csv line 2: bad time_ms"},
		{"time,population,neuron\n", "missing column \"time_ms\""},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{layoutFile: "population,size,dt_ms,steps\nexc,4,1,10\n", spikesFile: tc.spikes})
		err := WriteSimulation(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.spikes, err, tc.want)
		}
	}
}

// Decimation: at most MaxRasterRows rows, every population represented.
func TestRasterStride(t *testing.T) {
	for _, tc := range []struct {
		sizes []int
		want  int
	}{{[]int{3200, 800}, 5}, {[]int{2, 16, 1}, 1}, {[]int{800}, 1}, {[]int{801}, 2}} {
		if k := rasterStride(&popLayout{sizes: tc.sizes}); k != tc.want {
			t.Errorf("sizes %v: stride %d, want %d", tc.sizes, k, tc.want)
		}
	}
	lay := &popLayout{names: []string{"a", "b"}, sizes: []int{3200, 800}, dtMs: 0.1, steps: 10}
	s := &spikeSet{t: []float64{0.1, 0.2, 0.3}, pop: []int{0, 0, 1}, n: []int{5, 6, 795}}
	p, err := rasterPlot(s, lay, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max != 800-0.5 {
		t.Errorf("y range up to %g, want 799.5 (800 rows)", p.Y.Max)
	}
}

// Population rates: a known spike count per bin gives the rate in Hz.
func TestPopRates(t *testing.T) {
	lay := &popLayout{names: []string{"a", "b"}, sizes: []int{10, 5}, dtMs: 1, steps: 1000}
	s := &spikeSet{}
	for step := 1; step <= 1000; step++ { // a: one spike per step (100 Hz per neuron); b: every other step (100 Hz)
		s.t, s.pop, s.n = append(s.t, float64(step)), append(s.pop, 0), append(s.n, step%10)
		if step%2 == 0 {
			s.t, s.pop, s.n = append(s.t, float64(step)), append(s.pop, 1), append(s.n, step%5)
		}
	}
	centers, rates, bin := popRates(s, lay, 1000)
	if bin != 2 || len(centers) != 500 || centers[0] != 1 {
		t.Fatalf("bin %g, %d bins, first center %g; want 2 ms, 500, 1", bin, len(centers), centers[0])
	}
	for p := range rates {
		for b, r := range rates[p] {
			if math.Abs(r-100) > 1e-9 {
				t.Fatalf("population %d bin %d: %g Hz, want 100", p, b, r)
			}
		}
	}
}

func TestWriteRasters(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRasters(dir); err != nil {
		t.Fatalf("no rasters.csv: %v", err)
	}
	writeFiles(t, dir, map[string]string{rastersFile: "rule,seed,phase,time_ms,population,neuron\n" +
		"wp,1,before,1,input,0\nwp,1,before,3,hidden,7\nwp,1,after,2,output,0\ndopamine@0.1,1,before,4,input,1\ndopamine@0.1,1,after,5,input,1\n"})
	if err := WriteRasters(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"raster_wp_s1.png", "raster_wp_s1.svg", "raster_dopamine@0.1_s1.png"} {
		if _, err := os.Stat(filepath.Join(dir, plotsDir, f)); err != nil {
			t.Error(err)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, plotsDir, "raster_wp_s1.svg"))
	for _, want := range []string{"wp seed 1: before learning", "wp seed 1: after learning"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("raster_wp_s1.svg lacks %q", want)
		}
	}
}

// TestRasterTrialsAreMarked: with raster_trials.csv, each trial's input is
// written above its stretch of the raster; a bad row is an error naming the
// file and line.
func TestRasterTrialsAreMarked(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		rastersFile: "rule,seed,phase,time_ms,population,neuron\nwp,1,before,1,input,0\nwp,1,before,130,hidden,2\n",
		trialsFile:  "rule,seed,phase,start_ms,end_ms,input\nwp,1,before,0,100,\"0,0\"\nwp,1,before,100,200,\"0,1\"\n",
	})
	if err := WriteRasters(dir); err != nil {
		t.Fatal(err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, plotsDir, "raster_wp_s1.svg"))
	for _, want := range []string{"in 0,0", "in 0,1"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("raster_wp_s1.svg lacks the trial label %q", want)
		}
	}
	writeFiles(t, dir, map[string]string{trialsFile: "rule,seed,phase,start_ms,end_ms,input\nwp,1,before,100,50,\"0,0\"\n"})
	err := WriteRasters(dir)
	if err == nil || !strings.Contains(err.Error(), trialsFile+" line 2") {
		t.Errorf("end before start: %v, want an error naming %s line 2", err, trialsFile)
	}
}
