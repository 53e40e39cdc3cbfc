package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Set assigns a value given on the command line (--set path=value) to the
// field of v, a non-nil pointer to a struct, found at path: a dotted list of
// toml key names such as "population.hidden.tau_ms".
//
// The value is written as a TOML value: "0.5", "20", "true", "\"tanh\"",
// "[1, 2]", "{size = 4}". A bare word that is not valid TOML is taken as a
// string, and so is any scalar given for a string field (or a field whose
// type implements encoding.TextUnmarshaler), so --set name=tanh and
// --set label=2024 both work.
//
// A path segment that meets a slice selects the element whose `toml:"label"`
// string field, or else (for an element without a label) whose
// `toml:"name"` string field, equals the segment or, failing that, the
// element with that 0-based decimal index: "rule.dopamine.learning_rate",
// "rule.ndi-2.alpha", "rule.0.sigma". A
// segment that meets a map with string keys selects (or creates) that entry.
// Nil pointers on the way are allocated. The value is checked as strictly as
// by Decode.
//
// Errors are *Error values whose Key is "--set " followed by the path, e.g.
//
//	--set rule.dopamne.sigma: no rule named "dopamne" (have: wp, dopamine, sgd)
func Set(v any, path, value string) error {
	s := &setter{path: path, raw: value}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return s.errorf("config.Set: need a non-nil pointer, got %T", v)
	}
	if path == "" {
		return s.errorf("empty key; expected --set key=value")
	}
	s.segs = strings.Split(path, ".")
	for _, seg := range s.segs {
		if seg == "" {
			return s.errorf("empty key segment")
		}
	}
	return s.walk(rv, 0)
}

type setter struct {
	path string
	segs []string
	raw  string
	// dry walks the path without changing anything, writing its canonical
	// spelling to canon (Canonical).
	dry   bool
	canon []string
}

// Canonical returns the one spelling of a --set path in v (a non-nil
// pointer to a struct): every element of a list selected by its number
// rather than its label or name, so that two spellings of one key
// ("rule.dopamine.sigma", "rule.0.sigma") compare equal. It changes
// nothing in v; a path that Set would refuse is an error as Set reports it.
func Canonical(v any, path string) (string, error) {
	s := &setter{path: path, dry: true}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return "", s.errorf("config.Canonical: need a non-nil pointer, got %T", v)
	}
	if path == "" {
		return "", s.errorf("empty key; expected --set key=value")
	}
	s.segs = strings.Split(path, ".")
	for _, seg := range s.segs {
		if seg == "" {
			return "", s.errorf("empty key segment")
		}
	}
	if err := s.walk(rv, 0); err != nil {
		return "", err
	}
	return strings.Join(s.canon, "."), nil
}

func (s *setter) errorf(format string, args ...any) *Error {
	return &Error{Key: strings.TrimSpace("--set " + s.path), Msg: fmt.Sprintf(format, args...)}
}

// walk descends into rv along segs[i:] and assigns the value at the end.
func (s *setter) walk(rv reflect.Value, i int) error {
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			switch {
			case s.dry:
				rv = reflect.New(rv.Type().Elem())
			case !rv.CanSet():
				return s.errorf("cannot allocate %s", rv.Type())
			default:
				rv.Set(reflect.New(rv.Type().Elem()))
			}
		}
		rv = rv.Elem()
	}
	if i == len(s.segs) {
		if s.dry {
			return nil
		}
		return s.assign(rv)
	}
	seg := s.segs[i]
	t := rv.Type()
	if t == timeType || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return s.errorf("%s holds a single value; it has no key %q", s.container(i), seg)
	}
	switch t.Kind() {
	case reflect.Struct:
		info := structFields(t)
		f, ok := info.byName[seg]
		if !ok {
			if done, err := s.inline(rv, info, i); done {
				return err
			}
			return s.errorf("%s", unknownKey(seg, keyNames(rv, info)))
		}
		fv, err := fieldByIndex(rv, f.index)
		if err != nil {
			return s.errorf("%v", err)
		}
		s.canon = append(s.canon, seg)
		return s.walk(fv, i+1)
	case reflect.Slice, reflect.Array:
		j, used, err := s.element(rv, i)
		if err != nil {
			return err
		}
		s.canon = append(s.canon, strconv.Itoa(j))
		return s.walk(rv.Index(j), i+used)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return s.errorf("cannot set entries of Go type %s (map keys must be strings)", t)
		}
		s.canon = append(s.canon, seg)
		kv := reflect.ValueOf(seg).Convert(t.Key())
		elem := reflect.New(t.Elem()).Elem()
		if old := rv.MapIndex(kv); old.IsValid() {
			elem.Set(old)
		}
		if s.dry {
			return s.walk(elem, i+1)
		}
		if rv.IsNil() {
			rv.Set(reflect.MakeMap(t))
		}
		if err := s.walk(elem, i+1); err != nil {
			return err
		}
		rv.SetMapIndex(kv, elem)
		return nil
	}
	return s.errorf("%s holds a single value; it has no key %q", s.container(i), seg)
}

// inline sets segs[i:] inside the struct value held by one of rv's
// embedded interface fields, if that struct has the key segs[i]; the
// interface is given a modified copy. done reports whether it had the key.
func (s *setter) inline(rv reflect.Value, info *structInfo, i int) (done bool, err error) {
	for _, index := range info.dynamic {
		iv, ok := fieldByIndexRead(rv, index)
		if !ok || iv.IsNil() || iv.Elem().Kind() != reflect.Struct {
			continue
		}
		dyn := iv.Elem()
		if _, ok := structFields(dyn.Type()).byName[s.segs[i]]; !ok {
			continue
		}
		cp := reflect.New(dyn.Type()).Elem()
		cp.Set(dyn)
		if err := s.walk(cp, i); err != nil {
			return true, err
		}
		if !s.dry {
			iv.Set(cp)
		}
		return true, nil
	}
	return false, nil
}

// container names the key that segs[i] is looked up in.
func (s *setter) container(i int) string {
	if i == 0 {
		return "the configuration"
	}
	return strconv.Quote(s.segs[i-1])
}

// element selects the element of a slice or array named by segs[i] and
// returns how many segments named it: a label or name may hold dots
// ("ndi-0.01"), so the longest run of segments that is an element's label
// or name wins.
func (s *setter) element(rv reflect.Value, i int) (int, int, error) {
	seg := s.segs[i]
	what := "element"
	if i > 0 {
		what = s.segs[i-1]
	}
	n := rv.Len()
	// Elements with a `toml:"label"` or `toml:"name"` string field are
	// selected by their label, or their name when they have no label.
	var names []string
	et := rv.Type().Elem()
	for et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	if et.Kind() == reflect.Struct {
		for _, key := range []string{"label", "name"} {
			f, ok := structFields(et).byName[key]
			if !ok || et.FieldByIndex(f.index).Type.Kind() != reflect.String {
				continue
			}
			if names == nil {
				names = make([]string, n)
			}
			for j := range n {
				if ev, ok := derefStruct(rv.Index(j)); ok && names[j] == "" {
					if fv, ok := fieldByIndexRead(ev, f.index); ok {
						names[j] = fv.String()
					}
				}
			}
		}
	}
	for k := len(s.segs); k > i+1; k-- {
		dotted := strings.Join(s.segs[i:k], ".")
		for j, name := range names {
			if name == dotted {
				return j, k - i, nil
			}
		}
	}
	for j, name := range names {
		if name == seg {
			return j, 1, nil
		}
	}
	if isDecimal(seg) {
		j, err := strconv.Atoi(seg)
		if err == nil && j < n {
			return j, 1, nil
		}
		if n == 0 {
			return 0, 0, s.errorf("no %s number %s (there are none)", what, seg)
		}
		return 0, 0, s.errorf("no %s number %s (have %d, numbered 0 to %d)", what, seg, n, n-1)
	}
	if names != nil {
		have := make([]string, 0, n)
		for _, name := range names {
			if name != "" {
				have = append(have, name)
			}
		}
		if len(have) == 0 {
			return 0, 0, s.errorf("no %s named %q (there are none)", what, seg)
		}
		return 0, 0, s.errorf("no %s named %q (have: %s)", what, seg, strings.Join(have, ", "))
	}
	if n == 0 {
		return 0, 0, s.errorf("no %s %q (the list is empty)", what, seg)
	}
	return 0, 0, s.errorf("%q is a list; select an element by its number (0 to %d), got %q", what, n-1, seg)
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// derefStruct follows pointers from rv to a struct, without allocating.
func derefStruct(rv reflect.Value) (reflect.Value, bool) {
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return reflect.Value{}, false
		}
		rv = rv.Elem()
	}
	return rv, rv.Kind() == reflect.Struct
}

// fieldByIndexRead is reflect.Value.FieldByIndex without allocating: it
// reports false if a nil embedded pointer is in the way.
func fieldByIndexRead(rv reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return reflect.Value{}, false
			}
			rv = rv.Elem()
		}
		rv = rv.Field(x)
	}
	return rv, true
}

// assign parses the raw value and stores it in rv.
func (s *setter) assign(rv reflect.Value) error {
	val, err := s.parse(rv.Type())
	if err != nil {
		return err
	}
	var d decoder
	d.value(nil, val, rv)
	if len(d.errs) == 0 {
		return nil
	}
	e := d.errs[0]
	err2 := s.errorf("%s", e.msg)
	if rest := renderKey(val, e.path); rest != "" {
		if _, ok := e.path[0].(string); ok {
			rest = "." + rest
		}
		err2.Key += rest
	}
	return err2
}

// parse turns the raw command-line text into a TOML value for a field of
// type t.
func (s *setter) parse(t reflect.Type) (any, error) {
	trimmed := strings.TrimSpace(s.raw)
	var m map[string]any
	_, err := toml.Decode("v = "+s.raw+"\n", &m)
	if v, ok := m["v"]; err == nil && ok && len(m) == 1 {
		switch v.(type) {
		case string, map[string]any, []any, []map[string]any:
			return v, nil
		case time.Time:
			if base(t) == timeType {
				return v, nil
			}
		}
		if wantsText(t) {
			return trimmed, nil
		}
		return v, nil
	}
	if trimmed == "" || !strings.ContainsAny(trimmed[:1], `"'[{`) {
		return trimmed, nil // a bare word
	}
	msg := "invalid syntax"
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg = strings.TrimSuffix(pe.Message, ".")
	}
	return nil, s.errorf("cannot read %s as a TOML value: %s", trimmed, msg)
}

func base(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// wantsText reports whether values of type t are written as text.
func wantsText(t reflect.Type) bool {
	t = base(t)
	if t == timeType {
		return false
	}
	return t.Kind() == reflect.String || reflect.PointerTo(t).Implements(textUnmarshalerType)
}
