package env

import (
	"math/rand/v2"
	"testing"
)

// TestEvidenceEpisode: an episode shows its cues, one side per cue, at the
// steps the keys say, then silence, then the recall cue; only the last
// step's action is paid, and only when it names the side that had more
// cues (counted here from the observations); the episodes favour both
// sides.
func TestEvidenceEpisode(t *testing.T) {
	d, _ := Lookup("evidence")
	p := d.Defaults().(EvidenceParams)
	p.Reward = 2.5
	e, err := d.New(p)
	if err != nil {
		t.Fatal(err)
	}
	if e.Features() != 4 || e.Actions() != 2 || e.MaxSteps() != 45 {
		t.Fatalf("features %d, actions %d, steps %d; want 4, 2, 45", e.Features(), e.Actions(), e.MaxSteps())
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 4)
	labels := [2]int{}
	var xPrev [4]float64 // the last step's features
	paid := 0
	for ep := range 200 {
		e.Reset(ep, rng, x)
		var cueSteps [2]int
		for k := 0; ; k++ {
			if x[3] != p.Background {
				t.Fatalf("episode %d step %d: background %v, want %v", ep, k, x[3], p.Background)
			}
			recall := k >= e.MaxSteps()-p.RecallSteps
			cue := k < p.Cues*3 && k%3 >= p.SpacingSteps
			switch {
			case recall && (x[0] != 0 || x[1] != 0 || x[2] != 1):
				t.Fatalf("episode %d step %d: %v, want the recall cue alone", ep, k, x)
			case cue && x[0]+x[1] != 1:
				t.Fatalf("episode %d step %d: %v, want one cue", ep, k, x)
			case cue && k%3 == 2 && x[0] != xPrev[0]:
				t.Fatalf("episode %d step %d: a cue changed side within its steps", ep, k)
			case !cue && !recall && (x[0] != 0 || x[1] != 0 || x[2] != 0):
				t.Fatalf("episode %d step %d: %v, want silence", ep, k, x)
			}
			if cue && k%3 == 1 {
				cueSteps[int(x[1])]++
			}
			copy(xPrev[:], x)
			// A wrong guess on every step but the last: ignored.
			label := 0
			if cueSteps[1] > cueSteps[0] {
				label = 1
			}
			a := 1 - label
			last := k == e.MaxSteps()-1
			if last {
				a = ep % 2 // right on half the episodes, wrong on the others
			}
			o := e.Step(a, rng, x)
			if !last {
				if o.End || o.Reward != 0 || o.Optimal != -1 {
					t.Fatalf("episode %d step %d: %+v before the decision", ep, k, o)
				}
				continue
			}
			if !o.End {
				t.Fatalf("episode %d: no end after %d steps", ep, k+1)
			}
			labels[label]++
			want := 0.0
			if a == label {
				want = p.Reward
				paid++
			}
			if o.Reward != want || (o.Optimal == 1) != (a == label) {
				t.Fatalf("episode %d: decision %d, majority %d (cues %v): %+v", ep, a, label, cueSteps, o)
			}
			break
		}
	}
	if labels[0] < 60 || labels[1] < 60 {
		t.Errorf("majorities left/right %v over 200 episodes", labels)
	}
	if paid == 0 || paid == 200 {
		t.Errorf("paid %d of 200", paid)
	}
	if a := testing.AllocsPerRun(100, func() {
		if e.Step(0, rng, x).End {
			e.Reset(0, rng, x)
		}
	}); a != 0 {
		t.Errorf("a step allocates %v times", a)
	}
}
