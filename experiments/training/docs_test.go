package training

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/task"
	"github.com/dopa-sim/dopa/experiments/train"
	"github.com/dopa-sim/dopa/internal/config"
)

// docTable returns the rows of the first table under the heading of
// docs/circuits.md, each as its cells.
func docTable(t *testing.T, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/circuits.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/circuits.md has no heading %q", heading)
	}
	var rows [][]string
	started := false
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.HasPrefix(cells[0], "---") || cells[0] == "rule" || cells[0] == "task" {
			continue
		}
		rows = append(rows, cells)
	}
	return rows
}

var backticked = regexp.MustCompile("`([^`]+)`")

// names returns the backticked names of a cell.
func names(cell string) []string {
	var out []string
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// docRows finds, for each registered name, its row of a docs table; it
// reports rows of unregistered names and rows out of registry order, and
// returns the names without a row.
func docRows(t *testing.T, what string, rows [][]string, registered []string) (byName map[string][]string, missing []string) {
	t.Helper()
	byName = map[string][]string{}
	var order []string
	for _, r := range rows {
		name := strings.Trim(r[0], "`")
		if !slices.Contains(registered, name) {
			t.Errorf("docs/circuits.md lists %s %s, which is not registered", what, name)
			continue
		}
		byName[name] = r
		order = append(order, name)
	}
	var want []string
	for _, n := range registered {
		if _, ok := byName[n]; ok {
			want = append(want, n)
		} else {
			missing = append(missing, n)
		}
	}
	if !slices.Equal(order, want) {
		t.Errorf("docs/circuits.md lists the %ss in the order %v, the registry %v", what, order, want)
	}
	return byName, missing
}

// checkMissing reports the entries without a docs row, but this package's
// test entries (recipe_test.go), which must be found missing: the check
// catches a new entry left out of the docs.
func checkMissing(t *testing.T, what string, missing []string, fixture string) {
	t.Helper()
	if !slices.Contains(missing, fixture) {
		t.Errorf("the test's %s %s was not found missing from docs/circuits.md", what, fixture)
	}
	for _, n := range missing {
		if !recipeFixture(n) {
			t.Errorf("%s %s is missing from docs/circuits.md", what, n)
		}
	}
}

// TestDocsListEveryRule: the table "Rules" of docs/circuits.md has one row
// per registered rule, in registry order, with its own keys, the circuits
// it trains and its default learning rate; and nothing else.
func TestDocsListEveryRule(t *testing.T) {
	rows, missing := docRows(t, "rule", docTable(t, "## Rules"), train.Names())
	checkMissing(t, "rule", missing, tinyRuleDef.Name)
	for _, d := range train.Rules() {
		r, ok := rows[d.Name]
		if !ok {
			continue
		}
		keys := config.Keys(d.Defaults().Params)
		slices.Sort(keys)
		if got := names(r[1]); !slices.Equal(got, keys) {
			t.Errorf("%s: docs list keys %v, the rule has %v", d.Name, got, keys)
		}
		if spiking := strings.Contains(r[2], "spiking"); spiking != (d.Trains&train.SpikingCircuits != 0) {
			t.Errorf("%s: docs say it trains %q", d.Name, r[2])
		}
		if recurrent := strings.Contains(r[2], "recurrent"); recurrent != (d.Trains&train.RecurrentCircuits != 0) {
			t.Errorf("%s: docs say it trains %q", d.Name, r[2])
		}
		if eta, err := strconv.ParseFloat(r[3], 64); err != nil || eta != d.Defaults().LearningRate {
			t.Errorf("%s: docs give η₀ %q, the default is %g", d.Name, r[3], d.Defaults().LearningRate)
		}
	}
}

// TestDocsListEveryTask: the table "Tasks" has one row per registered task
// with its own keys, its metrics and its headline; and nothing else.
func TestDocsListEveryTask(t *testing.T) {
	rows, missing := docRows(t, "task", docTable(t, "## Tasks"), task.Names())
	checkMissing(t, "task", missing, tinyTaskDef.Name)
	for _, d := range task.Tasks() {
		r, ok := rows[d.Name]
		if !ok {
			continue
		}
		keys := config.Keys(d.Defaults())
		slices.Sort(keys)
		if got := names(r[1]); !slices.Equal(got, keys) {
			t.Errorf("%s: docs list keys %v, the task has %v", d.Name, got, keys)
		}
		metrics := []string{task.FinalLoss.Name}
		for _, m := range d.Metrics {
			metrics = append(metrics, m.Name)
		}
		slices.Sort(metrics)
		if got := names(r[2]); !slices.Equal(got, metrics) {
			t.Errorf("%s: docs list metrics %v, the task reports %v", d.Name, got, metrics)
		}
		if r[3] != "`"+d.Headline+"`" {
			t.Errorf("%s: docs give headline %s, the task %s", d.Name, r[3], d.Headline)
		}
	}
}
