package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/dopa-sim/dopa/internal/param"
)

// What a parsed document offers besides decoding: looking at values
// without decoding them (the kind of a file, the shape of its arrays),
// leaving keys to another layer, locating parameter errors, and bounding
// nesting before the TOML parser.

// Value returns the parsed value at a key path ("population", 0, "model")
// without decoding it: a string, int64, float64, bool, time, table
// (map[string]any) or array; ok is false if the file does not have it.
func (d *Doc) Value(path ...any) (v any, ok bool) {
	var cur any = d.tree
	for _, e := range normPath(path) {
		switch e := e.(type) {
		case string:
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil, false
			}
			if cur, ok = m[e]; !ok {
				return nil, false
			}
		case int:
			list, isList := asList(cur)
			if !isList || e < 0 || e >= len(list) {
				return nil, false
			}
			cur = list[e]
		}
	}
	return cur, true
}

// String returns the string at a key path; "" if absent or not a string.
func (d *Doc) String(path ...any) string {
	v, _ := d.Value(path...)
	s, _ := v.(string)
	return s
}

// Len returns the number of elements of the array (of tables) at a key
// path; 0 if absent or not an array.
func (d *Doc) Len(path ...any) int {
	v, _ := d.Value(path...)
	list, _ := asList(v)
	return len(list)
}

// Locate is the one translation of a parameter error into a located one:
// a *param.Error becomes an *Error at its key's line in the file
// ("file:line: key: message"); any other error, or a nil Doc, is returned
// as it is.
func (d *Doc) Locate(err error) error {
	var pe *param.Error
	if d == nil || !errors.As(err, &pe) {
		return err
	}
	return d.Errorf(pe.Path, "%s", pe.Msg)
}

// Without returns the document without the given top-level keys, to decode
// the part of a file that one layer reads while another reads the rest.
func (d *Doc) Without(keys ...string) *Doc {
	tree := make(map[string]any, len(d.tree))
	for k, v := range d.tree {
		if !slices.Contains(keys, k) {
			tree[k] = v
		}
	}
	return &Doc{file: d.file, tree: tree, loc: d.loc}
}

// Foreign lists the top-level keys of the document that a struct value v
// does not accept and that are not near misses of a key it accepts (a case
// variant or a likely typo, which stay errors of v's decoding): the keys of
// another layer, for a layer that reads its part of a file without knowing
// the others (Without them).
func (d *Doc) Foreign(v any) []string {
	own := Keys(v)
	var out []string
	for _, k := range sortedKeys(d.tree) {
		if slices.Contains(own, k) {
			continue
		}
		if _, near := suggest(k, own); near || slices.ContainsFunc(own, func(o string) bool { return strings.EqualFold(o, k) }) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// Keys lists the keys a struct value (or a pointer to one) accepts: its
// own, those of embedded structs, and those of the values its embedded
// interfaces hold.
func Keys(v any) []string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	return keyNames(rv, structFields(rv.Type()))
}

// TableKeys lists the keys of the table at a key path, sorted; nil if it
// is absent or not a table.
func (d *Doc) TableKeys(path ...any) []string {
	v, _ := d.Value(path...)
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	return sortedKeys(m)
}

// nesting returns the deepest nesting of brackets and braces outside
// strings and comments, and the line where it is first reached. It stops
// counting once past MaxNesting.
func nesting(data []byte) (line, depth int) {
	cur, ln := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			ln++
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			multi := i+2 < len(data) && data[i+1] == c && data[i+2] == c
			if multi {
				i += 2
			}
			for i++; i < len(data); i++ {
				if data[i] == '\n' {
					ln++
					if !multi {
						break
					}
				}
				if c == '"' && data[i] == '\\' {
					i++
					continue
				}
				if data[i] == c && (!multi || i+2 < len(data) && data[i+1] == c && data[i+2] == c) {
					if multi {
						i += 2
					}
					break
				}
			}
		case '[', '{':
			cur++
			if cur > depth {
				depth, line = cur, ln
				if depth > MaxNesting {
					return line, depth
				}
			}
		case ']', '}':
			cur--
		}
	}
	return line, depth
}
