package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/param"
)

// FremauxParams are the keys of the fremaux agent: the spiking
// actor-critic of Frémaux, Sprekeler & Gerstner (2013) in continuous time.
//
// Every feature x_i of the observation is a place cell firing as a Poisson
// process at place_rate_hz·x_i. Critic and actor neurons are spike-response
// neurons with escape noise: the membrane potential is
//
//	u_i(t) = Σ_j w_ij·(ε * X_j)(t) + Σ_k l_ik·(ε * Y_k)(t) − refr_mv·(e^{−s/τ_refr} * Y_i)(t)
//
// with ε(s) = e^{−s/τ_m} − e^{−s/τ_s} (PSP of a weight of 1 mV, peak
// ≈ 0.47 mV with the defaults), X_j the place cells' spike trains, l the
// actor's lateral weights (0 for the critic); neuron i fires with rate
// ρ_i = rho0_hz·exp((u_i − theta_mv)/delta_u_mv). The critic's value is
//
//	V(t) = nu·(1/N_c)·Σ_i (κ * Y_i)(t) + v0,
//
// κ(s) = (e^{−s/τ_κ} − e^{−s/ν_κ})/(τ_κ − ν_κ) (unit area: (κ * Y) is a
// rate in Hz), and the TD error is Doya's (2000) continuous one,
//
//	δ(t) = r(t) − V(t)/τ_r + dV/dt,
//
// dV/dt taken exactly from κ′. Both populations learn by the same
// three-factor rule (TD-LTP):
//
//	dw_ij/dt = η·δ(t)·E_ij(t),  E_ij = κ * (Y_i·(ε * X_j)),
//
// η = eta_critic or eta_actor, weights within [w_min, w_max]. The actor's
// N_a neurons have preferred directions θ_k = 2πk/N_a on a ring and lateral
// weights l_kk′ = (ring_w_minus + ring_w_plus·exp(ring_psi·(cos(θ_k − θ_k′) − 1)))/N_a
// (mV): near neighbours excite, far ones inhibit, and the activity forms a
// bump. The action of an environment step is the heading nearest to the
// population vector Σ_k n_k·(cos θ_k, sin θ_k) of the actor's spike counts
// n_k in that step (uniform at random if it is zero). A reward r of the
// environment is a pulse r·δ_Dirac at the end of its step; at an episode's
// end V falls to 0 (a pulse −V in δ); each weight then changes by
// η·(r − V)·E_ij. The network simulates critic.step_ms / dt_ms steps per
// environment step.
type FremauxParams struct {
	// DtMs is the simulation step (ms); critic.step_ms must be a whole
	// number of it.
	DtMs float64 `toml:"dt_ms" check:"(0,100],unit=ms"`
	// PlaceRateHz is a place cell's rate at feature value 1 (Hz).
	PlaceRateHz float64 `toml:"place_rate_hz" check:"(0,1000],unit=Hz"`
	// CriticNeurons is N_c, the number of critic neurons.
	CriticNeurons int `toml:"critic_neurons" check:"[1,10000]"`
	// ActorNeurons is N_a, the number of actor neurons on the ring.
	ActorNeurons int `toml:"actor_neurons" check:"[2,10000]"`
	// TauMMs and TauSMs are the PSP kernel's time constants τ_m > τ_s (ms).
	TauMMs float64 `toml:"tau_m_ms" check:"(0,1e4],unit=ms"`
	TauSMs float64 `toml:"tau_s_ms" check:"(0,1e4],unit=ms"`
	// Rho0Hz, ThetaMV and DeltaUMV are the escape noise: rate
	// rho0_hz·exp((u − theta_mv)/delta_u_mv).
	Rho0Hz   float64 `toml:"rho0_hz" check:"(0,1e4],unit=Hz"`
	ThetaMV  float64 `toml:"theta_mv" check:"finite,[-1e3,1e3],unit=mV"`
	DeltaUMV float64 `toml:"delta_u_mv" check:"(0,1e3],unit=mV"`
	// RefrMV and TauRefrMs are the refractory kernel after a neuron's own
	// spike, −refr_mv·e^{−s/τ_refr}.
	RefrMV    float64 `toml:"refr_mv" check:"[0,1e4],unit=mV"`
	TauRefrMs float64 `toml:"tau_refr_ms" check:"(0,1e4],unit=ms"`
	// TauKappaMs and NuKappaMs are the time constants τ_κ > ν_κ of the
	// kernel κ that filters the critic's spikes into V and the
	// eligibility (ms).
	TauKappaMs float64 `toml:"tau_kappa_ms" check:"(0,1e5],unit=ms"`
	NuKappaMs  float64 `toml:"nu_kappa_ms" check:"(0,1e5],unit=ms"`
	// TauRS is the reward discount time constant τ_r (s).
	TauRS float64 `toml:"tau_r_s" check:"(0,1e4],unit=s"`
	// Nu is the value of a mean critic rate of 1 Hz (reward units per Hz);
	// V0 the value at silence (reward units).
	Nu float64 `toml:"nu" check:"(0,1e6]"`
	V0 float64 `toml:"v0" check:"finite,[-1e6,1e6]"`
	// EtaCritic and EtaActor are the learning rates η of the critic's and
	// the actor's place-cell synapses (mV per unit of ∫δ·E dt).
	EtaCritic float64 `toml:"eta_critic" check:"[0,1e6]"`
	EtaActor  float64 `toml:"eta_actor" check:"[0,1e6]"`
	// WInitCritic and WInitActor: the place-cell weights start uniform in
	// [0, w_init) (mV).
	WInitCritic float64 `toml:"w_init_critic" check:"[0,1e4],unit=mV"`
	WInitActor  float64 `toml:"w_init_actor" check:"[0,1e4],unit=mV"`
	// WMin and WMax bound every place-cell weight (mV).
	WMin float64 `toml:"w_min" check:"finite,[-1e4,1e4],unit=mV"`
	WMax float64 `toml:"w_max" check:"finite,[-1e4,1e4],unit=mV"`
	// RingWPlus, RingWMinus and RingPsi shape the actor's lateral weights
	// (mV, mV, dimensionless).
	RingWPlus  float64 `toml:"ring_w_plus" check:"[0,1e6],unit=mV"`
	RingWMinus float64 `toml:"ring_w_minus" check:"[-1e6,0],unit=mV"`
	RingPsi    float64 `toml:"ring_psi" check:"[0,1e3]"`
	// ActorNormalize rescales, after every weight update, the weights from
	// each place cell onto the actor to the sum they started with
	// (presynaptic scaling, our addition): the headings compete for a
	// place's input, and a δ that is negative on average (−V/τ_r while no
	// reward comes) does not silence the actor.
	ActorNormalize bool `toml:"actor_normalize"`
}

// Defaults are our choices (docs/reward.md says which are the paper's).
func (FremauxParams) Defaults() FremauxParams {
	return FremauxParams{DtMs: 1, PlaceRateHz: 400, CriticNeurons: 100, ActorNeurons: 180, TauMMs: 20, TauSMs: 5,
		Rho0Hz: 60, ThetaMV: 16, DeltaUMV: 4, RefrMV: 30, TauRefrMs: 20, TauKappaMs: 200, NuKappaMs: 50,
		TauRS: 4, Nu: 0.02, V0: 0, EtaCritic: 0.002, EtaActor: 0.01, WInitCritic: 0.6, WInitActor: 0.6,
		WMin: 0, WMax: 3, RingWPlus: 2000, RingWMinus: -1500, RingPsi: 5, ActorNormalize: true}
}

// Validate reports a key out of range.
func (p FremauxParams) Validate() error {
	if err := param.Check(p); err != nil {
		return err
	}
	switch {
	case !(p.TauSMs < p.TauMMs):
		return param.New(fmt.Sprintf("must be below tau_m_ms = %g, got %g", p.TauMMs, p.TauSMs), "tau_s_ms")
	case !(p.NuKappaMs < p.TauKappaMs):
		return param.New(fmt.Sprintf("must be below tau_kappa_ms = %g, got %g", p.TauKappaMs, p.NuKappaMs), "nu_kappa_ms")
	case !(p.WMin <= p.WMax):
		return param.New(fmt.Sprintf("must be at least w_min = %g, got %g", p.WMin, p.WMax), "w_max")
	case p.PlaceRateHz*p.DtMs/1000 > 1:
		return param.New(fmt.Sprintf("place_rate_hz·dt_ms = %g spikes per step: at most 1", p.PlaceRateHz*p.DtMs/1000), "place_rate_hz")
	}
	return nil
}

// checkStep: an environment step must be a whole number of dt_ms.
func (p FremauxParams) checkStep(stepMs float64) error {
	k := stepMs / p.DtMs
	if math.Abs(k-math.Round(k)) > 1e-9*k || math.Round(k) < 1 || k > 1e6 {
		return param.New(fmt.Sprintf("critic.step_ms = %g is not a whole number (1 to 10⁶) of dt_ms = %g", stepMs, p.DtMs), "dt_ms")
	}
	return nil
}

// check bounds the cost of a run.
func (p FremauxParams) check(features, actions, episodes, maxSteps int) error {
	if actions < 2 {
		return param.New(fmt.Sprintf("the fremaux agent chooses a heading: the environment must take at least 2 actions, it takes %d", actions), "actor_neurons")
	}
	return nil
}

var fremauxDef = AgentDef{
	Name:     "fremaux",
	Doc:      "spiking actor-critic in continuous time (Frémaux, Sprekeler & Gerstner 2013): place cells, a critic population coding V, δ = r − V/τ_r + dV/dt, a ring actor, TD-LTP",
	Acts:     true,
	Defaults: func() AgentParams { return FremauxParams{}.Defaults() },
	New:      newFremaux,
}

// fremauxPop is a population of escape-noise neurons that reads the place
// cells through plastic synapses, with their eligibility.
type fremauxPop struct {
	n, pre  int
	w       []float64 // n × pre, row-major
	ia, ib  []float64 // Σ_j w_ij·a_j and Σ_j w_ij·b_j: the feedforward PSP parts
	la, lb  []float64 // the lateral PSP's two parts (actor; ε = a − b)
	refr    []float64 // refractory trace
	spikes  []int32   // this step's spikes
	eta     float64
	ea, eb  []float64 // the eligibility's two exponential parts, n × pre
	pa, qa  []float64 // within a chunk: Σ c·d_a^{−s} and Σ c·d_a^{−s}·H_a(s−1)
	pb, qb  []float64
	touched []bool // rows with a post spike in the chunk
}

func newFremauxPop(n, pre int, wInit float64, eta float64, rng *rand.Rand) *fremauxPop {
	p := &fremauxPop{n: n, pre: pre, w: make([]float64, n*pre), ia: make([]float64, n), ib: make([]float64, n),
		la: make([]float64, n), lb: make([]float64, n), refr: make([]float64, n), spikes: make([]int32, 0, n), eta: eta,
		ea: make([]float64, n*pre), eb: make([]float64, n*pre), pa: make([]float64, n*pre), qa: make([]float64, n*pre),
		pb: make([]float64, n*pre), qb: make([]float64, n*pre), touched: make([]bool, n)}
	for i := range p.w {
		p.w[i] = wInit * rng.Float64()
	}
	return p
}

type fremaux struct {
	FremauxParams
	nPlace, actions int
	critic, actor   *fremauxPop
	ring            []float64 // N_a × N_a lateral weights
	cosK, sinK      []float64
	heading         []int // the heading nearest to each actor neuron's direction

	// Per-step constants.
	dt                     float64   // s
	dm, ds, dref, dka, dkb float64   // decay factors per step
	kNorm                  float64   // 1/(τ_κ − ν_κ) (1/s)
	pIn                    float64   // place spike probability per unit of feature
	steps, chunk           int       // substeps per environment step; per flush
	xa, xb                 []float64 // place-cell PSP traces (ε = a − b)
	eps                    []float64 // ε_j of the step
	sa, sb                 float64   // critic κ traces: Σ_i (e^{−s/τ_κ} * Y_i), (e^{−s/ν_κ} * Y_i)
	ha, hb                 float64   // H_a(s), H_b(s) of the chunk
	powA, powB             float64   // d^s
	invA, invB             float64   // d^{−s}
	s                      int       // substep in the chunk
	v, vdot, delta         float64
	counts                 []float64 // actor spikes per neuron in the environment step
	colSum                 []float64 // per place cell, the initial sum of its weights onto the actor
	mf                     []float64 // mean-field rates, scratch of MapValue and Policy
	rng                    *rand.Rand
	// trace, when non-nil, receives V, dV/dt, δ and r of every substep
	// (tests).
	trace func(v, vdot, delta, r float64)
}

func newFremaux(p AgentParams, s Setup) (Agent, error) {
	fp := p.(FremauxParams)
	if err := fp.checkStep(s.StepMs); err != nil {
		return nil, err
	}
	a := &fremaux{FremauxParams: fp, nPlace: s.Features, actions: s.Actions, rng: s.Rng}
	a.critic = newFremauxPop(fp.CriticNeurons, s.Features, fp.WInitCritic, fp.EtaCritic, s.Rng)
	a.actor = newFremauxPop(fp.ActorNeurons, s.Features, fp.WInitActor, fp.EtaActor, s.Rng)
	na := fp.ActorNeurons
	a.ring = make([]float64, na*na)
	a.cosK, a.sinK, a.heading = make([]float64, na), make([]float64, na), make([]int, na)
	for k := range na {
		th := 2 * math.Pi * float64(k) / float64(na)
		a.cosK[k], a.sinK[k] = math.Cos(th), math.Sin(th)
		a.heading[k] = nearestHeading(th, s.Actions)
		for m := range na {
			a.ring[k*na+m] = (fp.RingWMinus + fp.RingWPlus*math.Exp(fp.RingPsi*(math.Cos(th-2*math.Pi*float64(m)/float64(na))-1))) / float64(na)
		}
	}
	a.dt = fp.DtMs / 1000
	a.dm, a.ds = math.Exp(-fp.DtMs/fp.TauMMs), math.Exp(-fp.DtMs/fp.TauSMs)
	a.dref = math.Exp(-fp.DtMs / fp.TauRefrMs)
	a.dka, a.dkb = math.Exp(-fp.DtMs/fp.TauKappaMs), math.Exp(-fp.DtMs/fp.NuKappaMs)
	a.kNorm = 1000 / (fp.TauKappaMs - fp.NuKappaMs)
	a.pIn = fp.PlaceRateHz * a.dt
	a.steps = int(math.Round(s.StepMs / fp.DtMs))
	// A flush every at most 4·ν_κ keeps d^{−s} below e⁴.
	a.chunk = max(1, min(a.steps, int(4*fp.NuKappaMs/fp.DtMs)))
	a.xa, a.xb, a.eps = make([]float64, s.Features), make([]float64, s.Features), make([]float64, s.Features)
	a.counts = make([]float64, na)
	a.colSum = make([]float64, s.Features)
	a.mf = make([]float64, max(fp.CriticNeurons, na))
	for i := range na {
		for j := range s.Features {
			a.colSum[j] += a.actor.w[i*s.Features+j]
		}
	}
	a.Begin()
	return a, nil
}

// nearestHeading is the action whose heading 2πk/n is nearest to th.
func nearestHeading(th float64, n int) int {
	k := int(math.Round(th / (2 * math.Pi / float64(n))))
	return ((k % n) + n) % n
}

// Begin starts an episode from rest: no spikes in memory, no eligibility.
func (a *fremaux) Begin() {
	for _, p := range []*fremauxPop{a.critic, a.actor} {
		clear(p.ia)
		clear(p.ib)
		clear(p.la)
		clear(p.lb)
		clear(p.refr)
		clear(p.ea)
		clear(p.eb)
		clear(p.pa)
		clear(p.qa)
		clear(p.pb)
		clear(p.qb)
		clear(p.touched)
	}
	clear(a.xa)
	clear(a.xb)
	a.sa, a.sb = 0, 0
	a.startChunk()
	a.v, a.vdot = a.V0, 0
}

func (a *fremaux) startChunk() {
	a.s, a.ha, a.hb, a.powA, a.powB, a.invA, a.invB = 0, 0, 0, 1, 1, 1, 1
}

// Act runs the network for one environment step with the place cells at
// rates place_rate_hz·x and returns the heading of the actor's population
// vector.
func (a *fremaux) Act(x []float64, rng *rand.Rand) int {
	clear(a.counts)
	for range a.steps {
		a.step(x, 0)
	}
	a.flush()
	vx, vy := 0.0, 0.0
	for k, c := range a.counts {
		vx += c * a.cosK[k]
		vy += c * a.sinK[k]
	}
	if vx == 0 && vy == 0 {
		return rng.IntN(a.actions)
	}
	return nearestHeading(math.Atan2(vy, vx), a.actions)
}

// step advances the network by dt with the place cells at x and the
// reward rate r (1/s).
func (a *fremaux) step(x []float64, r float64) {
	// Place cells: decay their PSP traces, draw their spikes.
	for j := range a.xa {
		a.xa[j] *= a.dm
		a.xb[j] *= a.ds
	}
	for _, p := range []*fremauxPop{a.critic, a.actor} {
		for i := range p.ia {
			p.ia[i] *= a.dm
			p.ib[i] *= a.ds
			p.la[i] *= a.dm
			p.lb[i] *= a.ds
			p.refr[i] *= a.dref
		}
	}
	for j, xj := range x[:a.nPlace] {
		if q := xj * a.pIn; q > 0 && a.rng.Float64() < q {
			a.xa[j]++
			a.xb[j]++
			for _, p := range []*fremauxPop{a.critic, a.actor} {
				for i := range p.n {
					w := p.w[i*p.pre+j]
					p.ia[i] += w
					p.ib[i] += w
				}
			}
		}
	}
	for j := range a.eps {
		a.eps[j] = a.xa[j] - a.xb[j]
	}
	a.fire(a.critic, nil)
	a.fire(a.actor, a.counts)
	// The actor's spikes reach the ring through the lateral weights from
	// the next step on.
	na := a.actor.n
	for _, k := range a.actor.spikes {
		row := a.ring[int(k)*na : (int(k)+1)*na]
		for m, l := range row {
			a.actor.la[m] += l
			a.actor.lb[m] += l
		}
	}
	// V, dV/dt and δ.
	a.sa *= a.dka
	a.sb *= a.dkb
	n := float64(len(a.critic.spikes))
	a.sa += n
	a.sb += n
	nc := float64(a.CriticNeurons)
	a.v = a.Nu*a.kNorm*(a.sa-a.sb)/nc + a.V0
	a.vdot = a.Nu * a.kNorm * (-a.sa*1000/a.TauKappaMs + a.sb*1000/a.NuKappaMs) / nc
	a.delta = r - a.v/a.TauRS + a.vdot
	if a.trace != nil {
		a.trace(a.v, a.vdot, a.delta, r)
	}
	a.ha += a.delta * a.powA
	a.hb += a.delta * a.powB
	a.s++
	a.powA *= a.dka
	a.powB *= a.dkb
	a.invA /= a.dka
	a.invB /= a.dkb
	if a.s >= a.chunk {
		a.flush()
	}
}

// fire draws the spikes of a population from its potentials, adds the
// refractory and lateral effects of the spikes, and records their
// eligibility (pre ε at the post spike).
func (a *fremaux) fire(p *fremauxPop, counts []float64) {
	p.spikes = p.spikes[:0]
	k := 1 / a.DeltaUMV
	for i := range p.n {
		u := p.ia[i] - p.ib[i] + p.la[i] - p.lb[i] - p.refr[i]
		rho := a.Rho0Hz * math.Exp((u-a.ThetaMV)*k) * a.dt
		if rho > 0.01 {
			rho = -math.Expm1(-rho)
		}
		if a.rng.Float64() < rho {
			p.spikes = append(p.spikes, int32(i))
		}
	}
	for _, i := range p.spikes {
		p.refr[i] += a.RefrMV
		if counts != nil {
			counts[i]++
		}
		p.touched[i] = true
		row := int(i) * p.pre
		ea, eb := a.invA, a.invB
		qa, qb := a.invA*(a.ha), a.invB*(a.hb)
		for j, e := range a.eps {
			if e == 0 {
				continue
			}
			p.pa[row+j] += e * ea
			p.qa[row+j] += e * qa
			p.pb[row+j] += e * eb
			p.qb[row+j] += e * qb
		}
	}
}

// flush applies the weight changes of the chunk and carries the
// eligibility over to the next one.
func (a *fremaux) flush() {
	if a.s == 0 {
		return
	}
	c := a.dt * a.kNorm
	la, lb := a.powA, a.powB // d^L
	fa, fb := la/a.dka, lb/a.dkb
	for _, p := range []*fremauxPop{a.critic, a.actor} {
		eta := p.eta * c
		for i := range p.n {
			row := p.w[i*p.pre : (i+1)*p.pre]
			off := i * p.pre
			touched := p.touched[i]
			for j := range row {
				ea, eb := p.ea[off+j], p.eb[off+j]
				if !touched && ea == 0 && eb == 0 {
					continue
				}
				ga := a.dka*ea*a.ha + p.pa[off+j]*a.ha - p.qa[off+j]
				gb := a.dkb*eb*a.hb + p.pb[off+j]*a.hb - p.qb[off+j]
				if eta != 0 {
					row[j] = min(max(row[j]+eta*(ga-gb), a.WMin), a.WMax)
				}
				p.ea[off+j] = la*ea + fa*p.pa[off+j]
				p.eb[off+j] = lb*eb + fb*p.pb[off+j]
				p.pa[off+j], p.qa[off+j], p.pb[off+j], p.qb[off+j] = 0, 0, 0, 0
			}
			p.touched[i] = false
		}
	}
	a.settle()
	a.startChunk()
}

// settle rescales the actor's weights (actor_normalize) and recomputes the
// feedforward PSPs under the new weights.
func (a *fremaux) settle() {
	if a.ActorNormalize {
		a.normalize()
	}
	for _, p := range []*fremauxPop{a.critic, a.actor} {
		for i := range p.n {
			sa, sb := 0.0, 0.0
			for j, w := range p.w[i*p.pre : (i+1)*p.pre] {
				sa += w * a.xa[j]
				sb += w * a.xb[j]
			}
			p.ia[i], p.ib[i] = sa, sb
		}
	}
}

// normalize rescales each place cell's weights onto the actor to their
// initial sum, within [w_min, w_max].
func (a *fremaux) normalize() {
	p := a.actor
	for j, want := range a.colSum {
		sum := 0.0
		for i := range p.n {
			sum += p.w[i*p.pre+j]
		}
		if sum <= 0 {
			continue
		}
		f := want / sum
		for i := range p.n {
			k := i*p.pre + j
			p.w[k] = min(max(p.w[k]*f, a.WMin), a.WMax)
		}
	}
}

// pulse applies a δ pulse of area d (reward, or the fall of V at the end):
// Δw = η·d·E.
func (a *fremaux) pulse(d float64) {
	for _, p := range []*fremauxPop{a.critic, a.actor} {
		eta := p.eta * d * a.kNorm
		if eta == 0 {
			continue
		}
		for k, w := range p.w {
			if e := p.ea[k] - p.eb[k]; e != 0 {
				p.w[k] = min(max(w+eta*e, a.WMin), a.WMax)
			}
		}
	}
	a.settle()
}

// Learn takes the environment's reward and end: the network learns
// online in Act; here the reward pulse and, at an episode's end on
// reward, the fall of V to 0. The run's critic's δ is not used: the
// agent carries its own critic.
func (a *fremaux) Learn(_ []float64, _ int, r float64, _ []float64, end bool, _ float64) {
	d := r
	if end && r != 0 {
		d -= a.v
	}
	if d != 0 {
		a.pulse(d)
	}
}

// meanRates writes the mean-field rate (Hz) of every neuron of p with the
// place cells at x held still: u_i = Σ_j w_ij·place_rate_hz·x_j·(τ_m − τ_s),
// the mean PSP of Poisson input, ρ_i = ρ0·exp((u_i − θ)/Δu) (the lateral
// and refractory terms and the fluctuations of u aside).
func (a *fremaux) meanRates(p *fremauxPop, x, rates []float64) {
	area := (a.TauMMs - a.TauSMs) / 1000 * a.PlaceRateHz
	for i := range p.n {
		u := 0.0
		for j, w := range p.w[i*p.pre : (i+1)*p.pre] {
			u += w * x[j]
		}
		rates[i] = a.Rho0Hz * math.Exp((u*area-a.ThetaMV)/a.DeltaUMV)
	}
}

// MapValue is the critic's mean-field V in the state x, nu·mean ρ + v0
// (meanRates), for the value map.
func (a *fremaux) MapValue(x []float64) float64 {
	rates := a.mf[:a.critic.n]
	a.meanRates(a.critic, x, rates)
	sum := 0.0
	for _, r := range rates {
		sum += r
	}
	return a.Nu*sum/float64(len(rates)) + a.V0
}

// Policy (Chooser) writes, for every heading, the share of the actor's
// mean-field rate carried by the neurons nearest to it: the direction the
// feedforward drive favours in the state x.
func (a *fremaux) Policy(x, pi []float64) {
	rates := a.mf[:a.actor.n]
	a.meanRates(a.actor, x, rates)
	clear(pi)
	sum := 0.0
	for k, r := range rates {
		pi[a.heading[k]] += r
		sum += r
	}
	for k := range pi {
		pi[k] /= sum
	}
}
