package output

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
)

// Table reads a table of an output directory, a CSV file (a header line,
// then records) or a .npz file (one array per column), whose fields are
// read by column name. Every error names the file and the line (for a
// .npz file, the line the row has in the CSV file: row i from 0 is line
// i+2). It is the one reader behind dopa plot.
type Table struct {
	Name string // file name used in error messages
	r    *csv.Reader
	cols map[string]int
	n    int      // number of header fields
	rec  []string // current record
	Line int      // line of the current record
	z    *npzTable
	row  int // the current row of z, from 0
	c    io.Closer
}

// Close closes the file of a table opened by Schema.OpenFile.
func (t *Table) Close() error {
	if t.c == nil {
		return nil
	}
	return t.c.Close()
}

// OpenTable reads the header of a CSV file and checks its required
// columns.
func OpenTable(name string, rd io.Reader, required ...string) (*Table, error) {
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = true
	hdr, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header line", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &Table{Name: name, r: r, cols: make(map[string]int), n: len(hdr)}
	for i, h := range hdr {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := t.cols[h]; dup {
			return nil, fmt.Errorf("%s line 1: duplicate column %q", name, h)
		}
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s line 1: missing column %q (header %q)", name, c, strings.Join(hdr, ","))
		}
	}
	return t, nil
}

// Next advances to the next record. It returns false at the end of the
// file or on error; err is nil at the end of the file.
func (t *Table) Next() (ok bool, err error) {
	if t.z != nil {
		if t.Line-1 >= t.z.rows {
			return false, nil
		}
		t.row = t.Line - 1
		t.Line++
		return true, nil
	}
	rec, err := t.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return false, fmt.Errorf("%s line %d: %v", t.Name, pe.StartLine, pe.Err)
		}
		return false, fmt.Errorf("%s: %w", t.Name, err)
	}
	t.rec = rec
	t.Line, _ = t.r.FieldPos(0)
	if len(rec) != t.n {
		return false, fmt.Errorf("%s line %d: %d fields, want %d as in the header", t.Name, t.Line, len(rec), t.n)
	}
	return true, nil
}

// ReadTable calls row for every record of the CSV file at path (named name
// in errors) after checking its required columns. A missing file is an
// error, or, when optional, calls nothing and reports found = false.
func ReadTable(path, name string, optional bool, required []string, row func(t *Table) error) (found bool, err error) {
	defer func() { err = AsReadError(err) }()
	f, err := os.Open(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	t, err := OpenTable(name, f, required...)
	if err != nil {
		return true, err
	}
	for {
		ok, err := t.Next()
		if err != nil || !ok {
			return true, err
		}
		if err := row(t); err != nil {
			return true, err
		}
	}
}

// Str returns the field of a column, spaces trimmed; a number of a .npz
// file as the CSV file writes it.
func (t *Table) Str(col string) string {
	if t.z != nil {
		k := t.cols[col]
		d := &t.z.cols[k]
		switch t.z.types[k] {
		case IntType:
			return strconv.FormatInt(d.i[t.row], 10)
		case FloatType:
			v := d.f[t.row]
			if t.z.emptyNaN[k] && math.IsNaN(v) {
				return ""
			}
			return Float(v)
		}
		return strings.TrimSpace(d.s[t.row])
	}
	return strings.TrimSpace(t.rec[t.cols[col]])
}

// Int parses the field of a column as an integer.
func (t *Table) Int(col string) (int, error) {
	if t.z != nil && t.z.types[t.cols[col]] == IntType {
		return int(t.z.cols[t.cols[col]].i[t.row]), nil
	}
	s := t.Str(col)
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s line %d: bad %s %q", t.Name, t.Line, col, s)
	}
	return v, nil
}

// Float parses the field of a column as a number; the NaN and Inf
// spellings of strconv are allowed.
func (t *Table) Float(col string) (float64, error) {
	if t.z != nil {
		switch k := t.cols[col]; t.z.types[k] {
		case FloatType:
			return t.z.cols[k].f[t.row], nil
		case IntType:
			return float64(t.z.cols[k].i[t.row]), nil
		}
	}
	s := t.Str(col)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%s line %d: bad %s %q", t.Name, t.Line, col, s)
	}
	return v, nil
}

// Columns lists the header's columns, in file order (lower case).
func (t *Table) Columns() []string {
	if t.z != nil {
		return append([]string(nil), t.z.names...)
	}
	out := make([]string, len(t.cols))
	for c, i := range t.cols {
		out[i] = c
	}
	return out
}

// ReadError is a file of an output directory that could not be read back:
// missing, damaged or out of bounds. Its text names the file and, for a
// value, the line.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// AsReadError marks err (if not nil) as a ReadError.
func AsReadError(err error) error {
	if err == nil || errors.As(err, new(*ReadError)) {
		return err
	}
	return &ReadError{err}
}
