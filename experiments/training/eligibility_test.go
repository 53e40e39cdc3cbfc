package training

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// watchSrc is a short e-prop run of the evidence circuit; watched is
// appended to it.
const watchSrc = `name = "w"
circuit = "eprop_evidence"
task = "evidence"
seeds = 2
max_trials = 6
batch_size = 2
test_trials = 4
delay_steps = 100
[criterion]
loss_below = 0.0
[record]
every = 1
trace_seeds = 1
weights = false
synapses_every = 2
%s
[[rule]]
name = "eprop"
learning_rate = 5e-3
c_reg = 2.0
`

const watched = `[[record.synapse]]
projection = "in_rec"
pre = 1
post = 2
[[record.synapse]]
projection = "rec_rec"
pre = 5
post = 6
[[record.synapse]]
projection = "rec_out"
pre = 3
post = 1
`

// TestEligibilityIsRecorded: [[record.synapse]] makes the traced seed of
// eprop write eligibility.csv — every step of a sequence for each watched
// synapse at the first update and every synapses_every-th — and without
// it no file is written.
func TestEligibilityIsRecorded(t *testing.T) {
	run := func(w string) string {
		p, err := parse("w.toml", []byte(strings.Replace(watchSrc, "%s", w, 1)))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, _, err := p.Execute(context.Background(), dir, Options{}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if _, err := os.Stat(filepath.Join(run(""), output.EligibilityFile)); !os.IsNotExist(err) {
		t.Errorf("eligibility.csv without [[record.synapse]]: %v", err)
	}
	dir := run(watched)
	steps := 7*150 + 100 + 150
	type key struct {
		syn   string
		epoch int
	}
	count := map[key]int{}
	nonzero := map[string]bool{}
	found, err := output.Eligibility.Read(dir, false, func(tb *output.Table) error {
		seed, err := tb.Int("seed")
		if err != nil {
			return err
		}
		if seed != 1 || tb.Str("rule") != "eprop" {
			t.Errorf("a row of rule %q seed %d: only the traced seed 1 records", tb.Str("rule"), seed)
		}
		ep, err := tb.Int("epoch")
		if err != nil {
			return err
		}
		e, err := tb.Float("eligibility")
		if err != nil {
			return err
		}
		l, err := tb.Float("learning_signal")
		if err != nil {
			return err
		}
		s := tb.Str("projection")
		count[key{s, ep}]++
		nonzero[s] = nonzero[s] || e*l != 0
		return nil
	})
	if err != nil || !found {
		t.Fatalf("eligibility.csv: found %v, %v", found, err)
	}
	epochs := map[int]bool{}
	for k, n := range count {
		epochs[k.epoch] = true
		if n != steps {
			t.Errorf("%s at update %d: %d rows, want one per step (%d)", k.syn, k.epoch, n, steps)
		}
		if k.epoch != 1 && k.epoch%2 != 0 {
			t.Errorf("recorded at update %d: synapses_every = 2", k.epoch)
		}
	}
	if !epochs[1] || !epochs[2] || len(count) != 3*len(epochs) {
		t.Errorf("recorded updates %v, %d series: want 1, 2, … for each of 3 synapses", epochs, len(count))
	}
	for _, s := range []string{"in_rec", "rec_rec", "rec_out"} {
		if !nonzero[s] {
			t.Errorf("%s: eligibility × learning signal is 0 at every step", s)
		}
	}
}

// TestWatchedSynapseErrorsAreLocated: a watched synapse that the circuit
// does not have is refused at validation, naming the file, line and key.
func TestWatchedSynapseErrorsAreLocated(t *testing.T) {
	for _, c := range []struct{ w, want string }{
		{"[[record.synapse]]\nprojection = \"in_out\"\npre = 1\npost = 2\n", "record.synapse[0].projection: circuit \"eprop_evidence\" has no dense projection \"in_out\""},
		{"[[record.synapse]]\nprojection = \"in_rec\"\npre = 40\npost = 2\n", "record.synapse[0].pre: must be below 40"},
		{"[[record.synapse]]\nprojection = \"in_rec\"\npre = 1\npost = 100\n", "record.synapse[0].post: must be below 100"},
		{"[[record.synapse]]\nprojection = \"in_rec\"\npre = -1\npost = 1\n", "record.synapse[0].pre: must be >= 0"},
		{"[[record.synapse]]\npre = 1\npost = 1\n", "record.synapse[0].projection: must name a projection"},
	} {
		p, err := parse("w.toml", []byte(strings.Replace(watchSrc, "%s", c.w, 1)))
		if err == nil {
			err = p.Validate()
		}
		if err == nil || !strings.HasPrefix(err.Error(), "w.toml:") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want w.toml:LINE: …%s…", c.w, err, c.want)
		}
	}
	src := strings.Replace(watchSrc, "synapses_every = 2", "synapses_every = 0", 1)
	if _, err := parse("w.toml", []byte(strings.Replace(src, "%s", watched, 1))); err == nil || !strings.Contains(err.Error(), "record.synapses_every") {
		t.Errorf("synapses_every = 0: got %v", err)
	}
}
