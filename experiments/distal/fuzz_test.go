package distal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// FuzzReadResult: no synapse_traces.csv, weights_end.csv or network_rasters.csv, however
// broken, make dopa plot panic on a distal-reward directory; it either
// redraws or returns an error.
func FuzzReadResult(f *testing.F) {
	spec := shortSpec(0.5)
	spec.Seeds = 1
	spec.Record.RasterMs = 200
	res, err := Run(context.Background(), spec, 0)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := f.TempDir()
	if err := writeAll(tmpl, res); err != nil {
		f.Fatal(err)
	}
	read := func(name string, limit int) string {
		b, err := os.ReadFile(filepath.Join(tmpl, name))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > limit { // keep whole lines
			b = b[:bytes.LastIndexByte(b[:limit], '\n')+1]
		}
		return string(b)
	}
	manifest, summary := read("manifest.json", 1<<20), read("summary.json", 1<<20)
	f.Add(read(output.SynapseTracesFile, 2000), "condition,seed,pre,post,weight,rewarded\nrewarded,1,0,5,4,1\n", read(output.NetworkRastersFile, 2000))
	f.Add("condition,seed,t_s,dopamine,eligibility,weight,mean_exc_weight\nrewarded,1,NaN,Inf,-Inf,1e308,0\n",
		"condition,seed,pre,post,weight,rewarded\ncontrol,1,-7,3e9,NaN,0\n", "condition,seed,t_ms,neuron\nrewarded,1,-5,999999\n")
	f.Fuzz(func(t *testing.T, traces, weights, raster string) {
		dir := t.TempDir()
		for name, body := range map[string]string{"manifest.json": manifest, "summary.json": summary,
			output.SynapseTracesFile: traces, output.WeightsEndFile: weights, output.NetworkRastersFile: raster} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r, err := ReadResult(dir)
		if err != nil {
			return
		}
		_ = WritePlots(dir, r)
	})
}
