// Command dopa runs, validates and plots dopa circuits and experiments.
//
//	dopa run [FILE] [--out DIR] [--seeds N] [--seed S] [--workers W] [--set key=value ...]
//	dopa validate FILE
//	dopa plot DIR
//	dopa data mackey-glass|lorenz --n N [--out FILE.csv]
//	dopa serve [FILE] [--listen ADDR] [--store PATH] [--set key=value ...]
//
// With no FILE, dopa run trains the built-in XOR experiment. Exit status: 0
// on success, 2 on bad usage or bad input, 1 on a failure while running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is bad usage or bad input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

const topUsage = `dopa simulates neuromodulated learning: circuits of neurons and synapses,
a global dopamine modulator, and the Dopamine weight-perturbation optimizer.

Usage:
  dopa run [FILE] [flags]   train a circuit or an experiment (default: built-in XOR experiment)
  dopa validate FILE        check a circuit or experiment file without running it
  dopa plot DIR             (re)make the figures of a finished run in DIR/plots
  dopa export DIR --format npz|sonata
                            write a finished run's tables as NumPy .npz or its spikes as SONATA
  dopa data mackey-glass|lorenz --n N [--out FILE.csv]
                            write a chaotic time series (the forecasting tasks' data)
  dopa runs [filters]       list the runs of the run store; --compare POINT_A POINT_B
  dopa serve [FILE]         run it live in the browser: traces, controls, parameter sets
  dopa help COMMAND         help on a command

Exit status: 0 success, 2 bad usage or bad input, 1 failure while running.
`

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	long := len(os.Args) > 1 && os.Args[1] == "run"
	go func() {
		<-sig
		if long {
			// dopa run: stop promptly, keeping every finished run.
			fmt.Fprintln(os.Stderr, "\ndopa: stopping; the finished runs are kept (interrupt again to quit at once)")
			cancel()
			<-sig
		}
		// Every file is written atomically: quitting leaves no part of one.
		fmt.Fprintln(os.Stderr, "\ndopa: quit")
		os.Exit(130)
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sig)
	cancel()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = cmdRun(ctx, rest, stdout, stderr)
	case "validate":
		err = cmdValidate(rest, stdout, stderr)
	case "plot":
		err = cmdPlot(rest, stdout, stderr)
	case "export":
		err = cmdExport(rest, stdout, stderr)
	case "data":
		err = cmdData(rest, stdout, stderr)
	case "runs":
		err = cmdRuns(ctx, rest, stdout, stderr)
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return run(ctx, []string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, topUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "dopa: unknown command %q\n\n%s", cmd, topUsage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "dopa %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "dopa %s: %v\n", args[0], err)
		return exitFailure
	}
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("dopa run FILE --out DIR" as well as "dopa run --out DIR FILE").
//
// A bad flag gives one message (the caller prints it), not the usage text;
// -help prints the usage.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				usage()
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }
