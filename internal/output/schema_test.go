package output

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSchemasAreOnePerFile: every CSV file has one schema, its name is one
// of Files (so Clean removes it), and its columns are distinct, lower
// case and documented.
func TestSchemasAreOnePerFile(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Schemas() {
		if seen[s.File] {
			t.Errorf("%s has two schemas", s.File)
		}
		seen[s.File] = true
		if !slices.Contains(Files, s.File) {
			t.Errorf("%s is not in Files: Clean would leave it", s.File)
		}
		if len(s.Kinds) == 0 || s.Row == "" {
			t.Errorf("%s: no kind or no row description", s.File)
		}
		cols := map[string]bool{}
		for _, c := range s.Columns {
			if cols[c.Name] {
				t.Errorf("%s: column %s twice", s.File, c.Name)
			}
			cols[c.Name] = true
			if c.Name != strings.ToLower(c.Name) || strings.ContainsAny(c.Name, ", ") || c.Doc == "" {
				t.Errorf("%s: column %q (doc %q): want a lower-case name without commas and a doc", s.File, c.Name, c.Doc)
			}
		}
	}
	for _, f := range Files {
		if strings.HasSuffix(f, ".csv") && !seen[f] {
			t.Errorf("%s has no schema", f)
		}
	}
}

// TestSchemaReadsWhatItWrites: a file written through a schema reads
// back through it, column by column; one that lacks a declared column is
// refused, naming the file, the line and the column.
func TestSchemaReadsWhatItWrites(t *testing.T) {
	for _, f := range Formats {
		dir := t.TempDir()
		s := &Schema{File: "x.csv", Columns: []Column{intCol("a", "", "a"), fltCol("b", "ms", "b")}, More: "the rest"}
		if err := s.Write(dir, f, func(r *Rows) { r.Int(1); r.Float(2); r.Float(3); r.End() }, "c"); err != nil {
			t.Fatal(err)
		}
		if f == NPZ {
			if _, err := os.Stat(dir + "/x.csv"); err == nil {
				t.Errorf("format npz wrote x.csv")
			}
		}
		var got []string
		if _, err := s.Read(dir, false, func(tb *Table) error {
			got = append(got, tb.Str("a"), tb.Str("b"), tb.Str("c"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"1", "2", "3"}) {
			t.Errorf("%s: read back %v", f, got)
		}
		other := &Schema{File: "x.csv", Columns: []Column{intCol("a", "", "a"), intCol("d", "", "d")}}
		want := `x.csv line 1: missing column "d"`
		if f == NPZ {
			want = `x.npz: missing array "d"`
		}
		if _, err := other.Read(dir, false, func(*Table) error { return nil }); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: a file without a declared column: %v", f, err)
		}
	}
}

// TestDocsListEverySchema: the table of CSV files in docs/architecture.md
// is the schemas', row for row.
func TestDocsListEverySchema(t *testing.T) {
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Schemas() {
		var kinds []string
		for _, k := range s.Kinds {
			kinds = append(kinds, string(k))
		}
		cols := "`" + strings.Join(s.Names(), "`, `") + "`"
		if s.More != "" {
			cols += ", then " + s.More
		}
		row := fmt.Sprintf("| `%s` | %s | %s | %s |\n", s.File, strings.Join(kinds, ", "), s.Row, cols)
		if !strings.Contains(string(b), row) {
			t.Errorf("docs/architecture.md lacks the row of %s:\n%s", s.File, row)
		}
	}
}
