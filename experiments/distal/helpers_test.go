package distal

import (
	"path/filepath"

	"github.com/dopa-sim/dopa/internal/output"
)

// writeAll writes what a run through the runner leaves: the result files,
// the manifest and the figures.
func writeAll(dir string, r *Result) error {
	if err := Write(dir, r); err != nil {
		return err
	}
	m := NewManifest(r.Spec)
	m.Start, m.End, m.Workers = r.Start.UTC(), r.End.UTC(), r.Workers
	m.RunsPlanned, m.Complete, m.Interrupted = len(r.Runs), !r.Interrupted, r.Interrupted
	for _, x := range r.Runs {
		if x.Done {
			m.RunsDone++
		}
	}
	if err := output.WriteJSON(filepath.Join(dir, output.ManifestFile), m); err != nil {
		return err
	}
	return WritePlots(dir, r)
}
