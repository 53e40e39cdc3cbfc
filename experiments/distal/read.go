package distal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/dopa-sim/dopa/internal/output"
)

// ReadResult rebuilds, from the files Write left in dir, what the figures
// need of a run: the resolved experiment (manifest.json), each run's
// condition, seed and rewarded synapse (summary.json), its traces
// (synapse_traces.csv), its final excitatory weights (weights_end.csv) and
// its rasters (network_rasters.csv). Statistics that only summary.json holds are not
// filled in. Errors name the file and, for CSV files, the line.
func ReadResult(dir string) (_ *Result, err error) {
	defer func() { err = output.AsReadError(err) }()
	spec, err := readSpec(filepath.Join(dir, output.ManifestFile))
	if err != nil {
		return nil, err
	}
	r := &Result{Spec: spec}
	if err := readRuns(filepath.Join(dir, output.SummaryFile), r); err != nil {
		return nil, err
	}
	index := map[string]int{} // "condition/seed" → r.Runs
	for i, x := range r.Runs {
		index[runKey(x.Condition, x.Seed)] = i
	}
	// Each file's columns (its schema) are condition, seed, then numbers.
	rows := func(s *output.Schema, row func(x *RunResult, v []float64)) error {
		name := s.File
		return readCSV(dir, s, func(line int, f []string, v []float64) error {
			i, ok := index[f[0]+"/"+f[1]]
			if !ok {
				return fmt.Errorf("%s line %d: no run %s seed %s in summary.json", name, line, f[0], f[1])
			}
			row(&r.Runs[i], v)
			return nil
		})
	}
	err = rows(output.SynapseTraces, func(x *RunResult, v []float64) {
		x.Traces = append(x.Traces, TraceRow{TS: v[0], Dopamine: v[1], Eligibility: v[2], Weight: v[3], MeanExc: v[4]})
	})
	if err != nil {
		return nil, err
	}
	err = rows(output.WeightsEnd, func(x *RunResult, v []float64) {
		if v[3] == 1 {
			x.Index = len(x.Weights)
		}
		x.WPre, x.WPost = append(x.WPre, int32(v[0])), append(x.WPost, int32(v[1]))
		x.Weights = append(x.Weights, v[2])
	})
	if err != nil {
		return nil, err
	}
	lastFrom := max(spec.Steps()-spec.Record.RasterMs+1, spec.Record.RasterMs+1)
	for i := range r.Runs {
		r.Runs[i].RasterFirstFrom, r.Runs[i].RasterLastFrom = 1, lastFrom
	}
	err = rows(output.NetworkRasters, func(x *RunResult, v []float64) {
		s := Spike{TMs: int32(v[0]), Neuron: int32(v[1])}
		if int(v[0]) >= lastFrom-1 {
			x.RasterLast = append(x.RasterLast, s)
		} else {
			x.RasterFirst = append(x.RasterFirst, s)
		}
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// WritePlots (re)draws the figures of a result into dir/plots.
func WritePlots(dir string, r *Result) error {
	return writePlots(filepath.Join(dir, output.PlotsDir), r)
}

func runKey(cond string, seed int) string { return cond + "/" + strconv.Itoa(seed) }

// readSpec decodes the resolved experiment of manifest.json back through
// Parse, so that it is validated like a file.
func readSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m struct {
		Kind     string         `json:"kind"`
		Resolved map[string]any `json:"resolved"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Kind != string(output.DistalReward) || m.Resolved == nil {
		return nil, fmt.Errorf("%s: not the manifest of a distal-reward run (kind %q)", path, m.Kind)
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(tomlValues(m.Resolved)); err != nil {
		return nil, fmt.Errorf("%s: resolved: %w", path, err)
	}
	return Parse(path+" (resolved)", b.Bytes())
}

// tomlValues turns JSON numbers into TOML integers or floats.
func tomlValues(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = tomlValues(x)
		}
	case []any:
		for i, x := range v {
			v[i] = tomlValues(x)
		}
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			if n, err := v.Int64(); err == nil {
				return n
			}
		}
		f, _ := v.Float64()
		return f
	}
	return v
}

// readRuns adds one RunResult per run of summary.json.
func readRuns(path string, r *Result) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var s struct {
		Runs []struct {
			Condition    string `json:"condition"`
			Seed         int    `json:"seed"`
			Done         bool   `json:"done"`
			RewardedPre  *int   `json:"rewarded_pre"`
			RewardedPost *int   `json:"rewarded_post"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	reward := map[string]bool{}
	for _, c := range r.Spec.Conditions {
		reward[c.Name] = c.Reward
	}
	for _, x := range s.Runs {
		rw, ok := reward[x.Condition]
		if !ok {
			return fmt.Errorf("%s: run of condition %q, which the manifest does not declare", path, x.Condition)
		}
		rr := RunResult{Condition: x.Condition, Reward: rw, Seed: x.Seed, Done: x.Done, Index: -1}
		if x.RewardedPre != nil && x.RewardedPost != nil {
			rr.Pre, rr.Post = *x.RewardedPre, *x.RewardedPost
		}
		r.Runs = append(r.Runs, rr)
	}
	return nil
}

// readCSV calls row for every record of dir/s.File, with the record's
// first two fields (condition, seed) and the numbers of the other columns
// of the schema, in order.
func readCSV(dir string, s *output.Schema, row func(line int, f []string, v []float64) error) error {
	header := s.Names()
	v := make([]float64, len(header)-2)
	f := make([]string, 2)
	_, err := s.Read(dir, false, func(t *output.Table) error {
		f[0], f[1] = t.Str(header[0]), t.Str(header[1])
		for k, col := range header[2:] {
			x, err := t.Float(col)
			if err != nil {
				return err
			}
			v[k] = x
		}
		return row(t.Line, f, v)
	})
	return err
}
