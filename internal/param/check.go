package param

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// A field declares its valid values once, in a `check` tag beside its TOML
// key, and Check turns the declaration into the one message users read:
//
//	TauMs  float64 `toml:"tau_ms" check:"finite,>0"`        // must be a finite number > 0, got -5
//	P      float64 `toml:"p" check:"[0,1]"`                 // must be in [0, 1], got 2
//	Delay  int     `toml:"delay_steps" check:"[1,65535]"`   // must be in [1, 65535], got 0
//	Every  float64 `toml:"every_ms" check:"[0,1e7],unit=ms,note=0: never"`
//	                                                       // must be in [0, 1e7] ms (0: never), got -1
//	Init   string  `toml:"init" check:"oneof=normal|uniform"` // must be normal or uniform, got "x"
//	Name   string  `toml:"name" check:"set"`               // must be set
//
// The items of a tag, separated by commas outside brackets:
//
//   - finite: a float that is neither NaN nor infinite ("a finite number");
//   - number: a float that is not NaN ("a number"; infinities pass);
//   - number|-inf, number|inf: a finite float or that one infinity
//     ("a number or -inf");
//   - >x, >=x, <x, <=x: one bound; [a,b], (a,b], [a,b), (a,b): an interval,
//     its bounds written as numbers (1e6, -0.5, inf) or as a power with
//     superscript digits (10⁶, 2³⁰), and printed as written;
//   - oneof=a|b|c: a string among the names;
//   - optional: with oneof, the empty string passes too (a default chosen
//     later, not named in the message);
//   - set: a string that is not empty;
//   - unit=U: the unit printed after the range;
//   - note=TEXT: a remark printed in parentheses after the range.
//
// On a slice of numbers or strings the items apply to every element, and
// the error names the element (periods_steps[2]).
//
// A bound or an interval rejects NaN by itself (no comparison holds for it).
// Ints print with %d, floats with %g, strings with %q. A check is the range
// of one field: a bound that depends on another field (v_reset_mv below
// v_thresh_mv) stays hand-written in the struct's Validate, after Check.

// Bound is a parsed `check` tag: the declared range of one field.
type Bound struct {
	// Type is the field's kind (of a slice: its elements' kind) as docs
	// spell it: float, int, string or bool.
	Type string
	// Finite rejects NaN and both infinities; Number rejects NaN;
	// AllowInf, when Number, is the one infinity also allowed (-1 or +1;
	// 0: both).
	Finite, Number bool
	AllowInf       int
	// HasLo, HasHi say whether there is a lower and an upper bound; Lo, Hi
	// are their values, LoText, HiText as the tag writes them, and
	// LoOpen, HiOpen whether the bound itself is excluded.
	HasLo, HasHi   bool
	Lo, Hi         float64
	LoText, HiText string
	LoOpen, HiOpen bool
	OneOf          []string
	Set, Optional  bool
	Unit, Note     string
	interval       bool
	kind           reflect.Kind
	key            string
	index          int
}

// Range renders the range part of the message: "a finite number > 0",
// "in [0, 1] ms (0: none)".
func (b *Bound) Range() string {
	var parts []string
	switch {
	case b.Finite:
		parts = append(parts, "a finite number")
	case b.Number && b.AllowInf < 0:
		parts = append(parts, "a number or -inf")
	case b.Number && b.AllowInf > 0:
		parts = append(parts, "a number or inf")
	case b.Number:
		parts = append(parts, "a number")
	}
	if r := b.bounds(">=", "<="); r != "" {
		parts = append(parts, r)
	}
	if len(b.OneOf) > 0 {
		parts = append(parts, orList(b.OneOf))
	}
	if b.Set {
		parts = append(parts, "set")
	}
	s := strings.Join(parts, " ")
	if b.Unit != "" {
		s += " " + b.Unit
	}
	if b.Note != "" {
		s += " (" + b.Note + ")"
	}
	return s
}

// Doc renders the declaration as the type column of the docs' key tables
// spells it: "float > 0", "int in [1, 10⁶]", "float ≥ 0", "string".
func (b *Bound) Doc() string {
	if r := b.bounds("≥", "≤"); r != "" {
		return b.Type + " " + r
	}
	return b.Type
}

// bounds renders "in [a, b]", "> a" or "<= b" with the given spellings of
// ≥ and ≤; "" when there is no bound.
func (b *Bound) bounds(ge, le string) string {
	switch {
	case b.interval:
		l, r := "[", "]"
		if b.LoOpen {
			l = "("
		}
		if b.HiOpen {
			r = ")"
		}
		return "in " + l + b.LoText + ", " + b.HiText + r
	case b.HasLo && b.LoOpen:
		return "> " + b.LoText
	case b.HasLo:
		return ge + " " + b.LoText
	case b.HasHi && b.HiOpen:
		return "< " + b.HiText
	case b.HasHi:
		return le + " " + b.HiText
	}
	return ""
}

func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ok reports whether x (a float, or an int converted) lies in the range.
func (b *Bound) ok(x float64) bool {
	if b.Finite && (math.IsNaN(x) || math.IsInf(x, 0)) {
		return false
	}
	if b.Number {
		if math.IsNaN(x) {
			return false
		}
		if b.AllowInf != 0 && math.IsInf(x, -b.AllowInf) {
			return false
		}
	}
	if b.HasLo && !(x > b.Lo || !b.LoOpen && x == b.Lo) {
		return false
	}
	if b.HasHi && !(x < b.Hi || !b.HiOpen && x == b.Hi) {
		return false
	}
	return true
}

// check returns the message for the value v of the field, "" when it is
// within the range.
func (b *Bound) check(v reflect.Value) string {
	var got string
	switch b.kind {
	case reflect.Float32, reflect.Float64:
		x := v.Float()
		if b.ok(x) {
			return ""
		}
		got = fmt.Sprintf("%g", x)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := v.Int()
		if b.ok(float64(x)) {
			return ""
		}
		got = strconv.FormatInt(x, 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x := v.Uint()
		if b.ok(float64(x)) {
			return ""
		}
		got = strconv.FormatUint(x, 10)
	case reflect.String:
		s := v.String()
		if b.Set && s == "" {
			return "must be " + b.Range()
		}
		if len(b.OneOf) == 0 || b.Optional && s == "" {
			return ""
		}
		for _, n := range b.OneOf {
			if s == n {
				return ""
			}
		}
		got = strconv.Quote(s)
	default:
		return ""
	}
	return "must be " + b.Range() + ", got " + got
}

// Check validates every field of the struct v (or of the struct v points to)
// that carries a `check` tag, in the order of the fields; it returns the
// first value out of its range as an *Error at the field's TOML key, nil
// when all are within. Nested and embedded structs are left to their own
// Validate (which puts its errors Under its key, and may check them only
// where they apply: the keys of a population's other neuron models). It panics on a malformed tag: a tag is code, and the test of the
// package that declares it (Bounds) finds the fault.
func Check(v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		panic(fmt.Sprintf("param.Check: %T is not a struct", v))
	}
	for _, b := range boundsOf(rv.Type()) {
		f := rv.Field(b.index)
		if f.Kind() != reflect.Slice {
			if msg := b.check(f); msg != "" {
				return New(msg, b.key)
			}
			continue
		}
		for i := range f.Len() {
			if msg := b.check(f.Index(i)); msg != "" {
				return New(msg, b.key, i)
			}
		}
	}
	return nil
}

// Bounds returns the declared ranges of the struct type of v by TOML key, in
// the order of the fields (for docs and their tests). It panics on a
// malformed tag.
func Bounds(v any) (keys []string, bounds map[string]*Bound) {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bounds = map[string]*Bound{}
	for _, b := range boundsOf(t) {
		keys = append(keys, b.key)
		bounds[b.key] = b
	}
	return keys, bounds
}

var cache sync.Map // reflect.Type -> []*Bound

func boundsOf(t reflect.Type) []*Bound {
	if bs, ok := cache.Load(t); ok {
		return bs.([]*Bound)
	}
	var bs []*Bound
	collect(t, &bs)
	cache.Store(t, bs)
	return bs
}

func collect(t reflect.Type, bs *[]*Bound) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("check")
		if !ok {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if key == "" {
			key = f.Name
		}
		k := f.Type.Kind()
		if k == reflect.Slice {
			k = f.Type.Elem().Kind()
		}
		b, err := ParseBound(tag, k)
		if err != nil {
			panic(fmt.Sprintf("param: field %s.%s: %v", t, f.Name, err))
		}
		b.key, b.index = key, i
		*bs = append(*bs, b)
	}
}

// ParseBound parses a `check` tag for a field of the kind k.
func ParseBound(tag string, k reflect.Kind) (*Bound, error) {
	b := &Bound{kind: k}
	switch k {
	case reflect.Float32, reflect.Float64:
		b.Type = "float"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.Type = "int"
	case reflect.String:
		b.Type = "string"
	case reflect.Bool:
		b.Type = "bool"
	default:
		return nil, fmt.Errorf("check tag %q on a field of kind %s", tag, k)
	}
	numeric := b.Type == "float" || b.Type == "int"
	for _, item := range splitItems(tag) {
		item = strings.TrimSpace(item)
		var err error
		switch {
		case item == "finite" || item == "number" || item == "number|-inf" || item == "number|inf":
			if b.Type != "float" {
				return nil, fmt.Errorf("%q applies to floats only", item)
			}
			b.Finite = item == "finite"
			b.Number = !b.Finite
			switch item {
			case "number|-inf":
				b.AllowInf = -1
			case "number|inf":
				b.AllowInf = 1
			}
		case strings.HasPrefix(item, "oneof="):
			if b.Type != "string" {
				return nil, fmt.Errorf("oneof applies to strings only")
			}
			b.OneOf = strings.Split(strings.TrimPrefix(item, "oneof="), "|")
		case item == "optional":
			if b.Type != "string" {
				return nil, fmt.Errorf("optional applies to strings only")
			}
			b.Optional = true
		case item == "set":
			if b.Type != "string" {
				return nil, fmt.Errorf("set applies to strings only")
			}
			b.Set = true
		case strings.HasPrefix(item, "unit="):
			b.Unit = strings.TrimPrefix(item, "unit=")
		case strings.HasPrefix(item, "note="):
			b.Note = strings.TrimPrefix(item, "note=")
		case strings.HasPrefix(item, "[") || strings.HasPrefix(item, "("):
			if !numeric {
				return nil, fmt.Errorf("a range applies to numbers only")
			}
			err = b.parseInterval(item)
		case strings.HasPrefix(item, ">=") || strings.HasPrefix(item, "<="):
			err = b.parseOne(item[:1], item[2:], false, numeric)
		case strings.HasPrefix(item, ">") || strings.HasPrefix(item, "<"):
			err = b.parseOne(item[:1], item[1:], true, numeric)
		default:
			return nil, fmt.Errorf("check tag %q: unknown item %q", tag, item)
		}
		if err != nil {
			return nil, fmt.Errorf("check tag %q: %v", tag, err)
		}
	}
	return b, nil
}

func (b *Bound) parseOne(op, text string, open, numeric bool) error {
	if !numeric {
		return fmt.Errorf("a bound applies to numbers only")
	}
	text = strings.TrimSpace(text)
	x, err := parseNumber(text)
	if err != nil {
		return err
	}
	if op == ">" {
		if b.HasLo {
			return fmt.Errorf("two lower bounds")
		}
		b.HasLo, b.Lo, b.LoText, b.LoOpen = true, x, text, open
	} else {
		if b.HasHi {
			return fmt.Errorf("two upper bounds")
		}
		b.HasHi, b.Hi, b.HiText, b.HiOpen = true, x, text, open
	}
	return nil
}

func (b *Bound) parseInterval(s string) error {
	if b.HasLo || b.HasHi {
		return fmt.Errorf("an interval beside a bound")
	}
	if len(s) < 5 {
		return fmt.Errorf("bad interval %q", s)
	}
	l, r := s[0], s[len(s)-1]
	if r != ']' && r != ')' {
		return fmt.Errorf("bad interval %q", s)
	}
	lo, hi, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return fmt.Errorf("bad interval %q", s)
	}
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	var err error
	if b.Lo, err = parseNumber(lo); err != nil {
		return err
	}
	if b.Hi, err = parseNumber(hi); err != nil {
		return err
	}
	if !(b.Lo <= b.Hi) {
		return fmt.Errorf("empty interval %q", s)
	}
	b.interval, b.HasLo, b.HasHi = true, true, true
	b.LoText, b.HiText = lo, hi
	b.LoOpen, b.HiOpen = l == '(', r == ')'
	return nil
}

// splitItems splits a tag at the commas outside brackets and parentheses.
func splitItems(tag string) []string {
	var items []string
	depth, start := 0, 0
	for i, c := range tag {
		switch c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, tag[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(tag[start:]) != "" {
		items = append(items, tag[start:])
	}
	return items
}

var superscripts = map[rune]byte{'⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-'}

// ParseNumber reads a bound as tags and docs write it: a Go float literal
// (1e6, -0.5, inf, -inf), a power with superscript digits (10⁶, 2³⁰, 10⁻³),
// or a sum of them (2³¹−1), with − for a minus sign.
func ParseNumber(s string) (float64, error) { return parseNumber(s) }

func parseNumber(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "−", "-")
	// Split into signed terms at a + or - that follows a digit or a
	// superscript (not the sign of an exponent: 1e-8).
	if s == "" {
		return 0, fmt.Errorf("no number")
	}
	sum, start := 0.0, 0
	rs := []rune(s)
	for i := 1; i <= len(rs); i++ {
		if i < len(rs) && !((rs[i] == '+' || rs[i] == '-') && rs[i-1] != 'e' && rs[i-1] != 'E') {
			continue
		}
		x, err := parseTerm(string(rs[start:i]))
		if err != nil {
			return 0, fmt.Errorf("bad number %q", s)
		}
		sum += x
		start = i
	}
	return sum, nil
}

// parseTerm reads one signed number or power.
func parseTerm(s string) (float64, error) {
	sign := 1.0
	if rest, ok := strings.CutPrefix(s, "-"); ok && strings.ContainsAny(rest, "⁰¹²³⁴⁵⁶⁷⁸⁹") {
		sign, s = -1, rest
	} else if rest, ok := strings.CutPrefix(s, "+"); ok {
		s = rest
	}
	if i := strings.IndexFunc(s, func(r rune) bool { _, ok := superscripts[r]; return ok }); i > 0 {
		var exp []byte
		for _, r := range s[i:] {
			d, ok := superscripts[r]
			if !ok {
				return 0, fmt.Errorf("bad number %q", s)
			}
			exp = append(exp, d)
		}
		base, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, err
		}
		e, err := strconv.Atoi(string(exp))
		if err != nil {
			return 0, err
		}
		return sign * math.Pow(base, float64(e)), nil
	}
	return strconv.ParseFloat(s, 64)
}
