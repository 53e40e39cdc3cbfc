package config

import (
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
)

// Doc is a decoded file that can locate its keys.
type Doc struct {
	file string
	tree map[string]any // the document as parsed, before decoding into Go values
	loc  *locator
}

// Decode parses data, the contents of the named file, strictly into v, which
// must be a non-nil pointer, normally to a struct whose fields carry
// `toml:"name"` tags (a field without a tag is matched by its Go name).
//
// Keys must match exactly: a key that does not correspond to a field, or
// differs from one only in case, is an error. Any problem (TOML syntax, a
// value of the wrong type, an unknown key, a failing UnmarshalText) is
// returned as an *Error naming the file, the line and the key; when there
// are several, the one earliest in the file is returned.
//
// The Doc is nil only when data is not valid TOML; otherwise it is returned
// even with an error. Fields whose keys are absent from data keep their
// values, so v may be filled with defaults beforehand; slices are replaced,
// maps are added to. After an error v may be partly filled.
func Decode(file string, data []byte, v any) (*Doc, error) {
	d, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return d, d.Decode(v)
}

// MaxFileBytes bounds the size of a configuration file (1 MiB).
const MaxFileBytes = 1 << 20

// MaxNesting bounds how deeply arrays and inline tables nest in a file.
// The TOML parser's cost grows steeply with nesting (70 KB of nested inline
// tables take it gigabytes); no configuration needs more than a few levels.
const MaxNesting = 16

// Parse parses data, the contents of the named file, once; Decode then
// decodes the parsed document into Go values, as often as needed, and Value
// looks at it without decoding. What the parser cannot bound itself is
// bounded first: the file's size (MaxFileBytes) and the nesting of its
// arrays and inline tables (MaxNesting).
func Parse(file string, data []byte) (*Doc, error) {
	if len(data) > MaxFileBytes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes, more than a configuration may be (%d)", len(data), MaxFileBytes)}
	}
	if line, depth := nesting(data); depth > MaxNesting {
		return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("arrays and inline tables nest %d deep here, more than %d", depth, MaxNesting)}
	}
	src := string(data)
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, syntaxError(file, src, pe)
		}
		return nil, &Error{File: file, Msg: err.Error()}
	}
	if tree == nil {
		tree = map[string]any{}
	}
	d := &Doc{file: file, tree: tree, loc: locate(src)}
	if dup := d.loc.dup; dup != nil {
		return nil, &Error{
			File: file,
			Line: dup.at.line,
			Key:  d.key(dup.path),
			Msg:  fmt.Sprintf("key already defined at line %d", dup.first.line),
		}
	}
	return d, nil
}

// Decode decodes the parsed document strictly into v (see the package
// function Decode).
func (d *Doc) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{File: d.file, Msg: fmt.Sprintf("config.Decode: need a non-nil pointer, got %T", v)}
	}
	tree := d.tree
	var dec decoder
	dec.value(nil, tree, rv.Elem())
	if len(dec.errs) == 0 {
		return nil
	}
	// Report the problem that comes first in the file.
	type located struct {
		p   position
		ok  bool
		err decodeError
	}
	all := make([]located, len(dec.errs))
	for i, e := range dec.errs {
		p, ok := d.locate(e.path)
		all[i] = located{p, ok, e}
	}
	first := slices.MinFunc(all, func(a, b located) int {
		if a.ok != b.ok {
			if a.ok {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.p.off, b.p.off)
	})
	return &Error{File: d.file, Line: first.p.line, Key: d.key(first.err.path), Msg: first.err.msg}
}

// File returns the file name given to Decode.
func (d *Doc) File() string { return d.file }

// Line returns the 1-based line of a key path, 0 if the key is not in the
// file. Path elements are strings for keys and ints for the index of an
// element in an array (of tables), e.g. d.Line("population", 1, "tau_ms").
func (d *Doc) Line(path ...any) int {
	p, ok := d.loc.lookup(normPath(path))
	if !ok {
		return 0
	}
	return p.line
}

// Key renders a key path for messages: "population[hidden].tau_ms". An array
// element is shown by its "name" key when it is a table with a unique,
// non-empty name, otherwise by its 0-based index: "rule[2].sigma".
func (d *Doc) Key(path ...any) string {
	return d.key(normPath(path))
}

// Errorf builds an *Error located at a key path (see Line for the path
// elements). If the key itself is not in the file, for instance because
// the value is a default, the error points at the nearest enclosing table
// or array element that is, such as its [[population]] header.
func (d *Doc) Errorf(path []any, format string, args ...any) *Error {
	path = normPath(path)
	p, _ := d.locate(path)
	return &Error{File: d.file, Line: p.line, Key: d.key(path), Msg: fmt.Sprintf(format, args...)}
}

func (d *Doc) key(path []any) string { return renderKey(d.tree, path) }

// locate returns the position of path or, failing that, of its nearest
// ancestor present in the file.
func (d *Doc) locate(path []any) (position, bool) {
	for n := len(path); n > 0; n-- {
		if p, ok := d.loc.lookup(path[:n]); ok {
			return p, true
		}
	}
	return position{}, false
}

// normPath converts any integer kind to int and anything else that is not a
// string to its fmt.Sprint form.
func normPath(path []any) []any {
	out := make([]any, len(path))
	for i, e := range path {
		switch x := e.(type) {
		case string, int:
			out[i] = x
		default:
			rv := reflect.ValueOf(e)
			switch {
			case rv.CanInt():
				out[i] = int(rv.Int())
			case rv.CanUint():
				out[i] = int(rv.Uint())
			default:
				out[i] = fmt.Sprint(e)
			}
		}
	}
	return out
}

// renderKey renders path as a human key; root is the parsed document (or
// value) that path points into, used to find the names of array elements.
func renderKey(root any, path []any) string {
	var b strings.Builder
	cur := root
	for i, e := range path {
		switch e := e.(type) {
		case int:
			list, _ := asList(cur)
			cur = nil
			if e >= 0 && e < len(list) {
				cur = list[e]
			}
			if name, ok := elementName(list, e); ok {
				b.WriteString("[" + nameText(name) + "]")
			} else {
				b.WriteString("[" + strconv.Itoa(e) + "]")
			}
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(keyText(e))
			m, _ := cur.(map[string]any)
			cur = m[e]
		}
	}
	return b.String()
}

// elementName returns the "label" or "name" of list[i] if it has one that
// no other element shares.
func elementName(list []any, i int) (string, bool) {
	if i < 0 || i >= len(list) {
		return "", false
	}
	name := nameOf(list[i])
	if name == "" {
		return "", false
	}
	for j, e := range list {
		if j != i && nameOf(e) == name {
			return "", false
		}
	}
	return name, true
}

// nameOf is an element's "label", or else its "name".
func nameOf(v any) string {
	m, _ := v.(map[string]any)
	if s, _ := m["label"].(string); s != "" {
		return s
	}
	s, _ := m["name"].(string)
	return s
}

// keyText writes a key as TOML would: bare if possible, quoted otherwise.
func keyText(k string) string {
	if k == "" {
		return `""`
	}
	for i := 0; i < len(k); i++ {
		if !isBare(k[i]) {
			return strconv.Quote(k)
		}
	}
	return k
}

// nameText writes an element name, quoting it only if it could be misread.
func nameText(n string) string {
	if strings.TrimSpace(n) != n || strings.ContainsAny(n, `[]"`) || strings.ContainsFunc(n, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == '\uFFFD'
	}) {
		return strconv.Quote(n)
	}
	return n
}

func syntaxError(file, src string, pe toml.ParseError) *Error {
	msg := strings.TrimSuffix(pe.Message, ".")
	msg = strings.ReplaceAll(msg, `'\n'`, "end of line")
	if rest, ok := strings.CutPrefix(msg, "Key "); ok {
		msg = "key " + rest // "key 'x' has already been defined"
	} else {
		msg = "syntax error: " + msg
	}
	e := &Error{File: file, Line: pe.Position.Line, Msg: msg}
	// BurntSushi's LastKey is the last key parsed, which may be far above
	// the error; only use it if it appears on the offending line.
	if pe.LastKey != "" && pe.Position.Line > 0 {
		lines := strings.Split(src, "\n")
		last := pe.LastKey[strings.LastIndexByte(pe.LastKey, '.')+1:]
		last = strings.Trim(last, `"'`)
		if pe.Position.Line <= len(lines) && last != "" && strings.Contains(lines[pe.Position.Line-1], last) {
			e.Key = pe.LastKey
		}
	}
	return e
}

// decodeError is a problem found while decoding, at a key path.
type decodeError struct {
	path []any
	msg  string
}

// decoder assigns parsed TOML values to Go values, collecting every problem.
type decoder struct {
	errs []decodeError
}

func (d *decoder) fail(path []any, format string, args ...any) {
	d.errs = append(d.errs, decodeError{path: path, msg: fmt.Sprintf(format, args...)})
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value stores val, as produced by the TOML parser, into rv, which must be
// settable.
func (d *decoder) value(path []any, val any, rv reflect.Value) {
	t := rv.Type()
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		d.value(path, val, rv.Elem())
		return
	}
	if t == timeType {
		if tv, ok := val.(time.Time); ok {
			rv.Set(reflect.ValueOf(tv))
			return
		}
	}
	if rv.CanAddr() {
		if u, ok := rv.Addr().Interface().(encoding.TextUnmarshaler); ok {
			d.text(path, val, u, t)
			return
		}
	}
	mismatch := func() {
		want := expected(t)
		// Hint at the header syntax when a table and an array of tables
		// are confused: [population] for [[population]] or vice versa.
		if k, ok := lastKey(path); ok {
			_, isTable := val.(map[string]any)
			_, isTables := val.([]map[string]any)
			switch {
			case want == "an array of tables" && isTable:
				want += " ([[" + k + "]])"
			case want == "a table" && isTables:
				want += " ([" + k + "])"
			}
		}
		d.fail(path, "expected %s, got %s", want, describe(val))
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := val.(string)
		if !ok {
			mismatch()
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, ok := val.(bool)
		if !ok {
			mismatch()
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := val.(int64)
		if !ok {
			mismatch()
			return
		}
		if rv.OverflowInt(n) {
			bits := t.Bits()
			d.fail(path, "expected an integer between %d and %d, got %d", int64(-1)<<(bits-1), int64(1)<<(bits-1)-1, n)
			return
		}
		rv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := val.(int64)
		if !ok {
			mismatch()
			return
		}
		if n < 0 || rv.OverflowUint(uint64(n)) {
			d.fail(path, "expected an integer between 0 and %d, got %d", ^uint64(0)>>(64-t.Bits()), n)
			return
		}
		rv.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		var f float64
		switch x := val.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		default:
			mismatch()
			return
		}
		if t.Kind() == reflect.Float32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			d.fail(path, "number %g is too large (the largest allowed is %g)", f, math.MaxFloat32)
			return
		}
		rv.SetFloat(f)
	case reflect.Slice:
		list, ok := asList(val)
		if !ok {
			mismatch()
			return
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		// Elements already present (defaults laid out by the caller) are
		// kept, and the file's keys decoded over them.
		if rv.Kind() == reflect.Slice {
			reflect.Copy(s, rv)
		}
		for i, e := range list {
			d.value(join(path, i), e, s.Index(i))
		}
		rv.Set(s)
	case reflect.Array:
		list, ok := asList(val)
		if !ok {
			mismatch()
			return
		}
		if len(list) != t.Len() {
			d.fail(path, "expected an array of %d elements, got %d", t.Len(), len(list))
			return
		}
		for i, e := range list {
			d.value(join(path, i), e, rv.Index(i))
		}
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			mismatch()
			return
		}
		d.structure(path, m, rv)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			d.fail(path, "cannot decode into Go type %s (map keys must be strings)", t)
			return
		}
		m, ok := val.(map[string]any)
		if !ok {
			mismatch()
			return
		}
		if rv.IsNil() {
			rv.Set(reflect.MakeMapWithSize(t, len(m)))
		}
		for _, k := range sortedKeys(m) {
			kv := reflect.ValueOf(k).Convert(t.Key())
			elem := reflect.New(t.Elem()).Elem()
			if old := rv.MapIndex(kv); old.IsValid() {
				elem.Set(old)
			}
			d.value(join(path, k), m[k], elem)
			rv.SetMapIndex(kv, elem)
		}
	case reflect.Interface:
		if t.NumMethod() != 0 {
			d.fail(path, "cannot decode into Go type %s", t)
			return
		}
		rv.Set(reflect.ValueOf(val))
	default:
		d.fail(path, "cannot decode into Go type %s", t)
	}
}

// lastKey returns the last element of path if it is a key.
func lastKey(path []any) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	k, ok := path[len(path)-1].(string)
	return k, ok
}

// text feeds a scalar to an encoding.TextUnmarshaler.
func (d *decoder) text(path []any, val any, u encoding.TextUnmarshaler, t reflect.Type) {
	var s string
	switch x := val.(type) {
	case string:
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		d.fail(path, "expected %s, got %s", expected(t), describe(val))
		return
	}
	if err := u.UnmarshalText([]byte(s)); err != nil {
		d.fail(path, "%v", err)
	}
}

// Declarer is a struct that needs to know that its table was written in
// the file, even empty: Decode calls Declare on it when it decodes the
// table (a [sweep] without parameters is an error, not an absent sweep).
type Declarer interface{ Declare() }

// structure decodes a table into a struct, rejecting unknown keys.
func (d *decoder) structure(path []any, m map[string]any, rv reflect.Value) {
	if rv.CanAddr() {
		if dc, ok := rv.Addr().Interface().(Declarer); ok {
			dc.Declare()
		}
	}
	info := structFields(rv.Type())
	for _, k := range sortedKeys(m) {
		f, ok := info.byName[k]
		if !ok {
			if d.inline(path, k, m[k], rv, info) {
				continue
			}
			d.fail(join(path, k), "%s", unknownKey(k, keyNames(rv, info)))
			continue
		}
		fv, err := fieldByIndex(rv, f.index)
		if err != nil {
			d.fail(join(path, k), "%v", err)
			continue
		}
		d.value(join(path, k), m[k], fv)
	}
}

// inline decodes key k into the struct value held by one of rv's embedded
// interface fields, if that struct has the key; the interface is given a
// modified copy (its value is never shared). It reports whether it did.
func (d *decoder) inline(path []any, k string, val any, rv reflect.Value, info *structInfo) bool {
	for _, index := range info.dynamic {
		iv, err := fieldByIndex(rv, index)
		if err != nil || iv.IsNil() {
			continue
		}
		dyn := iv.Elem()
		if dyn.Kind() != reflect.Struct {
			continue
		}
		f, ok := structFields(dyn.Type()).byName[k]
		if !ok {
			continue
		}
		cp := reflect.New(dyn.Type()).Elem()
		cp.Set(dyn)
		fv, err := fieldByIndex(cp, f.index)
		if err != nil {
			d.fail(join(path, k), "%v", err)
			return true
		}
		d.value(join(path, k), val, fv)
		iv.Set(cp)
		return true
	}
	return false
}

// keyNames lists the keys of the struct rv: its own, then those of the
// values its embedded interfaces hold.
func keyNames(rv reflect.Value, info *structInfo) []string {
	names := slices.Clone(info.names)
	for _, index := range info.dynamic {
		iv, ok := fieldByIndexRead(rv, index)
		if !ok || iv.IsNil() || iv.Elem().Kind() != reflect.Struct {
			continue
		}
		names = append(names, structFields(iv.Elem().Type()).names...)
	}
	return names
}

// unknownKey explains that key is not one of valid.
func unknownKey(key string, valid []string) string {
	msg := fmt.Sprintf("unknown key %q", key)
	for _, v := range valid {
		if strings.EqualFold(v, key) {
			return msg + fmt.Sprintf(" (did you mean %q? keys are case-sensitive)", v)
		}
	}
	if s, ok := suggest(key, valid); ok {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(valid) > 0 && len(valid) <= 12 {
		return msg + " (valid keys: " + strings.Join(valid, ", ") + ")"
	}
	return msg
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// asList returns the elements of a parsed TOML array.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

// expected describes what a Go type accepts, for messages.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "a date or time"
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		e := t.Elem()
		for e.Kind() == reflect.Pointer {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct && e != timeType && !reflect.PointerTo(e).Implements(textUnmarshalerType) {
			return "an array of tables"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "a table"
	}
	return "a value of Go type " + t.String()
}

// describe describes a parsed TOML value, for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			return fmt.Sprintf("string %q...", x[:40])
		}
		return fmt.Sprintf("string %q", x)
	case int64:
		return fmt.Sprintf("integer %d", x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		return "float " + s
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case time.Time:
		return "a date/time"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

type fieldInfo struct {
	index []int
}

type structInfo struct {
	byName map[string]fieldInfo
	names  []string // in declaration order
	// dynamic are embedded interface fields (no toml tag): their keys are
	// those of the struct value they hold, inline beside the struct's own.
	dynamic [][]int
}

var structCache sync.Map // reflect.Type → *structInfo

// structFields lists the keys of a struct type, including those of embedded
// structs (a shallower field wins over a deeper one with the same key).
func structFields(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	info := &structInfo{byName: make(map[string]fieldInfo)}
	type level struct {
		t     reflect.Type
		index []int
	}
	visited := make(map[reflect.Type]bool)
	for cur := []level{{t, nil}}; len(cur) > 0; {
		var next []level
		for _, lv := range cur {
			if visited[lv.t] {
				continue
			}
			visited[lv.t] = true
			for i := range lv.t.NumField() {
				f := lv.t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
				if name == "-" {
					continue
				}
				index := append(slices.Clone(lv.index), i)
				if f.Anonymous && name == "" {
					ft := f.Type
					isPtr := ft.Kind() == reflect.Pointer
					if isPtr {
						ft = ft.Elem()
					}
					if ft.Kind() == reflect.Struct {
						// An unexported embedded pointer cannot be allocated.
						if !isPtr || f.IsExported() {
							next = append(next, level{ft, index})
						}
						continue
					}
					if ft.Kind() == reflect.Interface && !isPtr && f.IsExported() {
						info.dynamic = append(info.dynamic, index)
						continue
					}
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if _, dup := info.byName[name]; dup {
					continue
				}
				info.byName[name] = fieldInfo{index: index}
				info.names = append(info.names, name)
			}
		}
		cur = next
	}
	si, _ := structCache.LoadOrStore(t, info)
	return si.(*structInfo)
}

// fieldByIndex is reflect.Value.FieldByIndex, allocating nil embedded
// pointers on the way.
func fieldByIndex(rv reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				if !rv.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot allocate embedded %s", rv.Type())
				}
				rv.Set(reflect.New(rv.Type().Elem()))
			}
			rv = rv.Elem()
		}
		rv = rv.Field(x)
	}
	return rv, nil
}
