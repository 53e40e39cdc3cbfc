package config

import (
	"errors"
	"strings"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		goodCircuit,
		errorfDoc,
		trickyDoc,
		"",
		"a = 1",
		"[solver]\nDt = 0.1\n",
		"[[population]]\nname = \"x\"\nsize = \"four\"\n",
		"weights = [\n 1,\n \"x\",\n]\n",
		"rule = [{name = \"a\"}, {name = \"b\", sigmaa = 1}]\n",
		"solver.dt = 1\nsolver = 2\n",
		"[a.b]\n[[a.c]]\n[[a.c.d]]\nx = 1\n",
		"s = \"\"\"\n\\\n  x\"\"\"\"\n",
		"t = '''a''''\n",
		"k = { a = [ { b = { c = [1] } } ] }\n",
		"x = [[[[[[[[[[1]]]]]]]]]]\n",
		"\"\\u0041\" = 1\n'a.b' = 2\n",
		"d = 1979-05-27T07:32:00Z\nt = 07:32:00\n",
		"[x]\ny = 1\n[x]\n",
		"[[population]]\nactivation = \"tanhh\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nlines := strings.Count(string(data), "\n") + 1
		check := func(err error) {
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Line < 0 || e.Line > nlines {
				t.Fatalf("line %d out of range 0..%d: %v", e.Line, nlines, err)
			}
		}

		var c Circuit
		_, err := Decode("fuzz.toml", data, &c)
		check(err)

		// Every key the TOML parser found must be located by our scanner.
		var m map[string]any
		doc, err := Decode("fuzz.toml", data, &m)
		check(err)
		if err == nil {
			var walk func(path []any, v any)
			walk = func(path []any, v any) {
				if len(path) > 0 && doc.Line(path...) == 0 {
					t.Fatalf("key %v (%s) not located", path, doc.Key(path...))
				}
				if len(path) > 0 && len(path) <= 32 { // Errorf is quadratic in the depth
					if e := doc.Errorf(path, "x"); e.Line == 0 {
						t.Fatalf("Errorf(%v) has no line", path)
					}
				}
				switch x := v.(type) {
				case map[string]any:
					for k, e := range x {
						walk(join(path, k), e)
					}
				default:
					if list, ok := asList(v); ok {
						for i, e := range list {
							walk(join(path, i), e)
						}
					}
				}
			}
			walk(nil, m)
		}

		// The scanner must cope with anything.
		locate(string(data))

		// So must Set, with data as the value.
		check(Set(&c, "solver", string(data)))
		check(Set(&c, "population.0.activation", string(data)))
		check(Set(&c, "params.x", string(data)))
	})
}
