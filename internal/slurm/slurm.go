package slurm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dopa-sim/dopa/internal/output"
)

// Spec describes a job: its tasks and how Slurm should run them.
type Spec struct {
	// Name is the job name (sbatch --job-name) and the prefix of its files:
	// letters, digits, '.', '_' and '-'.
	Name string
	// Dir is an absolute directory, shared by the submitting machine and the
	// nodes, that receives the batch scripts, the tasks' logs and status
	// files, and Slurm's own output (slurm-JOBID_INDEX.out). It is created.
	Dir string
	// Tasks[i] are the commands of task i, run one after another.
	Tasks [][]Command
	// StopOnFailure skips a task's remaining commands after one fails;
	// by default every command runs and each exit status is recorded.
	StopOnFailure bool
	// Throttle is the most tasks running at once over the whole job (the
	// %T of --array); 0: no limit. A throttled job split into several
	// chunks runs them one after another (each chunk depends on the one
	// before), so the limit holds over all of them.
	Throttle int
	// MaxArraySize caps the tasks per array; 0: the cluster's MaxArraySize
	// (scontrol show config).
	MaxArraySize int
	// AfterAny are job ids that must end (in any state) before this job
	// starts: sbatch --dependency=afterany:ID1:ID2...
	AfterAny []string
	// Env are KEY=VALUE pairs exported to every command of every task.
	Env []string
	// Partition, TimeLimit (sbatch --time, e.g. "30:00"), CPUsPerTask and
	// Mem (e.g. "2G") are passed to sbatch when set.
	Partition   string
	TimeLimit   string
	CPUsPerTask int
	Mem         string
	// ExtraArgs are further sbatch options, passed as they are.
	ExtraArgs []string
	// MaxScriptBytes caps the size of one chunk's batch script, which holds
	// the commands of all its tasks: a chunk whose script would be larger is
	// split further. 0: DefaultMaxScriptBytes.
	MaxScriptBytes int
}

// DefaultMaxScriptBytes is the default cap on a batch script: a quarter of
// Slurm's default max_script_size (4 MB).
const DefaultMaxScriptBytes = 1 << 20

// Scripts splits the job into chunks of at most maxArraySize tasks whose
// batch scripts stay under s.MaxScriptBytes, and returns the chunks with
// their scripts.
func Scripts(s Spec, maxArraySize int) ([]Chunk, []string, error) {
	limit := s.MaxScriptBytes
	if limit <= 0 {
		limit = DefaultMaxScriptBytes
	}
	var chunks []Chunk
	var scripts []string
	var add func(ch Chunk) error
	add = func(ch Chunk) error {
		text, err := Script(s, ch)
		if err != nil {
			return err
		}
		if len(text) > limit {
			if ch.Count == 1 {
				return fmt.Errorf("slurm: job %s: the script of task %d alone is %d bytes, over the limit of %d",
					s.Name, ch.Offset, len(text), limit)
			}
			h := ch.Count / 2
			if err := add(Chunk{Offset: ch.Offset, Count: h}); err != nil {
				return err
			}
			return add(Chunk{Offset: ch.Offset + h, Count: ch.Count - h})
		}
		chunks, scripts = append(chunks, ch), append(scripts, text)
		return nil
	}
	for _, ch := range Chunks(len(s.Tasks), maxArraySize) {
		if err := add(ch); err != nil {
			return nil, nil, err
		}
	}
	return chunks, scripts, nil
}

func (s Spec) check() error {
	if !nameRE.MatchString(s.Name) {
		return fmt.Errorf("slurm: job name %q: use letters, digits, '.', '_' and '-'", s.Name)
	}
	if !filepath.IsAbs(s.Dir) {
		return fmt.Errorf("slurm: job %s: directory %q is not absolute", s.Name, s.Dir)
	}
	if len(s.Tasks) == 0 {
		return fmt.Errorf("slurm: job %s has no tasks", s.Name)
	}
	if s.Throttle < 0 || s.MaxArraySize < 0 || s.CPUsPerTask < 0 {
		return fmt.Errorf("slurm: job %s: negative throttle, array size or CPUs", s.Name)
	}
	if err := checkEnv(s.Env); err != nil {
		return fmt.Errorf("slurm: job %s: %w", s.Name, err)
	}
	for i, t := range s.Tasks {
		if len(t) == 0 {
			return fmt.Errorf("slurm: job %s: task %d has no commands", s.Name, i)
		}
		for _, c := range t {
			if len(c.Argv) == 0 || c.Argv[0] == "" || strings.Contains(c.Argv[0], "=") {
				return fmt.Errorf("slurm: job %s: task %d: command %q has no program name", s.Name, i, c.Argv)
			}
			if err := checkEnv(c.Env); err != nil {
				return fmt.Errorf("slurm: job %s: task %d: %w", s.Name, i, err)
			}
		}
	}
	for _, id := range s.AfterAny {
		if !jobIDRE.MatchString(id) {
			return fmt.Errorf("slurm: job %s: dependency %q is not a job id", s.Name, id)
		}
	}
	return nil
}

var jobIDRE = regexp.MustCompile(`^[0-9]+(_[0-9]+)?$`)

// SbatchArgs returns the sbatch arguments that submit chunk k (of the
// chunks) of the job from the script file script; prev is the id of the
// chunk before it ("" for the first), which a throttled job waits for.
func SbatchArgs(s Spec, chunks []Chunk, k int, script, prev string) []string {
	c := chunks[k]
	args := []string{
		"--parsable",
		"--job-name=" + s.Name,
		"--chdir=" + s.Dir,
		"--output=" + filepath.Join(s.Dir, "slurm-%A_%a.out"),
	}
	if len(chunks) == 1 && c.Count == 1 && s.Throttle == 0 {
		// A single task is a plain job, not an array of one.
		args[3] = "--output=" + filepath.Join(s.Dir, "slurm-%j.out")
	} else {
		args = append(args, "--array="+arrayRange(c.Count, s.Throttle))
	}
	deps := append([]string(nil), s.AfterAny...)
	if prev != "" && s.Throttle > 0 {
		deps = append(deps, prev)
	}
	if len(deps) > 0 {
		args = append(args, "--dependency=afterany:"+strings.Join(deps, ":"))
	}
	if s.Partition != "" {
		args = append(args, "--partition="+s.Partition)
	}
	if s.TimeLimit != "" {
		args = append(args, "--time="+s.TimeLimit)
	}
	if s.CPUsPerTask > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(s.CPUsPerTask))
	}
	if s.Mem != "" {
		args = append(args, "--mem="+s.Mem)
	}
	args = append(args, s.ExtraArgs...)
	return append(args, script)
}

// CommandRunner runs a program and returns its standard output; an error
// (a non-zero exit included) should carry the program's standard error.
// The Slurm client calls every Slurm command through it, so its logic can
// be tested without Slurm.
type CommandRunner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs the programs on this machine (os/exec).
type ExecRunner struct{}

// Run implements CommandRunner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return out.Bytes(), &CommandError{Name: name, Args: args, Err: err, Stderr: msg}
	}
	return out.Bytes(), nil
}

// CommandError is the failure of a Slurm command.
type CommandError struct {
	Name   string
	Args   []string
	Err    error
	Stderr string
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("%s %s: %v", e.Name, strings.Join(e.Args, " "), e.Err)
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

func (e *CommandError) Unwrap() error { return e.Err }

// Client talks to one Slurm cluster.
type Client struct {
	Runner CommandRunner
	// Poll is the interval between two looks at the queue in Wait; 0: 1 s.
	Poll time.Duration
}

// New returns a client that runs the Slurm commands of this machine.
func New() *Client { return &Client{Runner: ExecRunner{}} }

// Available reports whether the Slurm commands are installed (sbatch in
// PATH); it says nothing about a cluster answering.
func Available() bool {
	_, err := exec.LookPath("sbatch")
	return err == nil
}

// Config returns the cluster's configuration (scontrol show config) as a
// map from key to value.
func (c *Client) Config(ctx context.Context) (map[string]string, error) {
	out, err := c.Runner.Run(ctx, "scontrol", "show", "config")
	if err != nil {
		return nil, err
	}
	return parseConfig(out), nil
}

func parseConfig(out []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// MaxArraySize returns the cluster's MaxArraySize: the most tasks one
// array may have (indexes 0..MaxArraySize-1).
func (c *Client) MaxArraySize(ctx context.Context) (int, error) {
	m, err := c.Config(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := m["MaxArraySize"]
	if !ok {
		return 0, errors.New("slurm: scontrol show config has no MaxArraySize")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("slurm: MaxArraySize %q is not a positive integer", v)
	}
	return n, nil
}

// Job is a submitted job: enough to follow, wait for or cancel it, also
// from another process (it marshals to JSON).
type Job struct {
	Name   string   `json:"name"`
	Dir    string   `json:"dir"`
	Tasks  int      `json:"tasks"`
	Chunks []Chunk  `json:"chunks"`
	IDs    []string `json:"ids"` // the job id of each chunk
}

// Submit writes the job's batch scripts into s.Dir and submits them with
// sbatch, one job array per chunk. When a submission fails, the chunks
// already submitted are cancelled and the error is returned.
func (c *Client) Submit(ctx context.Context, s Spec) (*Job, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	max := s.MaxArraySize
	if max == 0 {
		var err error
		if max, err = c.MaxArraySize(ctx); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("slurm: job %s: %w", s.Name, err)
	}
	chunks, scripts, err := Scripts(s, max)
	if err != nil {
		return nil, err
	}
	job := &Job{Name: s.Name, Dir: s.Dir, Tasks: len(s.Tasks), Chunks: chunks}
	prev := ""
	for k, text := range scripts {
		path := filepath.Join(s.Dir, fmt.Sprintf("%s.chunk-%d.sh", s.Name, k))
		if err := writeFileAtomic(path, []byte(text), 0o755); err != nil {
			c.cancelIDs(job.IDs)
			return nil, fmt.Errorf("slurm: job %s: %w", s.Name, err)
		}
		id, err := c.sbatch(ctx, s.Name, SbatchArgs(s, chunks, k, path, prev))
		if err != nil {
			c.cancelIDs(job.IDs)
			return nil, fmt.Errorf("slurm: submitting chunk %d of job %s: %w", k, s.Name, err)
		}
		job.IDs = append(job.IDs, id)
		prev = id
	}
	return job, nil
}

// Retries is how many times a submission is tried when sbatch fails in a
// way that may pass (the controller busy or unreachable).
const Retries = 3

// RetryDelay is the pause before the first retry; it doubles each time.
var RetryDelay = 2 * time.Second

// sbatch submits with args (the script last) and returns the job id. Each
// submission carries a unique --comment; when sbatch fails, the queue is
// searched for that comment first, so that a submission that reached the
// controller although sbatch reported an error (a timeout) is adopted, not
// submitted twice. Transient errors are retried.
func (c *Client) sbatch(ctx context.Context, name string, args []string) (string, error) {
	token := "dopa-submit:" + newToken()
	args = append([]string{"--comment=" + token}, args...)
	delay := RetryDelay
	for attempt := 1; ; attempt++ {
		out, err := c.Runner.Run(ctx, "sbatch", args...)
		if err == nil {
			return parseParsable(out)
		}
		if ctx.Err() != nil {
			return "", err
		}
		if id, ok := c.findComment(ctx, name, token); ok {
			return id, nil
		}
		if attempt >= Retries || !transient(err) {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// transient reports whether an sbatch failure may pass on a retry.
func transient(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"timed out", "temporarily unavailable", "try again",
		"unable to contact slurm controller", "connection refused", "slurm_persist_conn"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// findComment returns the id of the job named name that carries comment.
func (c *Client) findComment(ctx context.Context, name, comment string) (string, bool) {
	out, err := c.Runner.Run(ctx, "squeue", "-h", "-t", "all", "--name="+name, "-o", "%F|%k")
	if err != nil {
		return "", false
	}
	for _, line := range strings.Split(string(out), "\n") {
		id, k, ok := strings.Cut(strings.TrimSpace(line), "|")
		if ok && k == comment && jobIDRE.MatchString(id) {
			return id, true
		}
	}
	return "", false
}

func newToken() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b[:])
}

// parseParsable reads the job id from the output of sbatch --parsable:
// "ID" or "ID;CLUSTER".
func parseParsable(out []byte) (string, error) {
	s := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	id, _, _ := strings.Cut(s, ";")
	if !jobIDRE.MatchString(id) {
		return "", fmt.Errorf("sbatch --parsable answered %q, not a job id", strings.TrimSpace(string(out)))
	}
	return id, nil
}

func (c *Client) cancelIDs(ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = c.Runner.Run(ctx, "scancel", ids...)
}

// Cancel cancels every task of the job that has not ended (scancel).
func (c *Client) Cancel(ctx context.Context, j *Job) error {
	if len(j.IDs) == 0 {
		return nil
	}
	_, err := c.Runner.Run(ctx, "scancel", j.IDs...)
	return err
}

// writeFileAtomic writes data to path atomically (output.WriteFileMode).
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return output.WriteFileMode(path, perm, func(w *bufio.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
