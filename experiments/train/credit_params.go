package train

import (
	"github.com/dopa-sim/dopa/internal/param"
)

// The keys of the credit-assignment rules (credit.go), their defaults and
// their validation.

// FeedbackParams are the keys of fa and dfa.
type FeedbackParams struct {
	Decay
	// Init is the distribution of the fixed feedback weights: "normal",
	// B ~ N(0, Scale²/n) with n the size of the lower population (as the
	// forward weights' init), or "uniform", B ~ U(−Scale, Scale).
	Init string `toml:"feedback_init" check:"oneof=normal|uniform"`
	// Scale is the gain (normal) or half-width (uniform) of B, > 0.
	Scale float64 `toml:"feedback_scale" check:"finite,>0"`
	// Clip bounds the Euclidean norm of the error sent to each hidden
	// layer, per sample; 0 = no bound.
	Clip float64 `toml:"clip" check:"finite,>=0,note=0: none"`
}

// Validate checks the distribution, the scale and the bound.
func (p FeedbackParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return p.Decay.Validate()
}

// PBPParams are the keys of pbp.
type PBPParams struct {
	Decay
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip" check:"finite,>=0,note=0: none"`
}

// Validate checks the bound.
func (p PBPParams) Validate() error {
	if err := p.Decay.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

// InversionParams are the keys of ndi (and, with DIParams, of di).
type InversionParams struct {
	Decay
	// Alpha is the leak α of the controller, ≥ 0.
	Alpha float64 `toml:"alpha" check:"finite,>=0"`
	// Feedback is B: "neg_transpose" (B = −W₀ᵀ, the negative transpose of
	// the initial forward weights, kept fixed) or "random" (drawn by Init
	// and Scale, fixed).
	Feedback string `toml:"feedback" check:"oneof=neg_transpose|random"`
	// Init and Scale draw a random B (as FeedbackParams).
	Init  string  `toml:"feedback_init" check:"oneof=normal|uniform"`
	Scale float64 `toml:"feedback_scale" check:"finite,>0"`
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip" check:"finite,>=0,note=0: none"`
	// Stabilize lowers the spectral abscissa of the controller
	// [[−I, B], [W, −αI]] by steps on B (the authors' SSA step; see
	// stability.go) when B starts with an abscissa above −min(0.01, α/2),
	// and when a check finds it above 0.
	Stabilize bool `toml:"stabilize"`
	// StabilityEvery checks the abscissa every this many updates during
	// training (the authors' DI checks every sample); 0: only at the
	// start. A check costs one eigenvalue decomposition per hidden layer
	// (26 µs for a 10+6 controller here) and allocates inside gonum's
	// Dlahqr; with 0, updates allocate nothing.
	StabilityEvery int `toml:"stability_every" check:"[0,2³⁰],note=0: only at the start"`
}

// Validate checks α and the feedback.
func (p InversionParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if p.StabilityEvery > 0 && !p.Stabilize {
		return param.New("checks the abscissa to stabilise B: needs stabilize = true", "stability_every")
	}
	return p.Decay.Validate()
}

// DIParams are the keys of di: ndi's and the dynamics'.
type DIParams struct {
	InversionParams
	// Dt and Steps are the Euler step and the number of steps of the
	// controller's dynamics.
	Dt    float64 `toml:"dt" check:"(0,1]"`
	Steps int     `toml:"steps" check:"[1,10⁶]"`
}

// Validate checks the dynamics, then what InversionParams checks.
func (p DIParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return p.InversionParams.Validate()
}

// NodeFeedbackParams are the keys npfb and npfb_ls share.
type NodeFeedbackParams struct {
	Decay
	// Sigma is c, the standard deviation of the noise ξ added to every
	// hidden unit's output in the noisy pass, > 0.
	Sigma float64 `toml:"sigma" check:"finite,>0"`
	// Warmup is the number of updates at the start in which only the
	// feedback learns (the forward weights stay), ≥ 0.
	Warmup int `toml:"warmup_updates" check:"[0,2³⁰]"`
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip" check:"finite,>=0,note=0: none"`
}

// Validate checks c, the warm-up and the bound.
func (p NodeFeedbackParams) Validate() error {
	if err := p.Decay.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

// NPFBParams are the keys of npfb.
type NPFBParams struct {
	NodeFeedbackParams
	// FeedbackRate is η_B, the learning rate of B, > 0.
	FeedbackRate float64 `toml:"feedback_rate" check:"finite,>0"`
	// Init and Scale draw the initial B (as FeedbackParams).
	Init  string  `toml:"feedback_init" check:"oneof=normal|uniform"`
	Scale float64 `toml:"feedback_scale" check:"finite,>0"`
}

// Validate checks c, the warm-up, the bound, η_B and the initial B.
func (p NPFBParams) Validate() error {
	if err := p.NodeFeedbackParams.Validate(); err != nil {
		return err
	}
	return param.Check(p)
}

// NPFBLSParams are the keys of npfb_ls.
type NPFBLSParams struct {
	NodeFeedbackParams
	// Gamma is γ, the ridge V₀ = γI of the least squares, > 0. B starts
	// from S V⁻¹ = 0.
	Gamma float64 `toml:"gamma" check:"finite,>0"`
}

// Validate checks γ, c, the warm-up and the bound.
func (p NPFBLSParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	return p.NodeFeedbackParams.Validate()
}
