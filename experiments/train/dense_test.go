package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/rng"
)

// TestDenseKernelsMatchScalar compares the AVX2 kernels of batched
// backprop with the scalar loops bit for bit, on values whose sums round
// differently in another order.
func TestDenseKernelsMatchScalar(t *testing.T) {
	if !useDenseAVX2 {
		t.Skip("no AVX2 kernels here")
	}
	r := rand.New(rand.NewPCG(3, 4))
	fill := func(x []float64) {
		for i := range x {
			x[i] = r.NormFloat64() * math.Exp(4*r.NormFloat64())
		}
	}
	for _, n2 := range []int{0, 2, 6, 50, 784} {
		for _, groups := range []int{1, 4} {
			ldx := 8 * groups
			w, xt := make([]float64, 2*n2+3), make([]float64, n2*ldx+1)
			fill(w)
			fill(xt)
			e1, o1, e2, o2 := make([]float64, 2*ldx), make([]float64, 2*ldx), make([]float64, 2*ldx), make([]float64, 2*ldx)
			xt0 := xt
			if len(xt) == 1 {
				xt0 = append(xt, make([]float64, ldx)...) // a valid pointer for n2 = 0
			}
			dotPairsAVX2(&w[0], n2+1, &xt0[0], ldx, n2, groups, &e1[0], &o1[0], ldx)
			dotPairsGo(w, n2+1, xt0, ldx, n2, 2, ldx, e2, o2, ldx)
			for i := range e1 {
				if math.Float64bits(e1[i]) != math.Float64bits(e2[i]) || math.Float64bits(o1[i]) != math.Float64bits(o2[i]) {
					t.Fatalf("dotPairs n2=%d groups=%d at %d: AVX2 (%v, %v), Go (%v, %v)", n2, groups, i, e1[i], o1[i], e2[i], o2[i])
				}
			}
		}
	}
	for _, cols := range []int{16, 64, 784} {
		for _, n := range []int{1, 3, 32} {
			ldg, ldd := cols+5, 7
			g1, d, x := make([]float64, 2*ldg), make([]float64, n*ldd), make([]float64, n*cols)
			fill(g1)
			fill(d)
			fill(x)
			g2 := append([]float64(nil), g1...)
			gerRowsAVX2(&g1[0], ldg, &d[0], ldd, &x[0], cols, n, cols/16)
			gerRowsGo(g2, ldg, d, ldd, x, cols, n, 2, 0, cols)
			for i := range g1 {
				if math.Float64bits(g1[i]) != math.Float64bits(g2[i]) {
					t.Fatalf("gerRows cols=%d n=%d at %d: AVX2 %v, Go %v", cols, n, i, g1[i], g2[i])
				}
			}
		}
	}
}

// denseCircuit is an MNIST network of the given hidden sizes: odd sizes
// take every branch of gemvCombine (odd columns; an odd last row). An
// input activation other than linear makes the input population step as
// the others do (not copyInput).
func denseCircuit(t testing.TB, in string, h1, h2 int, act string) *circuits.Circuit {
	t.Helper()
	src := fmt.Sprintf(`name = "dense"
dt_ms = 1.0
steps_per_trial = 1
input = "input"
[[population]]
name = "input"
size = 784
activation = %q
[[population]]
name = "h1"
size = %d
activation = %q
[[population]]
name = "h2"
size = %d
activation = %q
[[population]]
name = "output"
size = 10
activation = "linear"
[[projection]]
from = "input"
to = "h1"
[[projection]]
from = "h1"
to = "h2"
[[projection]]
from = "h2"
to = "output"
[[projection]]
from = "input"
to = "h2"
init_gain = 0.5
[readout]
population = "output"
`, in, h1, act, h2, act)
	spec, err := circuits.Parse("dense.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := spec.Build(rng.Stream(7, "init"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// denseData is a small stand-in for MNIST: n random images (about a
// fifth of the pixels dark, as in MNIST) and labels.
func denseData(n int) *task.MNISTData {
	r := rand.New(rand.NewPCG(5, 6))
	d := &task.MNISTData{TrainX: make([]float64, n*784), TrainY: make([]uint8, n), TestX: make([]float64, 784), TestY: make([]uint8, 1)}
	for i := range d.TrainX {
		if r.IntN(5) == 0 {
			d.TrainX[i] = float64(r.IntN(256)) / 255
		}
	}
	for i := range d.TrainY {
		d.TrainY[i] = uint8(r.IntN(10))
	}
	return d
}

// TestDenseBatchMatchesPerSample trains two copies of a circuit, one by
// batched backprop and one a sample at a time (Circuit.Backward through
// the tape), and requires the same bits: the loss of every update, every
// gradient and every weight, for sgd and adam, both losses, standardized
// inputs, odd layer sizes and a batch that is not a multiple of 8, with
// the AVX2 kernels and with the scalar loops.
func TestDenseBatchMatchesPerSample(t *testing.T) {
	if !denseExact {
		t.Skip("batched backprop is off on this architecture")
	}
	data := denseData(200)
	cases := []struct {
		name       string
		in         string
		h1, h2     int
		act        string
		rule       Spec
		loss, inps string
		batch      int
	}{
		{"sgd 50-20 sigmoid", "linear", 50, 20, "sigmoid", Spec{Name: "sgd", LearningRate: 0.3, Params: SGDParams{}}, "squared", "unit", 32},
		{"adam 51-13 tanh ce", "linear", 51, 13, "tanh", Spec{Name: "adam", LearningRate: 0.01, Params: AdamParams{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}}, "cross_entropy", "standardized", 13},
		{"sgd relu-9-7 relu decay", "relu", 9, 7, "relu", Spec{Name: "sgd", LearningRate: 0.1, Params: SGDParams{Decay{WeightDecay: 1e-3}}}, "squared", "unit", 5},
	}
	for _, avx := range []bool{true, false} {
		if avx && !useDenseAVX2 {
			continue
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s avx2=%v", tc.name, avx), func(t *testing.T) {
				defer func(u bool) { useDenseAVX2 = u }(useDenseAVX2)
				useDenseAVX2 = avx
				p := task.MNISTParams{}.Defaults()
				p.BatchSize, p.TrainImages, p.TestImages, p.Loss, p.Inputs = tc.batch, 200, 1, tc.loss, tc.inps
				var cs [2]*circuits.Circuit
				var rs [2]*Backprop
				var ts [2]*task.MNIST
				for i := range cs {
					cs[i] = denseCircuit(t, tc.in, tc.h1, tc.h2, tc.act)
					ts[i] = task.NewMNIST(p, data)
					if err := ts[i].Check(cs[i]); err != nil {
						t.Fatal(err)
					}
					r, err := New(tc.rule, cs[i], rng.Stream(1, "rule"))
					if err != nil {
						t.Fatal(err)
					}
					rs[i] = r.(*Backprop)
				}
				if rs[0].dense == nil {
					t.Fatal("the circuit does not take the batched path")
				}
				rs[1].dense = nil // the per-sample path
				var trs [2]*rand.Rand
				for i := range trs {
					trs[i] = rng.Stream(1, "task")
				}
				for step := range 4 {
					var ls [2]float64
					for i := range cs {
						ts[i].Next(trs[i])
						ls[i], _ = rs[i].Measure(ts[i])
					}
					if math.Float64bits(ls[0]) != math.Float64bits(ls[1]) {
						t.Fatalf("update %d: loss %v batched, %v per sample", step, ls[0], ls[1])
					}
					for k := range cs[0].Links {
						a, b := cs[0].Links[k], cs[1].Links[k]
						for j := range a.Grad {
							if math.Float64bits(a.Grad[j]) != math.Float64bits(b.Grad[j]) {
								t.Fatalf("update %d, link %d, synapse %d: gradient %v batched, %v per sample", step, k, j, a.Grad[j], b.Grad[j])
							}
						}
					}
					for i := range cs {
						rs[i].Learn(ts[i])
					}
					for k := range cs[0].Links {
						a, b := cs[0].Links[k], cs[1].Links[k]
						for j := range a.W {
							if math.Float64bits(a.W[j]) != math.Float64bits(b.W[j]) {
								t.Fatalf("update %d, link %d, synapse %d: weight %v batched, %v per sample", step, k, j, a.W[j], b.W[j])
							}
						}
					}
				}
				// The circuits are left in the same state: the last sample's trial.
				for p := range cs[0].Pops {
					a, b := cs[0].Pops[p].Output(), cs[1].Pops[p].Output()
					for i := range a {
						if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
							t.Fatalf("population %d, neuron %d: rate %v batched, %v per sample", p, i, a[i], b[i])
						}
					}
				}
				if a := testing.AllocsPerRun(5, func() { ts[0].Next(trs[0]); rs[0].Measure(ts[0]); rs[0].Learn(ts[0]) }); a != 0 {
					t.Errorf("a batched update allocates %v times", a)
				}
			})
		}
	}
}

// TestDenseBatchFallsBack: circuits the batched path does not reproduce
// (several steps per trial) keep the per-sample path.
func TestDenseBatchFallsBack(t *testing.T) {
	spec, err := circuits.Load("xor")
	if err != nil {
		t.Fatal(err)
	}
	c, err := spec.Build(rng.Stream(1, "init"))
	if err != nil {
		t.Fatal(err)
	}
	want := c.StepsPerTrial == 1 && denseExact
	if got := newDenseBatch(c) != nil; got != want {
		t.Errorf("xor (steps_per_trial %d): batched %v, want %v", c.StepsPerTrial, got, want)
	}
	c.StepsPerTrial = 2
	if newDenseBatch(c) != nil {
		t.Error("a circuit of two steps per trial takes the batched path")
	}
}
