package env

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dopa-sim/dopa/internal/param"
)

// AcrobotParams are the keys of the acrobot.
//
// The acrobot of Sutton (1996) and Sutton & Barto (Reinforcement
// Learning, 1998, §11.3), with OpenAI Gym's constants and its "book"
// dynamics (Gym's Acrobot-v1 default): two
// links hang from a fixed bar, the first from the bar, the second from the
// end of the first; only the joint between them is actuated. θ₁ is the
// first link's angle from hanging straight down, θ₂ the second's angle
// relative to the first; with d₁ = m₁l_c1² + m₂(l₁² + l_c2² + 2l₁l_c2 cos θ₂)
// + I₁ + I₂, d₂ = m₂(l_c2² + l₁l_c2 cos θ₂) + I₂,
//
//	φ₂ = m₂·l_c2·g·cos(θ₁ + θ₂ − π/2)
//	φ₁ = −m₂l₁l_c2·θ̇₂²·sin θ₂ − 2m₂l₁l_c2·θ̇₂θ̇₁·sin θ₂ + (m₁l_c1 + m₂l₁)·g·cos(θ₁ − π/2) + φ₂
//	θ̈₂ = (τ + d₂/d₁·φ₁ − m₂l₁l_c2·θ̇₁²·sin θ₂ − φ₂) / (m₂l_c2² + I₂ − d₂²/d₁)
//	θ̈₁ = −(d₂·θ̈₂ + φ₁)/d₁
//
// (I the links' moments of inertia about their centres of mass, l_c the
// distance of a link's centre from its joint). Action 0, 1, 2 applies the
// torque −Torque, 0, +Torque to the second joint for one step of StepS
// seconds, integrated by one classical Runge-Kutta (RK4) step, as Gym
// does; then the angles are wrapped into [−π, π) and the velocities
// clipped to ±4π and ±9π rad/s (Gym). An episode ends when the tip is
// higher than one link length above the bar, −l₁cos θ₁ − l₂cos(θ₁ + θ₂) >
// l₁, paying GoalReward; every other step pays StepReward; it ends unpaid
// after MaxSteps steps. Episodes start with θ₁, θ₂, θ̇₁, θ̇₂ each uniform
// in ±StartNoise (Gym; Sutton & Barto start at rest, 0).
//
// The observation is a tile coding (Sutton & Barto §9.5) of (θ₁, θ₂, θ̇₁,
// θ̇₂) over [−π, π]² × [−4π, 4π] × [−9π, 9π]: Tilings grids of Tiles
// intervals per variable, each with one more interval so that its offset
// still covers the range; tiling k is displaced by k·(1, 3, 5, 7)/Tilings
// of an interval (asymmetric offsets). Exactly one tile per tiling is 1;
// the features number Tilings·(Tiles+1)⁴.
type AcrobotParams struct {
	// Gravity g (m/s²), the links' masses Mass1, Mass2 (kg), lengths
	// Length1, Length2 (m), the distances of their centres of mass from
	// their joints COM1, COM2 (m) and their moments of inertia about them
	// Inertia1, Inertia2 (kg·m²).
	Gravity  float64 `toml:"gravity" check:"(0,1e6]"`
	Mass1    float64 `toml:"mass1" check:"(0,1e6]"`
	Mass2    float64 `toml:"mass2" check:"(0,1e6]"`
	Length1  float64 `toml:"length1" check:"(0,1e6]"`
	Length2  float64 `toml:"length2" check:"(0,1e6]"`
	COM1     float64 `toml:"com1" check:"(0,1e6]"`
	COM2     float64 `toml:"com2" check:"(0,1e6]"`
	Inertia1 float64 `toml:"inertia1" check:"(0,1e6]"`
	Inertia2 float64 `toml:"inertia2" check:"(0,1e6]"`
	// Torque is the size of the torque on the second joint (N·m).
	Torque float64 `toml:"torque" check:"(0,1e6]"`
	// StepS is one step (s); a run steps the acrobot at critic.step_ms =
	// 1000·step_s.
	StepS float64 `toml:"step_s" check:"(0,1],unit=s"`
	// MaxSteps bounds an episode's steps, in [1, 10⁶].
	MaxSteps int `toml:"max_steps" check:"[1,1000000]"`
	// StartNoise bounds the initial state, drawn uniformly in ±StartNoise
	// for each angle (rad) and velocity (rad/s), in [0, 1].
	StartNoise float64 `toml:"start_noise" check:"[0,1]"`
	// GoalReward is paid on reaching the goal, StepReward on every other
	// step.
	GoalReward float64 `toml:"goal_reward" check:"finite,[-1e6,1e6]"`
	StepReward float64 `toml:"step_reward" check:"finite,[-1e6,1e6]"`
	// Tilings is the number of tilings, Tiles the intervals per variable
	// of each; the features number Tilings·(Tiles+1)⁴, at most 10⁶.
	Tilings int `toml:"tilings" check:"[1,64]"`
	Tiles   int `toml:"tiles" check:"[1,30]"`
}

// Validate reports a key out of range.
func (p AcrobotParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	if n := p.features(); n > 1_000_000 {
		return bad("tilings·(tiles+1)⁴ = %d features: at most 10⁶", n, "tiles")
	}
	return nil
}

// StepMs is the duration of one step (ms), at which a run must step it.
func (p AcrobotParams) StepMs() float64 { return p.StepS * 1000 }

func (p AcrobotParams) features() int {
	t := p.Tiles + 1
	return p.Tilings * t * t * t * t
}

var acrobotDef = Def{
	Name: "acrobot",
	Doc:  "acrobot (Sutton & Barto; Gym's constants, book dynamics, RK4): torque −1/0/+1 on the middle joint, swing the tip one link above the bar, tile-coded input",
	Defaults: func() Params {
		return AcrobotParams{Gravity: 9.8, Mass1: 1, Mass2: 1, Length1: 1, Length2: 1, COM1: 0.5, COM2: 0.5, Inertia1: 1, Inertia2: 1,
			Torque: 1, StepS: 0.2, MaxSteps: 5000, StartNoise: 0.1, GoalReward: 0, StepReward: -1, Tilings: 8, Tiles: 4}
	},
	New: func(p Params) (Env, error) {
		a := &acrobot{AcrobotParams: p.(AcrobotParams)}
		a.n = a.features()
		return a, nil
	},
	Measures: []Measure{
		{Name: "first_steps", Doc: "the median steps of the first 10 episodes",
			Of: func(_ Params, steps []int, _ []float64) float64 { return medianSteps(steps[:min(10, len(steps))]) }},
		{Name: "final_steps", Doc: "the median steps of the last 10 episodes (to the goal, or the bound)",
			Of: func(_ Params, steps []int, _ []float64) float64 { return medianSteps(steps[max(0, len(steps)-10):]) }},
	},
}

// medianSteps returns the median of a few episodes' steps (NaN for none).
func medianSteps(s []int) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	v := slices.Clone(s)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return float64(v[n/2])
	}
	return float64(v[n/2-1]+v[n/2]) / 2
}

// AcrobotState is the state of an acrobot: θ₁, θ₂ (rad), θ̇₁, θ̇₂ (rad/s).
type AcrobotState struct{ Theta1, Theta2, Omega1, Omega2 float64 }

// Accel returns θ̈₁ and θ̈₂ under torque tau (Sutton & Barto's book
// equations).
func (p AcrobotParams) Accel(s AcrobotState, tau float64) (a1, a2 float64) {
	m1, m2, l1, lc1, lc2, i1, i2, g := p.Mass1, p.Mass2, p.Length1, p.COM1, p.COM2, p.Inertia1, p.Inertia2, p.Gravity
	sin2, cos2 := math.Sincos(s.Theta2)
	d1 := m1*lc1*lc1 + m2*(l1*l1+lc2*lc2+2*l1*lc2*cos2) + i1 + i2
	d2 := m2*(lc2*lc2+l1*lc2*cos2) + i2
	phi2 := m2 * lc2 * g * math.Cos(s.Theta1+s.Theta2-math.Pi/2)
	phi1 := -m2*l1*lc2*s.Omega2*s.Omega2*sin2 - 2*m2*l1*lc2*s.Omega2*s.Omega1*sin2 + (m1*lc1+m2*l1)*g*math.Cos(s.Theta1-math.Pi/2) + phi2
	a2 = (tau + d2/d1*phi1 - m2*l1*lc2*s.Omega1*s.Omega1*sin2 - phi2) / (m2*lc2*lc2 + i2 - d2*d2/d1)
	a1 = -(d2*a2 + phi1) / d1
	return a1, a2
}

// Energy returns the acrobot's mechanical energy (J; heights from the
// bar): conserved by its equations without torque.
func (p AcrobotParams) Energy(s AcrobotState) float64 {
	m1, m2, l1, lc1, lc2 := p.Mass1, p.Mass2, p.Length1, p.COM1, p.COM2
	w12 := s.Omega1 + s.Omega2
	kin := 0.5*(m1*lc1*lc1+p.Inertia1)*s.Omega1*s.Omega1 +
		0.5*m2*(l1*l1*s.Omega1*s.Omega1+lc2*lc2*w12*w12+2*l1*lc2*s.Omega1*w12*math.Cos(s.Theta2)) + 0.5*p.Inertia2*w12*w12
	pot := -m1*p.Gravity*lc1*math.Cos(s.Theta1) - m2*p.Gravity*(l1*math.Cos(s.Theta1)+lc2*math.Cos(s.Theta1+s.Theta2))
	return kin + pot
}

// RK4 returns the state one classical Runge-Kutta step of h seconds
// later, under torque tau (no wrapping, no clipping).
func (p AcrobotParams) RK4(s AcrobotState, tau, h float64) AcrobotState {
	deriv := func(s AcrobotState) AcrobotState {
		a1, a2 := p.Accel(s, tau)
		return AcrobotState{s.Omega1, s.Omega2, a1, a2}
	}
	add := func(s, d AcrobotState, h float64) AcrobotState {
		return AcrobotState{s.Theta1 + h*d.Theta1, s.Theta2 + h*d.Theta2, s.Omega1 + h*d.Omega1, s.Omega2 + h*d.Omega2}
	}
	k1 := deriv(s)
	k2 := deriv(add(s, k1, h/2))
	k3 := deriv(add(s, k2, h/2))
	k4 := deriv(add(s, k3, h))
	return AcrobotState{
		s.Theta1 + h/6*(k1.Theta1+2*k2.Theta1+2*k3.Theta1+k4.Theta1),
		s.Theta2 + h/6*(k1.Theta2+2*k2.Theta2+2*k3.Theta2+k4.Theta2),
		s.Omega1 + h/6*(k1.Omega1+2*k2.Omega1+2*k3.Omega1+k4.Omega1),
		s.Omega2 + h/6*(k1.Omega2+2*k2.Omega2+2*k3.Omega2+k4.Omega2)}
}

// TipHeight is the height of the second link's end above the bar (m).
func (p AcrobotParams) TipHeight(s AcrobotState) float64 {
	return -p.Length1*math.Cos(s.Theta1) - p.Length2*math.Cos(s.Theta1+s.Theta2)
}

type acrobot struct {
	AcrobotParams
	n     int
	s     AcrobotState
	steps int
}

func (a *acrobot) Features() int { return a.n }
func (a *acrobot) Actions() int  { return 3 }
func (a *acrobot) MaxSteps() int { return a.AcrobotParams.MaxSteps }

// State returns the current state.
func (a *acrobot) State() AcrobotState { return a.s }

// wrap returns an angle in [−π, π).
func wrap(v float64) float64 {
	v = math.Mod(v+math.Pi, 2*math.Pi)
	if v < 0 {
		v += 2 * math.Pi
	}
	return v - math.Pi
}

// observe writes the tile coding of the state into x.
func (a *acrobot) observe(x []float64) {
	clear(x[:a.n])
	t := a.Tiles
	lo := [4]float64{-math.Pi, -math.Pi, -4 * math.Pi, -9 * math.Pi}
	v := [4]float64{a.s.Theta1, a.s.Theta2, a.s.Omega1, a.s.Omega2}
	var u [4]float64
	for d := range 4 {
		u[d] = (v[d] - lo[d]) / (-2 * lo[d]) * float64(t)
	}
	size := t + 1
	per := size * size * size * size
	for k := range a.Tilings {
		idx := 0
		for d := range 4 {
			off := math.Mod(float64(k*(2*d+1))/float64(a.Tilings), 1)
			i := int(math.Floor(u[d] + off))
			i = max(0, min(t, i))
			idx = idx*size + i
		}
		x[k*per+idx] = 1
	}
}

func (a *acrobot) Reset(_ int, rng *rand.Rand, x []float64) {
	u := func() float64 { return a.StartNoise * (2*rng.Float64() - 1) }
	a.s = AcrobotState{Theta1: u(), Theta2: u(), Omega1: u(), Omega2: u()}
	a.steps = 0
	a.observe(x)
}

func (a *acrobot) Step(act int, _ *rand.Rand, x []float64) Outcome {
	a.steps++
	s := a.RK4(a.s, float64(act-1)*a.Torque, a.StepS)
	s.Theta1, s.Theta2 = wrap(s.Theta1), wrap(s.Theta2)
	s.Omega1 = max(-4*math.Pi, min(4*math.Pi, s.Omega1))
	s.Omega2 = max(-9*math.Pi, min(9*math.Pi, s.Omega2))
	a.s = s
	o := Outcome{Optimal: -1, Regret: math.NaN(), Reward: a.StepReward}
	switch {
	case a.TipHeight(s) > a.Length1:
		o.Reward, o.End = a.GoalReward, true
		clear(x[:a.n])
	case a.steps >= a.AcrobotParams.MaxSteps:
		o.End = true
		clear(x[:a.n])
	default:
		a.observe(x)
	}
	return o
}
