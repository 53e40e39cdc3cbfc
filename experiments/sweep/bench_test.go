package sweep_test

import (
	"fmt"
	"testing"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/sweep"
)

// sweepFile is an XOR experiment sweeping one key over a range of n steps.
func sweepFile(n int) []byte {
	return fmt.Appendf(nil, `name = "s"
circuit = "xor"
task = "xor"
max_trials = 100

[[rule]]
name = "dopamine"

[sweep]
mode = "grid"

[[sweep.param]]
key = "rule.dopamine.learning_rate"
range = [0.001, 1.0]
steps = %d
`, n)
}

// BenchmarkSweepExpand loads, expands and checks a sweep of 1k, 10k and
// 100k points of one key: its cost must grow linearly with the points.
func BenchmarkSweepExpand(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			data := sweepFile(n)
			for b.Loop() {
				src, err := experiments.OpenData("s.toml", data)
				if err != nil {
					b.Fatal(err)
				}
				sw, err := sweep.Load(src, nil, true)
				if err != nil {
					b.Fatal(err)
				}
				if len(sw.Points) != n {
					b.Fatalf("%d points, want %d", len(sw.Points), n)
				}
			}
		})
	}
}
