package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/dopa-sim/dopa/experiments/series"
	"github.com/dopa-sim/dopa/internal/output"
)

const dataUsage = `Usage: dopa data mackey-glass|lorenz --n N [flags]

Generates a chaotic time series and writes it as CSV with a header (t,x for
mackey-glass, t,x,y,z for lorenz) to stdout or to --out FILE, every number
in its shortest exact form. A one-line summary (n, mean, population std,
method, convention) goes to stderr. Same flags and seed, same bytes.

mackey-glass: dx/dt = 0.2·x(t−τ)/(1+x(t−τ)^10) − 0.1·x. Seed 0 is the
reference convention: Euler, h = 0.1, history x = 1.2 for t <= 0, one
sample per time unit, first 500 samples dropped (mean ≈ 0.930, std ≈ 0.226).
Other seeds perturb the history by 0.01·N(0,1). τ must be a multiple of h.

lorenz: σ = 10, ρ = 28, β = 8/3, RK4 with dt = 0.01, initial state from the
seed, first 1000 steps dropped, every step sampled.

Flags:
`

// cmdData implements "dopa data": it writes a Mackey-Glass or Lorenz series
// as CSV. Nothing is written when the arguments are bad.
func cmdData(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 0, "number of samples (required, >= 1)")
	out := fs.String("out", "", "CSV file to write (default stdout)")
	seed := fs.Uint64("seed", 0, "seed; mackey-glass seed 0 is the reference series")
	tau := fs.Float64("tau", 17, "mackey-glass delay τ, a multiple of --dt")
	method := fs.String("method", "", `integration method: mackey-glass "euler" (default) or "rk4"; lorenz "rk4" only`)
	dt := fs.Float64("dt", 0, "integration step (default mackey-glass 0.1, lorenz 0.01)")
	fs.Usage = func() { fmt.Fprint(stderr, dataUsage); fs.PrintDefaults() }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *out != "" {
		// A directory is a bad flag value (exit 2), found before any work.
		if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
			return usagef("--out %s is a directory: --out names the CSV file to write", *out)
		}
	}
	if len(pos) != 1 {
		return usagef("want one series, mackey-glass or lorenz, got %d arguments %q", len(pos), pos)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *n < 1 {
		return usagef("--n must be >= 1, got %d", *n)
	}

	var (
		header  string
		cols    [][]float64
		summary string
	)
	switch name := pos[0]; name {
	case "mackey-glass":
		p := series.MackeyGlassParams{}.Defaults()
		p.Tau = *tau
		if set["method"] {
			p.Method = series.Method(*method)
		}
		if set["dt"] {
			p.Step = *dt
		}
		s, err := series.MackeyGlass(p, *n, *seed)
		if err != nil {
			return dataError(name, err)
		}
		header, cols = "t,x", [][]float64{s.T, s.X}
		summary = fmt.Sprintf("mackey-glass n=%d mean=%s std=%s method=%s seed=%d convention: %s",
			len(s.X), g6(series.Mean(s.X)), g6(series.Std(s.X)), p.Method, *seed, s.Convention())
	case "lorenz":
		if set["tau"] {
			return usagef("--tau applies to mackey-glass only")
		}
		if set["method"] && *method != string(series.RK4) {
			return usagef("lorenz is integrated by rk4 only, got --method %q", *method)
		}
		p := series.LorenzParams{}.Defaults()
		if set["dt"] {
			p.Dt = *dt
		}
		s, err := series.Lorenz(p, *n, *seed)
		if err != nil {
			return dataError(name, err)
		}
		header, cols = "t,x,y,z", [][]float64{s.T, s.X, s.Y, s.Z}
		summary = fmt.Sprintf("lorenz n=%d mean=(%s,%s,%s) std=(%s,%s,%s) method=rk4 seed=%d convention: %s",
			len(s.X), g6(series.Mean(s.X)), g6(series.Mean(s.Y)), g6(series.Mean(s.Z)),
			g6(series.Std(s.X)), g6(series.Std(s.Y)), g6(series.Std(s.Z)), *seed, s.Convention())
	default:
		return usagef("unknown series %q (want mackey-glass or lorenz)", name)
	}

	if *out == "" {
		if err := writeCSV(stdout, header, cols); err != nil {
			return err
		}
	} else if err := output.WriteFile(*out, func(w *bufio.Writer) error { return writeCSV(w, header, cols) }); err != nil {
		return err
	}
	if *out != "" {
		summary += " -> " + *out
	}
	fmt.Fprintln(stderr, summary)
	return nil
}

// dataError makes an error of the generators a usage error: they fail only
// on bad flag values (a parameter out of range, or a step so large that
// the integration diverges).
func dataError(name string, err error) error {
	var pe *series.ParamError
	if !errors.As(err, &pe) {
		return usageError{err}
	}
	if name == "mackey-glass" && strings.Contains(err.Error(), "step") {
		return usagef("%s: %v (--dt sets the step h)", name, err)
	}
	return usagef("%s: %v", name, err)
}

func g6(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// writeCSV writes the header and one row per index of the columns, every
// value formatted by strconv 'g' with the shortest exact precision.
func writeCSV(w io.Writer, header string, cols [][]float64) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(header)
	bw.WriteByte('\n')
	buf := make([]byte, 0, 128)
	for i := range cols[0] {
		buf = buf[:0]
		for c, col := range cols {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, col[i], 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
