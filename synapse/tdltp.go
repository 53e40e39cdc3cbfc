package synapse

import "github.com/dopa-sim/dopa/internal/param"

// TDLTPParams are the keys of TD-LTP (Frémaux, Sprekeler & Gerstner 2013),
// the three-factor rule of a dense projection from spiking neurons onto
// escape-noise neurons (neuron.Escape), gated by the TD error δ of a
// continuous-time critic (modulator.ContinuousTD):
//
//	dw_ij/dt = eta·δ(t)·E_ij(t),   E_ij = κ * (Y_i·(ε * X_j)),
//
// Y_i the post spikes, ε * X_j the PSP of pre neuron j (neuron.Escape's
// kernel) and κ the critic's kernel (unit area, 1/s). The weights stay in
// the projection's [w_min, w_max].
type TDLTPParams struct {
	// Eta is the learning rate η (mV per unit of ∫δ·E dt).
	Eta float64 `toml:"eta" check:"[0,1e6]"`
	// WInitMV: the weights start uniform in [0, w_init_mv) (mV).
	WInitMV float64 `toml:"w_init_mv" check:"[0,1e4],unit=mV"`
	// Normalize rescales, after every weight change, each pre neuron's
	// weights onto the projection to the sum they started with
	// (presynaptic scaling, dopa's addition, not the paper's): the post
	// neurons compete for a pre neuron's drive.
	Normalize bool `toml:"normalize"`
}

// Defaults are the critic's link of circuits/fremaux_maze.toml (our
// choices).
func (TDLTPParams) Defaults() TDLTPParams { return TDLTPParams{Eta: 0.002, WInitMV: 0.6} }

// Validate reports a parameter out of range, naming its key.
func (p TDLTPParams) Validate() error { return param.Check(p) }
