package distal

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// simState is a run's whole state between two steps.
type simState struct {
	E, I                 neuron.IzhikevichState
	HasI                 bool
	EE, EI, IE           synapse.SparseState
	HasEI, HasIE         bool
	Mod                  modulator.PulsedState
	Noise, Delays        []byte
	LastPre              int
	Wheel                []int32
	Rewards, Pairings    int
	SpikesE, SpikesI     int64
	N                    int
	ProbeC, ProbeW       float64
	ProbeD               float64
	LastSum              float64
	LastN                int
	Traces               []TraceRow
	RasterFirst, RasterL []Spike
	ProbeCWD             [][3]float64 // C, W, D of every record.probe
	ProbeRows            []ProbeRow
}

func (s *sim) state() (simState, error) {
	x := simState{E: s.E.Snapshot(), EE: s.EE.State(), Mod: s.mod.State(), LastPre: s.lastPre,
		Wheel: append([]int32(nil), s.wheel...), Rewards: s.rewards, Pairings: s.pairings, SpikesE: s.spikesE, SpikesI: s.spikesI,
		N: s.n, ProbeC: s.probe.C, ProbeW: s.probe.W, ProbeD: s.probe.D, LastSum: s.lastSum, LastN: s.lastN,
		Traces: s.traces, RasterFirst: s.rasterFirst, RasterL: s.rasterLast}
	for _, p := range s.probes {
		x.ProbeCWD = append(x.ProbeCWD, [3]float64{p.p.C, p.p.W, p.p.D})
	}
	x.ProbeRows = s.probeRows
	if s.I != nil {
		x.I, x.HasI = s.I.Snapshot(), true
	}
	if s.EI != nil {
		x.EI, x.HasEI = s.EI.State(), true
	}
	if s.IE != nil {
		x.IE, x.HasIE = s.IE.State(), true
	}
	var err error
	if x.Noise, err = s.noiseSrc.MarshalBinary(); err != nil {
		return x, err
	}
	x.Delays, err = s.delaysSrc.MarshalBinary()
	return x, err
}

func (s *sim) setState(x simState) error {
	if x.HasI != (s.I != nil) || x.HasEI != (s.EI != nil) || x.HasIE != (s.IE != nil) || len(x.Wheel) != len(s.wheel) || len(x.ProbeCWD) != len(s.probes) {
		return errors.New("the checkpoint is of another network")
	}
	if err := s.E.Restore(x.E); err != nil {
		return err
	}
	if s.I != nil {
		if err := s.I.Restore(x.I); err != nil {
			return err
		}
	}
	if err := s.EE.SetState(x.EE); err != nil {
		return err
	}
	if s.EI != nil {
		if err := s.EI.SetState(x.EI); err != nil {
			return err
		}
	}
	if s.IE != nil {
		if err := s.IE.SetState(x.IE); err != nil {
			return err
		}
	}
	if err := s.noiseSrc.UnmarshalBinary(x.Noise); err != nil {
		return err
	}
	if err := s.delaysSrc.UnmarshalBinary(x.Delays); err != nil {
		return err
	}
	s.mod.SetState(x.Mod)
	copy(s.wheel, x.Wheel)
	s.lastPre, s.rewards, s.pairings, s.spikesE, s.spikesI, s.n = x.LastPre, x.Rewards, x.Pairings, x.SpikesE, x.SpikesI, x.N
	s.probe.C, s.probe.W, s.probe.D = x.ProbeC, x.ProbeW, x.ProbeD
	s.lastSum, s.lastN = x.LastSum, x.LastN
	s.traces, s.rasterFirst, s.rasterLast = x.Traces, x.RasterFirst, x.RasterL
	for i, v := range x.ProbeCWD {
		s.probes[i].p.C, s.probes[i].p.W, s.probes[i].p.D = v[0], v[1], v[2]
	}
	s.probeRows = append(s.probeRows[:0], x.ProbeRows...)
	return nil
}

// saveGob writes v to path atomically.
func saveGob(path string, v any) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return err
	}
	return output.WriteFile(path, func(w *bufio.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
}

// loadGob reads path into v; found is false when there is no such file.
func loadGob(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return true, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}
