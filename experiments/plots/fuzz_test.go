package plots

import (
	"testing"
)

// FuzzWriteRasters: no rasters.csv and raster_trials.csv, however broken,
// make dopa plot panic; it either draws or returns an error.
func FuzzWriteRasters(f *testing.F) {
	f.Add("rule,seed,phase,time_ms,population,neuron\nwp,1,before,1,input,0\nwp,1,after,130,hidden,2\n",
		"rule,seed,phase,start_ms,end_ms,input\nwp,1,before,0,100,\"0,0\"\nwp,1,before,100,200,\"0,1\"\n")
	f.Add("rule,seed,phase,time_ms,population,neuron\nwp,1,before,NaN,input,0\n", "rule,seed,phase,start_ms,end_ms,input\nwp,1,before,-Inf,1e308,x\n")
	f.Add("rule,seed,phase,time_ms,population,neuron\nwp,1,before,1,input,99999999\n", "")
	f.Fuzz(func(t *testing.T, rasters, trials string) {
		dir := t.TempDir()
		files := map[string]string{rastersFile: rasters}
		if trials != "" {
			files[trialsFile] = trials
		}
		writeFiles(t, dir, files)
		_ = WriteRasters(dir)
	})
}
