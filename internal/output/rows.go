package output

import (
	"bufio"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Format says in which formats a run writes its tables: CSV (the
// default), NumPy's .npz (one archive per table, one array per column) or
// both. The key record.format of a file sets it (docs/python.md).
type Format string

// The formats of the tables.
const (
	CSV  Format = "csv"
	NPZ  Format = "npz"
	Both Format = "both"
)

// Formats lists the formats, for messages.
var Formats = []Format{CSV, NPZ, Both}

// Check reports an error for a format that is none of Formats ("" is
// CSV).
func (f Format) Check() error {
	switch f {
	case "", CSV, NPZ, Both:
		return nil
	}
	return fmt.Errorf("unknown format %q (want csv, npz or both)", string(f))
}

// CSV reports whether the format writes CSV files ("" is CSV).
func (f Format) CSV() bool { return f == "" || f == CSV || f == Both }

// NPZ reports whether the format writes .npz files.
func (f Format) NPZ() bool { return f == NPZ || f == Both }

// NPZName is the .npz file of a table: NAME.csv becomes NAME.npz.
func NPZName(file string) string { return strings.TrimSuffix(file, ".csv") + ".npz" }

// Rows takes the rows of a table from its writer, value by value in the
// order of the columns, each through the method of the column's declared
// Type (Str for StrType, Int for IntType, Float for FloatType), and End after the last value of a row. It
// writes them as CSV text (the same bytes whatever else is written) and
// gathers them into columns for a .npz file. A value of the wrong type or
// a row of the wrong length is a fault of the writer: Rows remembers the
// first and Schema.Write returns it.
type Rows struct {
	cols []Column
	w    *bufio.Writer // nil: no CSV
	data []colData     // nil: no npz
	i    int           // the column of the next value
	n    int           // rows ended
	buf  []byte
	err  error
}

// colData is one column's values, in the slice of its type. A text
// column being written keeps each distinct value once (levels) and a code
// per row: a table's text is a few labels repeated (population, rule),
// and a slice of codes costs the collector nothing to scan.
type colData struct {
	s      []string // text read back
	i      []int64
	f      []float64
	codes  []int32 // text written: levels[codes[row]]
	levels []string
	index  map[string]int32
	last   int32 // the code of the value written last
}

// addStr appends a text value to a column being written.
func (d *colData) addStr(v string) {
	if len(d.levels) > 0 && d.levels[d.last] == v {
		d.codes = append(d.codes, d.last)
		return
	}
	k, ok := d.index[v]
	if !ok {
		if d.index == nil {
			d.index = map[string]int32{}
		}
		k = int32(len(d.levels))
		d.index[v] = k
		d.levels = append(d.levels, v)
	}
	d.last = k
	d.codes = append(d.codes, k)
}

func newRows(cols []Column, w *bufio.Writer, npz bool) *Rows {
	r := &Rows{cols: cols, w: w, buf: make([]byte, 0, 32)}
	if npz {
		r.data = make([]colData, len(cols))
	}
	return r
}

// next checks the type of the next value and writes the separator before
// it.
func (r *Rows) next(t Type) bool {
	if r.err != nil {
		return false
	}
	if r.i >= len(r.cols) {
		r.err = fmt.Errorf("row %d: more than the %d columns", r.n+1, len(r.cols))
		return false
	}
	if c := r.cols[r.i]; c.Type != t {
		r.err = fmt.Errorf("row %d: column %s is %s, written as %s", r.n+1, c.Name, c.Type, t)
		return false
	}
	if r.w != nil && r.i > 0 {
		r.w.WriteByte(',')
	}
	return true
}

// Str writes a text value.
func (r *Rows) Str(v string) {
	if !r.next(StrType) {
		return
	}
	if r.w != nil {
		if r.cols[r.i].Quoted {
			r.w.WriteByte('"')
			r.w.WriteString(v)
			r.w.WriteByte('"')
		} else {
			r.w.WriteString(v)
		}
	}
	if r.data != nil {
		r.data[r.i].addStr(v)
	}
	r.i++
}

// Int writes an integer.
func (r *Rows) Int(v int) {
	if !r.next(IntType) {
		return
	}
	if r.w != nil {
		r.buf = strconv.AppendInt(r.buf[:0], int64(v), 10)
		r.w.Write(r.buf)
	}
	if r.data != nil {
		r.data[r.i].i = append(r.data[r.i].i, int64(v))
	}
	r.i++
}

// Float writes a number, in CSV in its shortest exact form (Float); NaN
// is one NaN in a .npz file (math.NaN), as CSV cannot tell NaNs apart.
func (r *Rows) Float(v float64) {
	if !r.next(FloatType) {
		return
	}
	nan := math.IsNaN(v)
	if r.w != nil && !(nan && r.cols[r.i].EmptyNaN) {
		r.buf = strconv.AppendFloat(r.buf[:0], v, 'g', -1, 64)
		r.w.Write(r.buf)
	}
	if r.data != nil {
		if nan {
			v = math.NaN()
		}
		r.data[r.i].f = append(r.data[r.i].f, v)
	}
	r.i++
}

// Grow makes room for n more rows in the columns of a .npz file, so that
// a writer that knows its row count (the spikes of a raster, the steps of
// a monitor) gathers them without growing a slice again and again. It
// changes nothing that is written.
func (r *Rows) Grow(n int) {
	if r.data == nil || n <= 0 {
		return
	}
	for k := range r.data {
		d := &r.data[k]
		switch r.cols[k].Type {
		case IntType:
			d.i = slices.Grow(d.i, n)
		case FloatType:
			d.f = slices.Grow(d.f, n)
		default:
			d.codes = slices.Grow(d.codes, n)
		}
	}
}

// End ends a row.
func (r *Rows) End() {
	if r.err != nil {
		return
	}
	if r.i != len(r.cols) {
		r.err = fmt.Errorf("row %d: %d values, want %d", r.n+1, r.i, len(r.cols))
		return
	}
	if r.w != nil {
		r.w.WriteByte('\n')
	}
	r.i = 0
	r.n++
}

// columns returns the columns of the table: the declared ones, then
// extra (the columns of More), every one of them a Float.
func (s *Schema) columns(extra []string) []Column {
	cols := append([]Column(nil), s.Columns...)
	for _, e := range extra {
		cols = append(cols, Column{Name: e, Type: FloatType})
	}
	return cols
}

// Write writes the table of dir/File in format f, each file atomically
// (WriteFile): File as CSV (the header, with the extra columns of More,
// then the rows) and, for NPZ, NPZName(File). rows hands the rows over
// once, whatever the format. A fault of rows (a value of the wrong type,
// a row too short) is an error naming the file.
func (s *Schema) Write(dir string, f Format, rows func(*Rows), extra ...string) error {
	if err := f.Check(); err != nil {
		return err
	}
	cols := s.columns(extra)
	var r *Rows
	if f.CSV() {
		if err := WriteFile(filepath.Join(dir, s.File), func(w *bufio.Writer) error {
			w.WriteString(s.Header(extra...) + "\n")
			r = newRows(cols, w, f.NPZ())
			return r.fill(rows)
		}); err != nil {
			return err
		}
	} else {
		r = newRows(cols, nil, true)
		if err := r.fill(rows); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, s.File), err)
		}
	}
	if !f.NPZ() {
		return nil
	}
	return s.writeNPZFile(dir, cols, r.data)
}

// fill hands r to rows and returns the first fault of the writer.
func (r *Rows) fill(rows func(*Rows)) error {
	rows(r)
	if r.err == nil && r.i != 0 {
		r.err = fmt.Errorf("row %d: not ended", r.n+1)
	}
	return r.err
}

func (s *Schema) writeNPZFile(dir string, cols []Column, data []colData) error {
	path := filepath.Join(dir, NPZName(s.File))
	return WriteFile(path, func(w *bufio.Writer) error { return writeNPZ(w, cols, data) })
}

// Values is one column of a table handed over whole (Floats, Ints,
// Labels), for Schema.WriteColumns.
type Values struct {
	t Type
	d colData
}

// Floats is a FloatType column.
func Floats(v []float64) Values { return Values{t: FloatType, d: colData{f: v}} }

// Ints is an IntType column.
func Ints(v []int64) Values { return Values{t: IntType, d: colData{i: v}} }

// Labels is a StrType column of few distinct values: row k holds
// levels[codes[k]].
func Labels(codes []int32, levels []string) Values {
	return Values{t: StrType, d: colData{codes: codes, levels: levels}}
}

func (v *Values) rows() int {
	switch v.t {
	case FloatType:
		return len(v.d.f)
	case IntType:
		return len(v.d.i)
	}
	return len(v.d.codes)
}

// WriteColumns writes the table as Write does, from its columns handed
// over whole (one Values per column of the schema and of extra, all of
// one length) rather than row by row: the CSV file holds the very bytes
// Write would write, and a .npz file is encoded from the slices as they
// are, without gathering them value by value. It is the writer of the
// large tables (the spikes and the monitors of a simulation). The slices
// are read, never changed.
func (s *Schema) WriteColumns(dir string, f Format, vals []Values, extra ...string) error {
	if err := f.Check(); err != nil {
		return err
	}
	cols := s.columns(extra)
	if err := checkValues(cols, vals); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, s.File), err)
	}
	if f.CSV() {
		if err := s.Write(dir, CSV, func(w *Rows) {
			n := vals[0].rows()
			w.Grow(n)
			for k := range n {
				for c := range vals {
					d := &vals[c].d
					switch vals[c].t {
					case FloatType:
						w.Float(d.f[k])
					case IntType:
						w.Int(int(d.i[k]))
					default:
						w.Str(d.levels[d.codes[k]])
					}
				}
				w.End()
			}
		}, extra...); err != nil {
			return err
		}
	}
	if !f.NPZ() {
		return nil
	}
	data := make([]colData, len(vals))
	for c := range vals {
		data[c] = vals[c].d
		if vals[c].t == FloatType && slices.ContainsFunc(data[c].f, math.IsNaN) {
			// one NaN, as Rows.Float writes it
			data[c].f = slices.Clone(data[c].f)
			for k, v := range data[c].f {
				if math.IsNaN(v) {
					data[c].f[k] = math.NaN()
				}
			}
		}
	}
	return s.writeNPZFile(dir, cols, data)
}

// checkValues reports columns handed over that do not fit the table: of
// another number or type than its columns, of unequal lengths, or with a
// label code out of its levels.
func checkValues(cols []Column, vals []Values) error {
	if len(vals) != len(cols) {
		return fmt.Errorf("%d columns handed over, want %d", len(vals), len(cols))
	}
	for c := range vals {
		if vals[c].t != cols[c].Type {
			return fmt.Errorf("column %s is %s, handed over as %s", cols[c].Name, cols[c].Type, vals[c].t)
		}
		if n, n0 := vals[c].rows(), vals[0].rows(); n != n0 {
			return fmt.Errorf("column %s has %d rows, want %d as %s", cols[c].Name, n, n0, cols[0].Name)
		}
		if vals[c].t == StrType {
			for _, k := range vals[c].d.codes {
				if k < 0 || int(k) >= len(vals[c].d.levels) {
					return fmt.Errorf("column %s: code %d outside its %d labels", cols[c].Name, k, len(vals[c].d.levels))
				}
			}
		}
	}
	return nil
}
