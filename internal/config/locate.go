package config

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds a small scanner that finds the line of every key in a TOML
// document. It is independent of the TOML decoder: it understands just enough
// of the syntax (headers, dotted and quoted keys, strings of all four kinds,
// comments, arrays and inline tables) to follow the document structure and
// to give every array-of-tables element its index. It never fails; on
// malformed input it makes progress one byte at a time.

// maxNesting bounds the recursion into nested arrays and inline tables;
// anything deeper is skipped (its keys then point at an enclosing key).
const maxNesting = 10000

// keyPath is a key path as a linked list, so that extending it is cheap.
type keyPath struct {
	parent *keyPath
	seg    any    // string or int
	key    string // pathKey of the whole path
}

func (p *keyPath) child(seg any) *keyPath {
	if p == nil {
		return &keyPath{seg: seg, key: segKey(seg)}
	}
	return &keyPath{parent: p, seg: seg, key: p.key + "." + segKey(seg)}
}

// slice returns the path as a slice of strings and ints.
func (p *keyPath) slice() []any {
	var out []any
	for ; p != nil; p = p.parent {
		out = append(out, p.seg)
	}
	slices.Reverse(out)
	return out
}

// position of a key in the source.
type position struct {
	line int // 1-based
	off  int // byte offset of the start of the key (or header, or array element)
}

// duplicate records a key that the scanner saw defined twice.
type duplicate struct {
	path  []any
	at    position
	first position
}

type locator struct {
	src    string
	i      int
	nl     []int               // offsets of every '\n'
	pos    map[string]position // pathKey → first position
	arrays map[string]int      // pathKey of an array of tables → elements so far
	dup    *duplicate          // first duplicate definition found, if any
}

// locate scans src and returns the position of every key path in it.
func locate(src string) *locator {
	l := &locator{
		src:    src,
		pos:    make(map[string]position),
		arrays: make(map[string]int),
	}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			l.nl = append(l.nl, i)
		}
	}
	l.run()
	return l
}

// lineAt returns the 1-based line of byte offset off.
func (l *locator) lineAt(off int) int {
	return sort.SearchInts(l.nl, off) + 1
}

// lookup returns the recorded position of path.
func (l *locator) lookup(path []any) (position, bool) {
	p, ok := l.pos[pathKey(path)]
	return p, ok
}

func (l *locator) record(path *keyPath, p position) {
	if _, ok := l.pos[path.key]; !ok {
		l.pos[path.key] = p
	}
}

func (l *locator) run() {
	if strings.HasPrefix(l.src, "\ufeff") {
		l.i = len("\ufeff")
	}
	var table *keyPath
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case ' ', '\t', '\r', '\n':
			l.i++
		case '#':
			l.skipToEOL()
		case '[':
			table = l.header()
		default:
			start := l.i
			l.keyval(table, 0)
			if l.i == start {
				l.i++
			}
		}
	}
}

func (l *locator) skipToEOL() {
	for l.i < len(l.src) && l.src[l.i] != '\n' {
		l.i++
	}
}

// skipSpace skips blanks within a line.
func (l *locator) skipSpace() {
	for l.i < len(l.src) && (l.src[l.i] == ' ' || l.src[l.i] == '\t') {
		l.i++
	}
}

// skipAll skips blanks, newlines and comments.
func (l *locator) skipAll() {
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case ' ', '\t', '\r', '\n':
			l.i++
		case '#':
			l.skipToEOL()
		default:
			return
		}
	}
}

// header handles a [table] or [[array]] header and returns the resolved path
// of the table it opens.
func (l *locator) header() *keyPath {
	start := l.i
	array := strings.HasPrefix(l.src[l.i:], "[[")
	if array {
		l.i += 2
	} else {
		l.i++
	}
	keys := l.key()
	l.skipToEOL() // closing brackets and any comment
	if len(keys) == 0 {
		return nil
	}
	p := position{line: l.lineAt(start), off: start}
	var path *keyPath
	for j, k := range keys {
		path = path.child(k)
		switch n, isArray := l.arrays[path.key]; {
		case array && j == len(keys)-1:
			l.record(path, p)
			l.arrays[path.key] = n + 1
			path = path.child(n)
		case isArray && n > 0:
			// [a.b] or [[a.b]] below [[a]]: b lives in the last element of a.
			l.record(path, p)
			path = path.child(n - 1)
		}
		l.record(path, p)
	}
	return path
}

// keyval handles "key = value" with the key relative to table.
func (l *locator) keyval(table *keyPath, depth int) {
	start := l.i
	keys := l.key()
	if len(keys) == 0 {
		return
	}
	p := position{line: l.lineAt(start), off: start}
	path := table
	for j, k := range keys {
		path = path.child(k)
		if j == len(keys)-1 && l.dup == nil {
			if first, ok := l.pos[path.key]; ok {
				l.dup = &duplicate{path: path.slice(), at: p, first: first}
			}
		}
		l.record(path, p)
	}
	l.skipSpace()
	if l.i >= len(l.src) || l.src[l.i] != '=' {
		return
	}
	l.i++
	l.skipSpace()
	l.value(path, depth)
}

// key reads a possibly dotted key; it returns nil if there is none here.
func (l *locator) key() []string {
	var keys []string
	for {
		l.skipSpace()
		if l.i >= len(l.src) {
			return keys
		}
		var k string
		switch c := l.src[l.i]; {
		case c == '"':
			k = unescape(l.quoted('"', true))
		case c == '\'':
			k = l.quoted('\'', false)
		case isBare(c):
			s := l.i
			for l.i < len(l.src) && isBare(l.src[l.i]) {
				l.i++
			}
			k = l.src[s:l.i]
		default:
			return keys
		}
		keys = append(keys, k)
		l.skipSpace()
		if l.i < len(l.src) && l.src[l.i] == '.' {
			l.i++
			continue
		}
		return keys
	}
}

// quoted reads a single-line string starting at the opening quote q and
// returns its raw contents.
func (l *locator) quoted(q byte, escapes bool) string {
	l.i++
	s := l.i
	for l.i < len(l.src) && l.src[l.i] != q && l.src[l.i] != '\n' {
		if escapes && l.src[l.i] == '\\' && l.i+1 < len(l.src) && l.src[l.i+1] != '\n' {
			l.i++
		}
		l.i++
	}
	raw := l.src[s:l.i]
	if l.i < len(l.src) && l.src[l.i] == q {
		l.i++
	}
	return raw
}

// multiline skips a multi-line string starting at its opening delimiter.
func (l *locator) multiline(q byte, escapes bool) {
	delim := strings.Repeat(string(q), 3)
	l.i += 3
	for l.i < len(l.src) {
		if escapes && l.src[l.i] == '\\' {
			l.i += 2
			continue
		}
		if strings.HasPrefix(l.src[l.i:], delim) {
			l.i += 3
			// Up to two more quotes belong to the content: """a"""" is `a"`.
			for k := 0; k < 2 && l.i < len(l.src) && l.src[l.i] == q; k++ {
				l.i++
			}
			return
		}
		l.i++
	}
	l.i = len(l.src)
}

// value skips a value, recording the positions of the keys of inline tables
// and of array elements below path.
func (l *locator) value(path *keyPath, depth int) {
	if l.i >= len(l.src) {
		return
	}
	switch c := l.src[l.i]; {
	case c == '"' && strings.HasPrefix(l.src[l.i:], `"""`):
		l.multiline('"', true)
	case c == '"':
		l.quoted('"', true)
	case c == '\'' && strings.HasPrefix(l.src[l.i:], "'''"):
		l.multiline('\'', false)
	case c == '\'':
		l.quoted('\'', false)
	case (c == '[' || c == '{') && depth >= maxNesting:
		l.skipToEOL()
	case c == '[':
		l.i++
		idx := 0
		for {
			l.skipAll()
			if l.i >= len(l.src) {
				return
			}
			switch l.src[l.i] {
			case ']':
				l.i++
				return
			case ',':
				l.i++
				continue
			}
			elem := path.child(idx)
			start := l.i
			l.record(elem, position{line: l.lineAt(start), off: start})
			l.value(elem, depth+1)
			if l.i == start {
				l.i++
			}
			idx++
		}
	case c == '{':
		l.i++
		for {
			l.skipAll()
			if l.i >= len(l.src) {
				return
			}
			switch l.src[l.i] {
			case '}':
				l.i++
				return
			case ',':
				l.i++
				continue
			}
			start := l.i
			l.keyval(path, depth+1)
			if l.i == start {
				l.i++
			}
		}
	default: // number, boolean, date and time: up to the next delimiter
		for l.i < len(l.src) && !strings.ContainsRune(",]}\n#", rune(l.src[l.i])) {
			l.i++
		}
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// join returns a new path: path followed by elems.
func join(path []any, elems ...any) []any {
	out := make([]any, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

// pathKey encodes a key path as a string usable as a map key.
func pathKey(path []any) string {
	var b strings.Builder
	for i, e := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(segKey(e))
	}
	return b.String()
}

func segKey(seg any) string {
	switch e := seg.(type) {
	case string:
		return strconv.Quote(e)
	case int:
		return strconv.Itoa(e)
	}
	return "?"
}

// unescape decodes the escape sequences of a TOML basic string. Invalid
// sequences are kept as written.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"', '\\':
			b.WriteByte(c)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+1+n <= len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil && utf8.ValidRune(rune(r)) {
					b.WriteRune(rune(r))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}
