package train

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/neuron"
)

// The studies of docs/credit.md: Podlaski & Machens' teacher regressions
// over 10 seeds, every credit rule and backprop, the NSE after 100, 500,
// 1000, 2000 (and 10 000) samples. Run with
//
//	DOPA_STUDY=1 go test ./experiments/train -run TestCreditStudy -v -timeout 30m
//
// (DOPA_STUDY_SEEDS=1 also logs every seed's final NSE.)

// studyRules are the rules of the studies with the authors' parameters:
// η = 0.01 (one sample per update), ‖δ‖ clipped (10 linear, 1 tanh), fa's
// and dfa's B ~ U(±faScale) (theirs: 0.5), ndi and di with leak alpha
// (theirs: 0.01, and 0.001 in their NDI-2 and DI-2) and B = −W₀ᵀ.
func studyRules(clip, faScale, alpha float64) []Spec {
	return []Spec{
		{Name: "sgd", LearningRate: 0.01, Params: SGDParams{}},
		{Name: "fa", LearningRate: 0.01, Params: FeedbackParams{Init: "uniform", Scale: faScale, Clip: clip}},
		{Name: "dfa", LearningRate: 0.01, Params: FeedbackParams{Init: "uniform", Scale: faScale, Clip: clip}},
		{Name: "pbp", LearningRate: 0.01, Params: PBPParams{Clip: clip}},
		{Name: "ndi", LearningRate: 0.01, Params: InversionParams{Alpha: alpha, Feedback: "neg_transpose", Init: "uniform", Scale: 0.5, Clip: clip}},
		{Name: "di", LearningRate: 0.01, Params: DIParams{InversionParams: InversionParams{Alpha: alpha, Feedback: "neg_transpose", Init: "uniform", Scale: 0.5, Clip: clip}, Dt: 0.5, Steps: 1000}},
		{Name: "npfb", LearningRate: 0.01, Params: NPFBParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01, Clip: clip}, FeedbackRate: 0.001, Init: "uniform", Scale: 0.5}},
		{Name: "npfb_ls", LearningRate: 0.01, Params: NPFBLSParams{NodeFeedbackParams: NodeFeedbackParams{Sigma: 0.01, Clip: clip}, Gamma: 0.1}},
	}
}

// studyLabel names a rule in the tables: its name, with α for ndi and di
// and B's scale for fa and dfa when they are not the authors' first
// choice (α = 0.01, B ~ U(±0.5)).
func studyLabel(s Spec) string {
	if p, ok := s.Params.(InversionParams); ok && p.Alpha != 0.01 {
		return fmt.Sprintf("%s, α = %g", s.Name, p.Alpha)
	}
	if p, ok := s.Params.(FeedbackParams); ok && p.Scale != 0.5 {
		return fmt.Sprintf("%s, B ~ U(±%g)", s.Name, p.Scale)
	}
	return s.Name
}

// withLeak adds ndi and di with leak alpha to rules.
func withLeak(rules []Spec, alpha float64) []Spec {
	for _, r := range slices.Clone(rules) {
		if p, ok := r.Params.(InversionParams); ok {
			p.Alpha = alpha
			r.Params = p
			rules = append(rules, r)
		}
	}
	return rules
}

// creditStudy runs rules on the teacher regression over the seeds first …
// first+seeds−1 and logs the NSE table at the checkpoints.
func creditStudy(t *testing.T, rules []Spec, sizes []int, act neuron.Activation, bias bool, p task.RegressionParams, checkpoints []int, first, seeds int) {
	if os.Getenv("DOPA_STUDY") == "" {
		t.Skip("set DOPA_STUDY=1 to run the study")
	}
	var b strings.Builder
	b.WriteString("| rule |")
	for _, n := range checkpoints {
		fmt.Fprintf(&b, " NSE at %d |", n)
	}
	fmt.Fprintf(&b, " seeds < 1e-10 at %d |\n|---|", checkpoints[len(checkpoints)-1])
	for range checkpoints {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, spec := range rules {
		vals := make([][]float64, len(checkpoints))
		below := 0
		for seed := first; seed < first+seeds; seed++ {
			c := chainCircuit(t, sizes, act, neuron.Linear, bias, 1, uint64(seed))
			// Podlaski & Machens' init W ~ U(±0.01): gain 0.01/√3·√n_pre
			// with the uniform law (biases 0).
			ir := rng.Stream(uint64(seed), "init")
			for _, l := range c.Links {
				l.InitGain = 0.01 / math.Sqrt(3) * math.Sqrt(float64(l.NPre))
				l.DenseParams.Init = "uniform"
				l.Init(ir)
			}
			p.DataSeed = seed
			tk := regressionTask(t, c, p)
			r, err := New(spec, c, rng.Stream(uint64(seed), mustStream(spec.Name)))
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			ppu := 1 // passes per update: npfb's clean and noisy passes add 2
			if strings.HasPrefix(spec.Name, "npfb") {
				ppu = 3
			}
			n := checkpoints[len(checkpoints)-1]
			o := Loop(context.Background(), r, c, tk, rng.Stream(uint64(seed), "task"), Budget{MaxTrials: ppu*n + 1}, Hooks{Update: func(epoch, _ int) {
				if next < len(checkpoints) && epoch == checkpoints[next] {
					vals[next] = append(vals[next], tk.NSE(c))
					next++
				}
			}})
			if o.Err != "" {
				t.Logf("%s seed %d: %s", spec.Name, seed, o.Err)
				for i := next; i < len(checkpoints); i++ {
					vals[i] = append(vals[i], math.Inf(1))
				}
			}
			if os.Getenv("DOPA_STUDY_SEEDS") != "" {
				t.Logf("%s seed %d: %v", studyLabel(spec), seed, vals[len(vals)-1][seed-first])
			}
			if last := vals[len(vals)-1]; len(last) == seed-first+1 && last[seed-first] < 1e-10 {
				below++
			}
		}
		fmt.Fprintf(&b, "| `%s` |", studyLabel(spec))
		for _, v := range vals {
			fmt.Fprintf(&b, " %s |", medianRange(v))
		}
		fmt.Fprintf(&b, " %d/%d |\n", below, seeds)
	}
	t.Log("\n" + b.String())
}

// medianRange renders the median and the range over seeds.
func medianRange(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("%.2g [%.2g, %.2g]", m, s[0], s[len(s)-1])
}

func TestCreditStudyLinear(t *testing.T) {
	p := task.RegressionParams{}.Defaults()
	creditStudy(t, withLeak(studyRules(10, 0.6, 0.001), 0.01), []int{30, 20, 10}, neuron.Linear, false, p, []int{100, 500, 1000, 2000}, 1, 10)
}

// TestCreditTuneLinear chooses fa's feedback scale and the leak α of ndi
// (di follows it) for the linear teacher regression on seeds 101–130,
// which the study's seeds 1–10 never see; η stays the authors' 0.01. The
// choice, in docs/credit.md: fa B ~ U(±0.6), the largest scale whose next
// larger one still passes every held-out seed, and α = 0.001. Run with
//
//	DOPA_STUDY=1 go test ./experiments/train -run TestCreditTuneLinear -v
func TestCreditTuneLinear(t *testing.T) {
	p := task.RegressionParams{}.Defaults()
	var rules []Spec
	for _, s := range []float64{0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 1} {
		rules = append(rules, Spec{Name: "fa", LearningRate: 0.01, Params: FeedbackParams{Init: "uniform", Scale: s, Clip: 10}})
	}
	for _, r := range withLeak(studyRules(10, 0.5, 0.01), 0.001) {
		if r.Name == "ndi" {
			rules = append(rules, r)
		}
	}
	creditStudy(t, rules, []int{30, 20, 10}, neuron.Linear, false, p, []int{500, 1000, 2000}, 101, 30)
}

func TestCreditStudyTanh(t *testing.T) {
	p := task.RegressionParams{}.Defaults()
	p.Samples, p.TeacherHidden, p.TeacherActivation, p.TeacherScale, p.TeacherBias = 10000, []int{20, 10}, "tanh", 0.01, true
	creditStudy(t, studyRules(1, 0.5, 0.01), []int{30, 20, 10, 10}, neuron.Tanh, true, p, []int{100, 500, 1000, 2000, 10000}, 1, 10)
}
