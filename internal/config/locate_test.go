package config

import (
	"testing"
)

const trickyDoc = "\ufeff# comment with [brackets] and = and \"quotes\"\n" + // 1
	`a = "str # = [x]"   # trailing [comment]` + "\n" + // 2
	`b = 'lit \'          # literal strings have no escapes` + "\n" + // 3
	`c = """` + "\n" + // 4
	`[[not.a.header]]` + "\n" + // 5
	`d = 1 \"""` + "\n" + // 6
	`"""` + "\n" + // 7
	`e = '''` + "\n" + // 8
	`[fake]'''` + "\n" + // 9
	`f = [ [1, 2],` + "\n" + // 10
	`      { g = 1 },` + "\n" + // 11
	`      "],[" ]` + "\n" + // 12
	`h.i . "j.k" = 1` + "\n" + // 13
	`"quo\"ted" = { x = 1, y = { z = 2 } }` + "\n" + // 14
	`[ t . 'u' ]  # header comment` + "\n" + // 15
	`v = 1979-05-27 07:32:00Z` + "\n" + // 16
	`w = 2` + "\n" + // 17
	`[[arr]]` + "\n" + // 18
	`[[arr.sub]]` + "\n" + // 19
	`x = 1` + "\n" + // 20
	`[[arr.sub]]` + "\n" + // 21
	`[arr.sub.deep]` + "\n" + // 22
	`y = 1` + "\n" + // 23
	`[[arr]]` + "\n" + // 24
	`[[arr.sub]]` + "\n" + // 25
	`x = 2` + "\n" + // 26
	`[arr.tbl]` + "\n" + // 27
	`z = 3` + "\n" // 28

func TestLocate(t *testing.T) {
	l := locate(trickyDoc)
	tests := []struct {
		path []any
		line int
	}{
		{[]any{"a"}, 2},
		{[]any{"b"}, 3},
		{[]any{"c"}, 4},
		{[]any{"d"}, 0},
		{[]any{"not"}, 0},
		{[]any{"e"}, 8},
		{[]any{"fake"}, 0},
		{[]any{"f"}, 10},
		{[]any{"f", 0}, 10},
		{[]any{"f", 0, 1}, 10},
		{[]any{"f", 1}, 11},
		{[]any{"f", 1, "g"}, 11},
		{[]any{"f", 2}, 12},
		{[]any{"f", 3}, 0},
		{[]any{"h"}, 13},
		{[]any{"h", "i", "j.k"}, 13},
		{[]any{"quo\"ted", "y", "z"}, 14},
		{[]any{"t", "u"}, 15},
		{[]any{"t", "u", "v"}, 16},
		{[]any{"t", "u", "w"}, 17},
		{[]any{"arr", 0}, 18},
		{[]any{"arr", 0, "sub", 0}, 19},
		{[]any{"arr", 0, "sub", 0, "x"}, 20},
		{[]any{"arr", 0, "sub", 1}, 21},
		{[]any{"arr", 0, "sub", 1, "deep"}, 22},
		{[]any{"arr", 0, "sub", 1, "deep", "y"}, 23},
		{[]any{"arr", 1}, 24},
		{[]any{"arr", 1, "sub", 0}, 25},
		{[]any{"arr", 1, "sub", 0, "x"}, 26},
		{[]any{"arr", 1, "sub", 1}, 0},
		{[]any{"arr", 1, "tbl", "z"}, 28},
		{[]any{"arr", 2}, 0},
	}
	for _, tt := range tests {
		p, ok := l.lookup(tt.path)
		if !ok {
			p.line = 0
		}
		if p.line != tt.line {
			t.Errorf("line of %v = %d, want %d", tt.path, p.line, tt.line)
		}
	}
	if l.dup != nil {
		t.Errorf("unexpected duplicate %v", l.dup.path)
	}

	// The document is valid TOML and decodes.
	var m map[string]any
	if _, err := Decode("", []byte(trickyDoc), &m); err != nil {
		t.Fatal(err)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:            "plain",
		`a\tb`:             "a\tb",
		`\u00e9\U0001F600`: "é😀",
		`\x41`:             "A",
		`bad\q\u12`:        `bad\q\u12`,
		`end\`:             `end\`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
