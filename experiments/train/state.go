package train

import (
	"bytes"
	"encoding/gob"
	"errors"

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
