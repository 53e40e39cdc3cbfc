package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// CartPoleParams are the keys of the cart-pole.
//
// The cart-pole of Barto, Sutton & Anderson (1983), with the constants and
// the integration of OpenAI Gym's CartPole (frictionless; Barto et al.'s
// friction terms are zero): a cart of mass m_c on a track, a pole (a
// uniform rod of mass m_p and half-length l) hinged on it, θ its angle
// from the vertical. Each step a force of ±Force pushes the cart (action 0
// left, 1 right) and the state moves by one explicit Euler step of StepS
// seconds:
//
//	a    = (F + m_p·l·θ̇²·sin θ)/M,          M = m_c + m_p
//	θ̈    = (g·sin θ − cos θ·a) / (l·(4/3 − m_p·cos²θ/M))
//	ẍ    = a − m_p·l·θ̈·cos θ/M
//	x ← x + τ·ẋ,  ẋ ← ẋ + τ·ẍ,  θ ← θ + τ·θ̇,  θ̇ ← θ̇ + τ·θ̈
//
// A trial fails when |x| > XLimit or |θ| > ThetaLimitDeg; a failure pays
// FailReward (−1, as Barto et al.) and ends the trial; every other step
// pays 0; a trial that lasts MaxSteps steps has balanced the pole for the
// whole horizon and ends. Trials start with every state variable drawn
// uniformly in ±StartNoise (Gym; Barto et al. started at 0).
//
// The observation (Encoding) is either Barto et al.'s 162 boxes, one-hot:
// x in 3 (±0.8 m), ẋ in 3 (±0.5 m/s), θ in 6 (0, ±1°, ±6°) and θ̇ in 3
// (±50°/s); or place cells tuned to the 4-D state (as Frémaux et al.
// 2013 encode it), a grid of PlaceX × PlaceV × PlaceTheta × PlaceOmega
// centres c spread evenly over ±XLimit, ±PlaceVMS, ±ThetaLimitDeg and
// ±PlaceOmegaDegS (one centre per variable: 0), each cell's activity
// Π_d exp(−(s_d − c_d)²/2σ_d²), σ_d = PlaceSigma grid spacings of
// variable d (2·range/(n−1); one centre: the range), cell index
// ((i_x·n_v + i_v)·n_θ + i_θ)·n_ω + i_ω.
//
// With ForceLevels = N the actions are N forces spread evenly from
// −Force (action 0) to +Force (action N−1); the default, 2, is the
// two pushes of Barto et al.
type CartPoleParams struct {
	// Gravity g (m/s²), MassCart m_c and MassPole m_p (kg), HalfLength l
	// (m), Force (N): each > 0.
	Gravity    float64 `toml:"gravity" check:"(0,1e6]"`
	MassCart   float64 `toml:"mass_cart" check:"(0,1e6]"`
	MassPole   float64 `toml:"mass_pole" check:"(0,1e6]"`
	HalfLength float64 `toml:"half_length" check:"(0,1e6]"`
	Force      float64 `toml:"force" check:"(0,1e6]"`
	// StepS is τ, the step (s); a run steps the cart-pole at
	// critic.step_ms = 1000·step_s.
	StepS float64 `toml:"step_s" check:"(0,1],unit=s"`
	// XLimit (m) and ThetaLimitDeg (degrees) bound the trial.
	XLimit        float64 `toml:"x_limit" check:"(0,1000],unit=m"`
	ThetaLimitDeg float64 `toml:"theta_limit_deg" check:"(0,90),unit=degrees"`
	// MaxSteps is the horizon: a trial that lasts this many steps has
	// balanced the pole, in [1, 10⁶].
	MaxSteps int `toml:"max_steps" check:"[1,1000000]"`
	// StartNoise bounds the initial state, drawn uniformly in ±StartNoise
	// for x, ẋ, θ (rad) and θ̇, in [0, 0.2].
	StartNoise float64 `toml:"start_noise" check:"[0,0.2]"`
	// FailReward is paid on failing.
	FailReward float64 `toml:"fail_reward" check:"finite,[-1e6,1e6]"`
	// ForceLevels is the number N of actions: forces −Force + 2·Force·k/(N−1)
	// (N), k = 0 … N−1.
	ForceLevels int `toml:"force_levels" check:"[2,1001]"`
	// Encoding is the observation: "boxes" (Barto's 162) or "place"
	// (Gaussian place cells on the 4-D state).
	Encoding string `toml:"encoding" check:"oneof=boxes|place"`
	// PlaceX, PlaceV, PlaceTheta, PlaceOmega are the place cells' centres
	// per variable (encoding "place"); their product, the features, is
	// at most 10⁵.
	PlaceX     int `toml:"place_x" check:"[1,100]"`
	PlaceV     int `toml:"place_v" check:"[1,100]"`
	PlaceTheta int `toml:"place_theta" check:"[1,100]"`
	PlaceOmega int `toml:"place_omega" check:"[1,100]"`
	// PlaceVMS (m/s) and PlaceOmegaDegS (degrees/s) bound the centres of
	// ẋ and θ̇ (x and θ: the failure bounds).
	PlaceVMS       float64 `toml:"place_v_m_s" check:"(0,1e3],unit=m/s"`
	PlaceOmegaDegS float64 `toml:"place_omega_deg_s" check:"(0,1e5],unit=degrees/s"`
	// PlaceSigma is a place cell's tuning width σ_d, in grid spacings of
	// its variable.
	PlaceSigma float64 `toml:"place_sigma" check:"(0,100]"`
}

// Validate reports a key out of range, or more than 10⁵ place cells.
func (p CartPoleParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if n := p.PlaceX * p.PlaceV * p.PlaceTheta * p.PlaceOmega; p.Encoding == "place" && n > 100000 {
		return param.New(fmt.Sprintf("place_x·place_v·place_theta·place_omega = %d place cells: at most 10⁵", n), "place_x")
	}
	return nil
}

// StepMs is the duration of one step (ms), at which a run must step it.
func (p CartPoleParams) StepMs() float64 { return p.StepS * 1000 }

var cartPoleDef = Def{
	Name: "cartpole",
	Doc:  "cart-pole (Barto, Sutton & Anderson 1983; Gym's constants): push left or right, fail past ±2.4 m or ±12°, Barto's 162 boxes as input",
	Defaults: func() Params {
		return CartPoleParams{Gravity: 9.8, MassCart: 1, MassPole: 0.1, HalfLength: 0.5, Force: 10, StepS: 0.02, XLimit: 2.4,
			ThetaLimitDeg: 12, MaxSteps: 10000, StartNoise: 0.05, FailReward: -1, ForceLevels: 2, Encoding: "boxes",
			PlaceX: 3, PlaceV: 3, PlaceTheta: 7, PlaceOmega: 7, PlaceVMS: 1, PlaceOmegaDegS: 100, PlaceSigma: 1}
	},
	New: func(p Params) (Env, error) { return newCartPole(p.(CartPoleParams)), nil },
	Solved: func(p Params, steps int, _ float64) bool {
		return steps >= p.(CartPoleParams).MaxSteps
	},
	Measures: []Measure{
		{Name: "balanced_fraction", Doc: "the fraction of the last 10 trials that lasted the whole horizon (max_steps)",
			Of: func(p Params, steps []int, _ []float64) float64 {
				last := steps[max(0, len(steps)-10):]
				if len(last) == 0 {
					return math.NaN()
				}
				n := 0
				for _, s := range last {
					if s >= p.(CartPoleParams).MaxSteps {
						n++
					}
				}
				return float64(n) / float64(len(last))
			}},
		{Name: "trials_to_balance", Doc: "the first trial (from 1) that lasted the whole horizon (null: none)",
			Of: func(p Params, steps []int, _ []float64) float64 {
				for i, s := range steps {
					if s >= p.(CartPoleParams).MaxSteps {
						return float64(i + 1)
					}
				}
				return math.NaN()
			}},
	},
}

// CartPoleState is the state of a cart-pole: x (m), ẋ (m/s), θ (rad), θ̇
// (rad/s).
type CartPoleState struct{ X, V, Theta, Omega float64 }

// Accel returns ẍ and θ̈ under force f.
func (p CartPoleParams) Accel(s CartPoleState, f float64) (xacc, thacc float64) {
	m := p.MassCart + p.MassPole
	sin, cos := math.Sincos(s.Theta)
	a := (f + p.MassPole*p.HalfLength*s.Omega*s.Omega*sin) / m
	thacc = (p.Gravity*sin - cos*a) / (p.HalfLength * (4.0/3.0 - p.MassPole*cos*cos/m))
	xacc = a - p.MassPole*p.HalfLength*thacc*cos/m
	return xacc, thacc
}

// Energy returns the cart-pole's mechanical energy (J, the pole's centre
// at height l·cos θ): conserved by its equations when no force acts.
func (p CartPoleParams) Energy(s CartPoleState) float64 {
	m, l := p.MassPole, p.HalfLength
	return 0.5*(p.MassCart+m)*s.V*s.V + m*l*math.Cos(s.Theta)*s.V*s.Omega + 0.5*(4.0/3.0)*m*l*l*s.Omega*s.Omega + m*p.Gravity*l*math.Cos(s.Theta)
}

type cartPole struct {
	CartPoleParams
	s     CartPoleState
	steps int
	// place: the centres and 1/σ of each variable's place cells (x, ẋ, θ,
	// θ̇), and their 1-D activities of the current state (encoding
	// "place").
	centre, inv [4][]float64
	act         [4][]float64
}

func newCartPole(p CartPoleParams) *cartPole {
	c := &cartPole{CartPoleParams: p}
	if p.Encoding != "place" {
		return c
	}
	deg := math.Pi / 180
	for d, g := range [4]struct {
		n int
		r float64
	}{{p.PlaceX, p.XLimit}, {p.PlaceV, p.PlaceVMS}, {p.PlaceTheta, p.ThetaLimitDeg * deg}, {p.PlaceOmega, p.PlaceOmegaDegS * deg}} {
		c.centre[d], c.inv[d], c.act[d] = make([]float64, g.n), make([]float64, g.n), make([]float64, g.n)
		spacing := 2 * g.r
		if g.n > 1 {
			spacing /= float64(g.n - 1)
		}
		for k := range g.n {
			if g.n > 1 {
				c.centre[d][k] = -g.r + spacing*float64(k)
			}
			c.inv[d][k] = 1 / (p.PlaceSigma * spacing)
		}
	}
	return c
}

func (c *cartPole) Features() int {
	if c.Encoding == "place" {
		return c.PlaceX * c.PlaceV * c.PlaceTheta * c.PlaceOmega
	}
	return 162
}
func (c *cartPole) Actions() int  { return c.ForceLevels }
func (c *cartPole) MaxSteps() int { return c.CartPoleParams.MaxSteps }

// State returns the current state.
func (c *cartPole) State() CartPoleState { return c.s }

// box returns Barto et al.'s box of a state (0 … 161).
func box(s CartPoleState) int {
	deg := math.Pi / 180
	bin := func(v float64, edges ...float64) int {
		k := 0
		for _, e := range edges {
			if v > e {
				k++
			}
		}
		return k
	}
	return ((bin(s.X, -0.8, 0.8)*3+bin(s.V, -0.5, 0.5))*6+bin(s.Theta, -6*deg, -deg, 0, deg, 6*deg))*3 + bin(s.Omega, -50*deg, 50*deg)
}

func (c *cartPole) Reset(_ int, rng *rand.Rand, x []float64) {
	u := func() float64 { return c.StartNoise * (2*rng.Float64() - 1) }
	c.s = CartPoleState{X: u(), V: u(), Theta: u(), Omega: u()}
	c.steps = 0
	c.observe(x)
}

// observe writes the features of the current state.
func (c *cartPole) observe(x []float64) {
	if c.Encoding != "place" {
		clear(x[:162])
		x[box(c.s)] = 1
		return
	}
	for d, v := range [4]float64{c.s.X, c.s.V, c.s.Theta, c.s.Omega} {
		for k, m := range c.centre[d] {
			z := (v - m) * c.inv[d][k]
			c.act[d][k] = math.Exp(-0.5 * z * z)
		}
	}
	i := 0
	for _, ax := range c.act[0] {
		for _, av := range c.act[1] {
			xv := ax * av
			for _, at := range c.act[2] {
				xvt := xv * at
				for _, ao := range c.act[3] {
					x[i] = xvt * ao
					i++
				}
			}
		}
	}
}

func (c *cartPole) Step(a int, _ *rand.Rand, x []float64) Outcome {
	c.steps++
	f := -c.Force
	if n := c.ForceLevels; n == 2 {
		if a == 1 {
			f = c.Force
		}
	} else {
		f += 2 * c.Force * float64(a) / float64(n-1)
	}
	xacc, thacc := c.Accel(c.s, f)
	t := c.StepS
	c.s = CartPoleState{X: c.s.X + t*c.s.V, V: c.s.V + t*xacc, Theta: c.s.Theta + t*c.s.Omega, Omega: c.s.Omega + t*thacc}
	o := Outcome{Optimal: -1, Regret: math.NaN()}
	switch {
	case math.Abs(c.s.X) > c.XLimit || math.Abs(c.s.Theta) > c.ThetaLimitDeg*math.Pi/180:
		o.Reward, o.End = c.FailReward, true
	case c.steps >= c.CartPoleParams.MaxSteps:
		o.End = true
	default:
		c.observe(x)
		return o
	}
	clear(x[:c.Features()])
	return o
}
