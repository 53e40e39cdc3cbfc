package slurm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChunks(t *testing.T) {
	for _, c := range []struct {
		n, max int
		want   []Chunk
	}{
		{0, 10, nil},
		{5, 10, []Chunk{{0, 5}}},
		{10, 10, []Chunk{{0, 10}}},
		{11, 10, []Chunk{{0, 6}, {6, 5}}},
		{2003, 1001, []Chunk{{0, 668}, {668, 668}, {1336, 667}}},
		{7, 3, []Chunk{{0, 3}, {3, 2}, {5, 2}}},
		{4, 0, []Chunk{{0, 4}}},
	} {
		got := Chunks(c.n, c.max)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Chunks(%d, %d) = %v, want %v", c.n, c.max, got, c.want)
		}
	}
	// Every split covers 0..n-1 once, each chunk within the limit.
	for n := 1; n < 300; n += 7 {
		for _, m := range []int{1, 2, 3, 10, 64, 1001} {
			next := 0
			for _, ch := range Chunks(n, m) {
				if ch.Offset != next || ch.Count < 1 || ch.Count > m {
					t.Fatalf("Chunks(%d, %d): bad chunk %+v", n, m, ch)
				}
				next += ch.Count
			}
			if next != n {
				t.Fatalf("Chunks(%d, %d) covers %d tasks", n, m, next)
			}
		}
	}
}

func TestParseIndexes(t *testing.T) {
	for in, want := range map[string][]int{
		"3":       {3},
		"0-7%2":   {0, 1, 2, 3, 4, 5, 6, 7},
		"1,4-6":   {1, 4, 5, 6},
		"0-10:5":  {0, 5, 10},
		"2-3,9%1": {2, 3, 9},
	} {
		got, err := ParseIndexes(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseIndexes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "5-2", "1-3:0", "-1"} {
		if _, err := ParseIndexes(bad); err == nil {
			t.Errorf("ParseIndexes(%q): no error", bad)
		}
	}
}

func TestSpecCheck(t *testing.T) {
	ok := Spec{Name: "a", Dir: "/tmp/x", Tasks: [][]Command{{{Argv: []string{"true"}}}}}
	if err := ok.check(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Spec){
		"name":       func(s *Spec) { s.Name = "a b" },
		"relative":   func(s *Spec) { s.Dir = "x" },
		"no tasks":   func(s *Spec) { s.Tasks = nil },
		"empty task": func(s *Spec) { s.Tasks = [][]Command{{}} },
		"empty argv": func(s *Spec) { s.Tasks = [][]Command{{{}}} },
		"env":        func(s *Spec) { s.Env = []string{"1A=b"} },
		"cmd env":    func(s *Spec) { s.Tasks = [][]Command{{{Argv: []string{"x"}, Env: []string{"noequals"}}}} },
		"dep":        func(s *Spec) { s.AfterAny = []string{"12;x"} },
		"throttle":   func(s *Spec) { s.Throttle = -1 },
	}
	for name, f := range bad {
		s := ok
		f(&s)
		if err := s.check(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSbatchArgs(t *testing.T) {
	s := Spec{Name: "sw", Dir: "/d", Throttle: 2, AfterAny: []string{"7"}, TimeLimit: "10:00",
		CPUsPerTask: 1, ExtraArgs: []string{"--qos=low"},
		Tasks: make([][]Command, 5)}
	ch := Chunks(5, 3)
	got := SbatchArgs(s, ch, 1, "/d/sw.chunk-1.sh", "41")
	want := []string{"--parsable", "--job-name=sw", "--chdir=/d", "--output=/d/slurm-%A_%a.out",
		"--array=0-1%2", "--dependency=afterany:7:41", "--time=10:00", "--cpus-per-task=1",
		"--qos=low", "/d/sw.chunk-1.sh"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Without a throttle the chunks run side by side; one task is a plain job.
	s.Throttle, s.AfterAny = 0, nil
	got = SbatchArgs(s, ch, 1, "x.sh", "41")
	if strings.Contains(strings.Join(got, " "), "dependency") || got[4] != "--array=0-1" {
		t.Errorf("unthrottled: %q", got)
	}
	s.Tasks = s.Tasks[:1]
	got = SbatchArgs(s, Chunks(1, 3), 0, "x.sh", "")
	if strings.Contains(strings.Join(got, " "), "--array") || got[3] != "--output=/d/slurm-%j.out" {
		t.Errorf("single task: %q", got)
	}
}

// TestScriptRuns runs a generated script with bash, as Slurm would, with
// the array index in SLURM_ARRAY_TASK_ID: quoting, environment, working
// directories, status file and exit status.
func TestScriptRuns(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	work := filepath.Join(dir, "it's a dir")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	s := Spec{Name: "j", Dir: dir, Env: []string{"GREETING=hello 'world'"}, Tasks: [][]Command{
		{{Argv: []string{"sh", "-c", "echo task $DOPA_TASK_INDEX of $DOPA_TASK_COUNT > out"}}},
		{{Argv: []string{"sh", "-c", `printf '%s|%s|%s' "$GREETING" "$X" "$1" > "$(pwd)/out"`, "sh", "a b$c"},
			Env: []string{"X=$HOME;`x`"}, Dir: work}},
		{
			{Argv: []string{"sh", "-c", "echo first"}},
			{Argv: []string{"sh", "-c", "echo broken >&2; exit 3"}},
			{Argv: []string{"sh", "-c", "echo third > third"}},
		},
	}}
	script, err := Script(s, Chunk{Offset: 1, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(idx string) int {
		cmd := exec.Command("bash", path)
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID="+idx)
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	if rc := run("0"); rc != 0 {
		t.Fatalf("task 1 exit %d", rc)
	}
	got, _ := os.ReadFile(filepath.Join(work, "out"))
	if want := "hello 'world'|$HOME;`x`|a b$c"; string(got) != want {
		t.Errorf("task 1 wrote %q, want %q", got, want)
	}
	if codes, ok := readStatus(StatusFile(dir, "j", 1)); !ok || !reflect.DeepEqual(codes, []int{0}) {
		t.Errorf("task 1 status %v %v", codes, ok)
	}
	if rc := run("1"); rc != 3 {
		t.Fatalf("task 2 exit %d, want 3", rc)
	}
	if codes, _ := readStatus(StatusFile(dir, "j", 2)); !reflect.DeepEqual(codes, []int{0, 3, 0}) {
		t.Errorf("task 2 codes %v, want [0 3 0]", codes)
	}
	if _, err := os.Stat(filepath.Join(dir, "third")); err != nil {
		t.Error("the command after a failure did not run")
	}
	ts := TaskStatus{Index: 2, JobID: "5_1", State: Failed, ExitCode: 3, Log: LogFile(dir, "j", 2)}
	if err := ts.Err(); err == nil || !strings.Contains(err.Error(), "exit status 3: broken") {
		t.Errorf("Err() = %v", err)
	}
	// Task 0 is not in this chunk's script.
	if rc := run("5"); rc != 2 {
		t.Errorf("index outside the chunk: exit %d, want 2", rc)
	}

	// StopOnFailure skips the rest of the task.
	os.Remove(filepath.Join(dir, "third"))
	s.StopOnFailure = true
	script, _ = Script(s, Chunk{Offset: 2, Count: 1})
	os.WriteFile(path, []byte(script), 0o755)
	if rc := run("0"); rc != 3 {
		t.Fatalf("stop on failure: exit %d", rc)
	}
	if codes, _ := readStatus(StatusFile(dir, "j", 2)); !reflect.DeepEqual(codes, []int{0, 3}) {
		t.Errorf("stop on failure: codes %v, want [0 3]", codes)
	}
	if _, err := os.Stat(filepath.Join(dir, "third")); err == nil {
		t.Error("StopOnFailure ran the command after a failure")
	}
}

// fake answers Slurm commands from canned outputs and records the calls.
type fake struct {
	calls [][]string
	next  int
	ans   func(name string, args []string) ([]byte, error)
}

func (f *fake) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, append([]string{name}, args...))
	return f.ans(name, args)
}

func TestSubmitSplitsAndChains(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	f.ans = func(name string, args []string) ([]byte, error) {
		switch name {
		case "scontrol":
			return []byte("Configuration data as of 2026-01-01\nMaxArraySize            = 3\nMaxJobCount             = 10000\n"), nil
		case "sbatch":
			f.next++
			return []byte(fmt.Sprintf("%d;dopaci\n", 100+f.next)), nil
		}
		return nil, fmt.Errorf("unexpected %s", name)
	}
	c := &Client{Runner: f}
	tasks := make([][]Command, 7)
	for i := range tasks {
		tasks[i] = []Command{{Argv: []string{"true"}}}
	}
	job, err := c.Submit(context.Background(), Spec{Name: "sw", Dir: dir, Tasks: tasks, Throttle: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(job.IDs, []string{"101", "102", "103"}) || len(job.Chunks) != 3 {
		t.Fatalf("job %+v", job)
	}
	if got := strings.Join(f.calls[3], " "); !strings.Contains(got, "--array=0-1%2 --dependency=afterany:102 ") {
		t.Errorf("third chunk: %s", got)
	}
	for k := range 3 {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("sw.chunk-%d.sh", k))); err != nil {
			t.Error(err)
		}
	}
}

func TestSubmitFailureCancelsSubmittedChunks(t *testing.T) {
	f := &fake{}
	f.ans = func(name string, args []string) ([]byte, error) {
		switch name {
		case "sbatch":
			f.next++
			if f.next == 2 {
				return nil, &CommandError{Name: "sbatch", Err: fmt.Errorf("exit status 1"), Stderr: "sbatch: error: Batch job submission failed"}
			}
			return []byte("55\n"), nil
		case "scancel":
			return nil, nil
		}
		return nil, fmt.Errorf("unexpected %s", name)
	}
	c := &Client{Runner: f}
	tasks := [][]Command{{{Argv: []string{"true"}}}, {{Argv: []string{"true"}}}}
	_, err := c.Submit(context.Background(), Spec{Name: "x", Dir: t.TempDir(), Tasks: tasks, MaxArraySize: 1})
	if err == nil || !strings.Contains(err.Error(), "submission failed") {
		t.Fatalf("err = %v", err)
	}
	last := f.calls[len(f.calls)-1]
	if !reflect.DeepEqual(last, []string{"scancel", "55"}) {
		t.Errorf("last call %q, want scancel 55", last)
	}
}

func TestStatusFromScontrolAndFiles(t *testing.T) {
	dir := t.TempDir()
	job := &Job{Name: "sw", Dir: dir, Tasks: 7, Chunks: []Chunk{{0, 4}, {4, 3}}, IDs: []string{"20", "30"}}
	// Tasks 0 and 1 ended (1 failed), 2 running, 3 pending; chunk 2 forgotten by
	// Slurm, its tasks 4 and 5 left status files, task 6 none.
	out20 := "JobId=21 ArrayJobId=20 ArrayTaskId=0 JobName=sw JobState=COMPLETED Reason=None ExitCode=0:0 Command=/a b/c.sh WorkDir=/x\n" +
		"JobId=22 ArrayJobId=20 ArrayTaskId=1 JobName=sw JobState=FAILED Reason=NonZeroExitCode ExitCode=7:0\n" +
		"JobId=23 ArrayJobId=20 ArrayTaskId=2 JobName=sw JobState=RUNNING Reason=None ExitCode=0:0\n" +
		"JobId=20 ArrayJobId=20 ArrayTaskId=3%2 JobName=sw JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0\n"
	os.WriteFile(StatusFile(dir, "sw", 1), []byte("0\n7\n"), 0o644)
	os.WriteFile(StatusFile(dir, "sw", 4), []byte("0\n"), 0o644)
	os.WriteFile(StatusFile(dir, "sw", 5), []byte("0\n9\n"), 0o644)
	f := &fake{ans: func(name string, args []string) ([]byte, error) {
		switch args[len(args)-1] {
		case "20":
			return []byte(out20), nil
		case "30":
			return nil, &CommandError{Name: "scontrol", Err: fmt.Errorf("exit status 1"), Stderr: "slurm_load_jobs error: Invalid job id specified"}
		}
		return nil, fmt.Errorf("unexpected")
	}}
	c := &Client{Runner: f}
	st, err := c.Status(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id    string
		state State
		code  int
		codes []int
	}
	want := []row{
		{"20_0", Completed, 0, nil},
		{"20_1", Failed, 7, []int{0, 7}},
		{"20_2", Running, -1, nil},
		{"20_3", Pending, -1, nil},
		{"", Completed, 0, []int{0}},
		{"", Failed, 9, []int{0, 9}},
		{"", Unknown, -1, nil},
	}
	for i, w := range want {
		g := st[i]
		if g.JobID != w.id || g.State != w.state || g.ExitCode != w.code || !reflect.DeepEqual(g.Codes, w.codes) {
			t.Errorf("task %d: %+v, want %+v", i, g, w)
		}
	}
	if st[3].Reason != "JobArrayTaskLimit" || !st[0].OK() || st[1].OK() || st[1].Err() == nil || st[2].Err() != nil {
		t.Errorf("reason/OK/Err: %+v", st[:4])
	}
}

func TestMaxArraySize(t *testing.T) {
	c := &Client{Runner: &fake{ans: func(string, []string) ([]byte, error) {
		return []byte("MaxArraySize            = 1001\nMCSPlugin               = mcs/none\n"), nil
	}}}
	n, err := c.MaxArraySize(context.Background())
	if err != nil || n != 1001 {
		t.Fatalf("MaxArraySize = %d, %v", n, err)
	}
}

func commentOf(args []string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--comment="); ok {
			return v
		}
	}
	return ""
}

// A submission that reached the controller although sbatch failed (a
// timeout) is found by its comment and adopted, not submitted twice.
func TestSubmitAdoptsJobAfterAmbiguousFailure(t *testing.T) {
	f := &fake{}
	var comment string
	sbatches := 0
	f.ans = func(name string, args []string) ([]byte, error) {
		switch name {
		case "sbatch":
			sbatches++
			comment = commentOf(args)
			return nil, &CommandError{Name: "sbatch", Err: fmt.Errorf("exit status 1"),
				Stderr: "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation"}
		case "squeue":
			return []byte("77|other\n78|" + comment + "\n"), nil
		}
		return nil, fmt.Errorf("unexpected %s", name)
	}
	c := &Client{Runner: f}
	job, err := c.Submit(context.Background(), Spec{Name: "x", Dir: t.TempDir(), MaxArraySize: 10,
		Tasks: [][]Command{{{Argv: []string{"true"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if sbatches != 1 || !reflect.DeepEqual(job.IDs, []string{"78"}) || !strings.HasPrefix(comment, "dopa-submit:") {
		t.Errorf("%d sbatch calls, ids %v, comment %q", sbatches, job.IDs, comment)
	}
}

// A transient failure that did not submit anything is retried.
func TestSubmitRetriesTransientFailure(t *testing.T) {
	old := RetryDelay
	RetryDelay = time.Millisecond
	defer func() { RetryDelay = old }()
	f := &fake{}
	var comments []string
	f.ans = func(name string, args []string) ([]byte, error) {
		switch name {
		case "sbatch":
			comments = append(comments, commentOf(args))
			if len(comments) == 1 {
				return nil, &CommandError{Name: "sbatch", Err: fmt.Errorf("exit status 1"),
					Stderr: "sbatch: error: Batch job submission failed: Resource temporarily unavailable"}
			}
			return []byte("90\n"), nil
		case "squeue":
			return []byte(""), nil
		}
		return nil, fmt.Errorf("unexpected %s", name)
	}
	c := &Client{Runner: f}
	job, err := c.Submit(context.Background(), Spec{Name: "x", Dir: t.TempDir(), MaxArraySize: 10,
		Tasks: [][]Command{{{Argv: []string{"true"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 2 || comments[0] != comments[1] || job.IDs[0] != "90" {
		t.Errorf("comments %q, ids %v", comments, job.IDs)
	}
}

func TestScriptsSplitLargeScripts(t *testing.T) {
	tasks := make([][]Command, 100)
	for i := range tasks {
		tasks[i] = []Command{{Argv: []string{"dopa", "run", "experiments/xor.toml", "--out", "/scratch/sweep/" + strconv.Itoa(i)}}}
	}
	s := Spec{Name: "big", Dir: "/d", Tasks: tasks}
	one, _ := Script(s, Chunk{Offset: 0, Count: 100})
	s.MaxScriptBytes = len(one) / 3
	chunks, scripts, err := Scripts(s, 1001)
	if err != nil {
		t.Fatal(err)
	}
	next := 0
	for k, ch := range chunks {
		if ch.Offset != next || len(scripts[k]) > s.MaxScriptBytes {
			t.Fatalf("chunk %d %+v, script %d bytes (limit %d)", k, ch, len(scripts[k]), s.MaxScriptBytes)
		}
		next += ch.Count
	}
	if next != 100 || len(chunks) < 4 {
		t.Fatalf("%d chunks covering %d tasks", len(chunks), next)
	}
	s.MaxScriptBytes = 100
	if _, _, err := Scripts(s, 1001); err == nil || !strings.Contains(err.Error(), "alone") {
		t.Errorf("a task larger than the limit: %v", err)
	}
}
