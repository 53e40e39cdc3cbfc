package experiments

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
	b, err := os.ReadFile("../docs/circuits.md")
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

// TestDocsListEveryRule: the table "Rules" of docs/circuits.md has one row
// per registered rule, in registry order, with its own keys, the circuits
// it trains and its default learning rate; and nothing else.
func TestDocsListEveryRule(t *testing.T) {
	rows := docTable(t, "## Rules")
	defs := train.Rules()
	if len(rows) != len(defs) {
		t.Errorf("docs list %d rules, the registry %d", len(rows), len(defs))
	}
	for i, d := range defs {
		if i >= len(rows) {
			t.Errorf("rule %s is missing from docs/circuits.md", d.Name)
			continue
		}
		r := rows[i]
		if r[0] != "`"+d.Name+"`" {
			t.Errorf("row %d is %s, want rule %s", i, r[0], d.Name)
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
	rows := docTable(t, "## Tasks")
	defs := task.Tasks()
	if len(rows) != len(defs) {
		t.Errorf("docs list %d tasks, the registry %d", len(rows), len(defs))
	}
	for i, d := range defs {
		if i >= len(rows) {
			t.Errorf("task %s is missing from docs/circuits.md", d.Name)
			continue
		}
		r := rows[i]
		if r[0] != "`"+d.Name+"`" {
			t.Errorf("row %d is %s, want task %s", i, r[0], d.Name)
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
