package train

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"

	"github.com/dopa-sim/dopa/modulator"
)

// Stateful is a rule whose state can be saved between two updates and
// restored into the same rule bound to the same circuit (checkpoints of
// long runs). Its random stream is saved by the caller, who made it.
type Stateful interface {
	State() ([]byte, error)
	SetState([]byte) error
}

type perturbationState struct {
	Mod       modulator.DopamineState
	L0        float64
	Ctx       int
	NodeSeed  uint64
	Modulated bool
}

// State saves the dopamine system and the rule's memory of the last update.
func (r *Perturbation) State() ([]byte, error) {
	return encode(perturbationState{Mod: r.m.State(), L0: r.l0, Ctx: r.ctx, NodeSeed: r.seed, Modulated: true})
}

// SetState restores what State saved.
func (r *Perturbation) SetState(b []byte) error {
	var s perturbationState
	if err := decode(b, &s); err != nil {
		return err
	}
	if !s.Modulated {
		return errors.New("train: not the state of a perturbation rule")
	}
	r.m.SetState(s.Mod)
	r.l0, r.ctx, r.seed = s.L0, s.Ctx, s.NodeSeed
	return nil
}

type backpropState struct {
	M, V [][]float64
	T    int
}

// State saves Adam's moments and step count.
func (b *Backprop) State() ([]byte, error) { return encode(backpropState{M: b.m, V: b.v, T: b.t}) }

// SetState restores what State saved.
func (b *Backprop) SetState(data []byte) error {
	var s backpropState
	if err := decode(data, &s); err != nil {
		return err
	}
	if len(s.M) != len(b.m) || len(s.V) != len(b.v) {
		return errors.New("train: Adam's moments do not fit the circuit")
	}
	for k := range b.m {
		if len(s.M[k]) != len(b.m[k]) || len(s.V[k]) != len(b.v[k]) {
			return errors.New("train: Adam's moments do not fit the circuit")
		}
		copy(b.m[k], s.M[k])
		copy(b.v[k], s.V[k])
	}
	b.t = s.T
	return nil
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

func decode(b []byte, v any) error { return gob.NewDecoder(bytes.NewReader(b)).Decode(v) }

type creditState struct {
	Kind       string      // the rule's type
	Feedback   [][]float64 // every feedback projection's weights
	S, V       [][]float64 // npfb_ls's accumulators (S in dB)
	Updates    int
	Stabilized int
	Mod        *modulator.DopamineState
	Noise      []byte
}

var errBadCreditState = errors.New("train: the checkpoint is not the state of this credit rule on this circuit")

// State saves what a credit rule carries from one update to the next: the
// feedback synapses (which the circuit's state leaves out), the count of
// updates (warm-up, stability checks) and the rule's own state (npfb_ls's
// S and V, the dopamine system and node-noise stream of npfb and
// npfb_ls, the stabilisations of ndi and di).
func (r *credit) State() ([]byte, error) {
	s := creditState{Kind: fmt.Sprintf("%T", r.self), Updates: r.updates}
	for _, f := range r.c.Feedback {
		s.Feedback = append(s.Feedback, f.W)
	}
	if err := r.self.saveState(&s); err != nil {
		return nil, err
	}
	return encode(s)
}

// SetState restores what State saved, into the same rule bound to a
// circuit built the same way.
func (r *credit) SetState(b []byte) error {
	var s creditState
	if err := decode(b, &s); err != nil {
		return err
	}
	if s.Kind != fmt.Sprintf("%T", r.self) || len(s.Feedback) != len(r.c.Feedback) {
		return errBadCreditState
	}
	for k, f := range r.c.Feedback {
		if len(s.Feedback[k]) != len(f.W) {
			return errBadCreditState
		}
	}
	if err := r.self.loadState(&s); err != nil {
		return err
	}
	for k, f := range r.c.Feedback {
		copy(f.W, s.Feedback[k])
	}
	r.updates = s.Updates
	return nil
}

func sameShapes(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}
