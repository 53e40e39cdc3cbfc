package task

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
)

// The MNIST files, vendored and embedded (mnistdata/README.md: source,
// licence, checksums).
//
//go:embed mnistdata/*.gz
var mnistFS embed.FS

// mnistSHA256 are the SHA-256 sums of the four gzipped IDX files.
var mnistSHA256 = map[string]string{
	"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// mnistDef registers MNIST classification: 784 inputs (pixels / 255, or
// standardized), 10 readout units against one-hot targets, loss ½‖ŷ − y‖²
// (Lansdell, Prakash & Kording's network has a linear readout and this
// loss) or the cross-entropy of a softmax readout (Podlaski & Machens').
var mnistDef = Def{
	Name:     "mnist",
	Doc:      "MNIST digits (60 000 training, 10 000 test images, embedded): 784 pixels/255 (or standardized) in, 10 one-hot targets, loss ½‖ŷ − y‖² (or softmax cross-entropy), the class is the largest readout",
	Defaults: func() Params { return MNISTParams{}.Defaults() },
	Prepare:  prepareMNIST,
	Fits:     func(_ Params, c *circuits.Circuit) error { return mnistFits(c) },
	Metrics: []Metric{
		{Name: "test_error", Label: "median test error", Quartiles: true},
	},
	Headline: "test_error",
	Note:     "test_error = fraction of the 10 000 test images misclassified (argmax of the readout); final_loss = the task's loss (½‖ŷ − y‖² or cross-entropy) averaged over the training images",
	Alone:    Budget{MaxTrials: 1875},
}

// MNISTParams are the keys of task mnist.
type MNISTParams struct {
	// BatchSize is the number of images per learning update, in [1, 60 000].
	BatchSize int `toml:"batch_size"`
	// TrainImages uses the first this many training images, in [1, 60 000].
	TrainImages int `toml:"train_images" check:"[1,60000]"`
	// TestImages evaluates on the first this many test images, in [1, 10 000].
	TestImages int `toml:"test_images" check:"[1,10000]"`
	// ValidationImages holds out the last this many of the training images
	// used for choosing parameters: training draws only from the others,
	// and the validation error is measured on these (diagnostics.csv:
	// validation_error); 0: none, in [0, train_images − batch_size].
	ValidationImages int `toml:"validation_images"`
	// Loss is "squared", ½‖ŷ − y‖² on the readout as it is (Lansdell et
	// al.), or "cross_entropy", −log softmax(ŷ)ₗ for label l: the readout
	// passed through a softmax (Podlaski & Machens); its gradient is
	// softmax(ŷ) − y.
	Loss string `toml:"loss" check:"oneof=squared|cross_entropy"`
	// Inputs is "unit", each pixel / 255 in [0, 1], or "standardized",
	// (pixel / 255 − m) / s with m and s the mean and standard deviation
	// of every pixel of the first train_images training images (Podlaski
	// & Machens).
	Inputs string `toml:"inputs" check:"oneof=unit|standardized"`
}

// Defaults returns Lansdell et al.'s setting: batch of 32, the whole data
// set, pixels / 255 and the squared loss.
func (MNISTParams) Defaults() MNISTParams {
	return MNISTParams{BatchSize: 32, TrainImages: 60000, TestImages: 10000, Loss: "squared", Inputs: "unit"}
}

// Validate checks the sizes.
func (p MNISTParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.BatchSize < 1 || p.BatchSize > p.TrainImages:
		return param.New(fmt.Sprintf("must be in [1, train_images = %d], got %d", p.TrainImages, p.BatchSize), "batch_size")
	case p.ValidationImages < 0 || p.ValidationImages > p.TrainImages-p.BatchSize:
		return param.New(fmt.Sprintf("must be in [0, train_images − batch_size = %d], got %d", p.TrainImages-p.BatchSize, p.ValidationImages), "validation_images")
	}
	return nil
}

// MNISTData is the data set: pixels / 255, row after row of 784, and the
// labels 0–9.
type MNISTData struct {
	TrainX, TestX []float64
	TrainY, TestY []uint8

	mu    sync.Mutex
	stats map[int][2]float64 // PixelStats by n
}

// PixelStats returns the mean and the standard deviation of every pixel
// of the first n training images (computed once per n).
func (d *MNISTData) PixelStats(n int) (mean, std float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.stats[n]; ok {
		return s[0], s[1]
	}
	x := d.TrainX[:n*784]
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (v - mean) * (v - mean)
	}
	std = math.Sqrt(std / float64(len(x)))
	if d.stats == nil {
		d.stats = map[int][2]float64{}
	}
	d.stats[n] = [2]float64{mean, std}
	return mean, std
}

var (
	mnistOnce sync.Once
	mnistData *MNISTData
	mnistErr  error
)

// LoadMNIST decodes the embedded files once per process, checking their
// SHA-256 sums and their headers.
func LoadMNIST() (*MNISTData, error) {
	mnistOnce.Do(func() { mnistData, mnistErr = loadMNIST() })
	return mnistData, mnistErr
}

func loadMNIST() (*MNISTData, error) {
	read := func(name string, magic uint32, n int) ([]byte, error) {
		gz, err := mnistFS.ReadFile("mnistdata/" + name)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(gz); hex.EncodeToString(sum[:]) != mnistSHA256[name] {
			return nil, fmt.Errorf("mnist: %s has SHA-256 %x, want %s", name, sum, mnistSHA256[name])
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: %v", name, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: %v", name, err)
		}
		head := 8
		if magic == 2051 {
			head = 16
		}
		if len(b) < head || binary.BigEndian.Uint32(b) != magic || int(binary.BigEndian.Uint32(b[4:])) != n {
			return nil, fmt.Errorf("mnist: %s: bad header", name)
		}
		if magic == 2051 && (binary.BigEndian.Uint32(b[8:]) != 28 || binary.BigEndian.Uint32(b[12:]) != 28) {
			return nil, fmt.Errorf("mnist: %s: images are not 28×28", name)
		}
		size := 1
		if magic == 2051 {
			size = 784
		}
		if len(b) != head+n*size {
			return nil, fmt.Errorf("mnist: %s: %d bytes, want %d", name, len(b), head+n*size)
		}
		return b[head:], nil
	}
	pixels := func(b []byte) []float64 {
		x := make([]float64, len(b))
		for i, v := range b {
			x[i] = float64(v) / 255
		}
		return x
	}
	var d MNISTData
	b, err := read("train-images-idx3-ubyte.gz", 2051, 60000)
	if err != nil {
		return nil, err
	}
	d.TrainX = pixels(b)
	if d.TrainY, err = read("train-labels-idx1-ubyte.gz", 2049, 60000); err != nil {
		return nil, err
	}
	if b, err = read("t10k-images-idx3-ubyte.gz", 2051, 10000); err != nil {
		return nil, err
	}
	d.TestX = pixels(b)
	if d.TestY, err = read("t10k-labels-idx1-ubyte.gz", 2049, 10000); err != nil {
		return nil, err
	}
	for _, ys := range [][]uint8{d.TrainY, d.TestY} {
		for _, y := range ys {
			if y > 9 {
				return nil, fmt.Errorf("mnist: label %d", y)
			}
		}
	}
	return &d, nil
}

func prepareMNIST(ps Params) (Maker, error) {
	p := ps.(MNISTParams)
	d, err := LoadMNIST()
	if err != nil {
		return nil, err
	}
	return func() (Task, error) { return NewMNIST(p, d), nil }, nil
}

// MNIST is the classification task. Each update takes the next BatchSize
// images of this run's order (a fresh random order per pass over the
// training images).
type MNIST struct {
	batches
	p      MNISTParams
	d      *MNISTData
	onehot [10][10]float64
	g      []float64
	// Standardized inputs: (x − mean) / std into xs (one image per batch
	// slot) and xe (evaluation); nil for unit inputs, which are the data.
	mean, std float64
	xs, xe    []float64
}

// NewMNIST returns the task on data d.
func NewMNIST(p MNISTParams, d *MNISTData) *MNIST {
	t := &MNIST{batches: newBatches(p.TrainImages-p.ValidationImages, p.BatchSize), p: p, d: d}
	for i := range t.onehot {
		t.onehot[i][i] = 1
	}
	if p.Inputs == "standardized" {
		t.mean, t.std = d.PixelStats(p.TrainImages)
		t.xs, t.xe = make([]float64, p.BatchSize*784), make([]float64, 784)
	}
	return t
}

// image returns image s of x as the circuit receives it; slot is the
// buffer a standardized image is written to.
func (t *MNIST) image(x []float64, s int, slot []float64) []float64 {
	px := x[s*784 : (s+1)*784]
	if t.xs == nil {
		return px
	}
	for i, v := range px {
		slot[i] = (v - t.mean) / t.std
	}
	return slot
}

// Name returns "mnist".
func (*MNIST) Name() string { return "mnist" }

// Check requires 784 inputs and 10 readout units.
func (t *MNIST) Check(c *circuits.Circuit) error {
	if err := mnistFits(c); err != nil {
		return err
	}
	t.g = make([]float64, c.StepsPerTrial*10)
	return nil
}

// mnistFits requires 784 inputs and 10 readout units.
func mnistFits(c *circuits.Circuit) error {
	if n := c.Pops[c.In].Len(); n != 784 {
		return fmt.Errorf("task mnist needs an input population of size 784, circuit %q has %d", c.Name, n)
	}
	if n := c.Pops[c.Out].Len(); n != 10 {
		return fmt.Errorf("task mnist needs a readout population of size 10, circuit %q has %d", c.Name, n)
	}
	return nil
}

// Pair returns image i of the batch and its one-hot target.
func (t *MNIST) Pair(i int) (x, y []float64) {
	s := t.batch[i]
	var slot []float64
	if t.xs != nil {
		slot = t.xs[i*784 : (i+1)*784]
	}
	return t.image(t.d.TrainX, s, slot), t.onehot[t.d.TrainY[s]][:]
}

// Loss returns the batch's mean loss (½‖ŷ − y‖² or the cross-entropy).
func (t *MNIST) Loss(c *circuits.Circuit) float64 {
	if t.p.Loss == "cross_entropy" {
		return crossEntropy(c, t)
	}
	return halfSquared(c, t)
}

// Grad returns what Loss does and adds its gradient to the circuit's.
func (t *MNIST) Grad(c *circuits.Circuit) float64 {
	if t.p.Loss == "cross_entropy" {
		return crossEntropyGrad(c, t, t.g)
	}
	return halfSquaredGrad(c, t, t.g)
}

// SampleGrad is one sample's part of Grad (see Batch).
func (t *MNIST) SampleGrad(o, y, row []float64, k, l float64) float64 {
	if t.p.Loss == "cross_entropy" {
		return crossEntropySample(o, y, row, k, l)
	}
	return halfSquaredSample(o, y, row, k, l)
}

// TestError returns the fraction of the test images whose largest readout
// is not their label.
func (t *MNIST) TestError(c *circuits.Circuit) float64 {
	return t.errorOn(c, t.d.TestX, t.d.TestY, 0, t.p.TestImages)
}

// ValidationError returns the fraction of the held-out training images
// (validation_images) whose largest readout is not their label; NaN
// without them.
func (t *MNIST) ValidationError(c *circuits.Circuit) float64 {
	if t.p.ValidationImages == 0 {
		return math.NaN()
	}
	return t.errorOn(c, t.d.TrainX, t.d.TrainY, len(t.order), t.p.TrainImages)
}

// errorOn is the fraction of images from to to−1 of x, y misclassified.
func (t *MNIST) errorOn(c *circuits.Circuit, x []float64, y []uint8, from, to int) float64 {
	wrong := 0
	for s := from; s < to; s++ {
		if argmax(c.Trial(t.image(x, s, t.xe))) != int(y[s]) {
			wrong++
		}
	}
	return float64(wrong) / float64(to-from)
}

// TrainLoss returns the task's loss averaged over the training images used
// (those not held out for validation).
func (t *MNIST) TrainLoss(c *circuits.Circuit) float64 {
	l := 0.0
	for s := range len(t.order) {
		y := t.onehot[t.d.TrainY[s]][:]
		o := c.Trial(t.image(t.d.TrainX, s, t.xe))
		if t.p.Loss == "cross_entropy" {
			li, _ := softmaxCE(o, y)
			l += li
			continue
		}
		for j, v := range o {
			d := v - y[j]
			l += d * d / 2
		}
	}
	return l / float64(len(t.order))
}

// Evaluate reports the training loss and the test error.
func (t *MNIST) Evaluate(c *circuits.Circuit) Eval {
	return Eval{Loss: t.TrainLoss(c), Metrics: map[string]float64{"test_error": t.TestError(c)}}
}

func argmax(v []float64) int {
	best, k := math.Inf(-1), 0
	for i, x := range v {
		if x > best {
			best, k = x, i
		}
	}
	return k
}
