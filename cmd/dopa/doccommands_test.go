package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/race"
)

// longCommands are the documented commands that take more than seconds
// (or never end), in one place: each runs at a reduced budget (its extra
// arguments appended; its quoted numbers are then not compared), or, with
// none, not at all; and says when its printed numbers were last checked
// by hand against the docs. DOPA_DOCS_ALL=1 runs every one as documented
// and compares its numbers:
//
//	DOPA_DOCS_ALL=1 go test ./cmd/dopa -run TestDocumentedCommands -timeout 2h
var longCommands = map[string]struct {
	reduced []string // nil: not run
	why     string
}{
	"dopa serve":                      {nil, "serves until interrupted (TestServe runs dopa serve)"},
	"dopa serve experiments/xor.toml": {nil, "serves until interrupted"},
	"dopa serve experiments/mackey_glass.toml --rule dopamine2 --pace 0":     {nil, "serves until interrupted"},
	"dopa serve experiments/xor_spiking.toml":                                {nil, "serves until interrupted"},
	"dopa serve circuits/cuba.toml --pace 0":                                 {nil, "serves until interrupted"},
	"dopa serve experiments/autoassociation.toml --rule bayes/iterative+ane": {nil, "serves until interrupted"},
	"dopa serve experiments/conditioning.toml --rule critic/p=0.5":           {nil, "serves until interrupted (TestRewardLive runs it)"},
	"dopa serve experiments/water_maze.toml --rule actor_critic/place":       {nil, "serves until interrupted (TestBrowserRewardArena runs it)"},
	"dopa run water_maze --out out/water_maze_maps --set record.value_map=21 --set record.trajectories=[0,9,49]": {[]string{"--seeds", "1", "--set", "episodes=50"},
		"12–14 s on 2 shared cores; ran in full by hand 2026-12-06: the figures of docs/results.md"},
	"dopa run pavlovian --out out/pavlovian": {[]string{"--seeds", "1", "--set", "episodes=3", "--set", "agent.0.compare_s=1"},
		"8 runs of one simulated hour (about 90 CPU s each); ran in full 2026-12-06: its table in docs/reward.md"},
	"dopa run distal_reward --out out/distal_reward": {[]string{"--seeds", "1", "--set", "episodes=3", "--set", "agent.0.last_s=1"},
		"8 runs of one simulated hour; ran in full 2026-12-06: its table in docs/reward.md"},
	"dopa run water_maze_fremaux --out out/water_maze_fremaux --set record.value_map=21 --set record.trajectories=[0,9,49]": {[]string{"--seeds", "1", "--set", "record.trajectories=[0,1]", "--set", "episodes=2", "--set", "environment.timeout_s=3"},
		"minutes of spiking network per seed; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run water_maze_fremaux --out out/water_maze_fremaux_11 --set seed=11 --set record.value_map=21": {[]string{"--seeds", "1", "--set", "episodes=2", "--set", "environment.timeout_s=3"},
		"minutes of spiking network per seed; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run water_maze --out out/water_maze": {[]string{"--seeds", "2", "--set", "episodes=6"}, "34 s on 2 cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run gridworld_potjans --out out/gridworld_potjans": {[]string{"--seeds", "1", "--set", "episodes=3", "--set", "agent.potjans.baseline_ms=200"},
		"15 min with --workers 2 on 2 shared cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run cartpole --out out/cartpole":                              {[]string{"--seeds", "2", "--set", "episodes=20"}, "221 s on 2 busy cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run cartpole_fremaux --out out/cartpole_fremaux --workers 1":  {[]string{"--seeds", "1", "--set", "episodes=3"}, "1011 s wall (602 s CPU) on 2 busy cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run acrobot --out out/acrobot":                                {[]string{"--seeds", "1", "--set", "episodes=3", "--set", "environment.max_steps=300"}, "183 s on 2 busy cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run eprop_evidence_watch.toml --out out/eprop_evidence_watch": {nil, "a local copy of experiments/eprop_evidence.toml with the [record] table shown above it (the record.synapse keys are run by TestNPZMatchesCSV's eprop_watch.toml); ran by hand 2026-12-06: its rows and cmp in docs/eprop.md"},
	"dopa run pav_one.toml --seeds 1 --workers 1":                       {nil, "the timing of docs/reward.md's speed section: a local copy of pavlovian.toml without its conditions, one simulated hour (run by hand 2026-12-06)"},
	"dopa run docs/reference/cartpole_fremaux_place.toml --out out/cartpole_fremaux_place --workers 1": {nil,
		"a file of docs/reference, relative to the repository's top (the test runs in a directory of its own); 1875 s wall (1110 s CPU) on 2 busy cores; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run docs/reference/cartpole_fremaux_place5.toml --out out/cartpole_fremaux_place5 --workers 2": {nil,
		"a file of docs/reference, relative to the repository's top; 54 min wall (69 min CPU) for its spiking seeds on 2 cores; its agents run by hand 2026-12-07 (the same streams as the file's, checked on 15 trials): its table in docs/results.md"},
	"dopa run docs/reference/cartpole_fremaux_center.toml --out out/cartpole_fremaux_center --workers 2": {nil,
		"a file of docs/reference, relative to the repository's top; 20-50 min of CPU per spiking seed; its seeds run by hand one at a time (--seed N --seeds 1, the file's streams) 2026-12-07: its table in docs/results.md"},
	"dopa run cartpole_spiking --out out/cartpole_spiking --workers 2": {[]string{"--seeds", "1", "--set", "episodes=3"},
		"10-20 min of CPU per spiking seed; ran in full by hand 2026-12-07: its table in docs/results.md"},
	"dopa run bandit_spiking --out out/spiking": {[]string{"--seeds", "2", "--set", "episodes=100"},
		"252 CPU s (8 min on 2 shared cores); ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run experiments/xor_sweep.toml --out out/xor_sweep --backend slurm --throttle 8 --points-per-task 4": {nil, "needs a Slurm cluster (TestSlurmSweep)"},
	"dopa run experiments/xor_tuning.toml --out out/xor_tuning":                                                {trainingBudget, "17 s; ran in full by hand 2026-12-06: its 50 rate → solved / median trials entries agree with docs/results.md"},
	"dopa run experiments/mackey_glass.toml --out out/mackey_glass":                                            {trainingBudget, "minutes (60 runs of 50 000 trials); numbers not re-checked by hand in this change"},
	"dopa run experiments/lorenz.toml --out out/lorenz":                                                        {trainingBudget, "minutes; numbers not re-checked by hand in this change"},
	"dopa run experiments/xor_spiking.toml --out out/xor_spiking":                                              {trainingBudget, "16 s; ran in full by hand 2026-12-06 (exit 0)"},
	"dopa run experiments/mnist_podlaski.toml": {[]string{"--set", "max_trials=20", "--set", "train_images=500", "--set", "test_images=200"},
		"35 min (docs/credit.md); not re-checked by hand in this change"},
	"dopa run autoassociation --out out/auto --set activation=threshold --set rules=willshaw,bcpnn,bayes": {memoryBudget, "about a minute; not re-checked by hand in this change"},
	"dopa run autoassociation --out out/auto --workers 2":                                                 {memoryBudget, "33 s and more on 2 cores; not re-checked by hand in this change"},
	"dopa run experiments/eprop_sines.toml --out out/eprop_sines": {[]string{"--seeds", "1", "--set", "max_trials=10"},
		"20 CPU s; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run experiments/eprop_sines.toml --out out/eprop_sines_adam --set rule.eprop.optimizer=adam --set rule.eprop.learning_rate=0.001 --set max_trials=1000": {[]string{"--seeds", "1", "--set", "max_trials=10"},
		"8 CPU min; ran in full by hand 2026-12-06: its table in docs/results.md"},
	"dopa run experiments/eprop_evidence.toml --out out/eprop_evidence --workers 2": {[]string{"--seeds", "1", "--set", "max_trials=2", "--set", "batch_size=2", "--set", "test_trials=8"},
		"CPU minutes per seed until the criterion; ran in full by hand 2026-12-06: its tables in docs/results.md"},
	"dopa run experiments/eprop_reward.toml --out out/eprop_reward": {[]string{"--seeds", "1", "--set", "episodes=20"},
		"2 CPU min; ran in full by hand 2026-12-06: its tables in docs/results.md"},
	"dopa run experiments/eprop_cartpole.toml --out out/eprop_cartpole --workers 2": {[]string{"--seeds", "1", "--set", "episodes=20"},
		"250 CPU s (14 min on 2 busy cores); ran in full by hand 2026-12-06: its tables in docs/results.md"},
	"dopa run experiments/eprop_evidence.toml --out out/eprop_evidence_short --workers 1 --set cues=1 --set cue_steps=20 --set spacing_steps=0 --set delay_steps=40 --set recall_steps=10 --set batch_size=8 --set max_trials=190 --set criterion.test_error_below=0 --set record.diagnostics_every=5": {[]string{"--seeds", "1", "--set", "max_trials=10"},
		"130 s; ran in full by hand 2026-12-06: its table in docs/results.md"},
}

// The reduced budgets of longCommands.
var (
	trainingBudget = []string{"--seeds", "2", "--set", "max_trials=300"}
	memoryBudget   = []string{"--seeds", "1", "--set", "queries=50", "--set", "m=1000,3000", "--force"}
)

// docCommand is a command shown in a code block of a document, with the
// text that follows it up to the next command or heading (where the docs
// quote what it printed).
type docCommand struct {
	file, line string // where it is shown
	args       []string
	text       string // the normalized command
	after      string // the document after it, up to the next command
}

var (
	shellComment = regexp.MustCompile(`\s+#.*$`)
	optional     = regexp.MustCompile(`\s*\[--[^\]]*\]`)
)

// docCommands extracts the dopa commands of the code blocks (fenced or
// indented) of a markdown file: "$ " prompts dropped, continuation lines
// joined, comments and [optional parts] removed, output lines ("dopa
// serve: ...") skipped; go run ./cmd/dopa is dopa.
func docCommands(t *testing.T, file string) []docCommand {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []docCommand
	fenced := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			fenced = !fenced
			continue
		}
		if !fenced && !strings.HasPrefix(l, "    ") {
			continue
		}
		s := strings.TrimPrefix(strings.TrimSpace(l), "$ ")
		s = strings.Replace(s, "go run ./cmd/dopa", "dopa", 1)
		if !strings.HasPrefix(s, "dopa ") && s != "dopa" {
			continue
		}
		if f := strings.Fields(s); len(f) > 1 && strings.HasSuffix(f[1], ":") {
			continue // what a command printed
		}
		start := i
		for strings.HasSuffix(strings.TrimSpace(shellComment.ReplaceAllString(s, "")), "\\") && i+1 < len(lines) {
			s = strings.TrimSuffix(strings.TrimSpace(shellComment.ReplaceAllString(s, "")), "\\") + " " + strings.TrimSpace(lines[i+1])
			i++
		}
		s = optional.ReplaceAllString(shellComment.ReplaceAllString(s, ""), "")
		args := shellWords(t, s)
		out = append(out, docCommand{file: file, line: strconv.Itoa(start + 1), args: args[1:], text: strings.Join(args, " ")})
	}
	// What follows each command, up to the next one.
	for k := range out {
		from, _ := strconv.Atoi(out[k].line)
		to := len(lines)
		if k+1 < len(out) {
			to, _ = strconv.Atoi(out[k+1].line)
			to--
		}
		out[k].after = strings.Join(lines[from:to], "\n")
	}
	return out
}

// shellWords splits a command line as a POSIX shell does for the quoting
// the docs use ('…' and "…").
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	in, inWord := rune(0), false
	for _, r := range s {
		switch {
		case in != 0 && r == in:
			in = 0
		case in != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			in, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if in != 0 {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestDocumentedCommands runs every dopa command shown in README.md and
// docs/*.md, those that take longer at the reduced budgets of
// longCommands (or, listed there, not at all), in
// the order of each document, in a working directory of its own with its
// own run store, and compares the numbers the docs quote after a command
// (the tables of results by rule, and the "rate → solved / median trials"
// of labelled entries) with its summary.json.
func TestDocumentedCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documented commands: about 30 s")
	}
	if race.Enabled {
		t.Skip("under the race detector: the documented commands run without -race (a minute there, past go test's timeout here)")
	}
	all := os.Getenv("DOPA_DOCS_ALL") != ""
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	files = append([]string{filepath.Join("..", "..", "README.md")}, files...)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	ran := 0
	for _, file := range files {
		for _, c := range docCommands(t, file) {
			seen[c.text] = true
		}
	}
	for _, file := range files {
		cmds := docCommands(t, file)
		if len(cmds) == 0 {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			wd := t.TempDir()
			t.Chdir(wd)
			t.Setenv("DOPA_STORE", filepath.Join(wd, "runs.db"))
			// The README's own circuit is the user's my_circuit.toml.
			s := string(readme)
			if i := strings.Index(s, "```toml\n"); i >= 0 {
				j := strings.Index(s[i+8:], "```")
				writeFile(t, "my_circuit.toml", s[i+8:i+8+j])
			}
			done := map[string]string{}
			for _, c := range cmds {
				if at, ok := done[c.text]; ok {
					t.Logf("%s:%s: %s: shown again (ran at line %s)", c.file, c.line, c.text, at)
					continue
				}
				done[c.text] = c.line
				args := append([]string(nil), c.args...)
				long, isLong := longCommands[c.text]
				switch {
				case isLong && all:
				case isLong && long.reduced == nil:
					t.Logf("%s:%s: not run: %s: %s", c.file, c.line, c.text, long.why)
					continue
				case isLong:
					args = append(args, long.reduced...)
				}
				if len(args) > 0 && args[0] == "run" {
					args = append(args, "--quiet")
				}
				code, _, stderr := dopa(t, args...)
				ran++
				if code != 0 {
					t.Errorf("%s:%s: %s: exit %d: %s", c.file, c.line, strings.Join(args, " "), code, stderr)
					continue
				}
				if out := outDir(c.args); out != "" && c.args[0] == "run" && (!isLong || all) {
					checkQuotedNumbers(t, c, filepath.Join(wd, out))
				}
			}
		})
	}
	for cmd := range longCommands {
		if !seen[cmd] {
			t.Errorf("longCommands lists %q, which no document shows any more", cmd)
		}
	}
	if ran == 0 && !t.Failed() {
		t.Log("no documented command ran (a -run filter?)")
	}
}

// outDir is the --out of a command's arguments.
func outDir(args []string) string {
	for i, a := range args {
		if a == "--out" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// quotedColumns map the column headers of the docs' result tables to the
// by_rule fields of summary.json (scaled: fractions are printed as %).
var quotedColumns = map[string]struct {
	field string
	scale float64
}{
	"seeds":                    {"n", 1},
	"solved":                   {"solved_fraction", 100},
	"all four correct":         {"all_correct_fraction", 100},
	"median trials":            {"median_trials_to_criterion", 1},
	"median epochs":            {"median_epochs_to_criterion", 1},
	"median final MSE":         {"median_final_loss", 1},
	"median test NRMSE":        {"median_test_nrmse", 1},
	"median closed-loop NRMSE": {"median_free_run_nrmse", 1},
	"median test error":        {"median_test_error", 1},
}

var (
	ruleCell   = regexp.MustCompile("^`([^`]+)`$")
	rateCell   = regexp.MustCompile(`^([0-9.]+): \*\*([0-9.]+) %\*\*, ([0-9]+|—)$`)
	rateBullet = regexp.MustCompile("^- `([^`]+)`: (.*)$")
	rateItem   = regexp.MustCompile(`^([0-9.]+) → ([0-9.]+) % / ([0-9]+|—)$`)
)

// checkQuotedNumbers compares the numbers the docs quote after a command
// with the summary.json the command wrote in dir.
func checkQuotedNumbers(t *testing.T, c docCommand, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return // not a training run
	}
	var sum struct {
		ByRule map[string]map[string]*float64 `json:"by_rule"`
	}
	if err := json.Unmarshal(b, &sum); err != nil || sum.ByRule == nil {
		return
	}
	checked := 0
	check := func(rule, field string, scale float64, quoted string) {
		agg, ok := sum.ByRule[rule]
		if !ok {
			t.Errorf("%s:%s: the docs quote rule %s, which %s did not run", c.file, c.line, rule, c.text)
			return
		}
		checked++
		got := agg[field]
		quoted = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(quoted), "%"))
		if quoted == "—" {
			if got != nil {
				t.Errorf("%s:%s: %s %s: the docs say —, the run %g", c.file, c.line, rule, field, *got*scale)
			}
			return
		}
		want, err := strconv.ParseFloat(quoted, 64)
		if err != nil {
			return
		}
		if got == nil || !agrees(quoted, want, *got*scale) {
			g := "null"
			if got != nil {
				g = strconv.FormatFloat(*got*scale, 'g', 6, 64)
			}
			t.Errorf("%s:%s: %s %s: the docs say %s, the run gives %s", c.file, c.line, rule, field, quoted, g)
		}
	}
	var header []string
	for _, line := range strings.Split(c.after, "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if m := rateBullet.FindStringSubmatch(line); m != nil {
			for _, item := range strings.Split(m[2], ", ") {
				if r := rateItem.FindStringSubmatch(strings.TrimSpace(item)); r != nil {
					check(m[1]+"@"+r[1], "solved_fraction", 100, r[2])
					check(m[1]+"@"+r[1], "median_trials_to_criterion", 1, r[3])
				}
			}
			continue
		}
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells
			continue
		}
		m := ruleCell.FindStringSubmatch(cells[0])
		if m == nil || header[0] != "rule" {
			continue
		}
		for i := 1; i < len(cells) && i < len(header); i++ {
			if col, ok := quotedColumns[header[i]]; ok {
				check(m[1], col.field, col.scale, cells[i])
			}
			if header[i] == "IQR trials" {
				if lo, hi, ok := strings.Cut(cells[i], "–"); ok {
					check(m[1], "q25_trials_to_criterion", 1, lo)
					check(m[1], "q75_trials_to_criterion", 1, hi)
				}
			}
			if r := rateCell.FindStringSubmatch(cells[i]); r != nil {
				check(m[1]+"@"+r[1], "solved_fraction", 100, r[2])
				check(m[1]+"@"+r[1], "median_trials_to_criterion", 1, r[3])
			}
		}
	}
	if checked > 0 {
		t.Logf("%s:%s: %s: %d quoted numbers agree", c.file, c.line, c.text, checked)
	}
}

// agrees reports whether got, printed as the docs print quoted (its
// decimals, or its significant digits for a number below 1), is quoted.
func agrees(quoted string, want, got float64) bool {
	decimals := 0
	if _, frac, ok := strings.Cut(quoted, "."); ok {
		decimals = len(frac)
	}
	return math.Abs(got-want) <= 0.5*math.Pow(10, -float64(decimals))*(1+1e-9)
}
