package param_test

import (
	"encoding"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/circuits"
	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/experiments/reward"
	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/experiments/sweep/space"
	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/internal/param"
	"github.com/dopa-sim/dopa/modulator"
	"github.com/dopa-sim/dopa/neuron"
	"github.com/dopa-sim/dopa/synapse"
)

// root is the repository, seen from internal/param.
const root = "../.."

// A documented table: the first key table of doc after the first line that
// contains after, its keys written with prefix; v is the struct whose
// declared ranges the table's type column must state, holding the values
// its default column must state (nil: a table without defaults to check).
type documented struct {
	doc, after, prefix string
	v                  any
	noDefaults         bool
}

// documentedStructs lists, for every struct whose keys declare their
// ranges, the docs tables of its keys. A struct may spread over several
// tables (a population's noise_uniform sits in the lif and izhikevich
// tables).
func documentedStructs() []documented {
	spec := circuits.Spec{}.Defaults()
	exp := training.Spec{}.Defaults("xor")
	rw := reward.Spec{}.Defaults()
	adam, _ := train.Lookup("adam")
	return []documented{
		{doc: "circuits.md", after: "### Top level", v: spec},
		{doc: "circuits.md", after: "### Top level", v: experiments.CircuitFile{Spec: spec, Task: "xor", RecordFormat: output.CSV, Threads: 1}},
		{doc: "circuits.md", after: "### `[[population]]`", v: circuits.PopulationSpec{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.LIFParams`", v: circuits.PopulationSpec{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.RateParams`)", v: neuron.RateParams{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.LIFParams`", v: neuron.LIFParams{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.ALIFParams`)", prefix: "alif.", v: neuron.ALIFParams{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.COBAParams`)", prefix: "coba.", v: neuron.COBAParams{}.Defaults()},
		{doc: "circuits.md", after: "(`neuron.LIFParams`", prefix: "poisson_input.", v: neuron.PoissonInputParams{}},
		{doc: "circuits.md", after: "### `[[probe]]`", v: circuits.Probe{}},
		{doc: "circuits.md", after: "(`neuron.IzhikevichParams`", v: neuron.IzhikevichParams{}.Defaults()},
		{doc: "circuits.md", after: "`model = \"poisson\"`", v: neuron.PoissonParams{}.Defaults()},
		{doc: "circuits.md", after: "`model = \"escape\"`", prefix: "escape.", v: neuron.EscapeParams{}.Defaults()},
		{doc: "circuits.md", after: "The `[projection.ring]` table", prefix: "ring.", v: circuits.RingParams{}.Defaults()},
		{doc: "circuits.md", after: "`[projection.td_ltp]` table (`synapse.TDLTPParams`)", prefix: "td_ltp.", v: synapse.TDLTPParams{}.Defaults()},
		{doc: "circuits.md", after: "The critic's keys (`modulator.ContinuousTDParams`)", v: modulator.ContinuousTDParams{}.Defaults()},
		{doc: "circuits.md", after: "### `[[projection]]`", v: synapse.DenseParams{}.Defaults()},
		{doc: "circuits.md", after: "Dense projections (`synapse.DenseParams`)", v: synapse.DenseParams{}.Defaults()},
		{doc: "circuits.md", after: "### `[[projection]]`", v: synapse.SparseParams{}.Defaults()},
		{doc: "circuits.md", after: "Sparse projections (`synapse.SparseParams`)", v: synapse.SparseParams{}.Defaults()},
		{doc: "circuits.md", after: "The `[projection.stdp]` table", prefix: "stdp.", v: synapse.STDPParams{}.Defaults()},
		{doc: "circuits.md", after: "### `[readout]`", v: spec.Readout},
		{doc: "circuits.md", after: "### `[rule]`", v: train.Spec{}, noDefaults: true},
		{doc: "circuits.md", after: "### `[rule]`", v: train.PerturbationParams{}, noDefaults: true},
		{doc: "circuits.md", after: "### `[rule]`", v: adam.Defaults().Params},
		{doc: "circuits.md", after: "### `[rule]`", v: train.Decay{}},
		{doc: "circuits.md", after: "### `[rule.modulator]`", v: modulator.Params{}.Defaults()},
		{doc: "circuits.md", after: "### `[[record]]` — state monitors", v: experiments.RecordSpec{}},
		{doc: "circuits.md", after: "## Experiment file", v: exp},
		{doc: "circuits.md", after: "## Experiment file", prefix: "criterion.", v: exp.Criterion},
		{doc: "circuits.md", after: "## Experiment file", prefix: "record.", v: exp.Record},
		{doc: "circuits.md", after: "## Experiment file", v: task.MackeyGlassParams{}},
		{doc: "circuits.md", after: "## Experiment file", v: task.LorenzParams{}},
		{doc: "circuits.md", after: "`[forecast]`: the conventions", v: taskDefaults("mackey_glass").(task.MackeyGlassParams).Forecast},
		{doc: "circuits.md", after: "`[mackey_glass]` (task", v: series.MackeyGlassParams{}.Defaults()},
		{doc: "circuits.md", after: "`[lorenz]` (task `lorenz`)", v: series.LorenzParams{}.Defaults()},
		{doc: "circuits.md", after: "`sines` (pattern", v: taskDefaults("sines")},
		{doc: "circuits.md", after: "`evidence` (evidence accumulation", v: taskDefaults("evidence")},
		{doc: "circuits.md", after: "`[[rule]]` entries take", prefix: "sweep.", v: training.Sweep{}},
		{doc: "reward.md", after: "## The file", v: rw},
		{doc: "reward.md", after: "### `[critic]` and `[critic.dopamine]`", prefix: "critic.", v: rw.Critic},
		{doc: "reward.md", after: "### `[critic]` and `[critic.dopamine]`", prefix: "critic.", v: rw.Critic.TDParams},
		{doc: "reward.md", after: "### `[critic]` and `[critic.dopamine]`", prefix: "critic.dopamine.", v: rw.Critic.Dopamine},
		{doc: "reward.md", after: "The spiking critic (", prefix: "critic.spiking.", v: rw.Critic.Spiking},
		{doc: "reward.md", after: "### `[record]`", prefix: "record.", v: rw.Record},
		{doc: "reward.md", after: "`conditioning` — classical conditioning", v: envDefaults("conditioning")},
		{doc: "reward.md", after: "`bandit` —", v: envDefaults("bandit")},
		{doc: "reward.md", after: "`grid` —", v: envDefaults("grid")},
		{doc: "reward.md", after: "`pavlovian` —", v: envDefaults("pavlovian")},
		{doc: "reward.md", after: "`distal` —", v: envDefaults("distal")},
		{doc: "reward.md", after: "`water_maze` —", v: envDefaults("water_maze")},
		{doc: "reward.md", after: "`cartpole` —", v: envDefaults("cartpole")},
		{doc: "reward.md", after: "`acrobot` —", v: envDefaults("acrobot")},
		{doc: "reward.md", after: "### The potjans agent (", v: reward.PotjansParams{}.Defaults()},
		{doc: "reward.md", after: "### The `fremaux` agent", v: reward.FremauxParams{}.Defaults()},
		{doc: "reward.md", after: "`evidence` — evidence accumulation", v: envDefaults("evidence")},
		{doc: "sweeps.md", after: "[[sweep.param]]", prefix: "param.", v: space.Param{}},
	}
}

// undocumented are the structs with declared ranges that no typed key table
// states, and why.
var undocumented = map[string]string{
	"neuron.BinaryParams":      "the units of memory studies: docs/memory.md's keys table has no type column",
	"synapse.Noise":            "docs/memory.md's keys table has no type column",
	"synapse.ReadoutParams":    "docs/memory.md's keys table has no type column",
	"memory.File":              "docs/memory.md's keys table has no type column",
	"memory.Patterns":          "docs/memory.md's keys table has no type column",
	"memory.FileMode":          "docs/memory.md's keys table has no type column",
	"memory.CapacitySpec":      "docs/memory.md's keys table has no type column",
	"memory.Ensemble":          "docs/memory.md's keys table has no type column",
	"memory.Config":            "a run of a study, built from its file, not read from one",
	"memory.PackedConfig":      "a run of the packed store, built by Go callers, not read from a file",
	"task.MNISTParams":         "its keys are listed by name in docs/credit.md's MNIST section, without a typed table",
	"task.RegressionParams":    "its keys are listed by name in docs/credit.md, without a typed table",
	"train.FeedbackParams":     "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.PBPParams":          "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.InversionParams":    "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.DIParams":           "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.NodeFeedbackParams": "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.NPFBParams":         "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.NPFBLSParams":       "the credit rules' keys are named in the Rules table of docs/circuits.md, without types",
	"train.EpropParams":        "e-prop's keys are named in the Rules table of docs/circuits.md and docs/eprop.md's symbol tables, without types",
	"reward.ActorCriticParams": "the agents' keys are listed inline in docs/reward.md's agents table (key (default)), without types",
	"reward.ASEParams":         "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.QLearningParams":   "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.RateParams":        "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.SpikingParams":     "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.EpropParams":       "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.NetworkParams":     "the agents' keys are listed inline in docs/reward.md's agents table, without types",
	"reward.CircuitAgent":      "the agents' circuit key is listed inline in docs/reward.md's agents table, without types",
	"reward.Condition":         "a condition's name is described in docs/reward.md's text",
}

func taskDefaults(name string) any {
	d, ok := task.Lookup(name)
	if !ok {
		panic("task " + name + " not registered")
	}
	return d.Defaults()
}

func envDefaults(name string) any {
	d, ok := env.Lookup(name)
	if !ok {
		panic("environment " + name + " not registered")
	}
	return d.Defaults()
}

// TestDocsStateTheDeclaredRanges checks every typed key table that
// documents a struct with declared ranges: the type column states the
// declared range (float > 0, int in [1, 10⁶]; a bound named by another key
// is a cross-field check and is not compared) and the default column the
// value of Defaults.
func TestDocsStateTheDeclaredRanges(t *testing.T) {
	docs := map[string][]string{}
	found := map[reflect.Type]map[string]bool{}
	for _, d := range documentedStructs() {
		lines, ok := docs[d.doc]
		if !ok {
			b, err := os.ReadFile(filepath.Join(root, "docs", d.doc))
			if err != nil {
				t.Fatal(err)
			}
			lines = strings.Split(string(b), "\n")
			docs[d.doc] = lines
		}
		rows := tableAfter(lines, d.after)
		if rows == nil {
			t.Errorf("docs/%s: no key table after %q", d.doc, d.after)
			continue
		}
		typ := reflect.TypeOf(d.v)
		if found[typ] == nil {
			found[typ] = map[string]bool{}
		}
		keys, bounds := param.Bounds(d.v)
		for _, key := range keys {
			r, ok := rows[d.prefix+key]
			if !ok {
				continue
			}
			found[typ][key] = true
			where := fmt.Sprintf("docs/%s:%d: %s%s", d.doc, r.line, d.prefix, key)
			b := bounds[key]
			if r.typ != "" {
				if msg := compareType(r.typ, b); msg != "" {
					t.Errorf("%s: type %q, but the declaration (%s) says %s", where, r.typ, b.Doc(), msg)
				}
			}
		}
		// The defaults of every key of the struct the table lists, declared
		// range or not.
		for i := range typ.NumField() {
			key, _, _ := strings.Cut(typ.Field(i).Tag.Get("toml"), ",")
			r, ok := rows[d.prefix+key]
			if key == "" || key == "-" || !ok || r.def == "" || d.noDefaults {
				continue
			}
			if msg := compareDefault(r.def, reflect.ValueOf(d.v), key); msg != "" {
				t.Errorf("docs/%s:%d: %s%s: default %q, but Defaults() %s", d.doc, r.line, d.prefix, key, r.def, msg)
			}
		}
	}
	for typ, keys := range found {
		all, _ := param.Bounds(reflect.New(typ).Elem().Interface())
		for _, k := range all {
			if !keys[k] {
				t.Errorf("%s: key %q declares a range but is in none of its docs tables", typ, k)
			}
		}
	}
}

// TestEveryDeclarationIsDocumentedOrExcused finds in the sources every
// struct with check tags: each is checked against its docs tables by
// TestDocsStateTheDeclaredRanges or says why it has none.
func TestEveryDeclarationIsDocumentedOrExcused(t *testing.T) {
	listed := map[string]bool{}
	for _, d := range documentedStructs() {
		listed[reflect.TypeOf(d.v).String()] = true
	}
	for name, why := range undocumented {
		if listed[name] {
			t.Errorf("%s is checked against the docs, and excused as %q", name, why)
		}
		listed[name] = true
	}
	declared := structsWithChecks(t)
	for _, name := range declared {
		if !listed[name] {
			t.Errorf("%s declares ranges (check tags): list its docs table in documentedStructs, or say in undocumented why it has none", name)
		}
	}
	for name := range listed {
		if !slices.Contains(declared, name) {
			t.Errorf("%s is listed but declares no range", name)
		}
	}
}

// structsWithChecks returns "pkg.Type" of every struct of the module's
// non-test sources with a check tag, and reports a tag that does not parse
// for its field's type (which param.Check would panic on).
func structsWithChecks(t *testing.T) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			name, has := f.Name.Name+"."+ts.Name.Name, false
			for _, fl := range st.Fields.List {
				if fl.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(fl.Tag.Value)
				check, ok := reflect.StructTag(tag).Lookup("check")
				if !ok {
					continue
				}
				has = true
				k := kindOf(fl.Type)
				if k == reflect.Invalid {
					continue // a named type: param.Bounds on the struct parses it
				}
				if _, err := param.ParseBound(check, k); err != nil {
					t.Errorf("%s: %s: %v", fset.Position(fl.Pos()), name, err)
				}
			}
			if has {
				out = append(out, name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kindOf is the kind of a field's type as the source writes it (of a
// slice: its elements'); Invalid for a named type of another kind.
func kindOf(e ast.Expr) reflect.Kind {
	if a, ok := e.(*ast.ArrayType); ok {
		e = a.Elt
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return reflect.Invalid
	}
	for k := reflect.Bool; k <= reflect.String; k++ {
		if k.String() == id.Name {
			return k
		}
	}
	return reflect.Invalid
}

// docRow is one key of a table: its type and default cells.
type docRow struct {
	line     int
	typ, def string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// tableAfter returns the rows of the first key table after the first line
// containing marker, by key; a row naming several keys ("`a`, `b`") gives
// each its part of a type or default cell that lists as many parts.
func tableAfter(lines []string, marker string) map[string]docRow {
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, marker) })
	if i < 0 {
		return nil
	}
	for ; i < len(lines) && !strings.HasPrefix(lines[i], "| key |"); i++ {
	}
	if i+2 >= len(lines) {
		return nil
	}
	header := cells(lines[i])
	col := func(name string) int { return slices.Index(header, name) }
	rows := map[string]docRow{}
	for j := i + 2; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
		c := cells(lines[j])
		var keys []string
		for _, m := range backticked.FindAllStringSubmatch(c[0], -1) {
			keys = append(keys, m[1])
		}
		cell := func(name string) []string {
			k := col(name)
			if k < 0 || k >= len(c) {
				return make([]string, len(keys))
			}
			parts := splitTop(c[k])
			if len(parts) != len(keys) {
				parts = slices.Repeat([]string{c[k]}, len(keys))
			}
			return parts
		}
		typs, defs := cell("type"), cell("default")
		for n, k := range keys {
			rows[k] = docRow{line: j + 1, typ: typs[n], def: defs[n]}
		}
	}
	return rows
}

func cells(line string) []string {
	c := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
	for i := range c {
		c[i] = strings.TrimSpace(c[i])
	}
	return c
}

// splitTop splits a cell at the commas outside brackets, as tags are split.
func splitTop(s string) []string {
	out := param.SplitItems(s)
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

var (
	typeWord = regexp.MustCompile(`\b(float|int|string|bool)\b`)
	oneSided = regexp.MustCompile(`(≥|>=|>|≤|<=|<)\s*([^\s,]+)`)
	interval = regexp.MustCompile(`([\[(])\s*([^,\[\]()]+?)\s*,\s*([^,\[\]()]+?)\s*([\])])`)
)

// compareType reports how a docs type cell differs from the declaration,
// "" when it states the same type and numeric bounds. A part of a type cell
// of several keys ("≥ 0" after "int ≥ 1") takes the type of the first.
func compareType(cell string, b *param.Bound) string {
	if m := typeWord.FindString(cell); m != "" && m != b.Type {
		return "the type is " + b.Type
	}
	var hasLo, hasHi, loOpen, hiOpen bool
	var lo, hi float64
	symbolic := false
	num := func(s string) (float64, bool) {
		x, err := param.ParseNumber(s)
		if err != nil {
			symbolic = true
		}
		return x, err == nil
	}
	if m := interval.FindStringSubmatch(cell); m != nil && !strings.HasPrefix(strings.TrimSpace(cell), "[float") {
		lo, hasLo = num(m[2])
		hi, hasHi = num(m[3])
		loOpen, hiOpen = m[1] == "(", m[4] == ")"
	} else if m := oneSided.FindStringSubmatch(cell); m != nil {
		x, ok := num(strings.Trim(m[2], "`"))
		switch m[1] {
		case "≥", ">=", ">":
			hasLo, lo, loOpen = ok, x, m[1] == ">"
		default:
			hasHi, hi, hiOpen = ok, x, m[1] == "<"
		}
	}
	switch {
	case hasLo != b.HasLo && !(symbolic && !hasLo):
		return fmt.Sprintf("the lower bound is %s", side(b.HasLo, b.LoText))
	case hasLo && (lo != b.Lo || loOpen != b.LoOpen):
		return fmt.Sprintf("the lower bound is %s (%s)", b.LoText, openness(b.LoOpen))
	case hasHi != b.HasHi && !(symbolic && !hasHi):
		return fmt.Sprintf("the upper bound is %s", side(b.HasHi, b.HiText))
	case hasHi && (hi != b.Hi || hiOpen != b.HiOpen):
		return fmt.Sprintf("the upper bound is %s (%s)", b.HiText, openness(b.HiOpen))
	}
	return ""
}

func side(has bool, text string) string {
	if !has {
		return "none"
	}
	return text
}

func openness(open bool) string {
	if open {
		return "excluded"
	}
	return "included"
}

// compareDefault reports how a docs default cell differs from the value of
// key in v, "" when it matches or states no value (a cell in words:
// "(required)", "preset", "per rule").
func compareDefault(cell string, v reflect.Value, key string) string {
	f, ok := fieldByKey(v, key)
	if !ok {
		return "has no field " + key
	}
	text := strings.TrimSpace(cell)
	if i := strings.Index(text, " ("); i > 0 {
		text = text[:i] // "0 (none)"
	}
	if m, ok := f.Interface().(encoding.TextMarshaler); ok && strings.HasPrefix(text, `"`) {
		b, _ := m.MarshalText()
		if strconv.Quote(string(b)) != text {
			return "is " + strconv.Quote(string(b))
		}
		return ""
	}
	switch f.Kind() {
	case reflect.String:
		if s, err := strconv.Unquote(text); err == nil && s != f.String() {
			return "is " + strconv.Quote(f.String())
		}
	case reflect.Bool:
		if text == "true" || text == "false" {
			if strconv.FormatBool(f.Bool()) != text {
				return "is " + strconv.FormatBool(f.Bool())
			}
		}
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, ok := docNumber(text)
		if !ok {
			return ""
		}
		got := 0.0
		if f.CanFloat() {
			got = f.Float()
		} else {
			got = float64(f.Int())
		}
		if math.Abs(x-got) > 1e-12*math.Max(1, math.Abs(got)) && !(math.IsInf(x, 0) && x == got) {
			return "is " + strconv.FormatFloat(got, 'g', -1, 64)
		}
	}
	return ""
}

// docNumber reads a default written as a number or a fraction (8/3).
func docNumber(s string) (float64, bool) {
	if a, b, ok := strings.Cut(s, "/"); ok {
		x, err1 := param.ParseNumber(a)
		y, err2 := param.ParseNumber(b)
		return x / y, err1 == nil && err2 == nil
	}
	x, err := param.ParseNumber(s)
	return x, err == nil
}

// fieldByKey finds the field of v whose TOML key is key.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	t := v.Type()
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); k == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}
