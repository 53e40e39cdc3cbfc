package training

import (
	"encoding"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
)

// keyPaths adds to out every key a value of v's type accepts, as dotted
// paths under prefix: leaves only (a table's own name is not a key); the
// keys of embedded structs and of the value an embedded interface holds
// are the struct's own; an array of tables contributes its element's keys.
func keyPaths(prefix string, v reflect.Value, out map[string]bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Anonymous && tag == "" {
			keyPaths(prefix, v.Field(i), out)
			continue
		}
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		fv := v.Field(i)
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft, fv = ft.Elem(), reflect.New(ft.Elem()).Elem()
		}
		leaf := ft.Kind() != reflect.Struct || reflect.PointerTo(ft).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
		if leaf {
			out[prefix+tag] = true
			continue
		}
		keyPaths(prefix+tag+".", fv, out)
	}
}

// docKeys returns the keys of the tables of docs/circuits.md, each table's
// keys (its first column: one or more backticked names) under the table
// its heading or the line before it names (`[[population]]`,
// `[rule.modulator]`, `[forecast]`: ...), from the heading start up to
// the heading end.
func docKeys(t *testing.T, start, end string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../../docs/circuits.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, "\n"+start+"\n"), strings.Index(text, "\n"+end+"\n")
	if i < 0 || j < i {
		t.Fatalf("docs/circuits.md has no section from %q to %q", start, end)
	}
	out := map[string]bool{}
	prefixes, header, blank := []string{""}, false, true
	for _, line := range strings.Split(text[i:j], "\n") {
		if !strings.HasPrefix(line, "|") {
			header = false
			// A heading, or a paragraph that starts by naming a table (or
			// two: "`[a]` and `[b]`"): its keys' prefix.
			if m := backticked.FindStringSubmatch(line); m != nil && strings.HasPrefix(m[1], "[") &&
				(strings.HasPrefix(line, "#") || blank && strings.HasPrefix(line, "`[")) {
				prefixes = []string{strings.Trim(m[1], "[]") + "."}
				if m := leadingTables.FindStringSubmatch(line); m != nil && m[2] != "" {
					prefixes = append(prefixes, strings.Trim(m[2], "[]")+".")
				}
			} else if strings.HasPrefix(line, "#") {
				prefixes = []string{""}
			}
			blank = strings.TrimSpace(line) == ""
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		first := strings.TrimSpace(cells[0])
		if !header {
			header = true // the header row
			if first != "key" {
				prefixes = nil // not a table of keys
			}
			continue
		}
		if strings.HasPrefix(first, "---") {
			continue
		}
		for _, prefix := range prefixes {
			for _, k := range names(first) {
				out[prefix+k] = true
			}
		}
	}
	return out
}

// leadingTables matches a line that starts by naming one table or two
// joined by "and".
var leadingTables = regexp.MustCompile("^`(\\[[^`]+\\])`(?: and `(\\[[^`]+\\])`)?")

// compareKeys reports the keys accepted but not documented and the keys
// documented but not accepted. A documented name that is a table of
// accepted keys (`modulator`, `forecast` in the tables of rules and tasks)
// is accepted.
func compareKeys(t *testing.T, what string, accepted, documented map[string]bool) {
	t.Helper()
	var undocumented, unknown []string
	for k := range accepted {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		table := false
		for a := range accepted {
			table = table || strings.HasPrefix(a, k+".")
		}
		if !accepted[k] && !table {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unknown)
	if len(undocumented) > 0 {
		t.Errorf("%s: keys accepted but not in docs/circuits.md: %v", what, undocumented)
	}
	if len(unknown) > 0 {
		t.Errorf("%s: keys in docs/circuits.md that are not accepted: %v", what, unknown)
	}
}

// ruleKeys are the keys of every registered rule's table (its own keys
// beside name and learning_rate), under prefix.
func ruleKeys(prefix string, out map[string]bool) {
	for _, d := range train.Rules() {
		if d.Name == tinyRuleDef.Name {
			continue // registered by recipe_test.go, undocumented on purpose
		}
		keyPaths(prefix, reflect.ValueOf(d.Defaults()), out)
	}
}

// TestDocsListEveryKey: every key a circuit file or an experiment file
// accepts is in a table of docs/circuits.md, and every key of those tables
// is accepted (the keys of each rule and task by the tables "Rules" and
// "Tasks", checked by TestDocsListEveryRule and TestDocsListEveryTask).
func TestDocsListEveryKey(t *testing.T) {
	// Circuit files: the network, how it runs alone, the common keys of
	// [rule] and [rule.modulator].
	accepted := map[string]bool{}
	keyPaths("", reflect.ValueOf(experiments.CircuitFile{Spec: circuits.Spec{}}), accepted)
	ruleKeys("rule.", accepted)
	documented := docKeys(t, "## Circuit file (`circuits/xor.toml`)", "## Rules")
	for k, v := range docKeys(t, "### `[rule.modulator]` — the dopamine system (perturbation rules)", "## Simulating a circuit (`task = \"simulate\"`, e.g. `circuits/cuba.toml`)") {
		documented[k] = v
	}
	// Each rule's own keys are in the table "Rules" (TestDocsListEveryRule).
	for _, r := range docTable(t, "## Rules") {
		for _, k := range names(r[1]) {
			documented["rule."+k] = true
		}
	}
	// A feedback projection decodes as a projection, but a projection's
	// bias, bounds and eligibility trace are errors in it (as the docs
	// say): refused by validation, they are not keys of [[feedback]].
	xor, _ := circuits.Builtin("xor")
	for _, kv := range []string{"bias = true", "w_min = -1.0", "w_max = 1.0", "tau_e_ms = 10.0"} {
		k, _, _ := strings.Cut(kv, " ")
		src := string(xor) + "\n[[feedback]]\nfrom = \"output\"\nto = \"hidden\"\n" + kv + "\n"
		// (the feedback table is appended last: rule tables end before it)
		if i := strings.Index(string(xor), "\n[rule]"); i >= 0 {
			src = string(xor)[:i] + "\n[[feedback]]\nfrom = \"output\"\nto = \"hidden\"\n" + kv + "\n" + string(xor)[i:]
		}
		doc, err := experiments.OpenData("fb.toml", []byte(src))
		if err == nil {
			_, err = experiments.DecodeCircuit(doc.Doc)
		}
		if err == nil || !strings.Contains(err.Error(), "feedback[0]") {
			t.Errorf("[[feedback]] with %s: %v, want an error at feedback[0]", kv, err)
		}
		if !documented["projection."+k] {
			t.Errorf("%s is not a documented key of [[projection]]", k)
		}
		delete(accepted, "feedback."+k)
	}
	compareKeys(t, "circuit file", accepted, documented)

	// Experiment files: the experiment, its [[rule]] entries (the keys of
	// [rule] plus label and sweep.learning_rate), every task's keys.
	accepted = map[string]bool{}
	keyPaths("", reflect.ValueOf(Spec{}), accepted)
	ruleKeys("rule.", accepted)
	for _, d := range task.Tasks() {
		if d.Name == tinyTaskDef.Name {
			continue // registered by recipe_test.go, undocumented on purpose
		}
		keyPaths("", reflect.ValueOf(d.Defaults()), accepted)
	}
	documented = docKeys(t, "## Experiment file (`experiments/xor.toml`)", "## Overrides from the command line")
	for k := range docKeys(t, "## Circuit file (`circuits/xor.toml`)", "## Rules") {
		if strings.HasPrefix(k, "rule.") {
			documented[k] = true // [[rule]] takes every key of [rule]
		}
	}
	for _, r := range docTable(t, "## Rules") {
		for _, k := range names(r[1]) {
			documented["rule."+k] = true
		}
	}
	for k := range docKeys(t, "### `[rule.modulator]` — the dopamine system (perturbation rules)", "## Simulating a circuit (`task = \"simulate\"`, e.g. `circuits/cuba.toml`)") {
		if strings.HasPrefix(k, "rule.modulator.") {
			documented[k] = true
		}
	}
	for _, r := range docTable(t, "## Tasks") {
		for _, k := range names(r[1]) {
			documented[k] = true
		}
	}
	// [sweep] and [[sweep.param]] are documented in docs/sweeps.md.
	for k := range accepted {
		if strings.HasPrefix(k, "sweep.") {
			delete(accepted, k)
		}
	}
	compareKeys(t, "experiment file", accepted, documented)
}
