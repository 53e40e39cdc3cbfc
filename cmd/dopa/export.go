package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dopa-sim/dopa/internal/output"
)

const exportUsage = `Usage: dopa export DIR --format npz|sonata

Writes the tables of a finished run in DIR in another format, beside its
files (nothing is written outside DIR; every file atomically):

  npz      every table NAME.csv as NAME.npz: one NumPy array per column,
           of the column's dtype (<i8, <f8, <U…), any kind of run
  sonata   the spikes of a simulation (spikes.csv or spikes.npz, with
           populations.csv or .npz) as a SONATA spike file, spikes.h5

A run can write them itself: record.format = "npz" or "both" (record_format
and record_sonata in a circuit file). docs/python.md loads every output in
NumPy, pandas and h5py.

Flags:
`

// cmdExport is dopa export DIR --format npz|sonata.
func cmdExport(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	format := fset.String("format", "", "npz or sonata (required)")
	fset.Usage = func() {
		fmt.Fprint(stderr, exportUsage)
		fset.PrintDefaults()
	}
	pos, err := parseInterleaved(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one DIR, got %d arguments", len(pos))
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("%s is not a directory", dir)
	}
	if _, err := output.ReadManifest(dir); err != nil {
		return usagef("%s is not the output directory of a run: %v", dir, err)
	}
	var wrote []string
	switch *format {
	case "npz":
		wrote, err = output.ExportNPZ(dir)
		if err == nil && len(wrote) == 0 {
			return usagef("%s has no CSV table to export", dir)
		}
	case "sonata":
		var st *output.SpikeTrain
		st, err = output.ReadSpikeTrain(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return usagef("%s has no spikes of a simulation (spikes.csv or spikes.npz, and populations.csv or .npz): sonata exports a simulation's spikes", dir)
		}
		if err == nil {
			path := filepath.Join(dir, output.SonataFile)
			if err = output.WriteSonata(path, st); err == nil {
				wrote = []string{path}
			}
		}
	case "":
		return usagef("--format is required: npz or sonata")
	default:
		return usagef("--format %q: want npz or sonata", *format)
	}
	if err != nil {
		if errors.As(err, new(*output.ReadError)) {
			return usageError{err}
		}
		return err
	}
	for _, f := range wrote {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	return nil
}
