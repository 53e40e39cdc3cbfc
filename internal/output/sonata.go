package output

import (
	"bufio"
	"fmt"
	"math"
	"sort"
)

// SpikeTrain is the spikes of a run for a SONATA file: population names
// in circuit order, and one entry per spike (time in ms, the index of its
// population, the neuron's index in it).
type SpikeTrain struct {
	Populations []string
	TimeMs      []float64
	Pop         []int
	Neuron      []int
}

// ReadSpikeTrain reads the spikes of a simulation in dir (spikes.csv or
// .npz, and populations.csv or .npz for the populations' order).
func ReadSpikeTrain(dir string) (*SpikeTrain, error) {
	st := &SpikeTrain{}
	index := map[string]int{}
	if _, err := Layout.Read(dir, false, func(t *Table) error {
		index[t.Str("population")] = len(st.Populations)
		st.Populations = append(st.Populations, t.Str("population"))
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := Spikes.Read(dir, false, func(t *Table) error {
		tm, err := t.Float("time_ms")
		if err != nil {
			return err
		}
		n, err := t.Int("neuron")
		if err != nil {
			return err
		}
		p, ok := index[t.Str("population")]
		if !ok {
			return fmt.Errorf("%s line %d: population %q is not in %s", t.Name, t.Line, t.Str("population"), LayoutFile)
		}
		if n < 0 || math.IsNaN(tm) || math.IsInf(tm, 0) || tm < 0 {
			return fmt.Errorf("%s line %d: neuron %d at %g ms: want a neuron >= 0 at a finite time >= 0", t.Name, t.Line, n, tm)
		}
		st.TimeMs, st.Pop, st.Neuron = append(st.TimeMs, tm), append(st.Pop, p), append(st.Neuron, n)
		return nil
	}); err != nil {
		return nil, err
	}
	return st, nil
}

// WriteSonata writes the spikes as a SONATA spike file (the SONATA
// developer guide's "spike file"; read by libsonata, BMTK and NEST's
// SonataNetwork) at path, atomically (WriteFile):
//
//	/spikes                          group
//	/spikes/POPULATION               group, attribute sorting: enum {none, by_id, by_time} = by_time
//	/spikes/POPULATION/timestamps    float64 (n,), attribute units = "ms"
//	/spikes/POPULATION/node_ids      uint64 (n,): the neuron's index in POPULATION
//
// one group per population (a population without spikes has datasets of
// length 0), in circuit order, each population's spikes in time order
// (stable: as dopa recorded them within a step). The attributes are
// scalars; sorting is an HDF5 enumeration over int8, as libsonata reads
// it; units a null-terminated ASCII string.
func WriteSonata(path string, st *SpikeTrain) error {
	byPop := make([][]int, len(st.Populations))
	for i, p := range st.Pop {
		byPop[p] = append(byPop[p], i)
	}
	spikes := &h5Node{name: "spikes"}
	for p, idx := range byPop {
		if err := h5Check(st.Populations[p]); err != nil {
			return fmt.Errorf("%s: population %w", path, err)
		}
		sort.SliceStable(idx, func(a, b int) bool { return st.TimeMs[idx[a]] < st.TimeMs[idx[b]] })
		ts := make([]float64, len(idx))
		ids := make([]uint64, len(idx))
		for k, i := range idx {
			ts[k], ids[k] = st.TimeMs[i], uint64(st.Neuron[i])
		}
		spikes.children = append(spikes.children, &h5Node{name: st.Populations[p],
			attrs: []h5Attr{{name: "sorting", enum: SonataSortings, value: 2}},
			children: []*h5Node{
				{name: "timestamps", isData: true, f64: ts, attrs: []h5Attr{{name: "units", str: "ms"}}},
				{name: "node_ids", isData: true, u64: ids},
			}})
	}
	b := encodeHDF5(&h5Node{children: []*h5Node{spikes}})
	return WriteFile(path, func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// SonataSortings are the members of the sorting enumeration, valued 0, 1,
// 2 (libsonata's SpikeReader::Population::Sorting).
var SonataSortings = []string{"none", "by_id", "by_time"}
