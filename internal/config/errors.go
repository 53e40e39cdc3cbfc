package config

import (
	"strconv"
	"strings"
)

// Error is a problem in a configuration file, located at a line and a key.
type Error struct {
	File string // file name as given; "" for in-memory data
	Line int    // 1-based; 0 if unknown
	Key  string // human key path, e.g. "population[hidden].tau_ms" or "rule[2].sigma"
	Msg  string
}

// Error renders the error as "FILE:LINE: KEY: MSG", leaving out the parts
// that are empty or zero.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	case e.File != "":
		b.WriteString(e.File)
		b.WriteString(": ")
	case e.Line > 0:
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
