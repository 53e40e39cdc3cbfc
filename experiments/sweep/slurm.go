package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dopa-sim/dopa/internal/slurm"
)

// SlurmOptions say how a sweep is cut into Slurm jobs.
type SlurmOptions struct {
	// Program is the dopa binary the tasks run (absolute), and Env the
	// environment they add.
	Program string
	Env     []string
	// File names the experiment for the tasks: its absolute path, or a
	// built-in name.
	File string
	// PointsPerTask packs several points into one array task, so that a
	// short point does not cost a scheduler slot (>= 1).
	PointsPerTask int
	// Throttle is the most array tasks running at once (0: no limit).
	Throttle int
	// Workers is the worker count of each task (0: one per CPU it gets).
	Workers int
	// Store is the run store the collecting job records into.
	Store string
	// Slurm are further sbatch settings (partition, time limit, ...).
	Partition, TimeLimit string
	CPUsPerTask          int
}

// jobFile keeps the submitted jobs, so that another process can follow them.
const jobFile = "slurm-jobs.json"

// Submit submits the points not yet done as a Slurm job array (points
// packed PointsPerTask to a task, split under the cluster's maximum array
// size, throttled), and a collecting job that runs when they have all
// ended. Every task writes only into its points' directories (each
// atomically, file by file); only the collecting job writes the sweep's
// own files. It returns the array job and the collecting job.
func (s *Sweep) Submit(ctx context.Context, c *slurm.Client, dir string, o SlurmOptions) (*slurm.Job, *slurm.Job, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if o.PointsPerTask < 1 {
		o.PointsPerTask = 1
	}
	common := []string{"run", o.File, "--out", abs, "--backend", "slurm", "--quiet", "--store", o.Store}
	for _, kv := range s.Overrides {
		common = append(common, "--set", kv)
	}
	var todo []string
	for _, p := range s.Status(dir) {
		if p.Status != "done" {
			todo = append(todo, p.ID)
		}
	}
	jobDir := filepath.Join(abs, "slurm")
	name := "dopa-" + safeName(s.Base.Spec.Name)
	var tasks [][]slurm.Command
	for i := 0; i < len(todo); i += o.PointsPerTask {
		var task []slurm.Command
		for _, id := range todo[i:min(i+o.PointsPerTask, len(todo))] {
			argv := append([]string{o.Program}, common...)
			argv = append(argv, "--point", id, "--workers", fmt.Sprint(o.Workers))
			task = append(task, slurm.Command{Argv: argv})
		}
		tasks = append(tasks, task)
	}
	spec := slurm.Spec{Name: name, Dir: jobDir, Throttle: o.Throttle, Env: o.Env, Partition: o.Partition, TimeLimit: o.TimeLimit, CPUsPerTask: o.CPUsPerTask}
	var array *slurm.Job
	if len(tasks) > 0 {
		spec.Tasks = tasks
		if array, err = c.Submit(ctx, spec); err != nil {
			return nil, nil, err
		}
	}
	collect := spec
	collect.Name, collect.Throttle = name+"-collect", 0
	collect.Tasks = [][]slurm.Command{{{Argv: append(append([]string{o.Program}, common...), "--collect")}}}
	if array != nil {
		collect.AfterAny = array.IDs
	}
	coll, err := c.Submit(ctx, collect)
	if err != nil {
		if array != nil {
			c.Cancel(context.Background(), array)
		}
		return nil, nil, err
	}
	b, _ := json.Marshal(map[string]*slurm.Job{"array": array, "collect": coll})
	if err := os.WriteFile(filepath.Join(abs, jobFile), b, 0o644); err != nil {
		return array, coll, err
	}
	return array, coll, nil
}

// safeName keeps the characters a Slurm job name may have.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
