package output

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// columnsOfTest are the rows of TestNPZIsNumPy, column by column, with a
// label ("unused", the longest) that no row holds.
func columnsOfTest() []Values {
	return []Values{
		Labels([]int32{0, 2}, []string{"exc", "unused", "é"}),
		Ints([]int64{-3, 1 << 40}),
		Floats([]float64{0.1, math.Copysign(0, -1)}),
		Floats([]float64{math.Float64frombits(0x7ff8000000000123), 2.5}),
		Labels([]int32{0, 1}, []string{"a b", ""}),
		Floats([]float64{math.Inf(1), 1e-300}),
	}
}

// writeRowsOfTest writes two rows of testSchema with one more column,
// values of every kind: a NaN with a payload, ±0, ±Inf, text to quote.
func writeRowsOfTest(r *Rows) {
	r.Str("exc")
	r.Int(-3)
	r.Float(0.1)
	r.Float(math.Float64frombits(0x7ff8000000000123))
	r.Str("a b")
	r.Float(math.Inf(1))
	r.End()
	r.Str("é")
	r.Int(1 << 40)
	r.Float(math.Copysign(0, -1))
	r.Float(2.5)
	r.Str("")
	r.Float(1e-300)
	r.End()
}

// TestWriteColumnsIsWrite: a table handed over column by column is
// written byte for byte as the same rows handed over one by one, as CSV
// and as .npz (a NaN of any payload is NumPy's NaN; a text column is as
// wide as its longest label that some row holds), and the columns handed
// over are left as they were.
func TestWriteColumnsIsWrite(t *testing.T) {
	rows, cols := t.TempDir(), t.TempDir()
	if err := testSchema.Write(rows, Both, writeRowsOfTest, "exc.v.0"); err != nil {
		t.Fatal(err)
	}
	vals := columnsOfTest()
	if err := testSchema.WriteColumns(cols, Both, vals, "exc.v.0"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"t.csv", "t.npz"} {
		a, errA := os.ReadFile(filepath.Join(rows, f))
		b, errB := os.ReadFile(filepath.Join(cols, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: written by columns (%d bytes, %v) is not what rows write (%d bytes, %v)", f, len(b), errB, len(a), errA)
		}
	}
	if bits := math.Float64bits(vals[3].d.f[0]); bits != 0x7ff8000000000123 {
		t.Errorf("the NaN handed over was changed to %#x", bits)
	}
}

// TestWriteColumnsRefuses: columns that do not fit the table are an
// error naming the file and the column, and leave no file.
func TestWriteColumnsRefuses(t *testing.T) {
	for _, c := range []struct {
		mend func(v []Values) []Values
		want string
	}{
		{func(v []Values) []Values { return v[:5] }, "5 columns handed over, want 6"},
		{func(v []Values) []Values { v[1] = Floats([]float64{1, 2}); return v }, "column k is int, handed over as float"},
		{func(v []Values) []Values { v[2] = Floats([]float64{1}); return v }, "column x has 1 rows, want 2 as name"},
		{func(v []Values) []Values { v[0] = Labels([]int32{0, 3}, []string{"a"}); return v }, "column name: code 3 outside its 1 labels"},
	} {
		for _, f := range Formats {
			dir := t.TempDir()
			err := testSchema.WriteColumns(dir, f, c.mend(columnsOfTest()), "exc.v.0")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "t.csv") {
				t.Errorf("%s: %v, want an error with %q", f, err, c.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%s: refused columns left %d files", f, len(left))
			}
		}
	}
}

// TestNPZPacking: an array that deflates to an eighth or less (labels, a
// constant) is deflated, any other stored; both read back.
func TestNPZPacking(t *testing.T) {
	n := 5000
	codes, k, x := make([]int32, n), make([]int64, n), make([]float64, n)
	for i := range n {
		codes[i], k[i], x[i] = int32(i%2), int64(i*7919%4999), math.Sin(float64(i))
	}
	s := &Schema{File: "p.csv", Columns: []Column{strCol("pop", "", ""), intCol("k", "", ""), fltCol("x", "", ""), fltCol("c", "", "")}}
	c := make([]float64, n)
	dir := t.TempDir()
	if err := s.WriteColumns(dir, NPZ, []Values{Labels(codes, []string{"exc", "inh"}), Ints(k), Floats(x), Floats(c)}); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(filepath.Join(dir, "p.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	want := map[string]uint16{"pop.npy": zip.Deflate, "k.npy": zip.Store, "x.npy": zip.Store, "c.npy": zip.Deflate}
	for _, e := range z.File {
		if e.Method != want[e.Name] {
			t.Errorf("%s packed with method %d, want %d", e.Name, e.Method, want[e.Name])
		}
	}
	rows := 0
	if _, err := s.Read(dir, false, func(tb *Table) error {
		xv, errX := tb.Float("x")
		kv, errK := tb.Int("k")
		if errX != nil || errK != nil || xv != x[rows] || kv != int(k[rows]) || tb.Str("pop") != []string{"exc", "inh"}[codes[rows]] {
			t.Errorf("row %d read back wrong", rows)
		}
		rows++
		return nil
	}); err != nil || rows != n {
		t.Errorf("read %d rows of %d: %v", rows, n, err)
	}
}

// TestNPZByteOrder: the values copied number by number (the path of a
// big-endian machine) are the bytes written from their memory.
func TestNPZByteOrder(t *testing.T) {
	if !littleEndian {
		t.Skip("the copy is the only path on this machine")
	}
	n := 3*npyChunk/8 + 5 // several chunks, the last one short
	x, k := make([]float64, n), make([]int64, n)
	for i := range n {
		x[i], k[i] = math.Sqrt(float64(i)), int64(i)*-977
	}
	s := &Schema{File: "o.csv", Columns: []Column{fltCol("x", "", ""), intCol("k", "", "")}}
	write := func() []byte {
		dir := t.TempDir()
		if err := s.WriteColumns(dir, NPZ, []Values{Floats(x), Ints(k)}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "o.npz"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	direct := write()
	littleEndian = false
	defer func() { littleEndian = true }()
	if !bytes.Equal(write(), direct) {
		t.Error("the values copied one by one differ from their memory written as it is")
	}
}
