package simulation

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/internal/output"
)

// cubaSecond is the CUBA circuit (circuits/cuba.toml: 4000 LIF neurons,
// three monitored membrane potentials) simulated for its one second,
// made once for the format benchmarks.
var cubaSecond = sync.OnceValues(func() (*Simulation, error) {
	src, err := experiments.Open("cuba")
	if err != nil {
		return nil, err
	}
	cf, err := experiments.LoadSimulation(src)
	if err != nil {
		return nil, err
	}
	return Simulate(context.Background(), cf, 1)
})

// cpuTime is the CPU time (user and system) the process has used so far,
// in ns: on a machine that other work keeps busy, the cost of a format
// is steadier in CPU time than in the wall-clock time of ns/op.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCubaTables writes the tables of the CUBA second (spikes,
// states and populations) as CSV and as .npz, atomically as a run writes
// them (each file synced before it is renamed); bytes-on-disk is the size
// of the three files. The shm variants write into /dev/shm (Linux's
// tmpfs, where a sync costs nothing): the cost of the format alone,
// without the device's latency, which both formats pay alike. cpu-ns/op
// is the CPU time of a write, steadier than ns/op on a busy machine.
// Compare:
//
//	go test ./experiments/simulation -run '^$' -bench CubaTables -benchmem -count 5
func BenchmarkCubaTables(b *testing.B) {
	sim, err := cubaSecond()
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		f    output.Format
		shm  bool
	}{{"csv", output.CSV, false}, {"npz", output.NPZ, false}, {"csv-shm", output.CSV, true}, {"npz-shm", output.NPZ, true}} {
		f := v.f
		b.Run(v.name, func(b *testing.B) {
			dir := b.TempDir()
			if v.shm {
				d, err := os.MkdirTemp("/dev/shm", "dopa-bench")
				if err != nil {
					b.Skip("no /dev/shm:", err)
				}
				defer os.RemoveAll(d)
				dir = d
			}
			cpu0 := cpuTime()
			for b.Loop() {
				if err := WriteSimulationTables(dir, f, 0.1, sim); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			var size int64
			for _, t := range []string{output.SpikesFile, output.StatesFile, output.LayoutFile} {
				if f == output.NPZ {
					t = output.NPZName(t)
				}
				st, err := os.Stat(filepath.Join(dir, t))
				if err != nil {
					b.Fatal(err)
				}
				size += st.Size()
			}
			b.ReportMetric(float64(size), "bytes-on-disk")
			b.ReportMetric(float64(len(sim.Raster.Spikes)), "spikes")
		})
	}
}
