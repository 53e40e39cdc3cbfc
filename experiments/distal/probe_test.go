package distal

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
)

// probeSpec is a small network (80 + 20 neurons) for a few seconds, with
// rewards inside the run.
func probeSpec(seconds float64) *Spec {
	s := Spec{}.Defaults()
	s.DurationS, s.Seeds = seconds, 1 // the conditions share the seed's network
	s.Network.NExc, s.Network.NInh, s.Network.Synapses = 80, 20, 20
	s.Record.LastS, s.Record.TraceEveryMs = 1, 50
	s.Reward.DelayMinMs, s.Reward.DelayMaxMs = 100, 300
	s.Network.WRewardedInit = 4
	s.Network.ThalamicAmplitude = 20
	return &s
}

// TestProbeOfRewardedSynapseEqualsTrace: a probe of the rewarded synapse
// every trace_every_ms holds, row for row and bit for bit, the dopamine,
// eligibility and weight of synapse_traces.csv; a probe of the same
// synapse by its pre and post neurons, every step, holds them too at
// every trace_every_ms; and probes change nothing else of the run.
func TestProbeOfRewardedSynapseEqualsTrace(t *testing.T) {
	plain := probeSpec(3)
	base, err := Run(context.Background(), plain, 2)
	if err != nil {
		t.Fatal(err)
	}
	run0 := base.Runs[0]
	pre, post := run0.WPre[run0.Index], run0.WPost[run0.Index]

	spec := probeSpec(3)
	spec.Record.Probes = []Probe{
		{Synapse: "rewarded", EveryMs: spec.Record.TraceEveryMs},
		{Synapse: "pair", Pre: int(pre), Post: int(post), EveryMs: 1, Name: "same"},
		{Synapse: "index", Index: 7, EveryMs: 250},
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := Run(context.Background(), spec, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got.Runs {
		b := base.Runs[i]
		if !reflect.DeepEqual(r.Traces, b.Traces) || !reflect.DeepEqual(r.Weights, b.Weights) || r.Rewards != b.Rewards {
			t.Errorf("run %d: probes changed the run", i)
		}
		byProbe := map[int32][]ProbeRow{}
		for _, p := range r.Probes {
			byProbe[p.Probe] = append(byProbe[p.Probe], p)
		}
		if len(byProbe[0]) != len(r.Traces) || len(r.Traces) == 0 {
			t.Fatalf("run %d: %d rows of the rewarded probe, %d trace rows", i, len(byProbe[0]), len(r.Traces))
		}
		if want := spec.Steps() / 250; len(byProbe[2]) != want {
			t.Errorf("run %d: index probe every 250 ms: %d rows, want %d", i, len(byProbe[2]), want)
		}
		same := func(p ProbeRow, tr TraceRow) bool {
			return math.Float64bits(p.TS) == math.Float64bits(tr.TS) && math.Float64bits(p.Dopamine) == math.Float64bits(tr.Dopamine) &&
				math.Float64bits(p.Eligibility) == math.Float64bits(tr.Eligibility) && math.Float64bits(p.Weight) == math.Float64bits(tr.Weight)
		}
		moved := false
		for k, tr := range r.Traces {
			if !same(byProbe[0][k], tr) {
				t.Fatalf("run %d row %d: probe %+v, trace %+v", i, k, byProbe[0][k], tr)
			}
			moved = moved || tr.Weight != r.Traces[0].Weight
		}
		if !moved {
			t.Errorf("run %d: the rewarded synapse's weight never moved: the comparison shows little", i)
		}
		if syn := r.Probed[0]; syn.Index != int32(r.Index) || syn.Pre != r.WPre[r.Index] || syn.Post != r.WPost[r.Index] || syn.Name != "rewarded" {
			t.Errorf("run %d: rewarded probe resolved to %+v, the rewarded synapse is %d (%d->%d)", i, syn, r.Index, r.WPre[r.Index], r.WPost[r.Index])
		}
		{
			// the pair probe is the rewarded synapse.
			every := spec.Record.TraceEveryMs
			if len(byProbe[1]) != spec.Steps() {
				t.Fatalf("pair probe every step: %d rows, want %d", len(byProbe[1]), spec.Steps())
			}
			for k, tr := range r.Traces {
				if !same(byProbe[1][(k+1)*every-1], tr) {
					t.Fatalf("pair probe at %g s: %+v, trace %+v", tr.TS, byProbe[1][(k+1)*every-1], tr)
				}
			}
		}
	}
}

// TestProbeRefused: a probe the file cannot mean is refused at load,
// naming its key; one whose synapse a seed's network lacks fails the run,
// saying which.
func TestProbeRefused(t *testing.T) {
	for _, c := range []struct {
		p    Probe
		want string
	}{
		{Probe{Synapse: "best", EveryMs: 1}, "record.probe[0].synapse"},
		{Probe{Synapse: "pair", Pre: 80, EveryMs: 1}, "record.probe[0].pre"},
		{Probe{Synapse: "index", Index: -1, EveryMs: 1}, "record.probe[0].index"},
		{Probe{Synapse: "rewarded"}, "record.probe[0].every_ms"},
		{Probe{Synapse: "rewarded", EveryMs: 1, Name: "a,b"}, "record.probe[0].name"},
	} {
		spec := probeSpec(1)
		spec.Record.Probes = []Probe{c.p}
		if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error at %s", c.p, err, c.want)
		}
	}
	spec := probeSpec(1)
	spec.Record.Probes = []Probe{{Synapse: "rewarded", EveryMs: 1}, {Synapse: "rewarded", EveryMs: 2}}
	if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), "two probes are named") {
		t.Errorf("two probes of one name: %v", err)
	}
	spec.Record.Probes = []Probe{{Synapse: "index", Index: 1 << 30, EveryMs: 1}}
	if _, err := newSim(spec, 1, true); err == nil || !strings.Contains(err.Error(), "synapses") {
		t.Errorf("index past the projection: %v", err)
	}
}

// TestProbeResumes: a run with probes stopped half-way and restored from
// its checkpoint state goes on to the same probe rows as one run whole.
func TestProbeResumes(t *testing.T) {
	spec := probeSpec(2)
	spec.Record.Probes = []Probe{{Synapse: "rewarded", EveryMs: 1}, {Synapse: "index", Index: 3, EveryMs: 7}}
	whole, err := newSim(spec, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	for whole.n < whole.steps {
		whole.step()
	}
	a, err := newSim(spec, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	for a.n < a.steps/2 {
		a.step()
	}
	x, err := a.state()
	if err != nil {
		t.Fatal(err)
	}
	b, err := newSim(spec, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.setState(x); err != nil {
		t.Fatal(err)
	}
	for b.n < b.steps {
		b.step()
	}
	if len(whole.probeRows) == 0 || !reflect.DeepEqual(b.probeRows, whole.probeRows) {
		t.Errorf("resumed: %d probe rows, whole: %d (or they differ)", len(b.probeRows), len(whole.probeRows))
	}
}
