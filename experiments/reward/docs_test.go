package reward

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/env"
)

// keysOf lists the TOML keys of a struct value, embedded structs and
// interfaces inline, nested tables as prefix.key.
func keysOf(v reflect.Value, prefix string, out map[string]bool) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Anonymous && tag == "" {
			keysOf(v.Field(i), prefix, out)
			continue
		}
		if tag == "" || tag == "-" {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type().Name() != "" && fv.Type().PkgPath() != "" && fv.NumField() > 0 && !strings.HasSuffix(fv.Type().Name(), "Params") || fv.Kind() == reflect.Struct && tag == "dopamine" {
			keysOf(fv, prefix+tag+".", out)
			continue
		}
		out[prefix+tag] = true
	}
}

// Every key a reward file accepts is in docs/reward.md, and every key in
// the first column of its tables is accepted.
func TestKeysAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/reward.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	accepted := map[string]bool{}
	keysOf(reflect.ValueOf(Spec{}.Defaults()), "", accepted)
	for _, d := range env.All() {
		keysOf(reflect.ValueOf(d.Defaults()), "", accepted)
	}
	for _, d := range Agents() {
		keysOf(reflect.ValueOf(d.Defaults()), "", accepted)
	}
	keysOf(reflect.ValueOf(Check{}), "check.", accepted)
	for _, tables := range []string{"environment", "agent", "condition", "critic", "check"} {
		delete(accepted, tables)
	}
	for k := range accepted {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(doc, "`"+k+"`") && !strings.Contains(doc, "`"+leaf+"`") {
			t.Errorf("key %q is accepted but not in docs/reward.md", k)
		}
	}
	first := regexp.MustCompile("(?m)^\\| ([^|]+) \\|")
	tick := regexp.MustCompile("`([a-z_.]+)`")
	for _, m := range first.FindAllStringSubmatch(doc, -1) {
		for _, k := range tick.FindAllStringSubmatch(m[1], -1) {
			key := k[1]
			leaf := key[strings.LastIndex(key, ".")+1:]
			if m[1] == "agent" || isAgent(key) {
				continue
			}
			if !accepted[key] && !hasLeaf(accepted, leaf) {
				t.Errorf("docs/reward.md lists key %q, which no reward file accepts", key)
			}
		}
	}
}

func isAgent(name string) bool {
	_, ok := lookupAgent(name)
	return ok
}

func hasLeaf(keys map[string]bool, leaf string) bool {
	for k := range keys {
		if k == leaf || strings.HasSuffix(k, "."+leaf) {
			return true
		}
	}
	return false
}
