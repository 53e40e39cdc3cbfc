package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests named TestSlurm... submit real jobs to the cluster of this
// machine (.ci/slurm-up.sh starts one). Without Slurm installed, or with a
// cluster that does not answer, they skip, unless the environment variable
// CI is set: in CI they fail instead.

func requireSlurm(t *testing.T) *Client {
	t.Helper()
	if !Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but sbatch is not installed: run .ci/slurm-up.sh first")
		}
		t.Skip("Slurm is not installed (sbatch not in PATH); .ci/slurm-up.sh starts a local cluster")
	}
	c := New()
	c.Poll = 200 * time.Millisecond
	if err := clusterAnswers(c); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but the cluster does not answer (run .ci/slurm-up.sh): %v", err)
		}
		t.Skipf("sbatch is installed but the cluster does not answer (not started? .ci/slurm-up.sh starts one): %v", err)
	}
	return c
}

// clusterAnswers asks the cluster once per test binary (a cluster that is
// down takes Slurm's own timeout, about 9 s, to say so).
var clusterAnswers = func() func(c *Client) error {
	var once sync.Once
	var err error
	return func(c *Client) error {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err = c.MaxArraySize(ctx)
		})
		return err
	}
}()

// sharedTempDir is a directory that slurmd's tasks can write: on the local
// cluster any directory of this machine.
func sharedTempDir(t *testing.T) string {
	d := t.TempDir()
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

func waitJob(t *testing.T, c *Client, j *Job, timeout time.Duration) []TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st, err := c.Wait(ctx, j)
	if err != nil {
		c.Cancel(context.Background(), j)
		t.Fatalf("waiting for job %s %v: %v", j.Name, j.IDs, err)
	}
	return st
}

// interval is when a task ran, read from its result file.
type interval struct{ start, end float64 }

func readInterval(t *testing.T, path string) interval {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(data))
	if len(f) != 3 {
		t.Fatalf("%s: %q", path, data)
	}
	a, err1 := strconv.ParseFloat(f[1], 64)
	b, err2 := strconv.ParseFloat(f[2], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %q", path, data)
	}
	return interval{a, b}
}

// maxOverlap is the largest number of intervals running at one time.
func maxOverlap(iv []interval) int {
	type ev struct {
		t float64
		d int
	}
	var evs []ev
	for _, x := range iv {
		evs = append(evs, ev{x.start, 1}, ev{x.end, -1})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].t != evs[j].t {
			return evs[i].t < evs[j].t
		}
		return evs[i].d < evs[j].d // an end before a start at the same time
	})
	n, m := 0, 0
	for _, e := range evs {
		n += e.d
		m = max(m, n)
	}
	return m
}

// writeResult is the shell text of a task that records its index and when
// it ran into result, atomically (temporary file, then rename).
const writeResult = `s=$(date +%s.%N); sleep 0.4; printf '%s %s %s\n' "$DOPA_TASK_INDEX" "$s" "$(date +%s.%N)" > result.tmp && mv result.tmp result`

func TestSlurmArrayThrottled(t *testing.T) {
	c := requireSlurm(t)
	dir := sharedTempDir(t)
	const n, failing = 9, 5
	tasks := make([][]Command, n)
	for i := range tasks {
		own := filepath.Join(dir, "results", strconv.Itoa(i))
		if err := os.MkdirAll(own, 0o777); err != nil {
			t.Fatal(err)
		}
		tasks[i] = []Command{
			{Argv: []string{"sh", "-c", writeResult}, Dir: own},
			{Argv: []string{"test", "-s", "result"}, Dir: own},
		}
		if i == failing {
			tasks[i] = append(tasks[i], Command{Argv: []string{"sh", "-c", "echo task $TAG made to fail >&2; exit 3"},
				Env: []string{"TAG=five"}})
		}
	}
	ctx := context.Background()
	job, err := c.Submit(ctx, Spec{Name: "throttled", Dir: dir, Tasks: tasks, Throttle: 2, TimeLimit: "5:00"})
	if err != nil {
		t.Fatal(err)
	}
	collect, err := c.Submit(ctx, Spec{Name: "collect", Dir: dir, AfterAny: job.IDs, TimeLimit: "5:00",
		Tasks: [][]Command{{{Argv: []string{"sh", "-c", "ls results/*/result | wc -l > collected.tmp && mv collected.tmp collected"}}}}})
	if err != nil {
		c.Cancel(ctx, job)
		t.Fatal(err)
	}
	t.Logf("array %v, collecting job %v", job.IDs, collect.IDs)
	// Right after submission the collecting job waits for the array.
	if st, err := c.Status(ctx, collect); err == nil && st[0].State == Pending {
		t.Logf("collecting job pending, reason %s", st[0].Reason)
	}

	st := waitJob(t, c, job, 3*time.Minute)
	var iv []interval
	for i, s := range st {
		if i == failing {
			if s.State != Failed || s.ExitCode != 3 || s.OK() {
				t.Errorf("task %d: %+v, want FAILED with exit status 3", i, s)
			}
			if err := s.Err(); err == nil || !strings.Contains(err.Error(), "task five made to fail") {
				t.Errorf("task %d: error %v does not carry the message", i, err)
			}
			if fmt.Sprint(s.Codes) != "[0 0 3]" {
				t.Errorf("task %d: command codes %v, want [0 0 3]", i, s.Codes)
			}
		} else if !s.OK() || fmt.Sprint(s.Codes) != "[0 0]" {
			t.Errorf("task %d: %+v (%v)", i, s, s.Err())
		}
		x := readInterval(t, filepath.Join(dir, "results", strconv.Itoa(i), "result"))
		iv = append(iv, x)
		leftovers, _ := filepath.Glob(filepath.Join(dir, "results", strconv.Itoa(i), "*.tmp"))
		if len(leftovers) > 0 {
			t.Errorf("task %d left %v", i, leftovers)
		}
	}
	if m := maxOverlap(iv); m > 2 {
		t.Errorf("%d tasks ran at once under a throttle of 2", m)
	} else {
		t.Logf("at most %d tasks ran at once", m)
	}

	cst := waitJob(t, c, collect, time.Minute)
	if !cst[0].OK() {
		t.Fatalf("collecting job: %+v %v", cst[0], cst[0].Err())
	}
	got, _ := os.ReadFile(filepath.Join(dir, "collected"))
	if strings.TrimSpace(string(got)) != strconv.Itoa(n) {
		t.Errorf("collecting job saw %q results, want %d", got, n)
	}
	last := 0.0
	for _, x := range iv {
		last = max(last, x.end)
	}
	if fi, err := os.Stat(filepath.Join(dir, "collected")); err == nil && float64(fi.ModTime().UnixNano())/1e9 < last {
		t.Errorf("collecting job finished before the last task")
	}
}

// TestSlurmArraySplit forces arrays of at most 3 tasks: 7 tasks become
// three chained arrays, and the throttle holds over all of them.
func TestSlurmArraySplit(t *testing.T) {
	c := requireSlurm(t)
	max, _ := c.MaxArraySize(context.Background())
	t.Logf("cluster MaxArraySize = %d", max)
	dir := sharedTempDir(t)
	const n = 7
	tasks := make([][]Command, n)
	for i := range tasks {
		own := filepath.Join(dir, strconv.Itoa(i))
		os.MkdirAll(own, 0o777)
		tasks[i] = []Command{{Argv: []string{"sh", "-c", writeResult}, Dir: own}}
	}
	job, err := c.Submit(context.Background(), Spec{Name: "split", Dir: dir, Tasks: tasks,
		Throttle: 3, MaxArraySize: 3, TimeLimit: "5:00"})
	if err != nil {
		t.Fatal(err)
	}
	if len(job.IDs) != 3 {
		t.Fatalf("%d chunks, want 3: %+v", len(job.IDs), job)
	}
	st := waitJob(t, c, job, 3*time.Minute)
	var iv []interval
	for i, s := range st {
		if !s.OK() {
			t.Errorf("task %d: %+v %v", i, s, s.Err())
		}
		iv = append(iv, readInterval(t, filepath.Join(dir, strconv.Itoa(i), "result")))
	}
	if m := maxOverlap(iv); m > 3 {
		t.Errorf("%d tasks ran at once under a throttle of 3", m)
	}
	// Each chunk starts after every task of the chunk before has ended.
	for k := 1; k < len(job.Chunks); k++ {
		prev, cur := job.Chunks[k-1], job.Chunks[k]
		for a := prev.Offset; a < prev.Offset+prev.Count; a++ {
			for b := cur.Offset; b < cur.Offset+cur.Count; b++ {
				if iv[b].start < iv[a].end {
					t.Errorf("task %d (chunk %d) started before task %d (chunk %d) ended", b, k, a, k-1)
				}
			}
		}
	}
}

func TestSlurmCancel(t *testing.T) {
	c := requireSlurm(t)
	dir := sharedTempDir(t)
	job, err := c.Submit(context.Background(), Spec{Name: "cancelme", Dir: dir, TimeLimit: "5:00",
		Tasks: [][]Command{{{Argv: []string{"sleep", "300"}}}, {{Argv: []string{"sleep", "300"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	if _, err := c.Wait(ctx, job); err != context.DeadlineExceeded {
		t.Errorf("Wait with an expiring context: %v", err)
	}
	cancel()
	if err := c.Cancel(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	for i, s := range waitJob(t, c, job, time.Minute) {
		if s.State != Cancelled || s.Err() == nil {
			t.Errorf("task %d after Cancel: %+v", i, s)
		}
	}
}

// TestSlurmLargeArraySplit submits (held, so nothing runs) a job of 2003
// tasks, more than the test cluster's MaxArraySize of 1001 lets one array
// have: it must arrive as three arrays that Slurm accepts, with all 2003
// tasks pending.
func TestSlurmLargeArraySplit(t *testing.T) {
	c := requireSlurm(t)
	max, err := c.MaxArraySize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 2*max + 1
	tasks := make([][]Command, n)
	for i := range tasks {
		tasks[i] = []Command{{Argv: []string{"true"}}}
	}
	dir := sharedTempDir(t)
	job, err := c.Submit(context.Background(), Spec{Name: "large", Dir: dir, Tasks: tasks, Throttle: 4,
		ExtraArgs: []string{"--hold"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cancel(context.Background(), job)
	if len(job.IDs) != 3 {
		t.Fatalf("%d tasks under MaxArraySize %d: %d arrays, want 3", n, max, len(job.IDs))
	}
	st, err := c.Status(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.State != Pending {
			t.Fatalf("task %d: %+v, want PENDING (held)", s.Index, s)
		}
	}
	t.Logf("%d tasks in arrays %v of %v tasks, all pending", n, job.IDs, job.Chunks)
}
