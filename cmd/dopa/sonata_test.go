package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// h5dumpPath returns Debian's h5dump (hdf5-tools), the HDF5 library's own
// reader: the test skips without it, but fails when CI is set (.ci/run
// installs it).
func h5dumpPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("h5dump")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("h5dump not found (CI is set; .ci/run installs hdf5-tools): %v", err)
		}
		t.Skip("h5dump not found: apt-get install hdf5-tools")
	}
	return p
}

// TestSonataSpikesHDF5: the spikes.h5 of a CUBA run (record_sonata), read
// by h5dump, is SONATA's layout — /spikes/exc and /spikes/inh, each with
// timestamps (float64, n) and node_ids (uint64, n), n the population's
// spikes in spikes.csv; a scalar enum attribute sorting = by_time on the
// group and a scalar string units = "ms" on timestamps — and its first
// values are the run's first spikes of each population, bit for bit; dopa
// export --format sonata of the same run writes the same file.
func TestSonataSpikesHDF5(t *testing.T) {
	h5dump := h5dumpPath(t)
	out := filepath.Join(t.TempDir(), "cuba")
	cuba := filepath.Join("..", "..", "circuits", "cuba.toml")
	if code, _, stderr := dopa(t, "run", cuba, "--out", out, "--quiet", "--set", "duration_ms=30", "--set", "record_sonata=true"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	type spike struct {
		t float64
		n int
	}
	byPop := map[string][]spike{}
	if _, err := output.Spikes.Read(out, false, func(tb *output.Table) error {
		tm, err := tb.Float("time_ms")
		if err != nil {
			return err
		}
		n, err := tb.Int("neuron")
		byPop[tb.Str("population")] = append(byPop[tb.Str("population")], spike{tm, n})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, output.SonataFile)
	h5 := func(args ...string) string {
		t.Helper()
		b, err := exec.Command(h5dump, append(args, path)...).CombinedOutput()
		if err != nil {
			t.Fatalf("h5dump %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	all := h5("-H")
	for _, g := range []string{`GROUP "spikes"`, `GROUP "exc"`, `GROUP "inh"`} {
		if !strings.Contains(all, g) {
			t.Errorf("no %s in\n%s", g, all)
		}
	}
	const first = 5
	for _, pop := range []string{"exc", "inh"} {
		sp := byPop[pop]
		if len(sp) < first {
			t.Fatalf("%s: %d spikes, want at least %d", pop, len(sp), first)
		}
		shape := fmt.Sprintf("DATASPACE  SIMPLE { ( %d ) / ( %d ) }", len(sp), len(sp))
		ts := h5("-m", "%.17g", "-d", "/spikes/"+pop+"/timestamps", "-c", strconv.Itoa(first))
		ids := h5("-d", "/spikes/"+pop+"/node_ids", "-c", strconv.Itoa(first))
		sorting := h5("-a", "/spikes/"+pop+"/sorting")
		units := h5("-a", "/spikes/"+pop+"/timestamps/units")
		for _, c := range []struct{ dump, want string }{
			{ts, "DATATYPE  H5T_IEEE_F64LE"}, {ts, shape},
			{ids, "DATATYPE  H5T_STD_U64LE"}, {ids, shape},
			{sorting, "H5T_ENUM"}, {sorting, `"by_time"          2;`}, {sorting, "DATASPACE  SCALAR"}, {sorting, "(0): by_time"},
			{units, "H5T_STRING"}, {units, "DATASPACE  SCALAR"}, {units, `(0): "ms"`},
		} {
			if !strings.Contains(c.dump, c.want) {
				t.Errorf("%s: h5dump lacks %q:\n%s", pop, c.want, c.dump)
			}
		}
		gotT, gotN := dumpValues(t, ts), dumpValues(t, ids)
		if len(gotT) != first || len(gotN) != first {
			t.Fatalf("%s: read %d times and %d ids, want %d", pop, len(gotT), len(gotN), first)
		}
		for i := range first {
			tm, _ := strconv.ParseFloat(gotT[i], 64)
			n, _ := strconv.Atoi(gotN[i])
			if math.Float64bits(tm) != math.Float64bits(sp[i].t) || n != sp[i].n {
				t.Errorf("%s spike %d: h5dump %s ms neuron %s, spikes.csv %v ms neuron %d", pop, i, gotT[i], gotN[i], sp[i].t, sp[i].n)
			}
		}
	}
	// dopa export --format sonata writes the same file from spikes.csv.
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := dopa(t, "export", out, "--format", "sonata"); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Errorf("export --format sonata wrote another file (%d bytes, the run's %d): %v", len(got), len(want), err)
	}
}

var dumpData = regexp.MustCompile(`(?s)DATA \{\s*(.*?)\s*\}`)

// dumpValues returns the values of the DATA block of an h5dump output.
func dumpValues(t *testing.T, dump string) []string {
	t.Helper()
	m := dumpData.FindStringSubmatch(dump)
	if m == nil {
		t.Fatalf("no DATA in\n%s", dump)
	}
	var vals []string
	for _, line := range strings.Split(m[1], "\n") {
		if _, rest, ok := strings.Cut(line, "):"); ok {
			line = rest
		}
		for _, v := range strings.Split(line, ",") {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
	}
	return vals
}
