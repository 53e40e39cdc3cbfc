package train

import (
	"fmt"
	"math"

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
	Init string `toml:"feedback_init"`
	// Scale is the gain (normal) or half-width (uniform) of B, > 0.
	Scale float64 `toml:"feedback_scale"`
	// Clip bounds the Euclidean norm of the error sent to each hidden
	// layer, per sample; 0 = no bound.
	Clip float64 `toml:"clip"`
}

// Validate checks the distribution, the scale and the bound.
func (p FeedbackParams) Validate() error {
	if err := checkInit(p.Init, p.Scale); err != nil {
		return err
	}
	return checkClip(p.Decay, p.Clip)
}

// PBPParams are the keys of pbp.
type PBPParams struct {
	Decay
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip"`
}

// Validate checks the bound.
func (p PBPParams) Validate() error { return checkClip(p.Decay, p.Clip) }

// InversionParams are the keys of ndi (and, with DIParams, of di).
type InversionParams struct {
	Decay
	// Alpha is the leak α of the controller, ≥ 0.
	Alpha float64 `toml:"alpha"`
	// Feedback is B: "neg_transpose" (B = −W₀ᵀ, the negative transpose of
	// the initial forward weights, kept fixed) or "random" (drawn by Init
	// and Scale, fixed).
	Feedback string `toml:"feedback"`
	// Init and Scale draw a random B (as FeedbackParams).
	Init  string  `toml:"feedback_init"`
	Scale float64 `toml:"feedback_scale"`
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip"`
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
	StabilityEvery int `toml:"stability_every"`
}

// Validate checks α and the feedback.
func (p InversionParams) Validate() error {
	if !(p.Alpha >= 0) || math.IsInf(p.Alpha, 0) {
		return param.New(fmt.Sprintf("must be a finite number >= 0, got %g", p.Alpha), "alpha")
	}
	if p.Feedback != "neg_transpose" && p.Feedback != "random" {
		return param.New(fmt.Sprintf("must be neg_transpose or random, got %q", p.Feedback), "feedback")
	}
	if err := checkInit(p.Init, p.Scale); err != nil {
		return err
	}
	if p.StabilityEvery < 0 || p.StabilityEvery > 1<<30 {
		return param.New(fmt.Sprintf("must be in [0, 2³⁰] (0: only at the start), got %d", p.StabilityEvery), "stability_every")
	}
	if p.StabilityEvery > 0 && !p.Stabilize {
		return param.New("checks the abscissa to stabilise B: needs stabilize = true", "stability_every")
	}
	return checkClip(p.Decay, p.Clip)
}

// DIParams are the keys of di: ndi's and the dynamics'.
type DIParams struct {
	InversionParams
	// Dt and Steps are the Euler step and the number of steps of the
	// controller's dynamics.
	Dt    float64 `toml:"dt"`
	Steps int     `toml:"steps"`
}

// Validate checks the dynamics, then what InversionParams checks.
func (p DIParams) Validate() error {
	if !(p.Dt > 0 && p.Dt <= 1) {
		return param.New(fmt.Sprintf("must be in (0, 1] for di, got %g", p.Dt), "dt")
	}
	if p.Steps < 1 || p.Steps > 1000000 {
		return param.New(fmt.Sprintf("must be in [1, 10⁶] for di, got %d", p.Steps), "steps")
	}
	return p.InversionParams.Validate()
}

// NodeFeedbackParams are the keys npfb and npfb_ls share.
type NodeFeedbackParams struct {
	Decay
	// Sigma is c, the standard deviation of the noise ξ added to every
	// hidden unit's output in the noisy pass, > 0.
	Sigma float64 `toml:"sigma"`
	// Warmup is the number of updates at the start in which only the
	// feedback learns (the forward weights stay), ≥ 0.
	Warmup int `toml:"warmup_updates"`
	// Clip bounds the norm of the error sent to each hidden layer; 0 = none.
	Clip float64 `toml:"clip"`
}

// Validate checks c, the warm-up and the bound.
func (p NodeFeedbackParams) Validate() error {
	if !(p.Sigma > 0) || math.IsInf(p.Sigma, 0) {
		return param.New(fmt.Sprintf("must be a finite number > 0, got %g", p.Sigma), "sigma")
	}
	if p.Warmup < 0 || p.Warmup > 1<<30 {
		return param.New(fmt.Sprintf("must be in [0, 2³⁰], got %d", p.Warmup), "warmup_updates")
	}
	return checkClip(p.Decay, p.Clip)
}

// NPFBParams are the keys of npfb.
type NPFBParams struct {
	NodeFeedbackParams
	// FeedbackRate is η_B, the learning rate of B, > 0.
	FeedbackRate float64 `toml:"feedback_rate"`
	// Init and Scale draw the initial B (as FeedbackParams).
	Init  string  `toml:"feedback_init"`
	Scale float64 `toml:"feedback_scale"`
}

// Validate checks c, the warm-up, the bound, η_B and the initial B.
func (p NPFBParams) Validate() error {
	if err := p.NodeFeedbackParams.Validate(); err != nil {
		return err
	}
	if !(p.FeedbackRate > 0) || math.IsInf(p.FeedbackRate, 0) {
		return param.New(fmt.Sprintf("must be a finite number > 0, got %g", p.FeedbackRate), "feedback_rate")
	}
	return checkInit(p.Init, p.Scale)
}

// NPFBLSParams are the keys of npfb_ls.
type NPFBLSParams struct {
	NodeFeedbackParams
	// Gamma is γ, the ridge V₀ = γI of the least squares, > 0. B starts
	// from S V⁻¹ = 0.
	Gamma float64 `toml:"gamma"`
}

// Validate checks γ, c, the warm-up and the bound.
func (p NPFBLSParams) Validate() error {
	if !(p.Gamma > 0) || math.IsInf(p.Gamma, 0) {
		return param.New(fmt.Sprintf("must be a finite number > 0 for npfb_ls, got %g", p.Gamma), "gamma")
	}
	return p.NodeFeedbackParams.Validate()
}

func checkInit(init string, scale float64) error {
	if init != "normal" && init != "uniform" {
		return param.New(fmt.Sprintf("must be normal or uniform, got %q", init), "feedback_init")
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return param.New(fmt.Sprintf("must be a finite number > 0, got %g", scale), "feedback_scale")
	}
	return nil
}

// checkClip checks the weight decay and the bound on the sent error.
func checkClip(d Decay, c float64) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if !(c >= 0) || math.IsInf(c, 0) {
		return param.New(fmt.Sprintf("must be a finite number >= 0 (0: none), got %g", c), "clip")
	}
	return nil
}
