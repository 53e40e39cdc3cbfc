package memory

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// memoryKeys lists the TOML keys of a memory file: nested tables as
// table.key, arrays of tables ([[mode]]) as mode.key.
func memoryKeys(t reflect.Type, prefix string, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath() {
			memoryKeys(ft, prefix+tag+".", out)
			continue
		}
		out[prefix+tag] = true
	}
}

// TestDocsListEveryKey: every key a memory file accepts is in the key
// table of docs/memory.md (as itself or, for the keys of a table written
// beside it, as its last part), and every key named in the table's first
// column is accepted.
func TestDocsListEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../docs/memory.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n### Keys\n")
	if !ok {
		t.Fatal("docs/memory.md has no section ### Keys")
	}
	if i := strings.Index(table, "\n#"); i >= 0 {
		table = table[:i]
	}
	var first []string
	tick := regexp.MustCompile("`([a-z_.0-9]+)`")
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cell := strings.Split(line, "|")[1]
		for _, m := range tick.FindAllStringSubmatch(cell, -1) {
			first = append(first, m[1])
		}
	}
	documented := strings.Join(first, " ")
	accepted := map[string]bool{}
	memoryKeys(reflect.TypeOf(File{}), "", accepted)
	for k := range accepted {
		leaf := k[strings.LastIndex(k, ".")+1:]
		// The keys of [content] and [[mode]] are listed in their rows by
		// their last part.
		if !strings.Contains(" "+documented+" ", " "+k+" ") && !strings.Contains(table, "`"+leaf+"`") {
			t.Errorf("key %q is accepted but not in docs/memory.md's key table", k)
		}
	}
	for _, k := range first {
		if k == "key" {
			continue
		}
		found := accepted[k]
		for a := range accepted {
			found = found || strings.HasSuffix(a, "."+k) || strings.HasPrefix(a, k+".")
		}
		if !found {
			t.Errorf("docs/memory.md lists key %q, which no memory file accepts", k)
		}
	}
}
