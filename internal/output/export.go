package output

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// ExportNPZ writes the .npz file of every table of dir that has a CSV
// file (a run made before, or with record.format = "csv"), atomically,
// and returns the files written. Each value is parsed by the type its
// schema declares for its column (an empty field of an EmptyNaN column is
// NaN; the columns of More are FloatType), so that the .npz file holds
// what the run would have written in format npz. A field that does not
// parse is a ReadError naming the file, the line and the column; nothing
// is written for its table.
func ExportNPZ(dir string) ([]string, error) {
	var done []string
	for _, s := range Schemas() {
		path := filepath.Join(dir, s.File)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		cols, data, err := s.parseCSV(path)
		if err != nil {
			return done, AsReadError(err)
		}
		out := filepath.Join(dir, NPZName(s.File))
		if err := WriteFile(out, func(w *bufio.Writer) error { return writeNPZ(w, cols, data) }); err != nil {
			return done, err
		}
		done = append(done, out)
	}
	return done, nil
}

// parseCSV reads the CSV table at path into typed columns, in the
// header's order.
func (s *Schema) parseCSV(path string) ([]Column, []colData, error) {
	t, err := s.OpenFile(path, s.File)
	if err != nil {
		return nil, nil, err
	}
	defer t.Close()
	declared := map[string]Column{}
	for _, c := range s.Columns {
		declared[c.Name] = c
	}
	var cols []Column
	for _, name := range t.Columns() {
		c, ok := declared[name]
		if !ok {
			if s.More == "" {
				return nil, nil, fmt.Errorf("%s line 1: column %q is not one of %s's", s.File, name, s.File)
			}
			c = Column{Name: name, Type: FloatType}
		}
		cols = append(cols, c)
	}
	data := make([]colData, len(cols))
	for {
		ok, err := t.Next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return cols, data, nil
		}
		for k, c := range cols {
			d := &data[k]
			switch c.Type {
			case IntType:
				v, err := strconv.ParseInt(t.Str(c.Name), 10, 64)
				if err != nil {
					return nil, nil, fmt.Errorf("%s line %d: bad %s %q: want an integer", s.File, t.Line, c.Name, t.Str(c.Name))
				}
				d.i = append(d.i, v)
			case FloatType:
				v := math.NaN()
				if !(c.EmptyNaN && t.Str(c.Name) == "") {
					if v, err = t.Float(c.Name); err != nil {
						return nil, nil, err
					}
				}
				if math.IsNaN(v) {
					v = math.NaN()
				}
				d.f = append(d.f, v)
			default:
				d.addStr(t.Str(c.Name))
			}
		}
	}
}
