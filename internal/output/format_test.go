package output

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestResolvedIsJSONSafe(t *testing.T) {
	type inner struct {
		W float64 `toml:"w_min"`
	}
	v := struct {
		Name string  `toml:"name"`
		X    []inner `toml:"x"`
		N    float64 `toml:"n"`
	}{"a", []inner{{math.Inf(-1)}}, math.NaN()}
	b, err := json.Marshal(Resolved(v))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"n":"nan","name":"a","x":[{"w_min":"-inf"}]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestWriteCSVAndFloat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.csv")
	if err := WriteCSV(p, "x", func(w *bufio.Writer) { w.WriteString(Float(0.1) + "\n" + Float(math.Inf(1)) + "\n") }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "x\n0.1\n+Inf\n" {
		t.Errorf("got %q", b)
	}
	if err := WriteCSV(filepath.Join(t.TempDir(), "no", "such", "dir.csv"), "x", func(*bufio.Writer) {}); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// TestWriteFileIsAtomic: a write that fails half-way leaves the old file
// whole and no temporary file behind.
func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "traces.csv")
	if err := WriteCSV(path, "a,b", func(w *bufio.Writer) { w.WriteString("1,2\n") }); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, func(w *bufio.Writer) error {
		w.WriteString("half a file")
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("a failed write reported no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "a,b\n1,2\n" {
		t.Errorf("the old file was touched: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files left, want the one", len(ents))
	}
}
