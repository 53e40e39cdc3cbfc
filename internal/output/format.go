// Package output is the one output contract of every kind of run: the
// manifest (which names the run's kind), the file names, the writers and
// the table reader. It writes the files of an output directory the same way
// everywhere: JSON indented, CSV through a buffered writer with errors that
// name the file, floats in their shortest exact form, and configurations
// with the keys of their TOML files.
package output

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Float formats a float exactly: the shortest representation that
// round-trips ("NaN", "+Inf" for non-finite values).
func Float(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// WriteJSON writes v as indented JSON with a final newline, atomically
// (WriteFile).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFile(path, func(w *bufio.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// WriteCSV writes a CSV file atomically: the header line, then whatever
// rows writes.
func WriteCSV(path, header string, rows func(*bufio.Writer)) error {
	return WriteFile(path, func(w *bufio.Writer) error {
		w.WriteString(header + "\n")
		rows(w)
		return nil
	})
}

// WriteFile writes a file atomically: into a temporary file beside it,
// flushed and synced, then renamed over path. A reader sees the old file
// or the whole new one, never a part; a failed write (a full disk, a kill)
// leaves the old file and removes the temporary one. It is the one atomic
// writer of dopa: the file is readable by all (0644); WriteFileMode sets
// another mode.
func WriteFile(path string, write func(*bufio.Writer) error) error {
	return WriteFileMode(path, 0o644, write)
}

// WriteFileMode is WriteFile for a file of mode perm (a script: 0755).
func WriteFileMode(path string, perm os.FileMode, write func(*bufio.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := write(w); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}

// Resolved renders a configuration with the keys of its TOML file: encoded
// to TOML, decoded to a map, non-finite numbers spelled as TOML spells them
// ("inf", "-inf", "nan") so that the result marshals to JSON.
//
// Embedded interfaces (the own keys of a rule or a task) are written inline,
// as their files write them.
func Resolved(v any) any {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(inline(reflect.ValueOf(v))); err != nil {
		return err.Error()
	}
	var m map[string]any
	if _, err := toml.Decode(b.String(), &m); err != nil {
		return err.Error()
	}
	return jsonSafe(m)
}

func jsonSafe(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonSafe(x)
		}
	case []any:
		for i, x := range v {
			v[i] = jsonSafe(x)
		}
	case []map[string]any:
		for i, x := range v {
			v[i] = jsonSafe(x).(map[string]any)
		}
	case float64:
		switch {
		case math.IsInf(v, 1):
			return "inf"
		case math.IsInf(v, -1):
			return "-inf"
		case math.IsNaN(v):
			return "nan"
		}
	}
	return v
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// inline renders a value for the TOML encoder with the keys of its file:
// structs become tables keyed by their toml tags, the fields of embedded
// structs and of the values held by embedded interfaces beside their own.
func inline(v reflect.Value) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type().Implements(textMarshaler) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		inlineStruct(v, m)
		return m
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = inline(v.Index(i))
		}
		return out
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			if x := inline(v.MapIndex(k)); x != nil {
				m[fmt.Sprint(k.Interface())] = x
			}
		}
		return m
	}
	return v.Interface()
}

func inlineStruct(v reflect.Value, m map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			for fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface {
				if fv.IsNil() {
					break
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct && !fv.Type().Implements(textMarshaler) {
				inlineStruct(fv, m)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if x := inline(fv); x != nil {
			if _, dup := m[name]; !dup {
				m[name] = x
			}
		}
	}
}

// CleanTemp removes the temporary files that a write killed half-way left
// in dir (WriteFile's ".NAME.tmp*"); the files themselves are whole.
func CleanTemp(dir string) error {
	tmp, err := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	if err != nil {
		return err
	}
	for _, f := range tmp {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}
