// Package pathname checks names that become one component of a path: an
// experiment's or circuit's name, from which dopa run and the live page
// name their output directories.
package pathname

import (
	"fmt"
	"strings"
	"unicode"
)

// MaxLen bounds a name, in bytes (a directory name adds a time stamp to
// it, and file systems take 255 bytes).
const MaxLen = 100

// Check reports why name cannot be one component of a path, or nil: it
// must not be empty, be longer than MaxLen bytes, hold a path separator
// (/ or \), a control character or "..", or start with a dot (a hidden
// file, or a way out of the directory).
func Check(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("must not be empty")
	case len(name) > MaxLen:
		return fmt.Errorf("must be at most %d bytes, got %d", MaxLen, len(name))
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("names a directory, so must not hold / or \\, got %q", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("names a directory, so must not hold \"..\", got %q", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("names a directory, so must not start with a dot, got %q", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("must not hold control characters, got %q", name)
	}
	return nil
}
