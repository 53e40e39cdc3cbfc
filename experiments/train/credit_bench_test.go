package train

import (
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/rng"
)

// BenchmarkMNISTEpochSGD is one epoch of backprop SGD (1875 batches of
// 32, η = 0.3) on Lansdell et al.'s 784-50-20-10 network, one thread, no
// evaluation: the Go side of the comparison with
// docs/reference/mnist_epoch_torch.py (docs/performance.md, "Dense
// training"). It reports the process's CPU seconds per epoch (cpu-s/op)
// beside the wall time. Run with
//
//	go test ./experiments/train -run '^$' -bench MNISTEpoch -benchtime 3x
func BenchmarkMNISTEpochSGD(b *testing.B) {
	benchMNISTEpoch(b, Spec{Name: "sgd", LearningRate: 0.3, Params: SGDParams{}})
}

// BenchmarkMNISTEpochFA is the same epoch under feedback alignment.
func BenchmarkMNISTEpochFA(b *testing.B) {
	benchMNISTEpoch(b, Spec{Name: "fa", LearningRate: 0.1, Params: FeedbackParams{Init: "normal", Scale: 1}})
}

func benchMNISTEpoch(b *testing.B, s Spec) {
	spec, err := circuits.Load("mnist_mlp")
	if err != nil {
		b.Fatal(err)
	}
	data, err := task.LoadMNIST()
	if err != nil {
		b.Fatal(err)
	}
	c, err := spec.Build(rng.Stream(1, "init"))
	if err != nil {
		b.Fatal(err)
	}
	tk := task.NewMNIST(task.MNISTParams{}.Defaults(), data)
	if err := tk.Check(c); err != nil {
		b.Fatal(err)
	}
	r, err := New(s, c, rng.Stream(1, "rule"))
	if err != nil {
		b.Fatal(err)
	}
	tr := rng.Stream(1, "task")
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuSeconds()
	for range b.N {
		for range 60000 / 32 {
			tk.Next(tr)
			r.Measure(tk)
			r.Learn(tk)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
}
