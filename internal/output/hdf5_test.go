package output

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLookup3: the checksum of HDF5's metadata is Bob Jenkins'
// hashlittle; these are the values of lookup3.c's own driver.
func TestLookup3(t *testing.T) {
	for _, c := range []struct {
		s    string
		init uint32
		want uint32
	}{
		{"", 0, 0xdeadbeef},
		{"", 0xdeadbeef, 0xbd5b7dde},
		{"Four score and seven years ago", 0, 0x17770551},
		{"Four score and seven years ago", 1, 0xcd628161},
	} {
		if got := lookup3([]byte(c.s), c.init); got != c.want {
			t.Errorf("lookup3(%q, %#x) = %#x, want %#x", c.s, c.init, got, c.want)
		}
	}
}

// h5dumpPath returns the path of Debian's h5dump (package hdf5-tools), the
// HDF5 library's own reader. Without it a test skips, but fails when CI
// is set: .ci/run installs it.
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

// TestHDF5EmptyPopulation: a population without spikes is a group with
// datasets of length 0, and a name the writer cannot write is refused;
// h5dump reads the file without a complaint.
func TestHDF5EmptyPopulation(t *testing.T) {
	h5dump := h5dumpPath(t)
	path := filepath.Join(t.TempDir(), "spikes.h5")
	st := &SpikeTrain{Populations: []string{"a", "silent"}, TimeMs: []float64{0.5, 0.25}, Pop: []int{0, 0}, Neuron: []int{3, 1}}
	if err := WriteSonata(path, st); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(h5dump, path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5dump: %v\n%s", err, out)
	}
	for _, want := range []string{
		`GROUP "silent"`, "DATASPACE  SIMPLE { ( 0 ) / ( 0 ) }",
		// sorted by time: 0.25 (neuron 1) before 0.5 (neuron 3)
		"(0): 0.25, 0.5", "(0): 1, 3",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("h5dump lacks %q:\n%s", want, out)
		}
	}
	st.Populations[1] = "a/b"
	if err := WriteSonata(path, st); err == nil || !strings.Contains(err.Error(), "ASCII without '/'") {
		t.Errorf("population a/b: %v", err)
	}
}
