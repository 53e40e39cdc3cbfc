package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// State is a Slurm job state as scontrol prints it (PENDING, RUNNING,
// COMPLETED, FAILED, CANCELLED, TIMEOUT, ...), or Unknown for a task that
// Slurm no longer knows (older than its MinJobAge) and that left no status
// file.
type State string

// States this package treats specially.
const (
	Pending   State = "PENDING"
	Running   State = "RUNNING"
	Completed State = "COMPLETED"
	Failed    State = "FAILED"
	Cancelled State = "CANCELLED"
	Timeout   State = "TIMEOUT"
	Unknown   State = "UNKNOWN"
)

// Ended reports whether a task in this state will not run any more
// (unless Slurm requeues it).
func (s State) Ended() bool {
	switch s {
	case Pending, Running, "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
		"REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED":
		return false
	}
	return true
}

// TaskStatus is what is known of one task of a job.
type TaskStatus struct {
	Index int    // task index in the job (0..Tasks-1)
	JobID string // Slurm's id of the array task, "ARRAYID_INDEX", or the job id
	State State
	// Reason is Slurm's reason for a pending task (Dependency,
	// JobArrayTaskLimit, Resources, ...).
	Reason string
	// ExitCode is the task's exit status: from its status file when there is
	// one, else Slurm's ExitCode (128+signal for a task killed by a signal);
	// -1 when unknown.
	ExitCode int
	// Codes are the exit statuses of the task's commands in order, read from
	// its status file (nil before the task has finished its commands; fewer
	// than the commands when StopOnFailure skipped some).
	Codes []int
	// Log is the file with the output of the task's commands.
	Log string
}

// OK reports whether the task completed and every command it ran
// exited with status 0.
func (t TaskStatus) OK() bool { return t.State == Completed && t.ExitCode == 0 }

// Err describes a task that did not complete successfully, with the last
// line of its log; nil for a successful or unfinished task.
func (t TaskStatus) Err() error {
	if t.OK() || !t.State.Ended() {
		return nil
	}
	msg := fmt.Sprintf("task %d (%s) %s", t.Index, t.JobID, t.State)
	if t.ExitCode >= 0 {
		msg += fmt.Sprintf(", exit status %d", t.ExitCode)
	}
	if line := lastLine(t.Log); line != "" {
		msg += ": " + line
	}
	return errors.New(msg)
}

func lastLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 4096
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-tail, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return ""
	}
	s := strings.TrimRight(string(buf), "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// record is one line of scontrol -o show job.
type record map[string]string

// parseJobs reads the one-line records of scontrol -o show job. A value
// may contain spaces (a command line, a directory): a word without '=' is
// appended to the value before it.
func parseJobs(out []byte) []record {
	var recs []record
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r := record{}
		last := ""
		for _, w := range strings.Fields(line) {
			k, v, ok := strings.Cut(w, "=")
			if !ok || k == "" || last != "" && strings.ContainsAny(k, "/") {
				if last != "" {
					r[last] += " " + w
				}
				continue
			}
			r[k] = v
			last = k
		}
		if r["JobId"] != "" {
			recs = append(recs, r)
		}
	}
	return recs
}

// ParseIndexes expands a Slurm array index list such as "0-7%2", "3",
// "1,4-6" or "0-10:2" into its indexes.
func ParseIndexes(s string) ([]int, error) {
	s, _, _ = strings.Cut(s, "%")
	var out []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		rng, stepS, hasStep := strings.Cut(part, ":")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepS); err != nil || step <= 0 {
				return nil, fmt.Errorf("slurm: bad array step in %q", part)
			}
		}
		loS, hiS, isRange := strings.Cut(rng, "-")
		lo, err := strconv.Atoi(loS)
		if err != nil || lo < 0 {
			return nil, fmt.Errorf("slurm: bad array index in %q", part)
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(hiS); err != nil || hi < lo {
				return nil, fmt.Errorf("slurm: bad array range in %q", part)
			}
		}
		for i := lo; i <= hi; i += step {
			out = append(out, i)
		}
	}
	return out, nil
}

// exitCode reads Slurm's "STATUS:SIGNAL" into one exit status.
func exitCode(s string) int {
	a, b, _ := strings.Cut(s, ":")
	code, err := strconv.Atoi(a)
	if err != nil {
		return -1
	}
	if sig, err := strconv.Atoi(b); err == nil && sig > 0 {
		return 128 + sig
	}
	return code
}

// readStatus reads a task's status file: one exit status per line.
func readStatus(path string) ([]int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	codes := []int{}
	for _, l := range strings.Fields(string(data)) {
		c, err := strconv.Atoi(l)
		if err != nil {
			return nil, false
		}
		codes = append(codes, c)
	}
	return codes, true
}

// Status returns the status of every task of the job, from scontrol and
// the tasks' status files.
func (c *Client) Status(ctx context.Context, j *Job) ([]TaskStatus, error) {
	out := make([]TaskStatus, j.Tasks)
	for i := range out {
		out[i] = TaskStatus{Index: i, State: Unknown, ExitCode: -1, Log: LogFile(j.Dir, j.Name, i)}
	}
	for k, id := range j.IDs {
		ch := j.Chunks[k]
		raw, err := c.Runner.Run(ctx, "scontrol", "-o", "show", "job", id)
		if err != nil {
			var ce *CommandError
			if errors.As(err, &ce) && strings.Contains(ce.Stderr, "Invalid job id") {
				continue // forgotten by Slurm (MinJobAge): status files decide
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		for _, r := range parseJobs(raw) {
			idxs := []int{0}
			jobID := r["JobId"]
			if t, ok := r["ArrayTaskId"]; ok && t != "" {
				var err error
				if idxs, err = ParseIndexes(t); err != nil {
					return nil, err
				}
			}
			st := State(strings.Fields(r["JobState"] + " ")[0])
			for _, a := range idxs {
				g := ch.Offset + a
				if a >= ch.Count || g >= j.Tasks {
					continue
				}
				ts := &out[g]
				ts.State, ts.Reason, ts.ExitCode = st, r["Reason"], exitCode(r["ExitCode"])
				ts.JobID = jobID
				if aj := r["ArrayJobId"]; aj != "" && r["ArrayTaskId"] != "" {
					ts.JobID = aj + "_" + strconv.Itoa(a)
				}
				if !st.Ended() {
					ts.ExitCode = -1
				}
			}
		}
	}
	for i := range out {
		ts := &out[i]
		if ts.State != Unknown && !ts.State.Ended() {
			continue
		}
		codes, ok := readStatus(StatusFile(j.Dir, j.Name, i))
		if !ok {
			continue
		}
		ts.Codes = codes
		rc := 0
		for _, c := range codes {
			if c != 0 {
				rc = c
				break
			}
		}
		ts.ExitCode = rc
		if ts.State == Unknown {
			ts.State = Completed
			if rc != 0 {
				ts.State = Failed
			}
		}
	}
	return out, nil
}

// Wait polls the job until every task has ended and returns their status.
// When ctx ends first it returns ctx's error and leaves the job running
// (call Cancel to stop it).
func (c *Client) Wait(ctx context.Context, j *Job) ([]TaskStatus, error) {
	poll := c.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		st, err := c.Status(ctx, j)
		if err == nil {
			done := true
			for _, s := range st {
				if !s.State.Ended() {
					done = false
					break
				}
			}
			if done {
				return st, nil
			}
		} else if ctx.Err() == nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
