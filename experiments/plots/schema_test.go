package plots

import (
	"testing"

	"github.com/dopa-sim/dopa/internal/output"
)

// TestFiguresDrawDeclaredColumns: the columns the figures draw are
// columns of their files' schemas.
func TestFiguresDrawDeclaredColumns(t *testing.T) {
	for _, c := range []struct {
		s    *output.Schema
		cols []string
	}{{output.Traces, traceColumns}, {output.Predictions, predColumns}} {
		for _, col := range c.cols {
			if !c.s.Has(col) {
				t.Errorf("a figure draws %s of %s, which its schema does not declare", col, c.s.File)
			}
		}
	}
}
