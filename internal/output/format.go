// Package output is the one output contract of every kind of run: the
// manifest (which names the run's kind), the file names, the writers and
// the table reader. It writes the files of an output directory the same way
// everywhere: JSON indented, CSV through a buffered writer with errors that
// name the file, floats in their shortest exact form, and configurations
// with the keys of their TOML files.
package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/BurntSushi/toml"
)

// Float formats a float exactly: the shortest representation that
// round-trips ("NaN", "+Inf" for non-finite values).
func Float(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// WriteJSON writes v as indented JSON with a final newline.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteCSV writes a CSV file: the header line, then whatever rows writes.
func WriteCSV(path, header string, rows func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString(header + "\n")
	rows(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// Resolved renders a configuration with the keys of its TOML file: encoded
// to TOML, decoded to a map, non-finite numbers spelled as TOML spells them
// ("inf", "-inf", "nan") so that the result marshals to JSON.
func Resolved(v any) any {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return err.Error()
	}
	var m map[string]any
	if _, err := toml.Decode(b.String(), &m); err != nil {
		return err.Error()
	}
	return jsonSafe(m)
}

func jsonSafe(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonSafe(x)
		}
	case []any:
		for i, x := range v {
			v[i] = jsonSafe(x)
		}
	case []map[string]any:
		for i, x := range v {
			v[i] = jsonSafe(x).(map[string]any)
		}
	case float64:
		switch {
		case math.IsInf(v, 1):
			return "inf"
		case math.IsInf(v, -1):
			return "-inf"
		case math.IsNaN(v):
			return "nan"
		}
	}
	return v
}
