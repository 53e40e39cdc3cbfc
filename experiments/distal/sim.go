package distal

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dopa-sim/dopa/internal/rng"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// stream returns the random stream named name of a seed (internal/rng,
// the construction of experiments.Stream).
func stream(seed int, name string) *rand.Rand { return rng.Stream(uint64(seed), name) }

// Spike is one spike of the raster: the step (ms) and the neuron
// (excitatory neurons first, then inhibitory ones).
type Spike struct {
	TMs    int32
	Neuron int32
}

// TraceRow is one row of synapse_traces.csv (output.SynapseTraces).
type TraceRow struct {
	TS          float64 // time (s)
	Dopamine    float64 // d + tonic
	Eligibility float64 // eligibility trace c of the rewarded synapse
	Weight      float64 // weight of the rewarded synapse
	MeanExc     float64 // mean excitatory weight (see the package documentation)
}

// ProbeRow is one row of probes.csv (output.Probes): a sample of one
// probed synapse.
type ProbeRow struct {
	Probe       int32   // the probe's index in record.probe
	TS          float64 // time (s)
	Dopamine    float64 // d + tonic
	Eligibility float64 // the synapse's eligibility trace c
	Weight      float64 // its weight
}

// ProbedSynapse is a probe resolved in one run's network.
type ProbedSynapse struct {
	Name      string
	Index     int32 // in the excitatory projection
	Pre, Post int32
}

// probe follows one probed synapse (synapse.Probe) and samples it.
type probe struct {
	syn   ProbedSynapse
	p     *synapse.Probe
	every int
}

// sim is one run: the network, its dopamine, the reward schedule and what
// is recorded. Everything step touches is allocated by newSim.
type sim struct {
	spec   *Spec
	reward bool

	E, I   *neuron.Izhikevich
	EE, EI *synapse.Sparse // plastic, event driven
	IE     *synapse.Sparse // static
	// silentEE and silentEI flag repeated synapses that deliver nothing
	// (repeated_targets = "drop"); nil when none is silent.
	silentEE, silentEI []bool
	mod                *modulator.Pulsed

	noise, delays       *rand.Rand
	noiseSrc, delaysSrc *rng.Source // their generators (checkpoints)

	// The rewarded synapse: index in EE, pre and post neuron.
	kR           int32
	preR, postR  int32
	lastPre      int     // step of the last spike of preR
	wheel        []int32 // rewards due, by step modulo len(wheel)
	rewards      int     // delivered
	pairings     int     // rewarded pairings seen (scheduled rewards when reward is on)
	spikesE      int64
	spikesI      int64
	n, steps     int // steps done, steps planned
	window       int
	dmin, dspan  int
	pulse, tonic float64
	eta          float64
	amp          float64
	single       bool

	// probe follows the rewarded synapse every step, for the traces and
	// the weight averaged over the last stretch (synapse.Probe).
	probe                   *synapse.Probe
	wMax                    float64
	every, rasterMs         int
	lastFrom                int // first step of the final averaging window
	lastSum                 float64
	lastN                   int
	traces                  []TraceRow
	rasterFirst, rasterLast []Spike
	probes                  []probe // record.probe, in file order
	probeRows               []ProbeRow
}

// newSim builds the network of a seed and a condition.
func newSim(spec *Spec, seed int, reward bool) (*sim, error) {
	nw := &spec.Network
	s := &sim{spec: spec, reward: reward, steps: spec.Steps(), window: spec.Reward.WindowMs,
		dmin: spec.Reward.DelayMinMs, dspan: spec.Reward.DelayMaxMs - spec.Reward.DelayMinMs + 1,
		pulse: spec.Reward.Pulse, tonic: spec.Dopamine.Tonic, eta: spec.STDP.RatePerMs,
		amp: nw.ThalamicAmplitude, single: nw.Thalamic == "single", wMax: nw.WMax,
		every: spec.Record.TraceEveryMs, rasterMs: spec.Record.RasterMs}
	var err error
	if s.E, err = neuron.NewIzhikevich(nw.NExc, nw.Exc); err != nil {
		return nil, err
	}
	if nw.NInh > 0 {
		if s.I, err = neuron.NewIzhikevich(nw.NInh, nw.Inh); err != nil {
			return nil, err
		}
	}
	if err := s.connect(seed); err != nil {
		return nil, err
	}
	if s.mod, err = modulator.NewPulsed(modulator.PulsedParams{TauDMs: spec.Dopamine.TauDMs,
		Tonic: s.eta * s.tonic, Gain: s.eta}); err != nil {
		return nil, err
	}
	s.mod.Subscribe(s.EE)
	if s.EI != nil {
		s.mod.Subscribe(s.EI)
	}
	s.noiseSrc, s.delaysSrc = rng.NewSource(uint64(seed), "thalamic"), rng.NewSource(uint64(seed), "reward_delay")
	s.noise, s.delays = rand.New(s.noiseSrc), rand.New(s.delaysSrc)
	s.wheel = make([]int32, spec.Reward.DelayMaxMs+1)
	s.lastPre = math.MinInt32

	pp := synapse.ProbeParams{Rate: s.eta, Tonic: s.tonic, TauCMs: spec.STDP.TauCMs, TauDMs: spec.Dopamine.TauDMs, WMax: s.wMax}
	s.probe = s.EE.NewProbe(s.kR, pp)
	rows := 0
	for _, ps := range spec.Record.Probes {
		syn, err := s.resolve(ps, seed)
		if err != nil {
			return nil, err
		}
		s.probes = append(s.probes, probe{syn: syn, p: s.EE.NewProbe(syn.Index, pp), every: ps.EveryMs})
		rows += s.steps / ps.EveryMs
	}
	s.probeRows = make([]ProbeRow, 0, rows)

	s.traces = make([]TraceRow, 0, s.steps/s.every+1)
	s.lastFrom = s.steps - int(math.Round(spec.Record.LastS*1000)) + 1
	r := min(s.rasterMs, s.steps)
	n := nw.NExc + nw.NInh
	s.rasterFirst = make([]Spike, 0, n*r/50+16)
	s.rasterLast = make([]Spike, 0, n*r/50+16)
	return s, nil
}

// resolve finds the synapse of a probe in the network of a seed.
func (s *sim) resolve(p Probe, seed int) (ProbedSynapse, error) {
	syn := ProbedSynapse{Name: p.Label(), Index: -1}
	switch p.Synapse {
	case "rewarded":
		syn.Index = s.kR
	case "index":
		if p.Index >= len(s.EE.W) {
			return syn, fmt.Errorf("probe %q: index %d: the excitatory projection of seed %d has %d synapses", syn.Name, p.Index, seed, len(s.EE.W))
		}
		syn.Index = int32(p.Index)
	case "pair":
		for k := s.EE.RowPtr[p.Pre]; k < s.EE.RowPtr[p.Pre+1]; k++ {
			if s.EE.Post[k] == int32(p.Post) {
				syn.Index = k
				break
			}
		}
		if syn.Index < 0 {
			return syn, fmt.Errorf("probe %q: the network of seed %d has no synapse from excitatory neuron %d to %d", syn.Name, seed, p.Pre, p.Post)
		}
	}
	syn.Post = s.EE.Post[syn.Index]
	for j := range len(s.EE.RowPtr) - 1 {
		if s.EE.RowPtr[j] <= syn.Index && syn.Index < s.EE.RowPtr[j+1] {
			syn.Pre = int32(j)
			break
		}
	}
	return syn, nil
}

// connect draws the synapses (stream "network") and the rewarded synapse
// (stream "rewarded_synapse").
func (s *sim) connect(seed int) error {
	nw := &s.spec.Network
	ne, ni, m := nw.NExc, nw.NInh, nw.Synapses
	rng := stream(seed, "network")
	var ee, ei, ie []synapse.Edge
	targets := make([]int32, 0, m)
	seen := make(map[int32]bool, m)
	draw := func(of int) []int32 {
		targets = targets[:0]
		clear(seen)
		for len(targets) < m {
			j := int32(rng.IntN(of))
			if nw.RepeatedTargets == "distinct" && seen[j] {
				continue
			}
			seen[j] = true
			targets = append(targets, j)
		}
		return targets
	}
	for j := range ne {
		for _, i := range draw(ne + ni) {
			if int(i) < ne {
				ee = append(ee, synapse.Edge{Pre: int32(j), Post: i, W: nw.WExcInit, Delay: 1})
			} else {
				ei = append(ei, synapse.Edge{Pre: int32(j), Post: i - int32(ne), W: nw.WExcInit, Delay: 1})
			}
		}
	}
	for j := range ni {
		for _, i := range draw(ne) {
			ie = append(ie, synapse.Edge{Pre: int32(j), Post: i, W: nw.WInh, Delay: 1})
		}
	}
	p := synapse.SparseParams{}.Defaults()
	p.Plastic, p.WMin, p.WMax = true, 0, nw.WMax
	pairing := synapse.Nearest
	if s.spec.STDP.Pairing == "all_to_all" {
		pairing = synapse.AllToAll
	}
	st := s.spec.STDP
	p.STDP = synapse.STDPParams{APlus: st.APlus, AMinus: st.AMinus, TauPlusMs: st.TauPlusMs,
		TauMinusMs: st.TauMinusMs, TauCMs: st.TauCMs, Pairing: pairing, EventDriven: true}
	var err error
	if s.EE, err = synapse.NewSparseEdges(ne, ne, ee, p); err != nil {
		return err
	}
	if ni > 0 {
		if len(ei) > 0 {
			if s.EI, err = synapse.NewSparseEdges(ne, ni, ei, p); err != nil {
				return err
			}
		}
		q := synapse.SparseParams{}.Defaults()
		if nw.RepeatedTargets == "drop" {
			ie = dedupe(ie)
		}
		if s.IE, err = synapse.NewSparseEdges(ni, ne, ie, q); err != nil {
			return err
		}
	}
	if nw.RepeatedTargets == "drop" {
		s.silentEE = silent(s.EE)
		if s.EI != nil {
			s.silentEI = silent(s.EI)
		}
	}
	// The rewarded synapse: uniform among the excitatory→excitatory
	// synapses between two different neurons whose pair is not repeated.
	var cand []int32
	for j := range ne {
		lo, hi := s.EE.RowPtr[j], s.EE.RowPtr[j+1]
		for k := lo; k < hi; k++ {
			i := s.EE.Post[k]
			if int(i) == j || (k > lo && s.EE.Post[k-1] == i) || (k+1 < hi && s.EE.Post[k+1] == i) {
				continue
			}
			cand = append(cand, k)
		}
	}
	if len(cand) == 0 {
		return fmt.Errorf("distal: no excitatory synapse can be the rewarded one (every one is a self-connection or repeated)")
	}
	s.kR = cand[stream(seed, "rewarded_synapse").IntN(len(cand))]
	s.postR = s.EE.Post[s.kR]
	for j := range ne {
		if s.EE.RowPtr[j] <= s.kR && s.kR < s.EE.RowPtr[j+1] {
			s.preR = int32(j)
			break
		}
	}
	s.EE.W[s.kR] = nw.WRewardedInit
	return nil
}

// silent flags, within each presynaptic row (sorted by target), every
// synapse followed by another one to the same target: of a repeated pair
// only the last delivers, as in the original script.
func silent(p *synapse.Sparse) []bool {
	flags := make([]bool, p.Len())
	any := false
	for j := range p.NPre {
		lo, hi := p.RowPtr[j], p.RowPtr[j+1]
		for k := lo; k+1 < hi; k++ {
			if p.Post[k] == p.Post[k+1] {
				flags[k] = true
				any = true
			}
		}
	}
	if !any {
		return nil
	}
	return flags
}

// dedupe keeps one edge per (pre, post) pair.
func dedupe(edges []synapse.Edge) []synapse.Edge {
	type pair struct{ a, b int32 }
	seen := make(map[pair]bool, len(edges))
	out := edges[:0]
	for _, e := range edges {
		if !seen[pair{e.Pre, e.Post}] {
			seen[pair{e.Pre, e.Post}] = true
			out = append(out, e)
		}
	}
	return out
}

// deliver adds the weights of the synapses of the spiking pre neurons into
// post, skipping silent synapses.
func deliver(p *synapse.Sparse, silentK []bool, spikes []int32, post []float64) {
	w, tgt := p.W, p.Post
	for _, j := range spikes {
		lo, hi := p.RowPtr[j], p.RowPtr[j+1]
		if silentK == nil {
			for k := lo; k < hi; k++ {
				post[tgt[k]] += w[k]
			}
			continue
		}
		for k := lo; k < hi; k++ {
			if !silentK[k] {
				post[tgt[k]] += w[k]
			}
		}
	}
}

const inv32 = 1.0 / (1 << 32)

// thalamic adds the random input of one step.
func (s *sim) thalamic() {
	inE := s.E.Input()
	var inI []float64
	if s.I != nil {
		inI = s.I.Input()
	}
	if s.single {
		i := s.noise.IntN(len(inE) + len(inI))
		if i < len(inE) {
			inE[i] += s.amp
		} else {
			inI[i-len(inE)] += s.amp
		}
		return
	}
	// amplitude·(U − 0.5) for every neuron, two 32-bit uniforms per draw.
	a, h := s.amp*inv32, -0.5*s.amp
	fill := func(in []float64) {
		k := 0
		for ; k+1 < len(in); k += 2 {
			x := s.noise.Uint64()
			in[k] += float64(x>>32)*a + h
			in[k+1] += float64(uint32(x))*a + h
		}
		if k < len(in) {
			in[k] += float64(s.noise.Uint64()>>32)*a + h
		}
	}
	fill(inE)
	if inI != nil {
		fill(inI)
	}
}

// step advances the run by one step of 1 ms. It allocates nothing (the
// raster grows only during its first and last stretch).
func (s *sim) step() {
	n := s.n + 1
	t := float64(n)
	inE := s.E.Input()
	spE := s.E.Spikes()
	// Spikes of the previous step arrive now (delay 1 ms).
	deliver(s.EE, s.silentEE, spE, inE)
	if s.I != nil {
		if s.EI != nil {
			deliver(s.EI, s.silentEI, spE, s.I.Input())
		}
		s.IE.Propagate(s.I.Spikes(), inE)
	}
	s.thalamic()
	s.E.Step(1)
	spE = s.E.Spikes()
	var spI []int32
	if s.I != nil {
		s.I.Step(1)
		spI = s.I.Spikes()
	}
	s.spikesE += int64(len(spE))
	s.spikesI += int64(len(spI))
	s.EE.SpikesAt(t, spE, spE)
	if s.EI != nil {
		s.EI.SpikesAt(t, spE, spI)
	}

	// The rewarded synapse over (t−1, t].
	out := s.E.Output()
	preFired, postFired := out[s.preR] != 0, out[s.postR] != 0
	s.probe.Step(preFired || postFired)
	for i := range s.probes {
		p := &s.probes[i]
		p.p.Step(out[p.syn.Pre] != 0 || out[p.syn.Post] != 0)
	}
	if preFired {
		s.lastPre = n
	}
	if postFired {
		if lag := n - s.lastPre; lag > 0 && lag < s.window {
			s.pairings++
			if s.reward {
				s.wheel[(n+s.dmin+s.delays.IntN(s.dspan))%len(s.wheel)]++
			}
		}
	}
	slot := n % len(s.wheel)
	if c := s.wheel[slot]; c > 0 {
		s.wheel[slot] = 0
		s.rewards += int(c)
		s.mod.RewardAt(t, s.pulse*float64(c))
		s.probe.Reward(s.pulse * float64(c))
		for i := range s.probes {
			s.probes[i].p.Reward(s.pulse * float64(c))
		}
	}
	for i := range s.probes {
		if p := &s.probes[i]; n%p.every == 0 {
			s.probeRows = append(s.probeRows, ProbeRow{Probe: int32(i), TS: t / 1000, Dopamine: p.p.Dopamine(), Eligibility: p.p.C, Weight: p.p.W})
		}
	}

	if n%s.every == 0 {
		s.record(t)
	}
	if n >= s.lastFrom {
		s.lastSum += s.probe.W
		s.lastN++
	}
	if n <= s.rasterMs {
		s.rasterFirst = appendSpikes(s.rasterFirst, n, spE, spI, len(out))
	}
	if n > s.rasterMs && n > s.steps-s.rasterMs {
		s.rasterLast = appendSpikes(s.rasterLast, n, spE, spI, len(out))
	}
	s.n = n
}

func appendSpikes(dst []Spike, n int, spE, spI []int32, ne int) []Spike {
	for _, i := range spE {
		dst = append(dst, Spike{int32(n), i})
	}
	for _, i := range spI {
		dst = append(dst, Spike{int32(n), i + int32(ne)})
	}
	return dst
}

// record appends a trace row at t ms.
func (s *sim) record(t float64) {
	sum, cnt := 0.0, 0
	for _, w := range s.EE.W {
		sum += w
	}
	cnt += len(s.EE.W)
	if s.EI != nil {
		for _, w := range s.EI.W {
			sum += w
		}
		cnt += len(s.EI.W)
	}
	s.traces = append(s.traces, TraceRow{TS: t / 1000, Dopamine: s.probe.Dopamine(),
		Eligibility: s.probe.C, Weight: s.probe.W, MeanExc: sum / float64(cnt)})
}

// finish brings every synapse to the end of the run.
func (s *sim) finish() {
	t := float64(s.n)
	s.EE.Flush(t)
	if s.EI != nil {
		s.EI.Flush(t)
	}
}
