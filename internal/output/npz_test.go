package output

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
)

var testSchema = &Schema{File: "t.csv", Columns: []Column{strCol("name", "", "n"), intCol("k", "", "k"),
	fltCol("x", "", "x"), emptyNaN(fltCol("y", "", "y")), quoted(strCol("q", "", "q"))}, More: "more"}

// TestNPZIsNumPy: npyio, an independent reader of the format, reads every
// array of a .npz table with the dtype and shape docs/python.md states and
// the values written (text in UTF-32 with its longest value's width, NaN
// as NaN), and the CSV of the same rows is the text Rows promises.
func TestNPZIsNumPy(t *testing.T) {
	dir := t.TempDir()
	err := testSchema.Write(dir, Both, writeRowsOfTest, "exc.v.0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "name,k,x,y,q,exc.v.0\nexc,-3,0.1,,\"a b\",+Inf\né,1099511627776,-0,2.5,\"\",1e-300\n"; string(b) != want {
		t.Errorf("CSV:\n%s\nwant\n%s", b, want)
	}
	f, err := os.Open(filepath.Join(dir, "t.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	z, err := npz.NewReader(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"name.npy", "k.npy", "x.npy", "y.npy", "q.npy", "exc.v.0.npy"}; !slices.Equal(z.Keys(), want) {
		t.Errorf("arrays %v, want %v", z.Keys(), want)
	}
	for name, dtype := range map[string]string{"name.npy": "<U3", "k.npy": "<i8", "x.npy": "<f8", "q.npy": "<U3", "exc.v.0.npy": "<f8"} {
		h := z.Header(name)
		if h == nil || strings.Trim(h.Descr.Type, "'") != dtype || !slices.Equal(h.Descr.Shape, []int{2}) {
			t.Errorf("%s: header %v, want dtype %s shape (2,)", name, h, dtype)
		}
	}
	var names []string
	var ks []int64
	var ys []float64
	if err := z.Read("name.npy", &names); err != nil {
		t.Fatal(err)
	}
	if err := z.Read("k.npy", &ks); err != nil {
		t.Fatal(err)
	}
	if err := z.Read("y.npy", &ys); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"exc", "é"}) || !slices.Equal(ks, []int64{-3, 1 << 40}) || !math.IsNaN(ys[0]) || ys[1] != 2.5 {
		t.Errorf("read back %q %v %v", names, ks, ys)
	}
}

// TestNPZEmptyTable: a table without rows is arrays of shape (0,) that
// read back as no rows.
func TestNPZEmptyTable(t *testing.T) {
	dir := t.TempDir()
	if err := testSchema.Write(dir, NPZ, func(*Rows) {}); err != nil {
		t.Fatal(err)
	}
	n := 0
	if _, err := testSchema.Read(dir, false, func(*Table) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("read %d rows, %v", n, err)
	}
	f, _ := os.Open(filepath.Join(dir, "t.npz"))
	defer f.Close()
	st, _ := f.Stat()
	z, err := npz.NewReader(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if h := z.Header("name.npy"); h == nil || !slices.Equal(h.Descr.Shape, []int{0}) || strings.Trim(h.Descr.Type, "'") != "<U1" {
		t.Errorf("empty text column: header %v", h)
	}
}

// TestRowsRefuseAWrongRow: a value of another type than its column's, a
// short row or a row not ended is an error naming the file and the
// column, and leaves no file.
func TestRowsRefuseAWrongRow(t *testing.T) {
	for _, c := range []struct {
		rows func(*Rows)
		want string
	}{
		{func(r *Rows) { r.Int(1) }, "column name is str, written as int"},
		{func(r *Rows) { r.Str("a"); r.End() }, "row 1: 1 values, want 5"},
		{func(r *Rows) { r.Str("a"); r.Int(1) }, "row 1: not ended"},
		{func(r *Rows) {
			r.Str("a")
			r.Int(1)
			r.Float(1)
			r.Float(1)
			r.Str("q")
			r.Float(2)
		}, "more than the 5 columns"},
	} {
		for _, f := range Formats {
			dir := t.TempDir()
			err := testSchema.Write(dir, f, c.rows)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "t.csv") {
				t.Errorf("%s: %v, want an error with %q", f, err, c.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%s: a refused table left %d files", f, len(left))
			}
		}
	}
	if err := testSchema.Write(t.TempDir(), "parquet", func(*Rows) {}); err == nil || !strings.Contains(err.Error(), `unknown format "parquet"`) {
		t.Errorf("unknown format: %v", err)
	}
}

// TestNPZDamaged: a truncated or foreign .npz file is a ReadError naming
// it; an array of another type than its column's is refused.
func TestNPZDamaged(t *testing.T) {
	dir := t.TempDir()
	if err := testSchema.Write(dir, NPZ, func(r *Rows) {
		r.Str("a")
		r.Int(1)
		r.Float(1)
		r.Float(1)
		r.Str("q")
		r.End()
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.npz")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)/2], 0o644)
	if _, err := testSchema.Read(dir, false, func(*Table) error { return nil }); err == nil || !strings.Contains(err.Error(), "t.npz") {
		t.Errorf("truncated: %v", err)
	}
	other := &Schema{File: "t.csv", Columns: []Column{intCol("name", "", "n")}}
	os.WriteFile(path, b, 0o644)
	if _, err := other.Read(dir, false, func(*Table) error { return nil }); err == nil || !strings.Contains(err.Error(), `array "name" is str, want int`) {
		t.Errorf("wrong type: %v", err)
	}
}

// TestPythonDocListsEveryDtype: docs/python.md's table of dtypes is the
// schemas', row for row: the integer and text columns of every table
// (every other column is float64).
func TestPythonDocListsEveryDtype(t *testing.T) {
	b, err := os.ReadFile("../../docs/python.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Schemas() {
		var ints, strs []string
		for _, c := range s.Columns {
			switch c.Type {
			case IntType:
				ints = append(ints, "`"+c.Name+"`")
			case StrType:
				strs = append(strs, "`"+c.Name+"`")
			}
		}
		list := func(cols []string) string {
			if len(cols) == 0 {
				return "—"
			}
			return strings.Join(cols, ", ")
		}
		row := "| `" + NPZName(s.File) + "` | " + list(ints) + " | " + list(strs) + " |\n"
		if !strings.Contains(string(b), row) {
			t.Errorf("docs/python.md lacks the row of %s:\n%s", NPZName(s.File), row)
		}
	}
}

// FuzzReadNPZ: a damaged or hostile .npz table is an error, never a panic
// (dopa plot reads whatever a directory holds).
func FuzzReadNPZ(f *testing.F) {
	dir := f.TempDir()
	if err := testSchema.Write(dir, NPZ, func(r *Rows) {
		r.Str("exc")
		r.Int(1)
		r.Float(0.5)
		r.Float(math.NaN())
		r.Str("q")
		r.Float(2)
		r.End()
	}, "exc.v.0"); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, "t.npz"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Fuzz(func(t *testing.T, b []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "t.npz"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		testSchema.Read(d, false, func(tb *Table) error {
			for _, c := range tb.Columns() {
				tb.Str(c)
				tb.Float(c)
				tb.Int(c)
			}
			return nil
		})
	})
}
