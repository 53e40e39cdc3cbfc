package task

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// mlp builds a chain of rate populations (tanh hidden, linear readout).
func mlp(tb testing.TB, sizes ...int) *circuits.Circuit {
	tb.Helper()
	var pops []neuron.Population
	var names []string
	var links []circuits.Link
	for i, n := range sizes {
		a := neuron.Tanh
		if i == 0 || i == len(sizes)-1 {
			a = neuron.Linear
		}
		p, _ := neuron.NewRate(n, neuron.RateParams{Activation: a})
		pops = append(pops, p)
		names = append(names, string(rune('a'+i)))
		if i > 0 {
			d, _ := synapse.NewDense(sizes[i-1], n, synapse.DenseParams{}.Defaults())
			links = append(links, circuits.Link{Name: names[i-1] + names[i], Pre: i - 1, Post: i, Dense: d})
		}
	}
	c, err := circuits.New("mlp", 1, 1, pops, names, links, 0, len(sizes)-1)
	if err != nil {
		tb.Fatal(err)
	}
	c.Init(rand.New(rand.NewPCG(1, 2)))
	for _, l := range c.Links {
		for i := range l.Biases() {
			l.Biases()[i] = 0.1 * float64(i+1)
		}
	}
	return c
}

// checkGrad compares Grad with central finite differences of Loss on the
// current batch.
func checkGrad(t *testing.T, tk Task, c *circuits.Circuit) {
	t.Helper()
	c.ZeroGrad()
	l := tk.Grad(c)
	if d := math.Abs(l - tk.Loss(c)); d > 1e-12 {
		t.Errorf("Grad's loss %g, Loss %g", l, tk.Loss(c))
	}
	const h = 1e-6
	for k, lk := range c.Links {
		for i := 0; i < len(lk.W); i += 1 + len(lk.W)/40 {
			w := lk.W[i]
			lk.W[i] = w + h
			lp := tk.Loss(c)
			lk.W[i] = w - h
			lm := tk.Loss(c)
			lk.W[i] = w
			fd := (lp - lm) / (2 * h)
			if math.Abs(fd-lk.Grad[i]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("link %d synapse %d: gradient %g, finite difference %g", k, i, lk.Grad[i], fd)
			}
		}
	}
}

// TestRegressionGradAndNSE: the gradient of the batch loss matches finite
// differences; the NSE is 1 before learning and 0 for a student equal to
// the teacher.
func TestRegressionGradAndNSE(t *testing.T) {
	p := RegressionParams{}.Defaults()
	p.Samples, p.BatchSize = 50, 5
	m, err := prepareRegression(p)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := m()
	c := mlp(t, 6, 4, 3)
	if err := tk.Check(c); err != nil {
		t.Fatal(err)
	}
	r := tk.(*Regression)
	r.Next(rand.New(rand.NewPCG(3, 4)))
	checkGrad(t, tk, c)
	if v := r.NSE(c); math.Abs(v-1) > 1e-12 {
		t.Errorf("NSE before learning %g, want 1", v)
	}
	// A linear student 6→3 that is the teacher: NSE 0.
	lin := RegressionParams{}.Defaults()
	lin.Samples = 20
	m2, _ := prepareRegression(lin)
	tk2, _ := m2()
	c2 := mlp(t, 6, 3)
	c2.Links[0].Bias = false
	c2.Links[0].W = c2.Links[0].W[:18]
	if err := tk2.Check(c2); err != nil {
		t.Fatal(err)
	}
	r2 := tk2.(*Regression)
	r2.Next(rand.New(rand.NewPCG(1, 1)))
	r2.Loss(c2) // measures the error before learning
	tr := rng0(lin)
	copy(c2.Links[0].W, tr)
	if v := r2.NSE(c2); v > 1e-20 {
		t.Errorf("NSE of the teacher itself %g, want 0", v)
	}
}

// rng0 returns the linear teacher's matrix of p for 6 inputs and 3
// outputs, drawn as TeacherData draws it.
func rng0(p RegressionParams) []float64 {
	r := teacherStream(p)
	w := make([]float64, 18)
	for j := range w {
		w[j] = p.TeacherScale * (2*r.Float64() - 1)
	}
	return w
}

// mnistOn returns task mnist with p (validated) on a 784-5-10 network.
func mnistOn(t *testing.T, p MNISTParams) (*MNIST, *circuits.Circuit, *MNISTData) {
	t.Helper()
	d, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	tk := NewMNIST(p, d)
	c := mlp(t, 784, 5, 10)
	if err := tk.Check(c); err != nil {
		t.Fatal(err)
	}
	return tk, c, d
}

// TestMNISTGrad: the gradient of the MNIST batch loss matches finite
// differences on a small network, and the test error of a network that
// outputs zeros is that of always answering 0.
func TestMNISTGrad(t *testing.T) {
	p := MNISTParams{}.Defaults()
	p.BatchSize, p.TestImages = 4, 1000
	tk, c, d := mnistOn(t, p)
	tk.Next(rand.New(rand.NewPCG(1, 1)))
	checkGrad(t, tk, c)
	for _, l := range c.Links {
		clear(l.W)
	}
	zeros := 0
	for _, y := range d.TestY[:1000] {
		if y != 0 {
			zeros++
		}
	}
	if e := tk.TestError(c); e != float64(zeros)/1000 {
		t.Errorf("test error of a silent network %g, want %g", e, float64(zeros)/1000)
	}
}

// TestBatchContext: a minibatch task names a new context with every
// batch (its losses are not comparable across batches); a task whose
// batch is its whole data set keeps one.
func TestBatchContext(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ samples, batch int }{{50, 5}, {20, 20}} {
		p := RegressionParams{}.Defaults()
		p.Samples, p.BatchSize = tc.samples, tc.batch
		m, err := prepareRegression(p)
		if err != nil {
			t.Fatal(err)
		}
		tk, _ := m()
		tk.Check(mlp(t, 6, 4, 3))
		reg := tk.(*Regression)
		reg.Next(r)
		first := reg.Context()
		reg.Next(r)
		if full := tc.batch == tc.samples; (reg.Context() == first) != full {
			t.Errorf("regression, batch %d of %d: context %d then %d", tc.batch, tc.samples, first, reg.Context())
		}
	}
	d, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	mp := MNISTParams{}.Defaults()
	mp.BatchSize = 32
	mn := NewMNIST(mp, d)
	mn.Next(r)
	first := mn.Context()
	mn.Next(r)
	if mn.Context() == first {
		t.Errorf("mnist: the context did not change with the batch")
	}
}

// TestMNISTTaskState: a restored MNIST task, with its random stream
// restored as the caller does, draws the batches the saved one would have.
func TestMNISTTaskState(t *testing.T) {
	d, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	p := MNISTParams{}.Defaults()
	p.TrainImages, p.BatchSize = 100, 32 // a pass ends inside the fourth batch
	a, b := NewMNIST(p, d), NewMNIST(p, d)
	srcA := rand.NewChaCha8([32]byte{1})
	ra := rand.New(srcA)
	for range 3 {
		a.Next(ra)
	}
	b.SetTaskState(a.TaskState())
	st, _ := srcA.MarshalBinary()
	srcB := rand.NewChaCha8([32]byte{})
	if err := srcB.UnmarshalBinary(st); err != nil {
		t.Fatal(err)
	}
	rb := rand.New(srcB)
	for range 5 {
		a.Next(ra)
		b.Next(rb)
		if !slices.Equal(a.batch, b.batch) || a.Context() != b.Context() {
			t.Fatalf("restored task drew batch %v (context %d), saved one %v (%d)", b.batch, b.Context(), a.batch, a.Context())
		}
	}
}

// TestMNISTValidationHoldsOut: with validation_images, training never
// draws a held-out image, and the validation error is measured on exactly
// those images.
func TestMNISTValidationHoldsOut(t *testing.T) {
	p := MNISTParams{}.Defaults()
	p.TrainImages, p.ValidationImages, p.BatchSize, p.TestImages = 300, 100, 16, 100
	tk, c, d := mnistOn(t, p)
	r := rand.New(rand.NewPCG(3, 3))
	seen := map[int]bool{}
	for range 40 { // more than three passes over the 200 training images
		tk.Next(r)
		for _, s := range tk.batch {
			if s >= 200 {
				t.Fatalf("training drew image %d, held out for validation", s)
			}
			seen[s] = true
		}
	}
	if len(seen) != 200 {
		t.Errorf("training drew %d distinct images, want all 200", len(seen))
	}
	wrong := 0
	for s := 200; s < 300; s++ {
		if argmax(c.Trial(d.TrainX[s*784:(s+1)*784])) != int(d.TrainY[s]) {
			wrong++
		}
	}
	if v := tk.ValidationError(c); v != float64(wrong)/100 {
		t.Errorf("validation error %g, want %g", v, float64(wrong)/100)
	}
	if m := tk.Monitor(c); len(m) != 2 || m[1].Name != "validation_error" {
		t.Errorf("monitor %v, want test_error and validation_error", m)
	}
	p.ValidationImages = 290
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "validation_images") {
		t.Errorf("validation_images 290 of 300 with batch 16: %v", err)
	}
}

// TestMNISTCrossEntropyStandardized: with loss = "cross_entropy" and
// inputs = "standardized" (Podlaski & Machens' setting) the batch loss is
// the mean −log softmax(ŷ)ₗ of the standardized images, its gradient
// matches finite differences, and the training images the task draws have
// mean 0 and standard deviation 1 over the data set.
func TestMNISTCrossEntropyStandardized(t *testing.T) {
	p := MNISTParams{}.Defaults()
	p.BatchSize, p.TestImages, p.Loss, p.Inputs = 4, 1000, "cross_entropy", "standardized"
	tk, c, d := mnistOn(t, p)
	tk.Next(rand.New(rand.NewPCG(1, 1)))
	checkGrad(t, tk, c)

	// The loss by hand, in the naive form Σ over the batch of
	// log Σₖ e^ŷₖ − ŷₗ, on images standardized by hand.
	m, s := d.PixelStats(60000)
	want := 0.0
	for i := range tk.BatchLen() {
		img := d.TrainX[tk.batch[i]*784 : (tk.batch[i]+1)*784]
		x := make([]float64, 784)
		for j, v := range img {
			x[j] = (v - m) / s
		}
		o := c.Trial(x)
		z := 0.0
		for _, v := range o {
			z += math.Exp(v)
		}
		want += math.Log(z) - o[d.TrainY[tk.batch[i]]]
	}
	want /= float64(tk.BatchLen())
	if got := tk.Loss(c); math.Abs(got-want) > 1e-12*math.Abs(want) {
		t.Errorf("cross-entropy %.15g, want %.15g", got, want)
	}

	// Standardized over the whole training set: mean 0, std 1.
	var sum, sq float64
	for i := range 60000 {
		for _, v := range d.TrainX[i*784 : (i+1)*784] {
			x := (v - m) / s
			sum += x
			sq += x * x
		}
	}
	n := 60000.0 * 784
	if mean, sd := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n)); math.Abs(mean) > 1e-9 || math.Abs(sd-1) > 1e-9 {
		t.Errorf("standardized pixels: mean %g, std %g, want 0 and 1", mean, sd)
	}
	if m < 0.12 || m > 0.14 || s < 0.30 || s > 0.32 {
		t.Errorf("MNIST training pixels: mean %g, std %g; the published values are ≈ 0.1307 and ≈ 0.3081", m, s)
	}
	for _, bad := range []MNISTParams{{Loss: "hinge"}, {Inputs: "raw"}} {
		q := MNISTParams{}.Defaults()
		if bad.Loss != "" {
			q.Loss = bad.Loss
		} else {
			q.Inputs = bad.Inputs
		}
		if err := q.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
