package train

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/rng"
)

// The MNIST study of docs/credit.md: Lansdell, Prakash & Kording's
// 784-50-20-10 network (circuits/mnist_mlp.toml), batch 32, the rules and
// parameters of experiments/mnist.toml, the same number of epochs for
// every rule, 3 seeds; per epoch the test error and, for the credit rules,
// each hidden layer's alignment with backprop on 1000 training images. Run
// with
//
//	DOPA_STUDY=1 DOPA_EPOCHS=30 go test ./experiments/train -run TestCreditStudyMNIST -v -timeout 90m
//
// (DOPA_RULES=sgd,fa runs a subset; DOPA_PROGRESS=1 prints every epoch to
// stderr as it ends.)

// mnistStudyRules are the rules of experiments/mnist.toml with their
// tuned rates and weight decays (docs/credit.md), plus fa with the
// authors' feedback scale (B drawn like W, N(0, 2/n)) for comparison.
func mnistStudyRules() []Spec {
	wp, _ := Defaults("wp")
	wp.LearningRate = 0.003
	wp.Params = PerturbationParams{Sigma: 0.01, Modulator: plainModulator()}
	dop, _ := Defaults("dopamine")
	dop.LearningRate = 0.0003
	adam, _ := Defaults("adam")
	adam.LearningRate = 0.001
	ap := adam.Params.(AdamParams)
	ap.WeightDecay = 3e-5
	adam.Params = ap
	return []Spec{
		{Name: "sgd", LearningRate: 0.45, Params: SGDParams{Decay: Decay{WeightDecay: 3e-6}}},
		adam,
		{Name: "fa", LearningRate: 0.15, Params: FeedbackParams{Decay: Decay{WeightDecay: 1e-5}, Init: "normal", Scale: 8}},
		{Name: "fa", LearningRate: 0.1, Params: FeedbackParams{Init: "normal", Scale: math.Sqrt2}},
		{Name: "npfb", LearningRate: 0.1, Params: NPFBParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01}, FeedbackRate: 0.016, Init: "normal", Scale: math.Sqrt2}},
		{Name: "npfb_ls", LearningRate: 0.15, Params: NPFBLSParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01, Warmup: 200}, Gamma: 0.1}},
		wp, dop,
	}
}

// mnistLabel names a rule of the study: fa with its feedback scale.
func mnistLabel(s Spec) string {
	if p, ok := s.Params.(FeedbackParams); ok {
		return fmt.Sprintf("%s(B×%.3g)", s.Name, p.Scale)
	}
	return s.Name
}

// mnistStudySetup loads the study's network (circuits/mnist_mlp.toml) and
// the images.
func mnistStudySetup(t *testing.T) (*circuits.Spec, *task.MNISTData) {
	t.Helper()
	spec, err := circuits.Load("mnist_mlp")
	if err != nil {
		t.Fatal(err)
	}
	data, err := task.LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	return spec, data
}

// newMNISTRun builds run seed of rule: the circuit from its "init" stream,
// the task with p on it, and the rule from its "rule/NAME" stream.
func newMNISTRun(spec *circuits.Spec, data *task.MNISTData, p task.MNISTParams, rule Spec, seed int) (*circuits.Circuit, *task.MNIST, Rule, error) {
	c, err := spec.Build(rng.Stream(uint64(seed), "init"))
	if err != nil {
		return nil, nil, nil, err
	}
	tk := task.NewMNIST(p, data)
	if err := tk.Check(c); err != nil {
		return nil, nil, nil, err
	}
	r, err := New(rule, c, rng.Stream(uint64(seed), mustStream(rule.Name)))
	return c, tk, r, err
}

func TestCreditStudyMNIST(t *testing.T) {
	if os.Getenv("DOPA_STUDY") == "" {
		t.Skip("set DOPA_STUDY=1 to run the study")
	}
	epochs, _ := strconv.Atoi(os.Getenv("DOPA_EPOCHS"))
	if epochs < 1 {
		epochs = 1
	}
	only := os.Getenv("DOPA_RULES") // comma-separated subset, optional
	spec, data := mnistStudySetup(t)
	const seeds = 3
	type job struct {
		rule Spec
		seed int
	}
	var jobs []job
	for _, r := range mnistStudyRules() {
		if only != "" && !strings.Contains(","+only+",", ","+r.Name+",") {
			continue
		}
		for s := 1; s <= seeds; s++ {
			jobs = append(jobs, job{r, s})
		}
	}
	// The costliest runs first (npfb and npfb_ls spend 3 passes per
	// update, wp and dopamine 2), so that two workers finish together.
	cost := func(s Spec) int {
		switch s.Name {
		case "npfb", "npfb_ls":
			return 3
		case "wp", "dopamine":
			return 2
		}
		return 1
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cost(b.rule) - cost(a.rule) })
	lines := make([]string, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for ji, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := task.MNISTParams{}.Defaults()
			c, tk, r, err := newMNISTRun(spec, data, p, j.rule, j.seed)
			if err != nil {
				t.Error(err)
				return
			}
			probeP := p
			probeP.BatchSize = 1000
			probe := task.NewMNIST(probeP, data)
			probe.Check(c)
			probe.Next(rng.Stream(0, "probe"))
			perEpoch := 60000 / p.BatchSize
			var b strings.Builder
			fmt.Fprintf(&b, "%s seed %d:", mnistLabel(j.rule), j.seed)
			tr := rng.Stream(uint64(j.seed), "task")
			for e := 1; e <= epochs; e++ {
				// One epoch: one update per batch of the training set, as
				// Loop makes them (without its monitoring pass).
				for range perEpoch {
					tk.Next(tr)
					r.Measure(tk)
					r.Learn(tk)
				}
				te := tk.TestError(c)
				fmt.Fprintf(&b, " e%d %.4f", e, te)
				if os.Getenv("DOPA_PROGRESS") != "" {
					fmt.Fprintf(os.Stderr, "%s seed %d e%d %.4f %s\n", mnistLabel(j.rule), j.seed, e, te, time.Now().Format("15:04:05"))
				}
				for _, a := range CreditAlignment(r, c, probe) {
					fmt.Fprintf(&b, " [%s %.1f° %.2f %.2f]", a.Layer, a.AngleDeg, a.NormDiff, a.SignCongruence)
				}
			}
			lines[ji] = b.String()
			t.Log(lines[ji])
		}()
	}
	wg.Wait()
}

// TestCreditTuneMNIST chooses a rule's rate (and weight decay) by the
// validation error: seed 1, the last 10 000 training images held out
// (validation_images), every rate of DOPA_RATES with every weight_decay
// of DOPA_DECAYS (default 0) for DOPA_EPOCHS epochs, two at a time. Run
// with
//
//	DOPA_STUDY=1 DOPA_EPOCHS=50 DOPA_RULES=sgd DOPA_RATES=0.3,0.45,0.6 go test ./experiments/train -run TestCreditTuneMNIST -v -timeout 60m
func TestCreditTuneMNIST(t *testing.T) {
	if os.Getenv("DOPA_STUDY") == "" || os.Getenv("DOPA_RATES") == "" {
		t.Skip("set DOPA_STUDY=1 and DOPA_RATES to tune")
	}
	epochs, _ := strconv.Atoi(os.Getenv("DOPA_EPOCHS"))
	epochs = max(epochs, 1)
	var base Spec
	for _, r := range mnistStudyRules() {
		if r.Name == os.Getenv("DOPA_RULES") {
			base = r
			break
		}
	}
	if base.Name == "" {
		t.Fatalf("DOPA_RULES=%q is not one rule of the study", os.Getenv("DOPA_RULES"))
	}
	spec, data := mnistStudySetup(t)
	decays := []float64{0}
	if d := os.Getenv("DOPA_DECAYS"); d != "" {
		decays = nil
		for _, f := range strings.Split(d, ",") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			decays = append(decays, v)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, f := range strings.Split(os.Getenv("DOPA_RATES"), ",") {
		eta, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, lambda := range decays {
			rs := withDecay(t, base, lambda)
			rs.LearningRate = eta
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				p := task.MNISTParams{}.Defaults()
				p.ValidationImages = 10000
				c, tk, r, err := newMNISTRun(spec, data, p, rs, 1)
				if err != nil {
					t.Error(err)
					return
				}
				tr := rng.Stream(1, "task")
				var b strings.Builder
				fmt.Fprintf(&b, "%s η %g weight_decay %g validation error:", mnistLabel(rs), eta, lambda)
				for e := 1; e <= epochs; e++ {
					for range 50000 / p.BatchSize {
						tk.Next(tr)
						r.Measure(tk)
						r.Learn(tk)
					}
					fmt.Fprintf(&b, " e%d %.4f", e, tk.ValidationError(c))
				}
				t.Log(b.String())
			}()
		}
	}
	wg.Wait()
}
