// Command slurmoverhead measures what the Slurm backend costs per run on a
// cluster: it submits runs that do nothing (the program true), packed
// per-task runs to an array task, and times from the first sbatch to the
// moment every task has ended (Client.Wait polling every 100 ms), then
// prints the time per run. The same runs started one after another as
// local processes give the floor.
//
//	go run ./internal/slurm/slurmoverhead -runs 16 -per-task 1 -throttle 0 -reps 3
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/dopa-sim/dopa/internal/slurm"
)

func main() {
	runs := flag.Int("runs", 16, "runs to submit")
	perTask := flag.Int("per-task", 1, "runs packed into one array task")
	throttle := flag.Int("throttle", 0, "most array tasks at once (0: no limit)")
	maxArray := flag.Int("max-array", 0, "tasks per array chunk (0: the cluster's MaxArraySize)")
	reps := flag.Int("reps", 3, "repetitions")
	program := flag.String("program", "true", "what each run executes")
	flag.Parse()

	dir, err := os.MkdirTemp("", "slurmoverhead")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o777)

	t0 := time.Now()
	for range *runs {
		if err := exec.Command(*program).Run(); err != nil {
			fail(err)
		}
	}
	local := time.Since(t0)
	fmt.Printf("local: %d runs one after another in %v (%.2f ms per run)\n",
		*runs, local.Round(time.Millisecond), local.Seconds()*1000/float64(*runs))

	c := slurm.New()
	c.Poll = 100 * time.Millisecond
	ctx := context.Background()
	var tasks [][]slurm.Command
	for i := 0; i < *runs; i += *perTask {
		var t []slurm.Command
		for j := i; j < min(i+*perTask, *runs); j++ {
			t = append(t, slurm.Command{Argv: []string{*program}})
		}
		tasks = append(tasks, t)
	}
	for r := range *reps {
		spec := slurm.Spec{Name: fmt.Sprintf("overhead%d", r), Dir: dir, Tasks: tasks,
			Throttle: *throttle, MaxArraySize: *maxArray}
		t0 := time.Now()
		job, err := c.Submit(ctx, spec)
		if err != nil {
			fail(err)
		}
		submitted := time.Since(t0)
		st, err := c.Wait(ctx, job)
		if err != nil {
			fail(err)
		}
		total := time.Since(t0)
		for _, s := range st {
			if !s.OK() {
				fail(s.Err())
			}
		}
		fmt.Printf("slurm rep %d: %d runs in %d tasks (%d per task, throttle %d, %d chunk(s)): sbatch %v, all done after %v: %.3f s per run, %.3f s per task\n",
			r, *runs, len(tasks), *perTask, *throttle, len(job.IDs), submitted.Round(time.Millisecond),
			total.Round(time.Millisecond), total.Seconds()/float64(*runs), total.Seconds()/float64(len(tasks)))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "slurmoverhead:", err)
	os.Exit(1)
}
