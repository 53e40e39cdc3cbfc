package task

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/internal/rng"
)

// regressionDef registers the teacher regression of Podlaski & Machens
// (2020): a student circuit learns the map of a fixed random teacher
// network; final_loss is the normalised squared error (NSE).
var regressionDef = Def{
	Name:     "regression",
	Doc:      "teacher regression (Podlaski & Machens 2020): x ~ N(0, 1), y = teacher(x); final_loss the NSE, squared error over the data set over its value before learning",
	Defaults: func() Params { return RegressionParams{}.Defaults() },
	Prepare:  prepareRegression,
	Headline: "final_loss",
	Note:     "loss = NSE: squared error over the whole data set divided by its value before learning",
	Alone:    Budget{MaxTrials: 2000},
}

// Supervised is a task whose batch is a list of input-target pairs under
// the loss ½‖y − target‖² per sample, averaged over the batch (the
// learned-feedback rules make their own passes over it).
type Supervised interface {
	// BatchLen is the number of pairs in the current batch.
	BatchLen() int
	// Pair returns pair i of the current batch (owned by the task).
	Pair(i int) (x, target []float64)
}

// RegressionParams are the keys of task regression.
type RegressionParams struct {
	// DataSeed seeds the teacher and the inputs (every seed of an
	// experiment learns the same teacher from the same data).
	DataSeed int `toml:"data_seed" check:">=0"`
	// Samples is the size of the data set, in [1, 10⁶]: the inputs the
	// student is trained on (in a fresh random order per pass and seed)
	// and evaluated on, as the authors do.
	Samples int `toml:"samples" check:"[1,10⁶]"`
	// BatchSize is the number of samples per learning update, ≥ 1.
	BatchSize int `toml:"batch_size"`
	// TeacherHidden are the sizes of the teacher's hidden layers; empty:
	// one matrix from the input to the output.
	TeacherHidden []int `toml:"teacher_hidden" check:"[1,10⁴]"`
	// TeacherActivation is the hidden layers' f: "linear" or "tanh".
	TeacherActivation string `toml:"teacher_activation" check:"oneof=linear|tanh"`
	// TeacherScale is the half-width of the teacher's weights, U(−s, s).
	TeacherScale float64 `toml:"teacher_scale" check:"finite,>0"`
	// TeacherBias gives every teacher layer biases U(−s, s).
	TeacherBias bool `toml:"teacher_bias"`
}

// Defaults returns Podlaski & Machens' linear setup: a 10×30 teacher
// U(−1, 1), 2000 samples, one sample per update.
func (RegressionParams) Defaults() RegressionParams {
	return RegressionParams{DataSeed: 1, Samples: 2000, BatchSize: 1, TeacherActivation: "linear", TeacherScale: 1}
}

// Validate checks the sizes and the teacher.
func (p RegressionParams) Validate() error {
	if len(p.TeacherHidden) > 8 {
		return param.New(fmt.Sprintf("at most 8 hidden layers, got %d", len(p.TeacherHidden)), "teacher_hidden")
	}
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case p.BatchSize < 1 || p.BatchSize > p.Samples:
		return param.New(fmt.Sprintf("must be in [1, samples = %d], got %d", p.Samples, p.BatchSize), "batch_size")
	}
	// Each size within its bound still multiplies: bound the products the
	// file alone determines (the input and output sizes come with the
	// circuit: CheckSizes).
	return p.CheckSizes(1, 1)
}

// Bounds on the products of a teacher's sizes, checked before anything is
// drawn: every factor may be within its own bound while their product asks
// for gigabytes or hours.
const (
	// MaxTeacherWeights bounds the weights of the teacher, all layers.
	MaxTeacherWeights = 10_000_000
	// MaxRegressionValues bounds the values of the data set, samples ×
	// (inputs + outputs).
	MaxRegressionValues = 20_000_000
	// MaxTeacherWork bounds the multiply-adds of drawing the targets,
	// samples × teacher weights.
	MaxTeacherWork = 10_000_000_000
)

// CheckSizes bounds the teacher and the data set of a student with nIn
// inputs and nOut outputs: the teacher's weights, the data set's values
// and the work of drawing it. Errors are *ParamError at the key to change.
func (p RegressionParams) CheckSizes(nIn, nOut int) error {
	sizes := append(append([]int{nIn}, p.TeacherHidden...), nOut)
	var weights, hidden int64
	for i := 1; i < len(sizes); i++ {
		weights += int64(sizes[i-1]) * int64(sizes[i])
	}
	for _, n := range p.TeacherHidden {
		hidden += int64(n)
	}
	values := int64(p.Samples) * int64(nIn+nOut)
	switch {
	case weights > MaxTeacherWeights:
		return param.New(fmt.Sprintf("a teacher %v has %d weights, more than %d", sizes, weights, MaxTeacherWeights), "teacher_hidden")
	case values > MaxRegressionValues:
		return param.New(fmt.Sprintf("%d samples × (%d inputs + %d outputs) = %d values, more than %d", p.Samples, nIn, nOut, values, MaxRegressionValues), "samples")
	case float64(p.Samples)*float64(weights+hidden) > MaxTeacherWork:
		return param.New(fmt.Sprintf("%d samples × %d teacher weights is more than %g multiply-adds to draw the targets", p.Samples, weights, float64(MaxTeacherWork)), "samples")
	}
	return nil
}

// RegressionData is a teacher's data set: inputs x ~ N(0, 1) and targets
// y = teacher(x), row after row.
type RegressionData struct {
	NIn, NOut int
	X, Y      []float64
}

// TeacherData draws the data set of p: the teacher's input size is nIn and
// its output size nOut (the student's).
func TeacherData(p RegressionParams, nIn, nOut int) RegressionData {
	r := teacherStream(p)
	sizes := append(append([]int{nIn}, p.TeacherHidden...), nOut)
	type layer struct{ w, b []float64 }
	var ls []layer
	for i := 1; i < len(sizes); i++ {
		l := layer{w: make([]float64, sizes[i]*sizes[i-1]), b: make([]float64, sizes[i])}
		for j := range l.w {
			l.w[j] = p.TeacherScale * (2*r.Float64() - 1)
		}
		if p.TeacherBias {
			for j := range l.b {
				l.b[j] = p.TeacherScale * (2*r.Float64() - 1)
			}
		}
		ls = append(ls, l)
	}
	d := RegressionData{NIn: nIn, NOut: nOut, X: make([]float64, p.Samples*nIn), Y: make([]float64, p.Samples*nOut)}
	for i := range d.X {
		d.X[i] = r.NormFloat64()
	}
	bufs := [2][]float64{make([]float64, slices.Max(sizes)), make([]float64, slices.Max(sizes))}
	for s := range p.Samples {
		h := d.X[s*nIn : (s+1)*nIn]
		for li, l := range ls {
			n := len(l.b)
			out := bufs[li%2][:n]
			for i := range n {
				v := l.b[i]
				for j, x := range h {
					v += l.w[i*len(h)+j] * x
				}
				if li < len(ls)-1 && p.TeacherActivation == "tanh" {
					v = math.Tanh(v)
				}
				out[i] = v
			}
			h = out
		}
		copy(d.Y[s*nOut:], h)
	}
	return d
}

// teacherStream is the random stream of a data set: the teacher's
// weights, then its biases, layer after layer, then the inputs.
func teacherStream(p RegressionParams) *rand.Rand {
	return rng.Stream(uint64(p.DataSeed), "regression")
}

func prepareRegression(ps Params) (Maker, error) {
	p := ps.(RegressionParams)
	sh := &sharedData{} // drawn at the first Check, when the sizes are known
	return func() (Task, error) {
		return &Regression{p: p, shared: sh, e0: math.NaN()}, nil
	}, nil
}

// sharedData is the data set every run of an experiment shares, drawn once.
type sharedData struct {
	once sync.Once
	d    RegressionData
	err  error // the sizes were out of bounds: nothing was drawn
}

// Regression is the teacher regression task: the loss of a batch is the
// mean over its samples of ½‖ŷ − y‖²; Evaluate reports the NSE,
// Σ_data ‖ŷ − y‖² over its value before learning (measured at the first
// batch, before any update).
type Regression struct {
	batches
	p      RegressionParams
	shared *sharedData
	d      *RegressionData
	e0     float64
	g      []float64
}

// Name returns "regression".
func (*Regression) Name() string { return "regression" }

// Check draws the data set for the circuit's input and readout sizes (once
// per experiment) and requires the sizes to stay the same.
func (t *Regression) Check(c *circuits.Circuit) error {
	nIn, nOut := c.Pops[c.In].Len(), c.Pops[c.Out].Len()
	t.shared.once.Do(func() {
		// The sizes are bounded before anything is drawn.
		if t.shared.err = t.p.CheckSizes(nIn, nOut); t.shared.err == nil {
			t.shared.d = TeacherData(t.p, nIn, nOut)
		}
	})
	if t.shared.err != nil {
		return fmt.Errorf("task regression with circuit %q (%d→%d): %w", c.Name, nIn, nOut, t.shared.err)
	}
	t.d = &t.shared.d
	if t.d.NIn != nIn || t.d.NOut != nOut {
		return fmt.Errorf("task regression: the data set is %d→%d, circuit %q is %d→%d", t.d.NIn, t.d.NOut, c.Name, nIn, nOut)
	}
	t.batches = newBatches(t.p.Samples, t.p.BatchSize)
	t.g = make([]float64, c.StepsPerTrial*nOut)
	return nil
}

// Pair returns sample i of the batch.
func (t *Regression) Pair(i int) (x, y []float64) {
	s := t.batch[i]
	return t.d.X[s*t.d.NIn : (s+1)*t.d.NIn], t.d.Y[s*t.d.NOut : (s+1)*t.d.NOut]
}

// Loss returns the batch's mean of ½‖ŷ − y‖². The first call also
// measures the squared error of the untrained circuit over the data set,
// the NSE's denominator.
func (t *Regression) Loss(c *circuits.Circuit) float64 {
	t.initial(c)
	return halfSquared(c, t)
}

// Grad returns what Loss does and adds its gradient to the circuit's.
func (t *Regression) Grad(c *circuits.Circuit) float64 {
	t.initial(c)
	return halfSquaredGrad(c, t, t.g)
}

func (t *Regression) initial(c *circuits.Circuit) {
	if math.IsNaN(t.e0) {
		t.e0 = t.SquaredError(c)
	}
}

// SquaredError returns Σ over the data set of ‖ŷ − y‖².
func (t *Regression) SquaredError(c *circuits.Circuit) float64 {
	e := 0.0
	for s := range t.p.Samples {
		x, y := t.d.X[s*t.d.NIn:(s+1)*t.d.NIn], t.d.Y[s*t.d.NOut:(s+1)*t.d.NOut]
		for j, o := range c.Trial(x) {
			d := o - y[j]
			e += d * d
		}
	}
	return e
}

// NSE returns the squared error over the data set divided by its value
// before learning (NaN before the first batch was measured).
func (t *Regression) NSE(c *circuits.Circuit) float64 { return t.SquaredError(c) / t.e0 }

// Evaluate reports the NSE as the loss.
func (t *Regression) Evaluate(c *circuits.Circuit) Eval {
	return Eval{Loss: t.NSE(c), Metrics: map[string]float64{}}
}
