// Package param holds the one error type of a parameter that is out of its
// valid range, shared by the core packages (neuron, synapse, modulator) and
// the experiment packages (series, task, train, ...). Each of them exports
// it as its own ParamError (a type alias), so callers can write
// errors.As(err, new(*neuron.ParamError)) and get the same type from every
// package.
//
// An Error carries the path of the offending key, as the keys of a TOML
// file spell it: strings for table keys, ints for elements of arrays of
// tables (["population", 1, "tau_ms"]). Packages that validate a nested
// part of a configuration put the part's error Under its own path, and
// internal/config turns the final path into file:line: key: message, in one
// place.
package param

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is a problem with one parameter.
type Error struct {
	// Path locates the key: strings for table keys, ints for elements of
	// arrays of tables.
	Path []any
	// Msg says what is wrong, e.g. "must be a finite number > 0, got -5".
	Msg string
}

// New returns the error msg at the key path.
func New(msg string, path ...any) *Error { return &Error{Path: path, Msg: msg} }

// Errorf returns an error at one key, its message formatted.
func Errorf(key string, format string, args ...any) *Error {
	return &Error{Path: []any{key}, Msg: fmt.Sprintf(format, args...)}
}

// Key renders the path as files and messages spell it:
// "population[1].tau_ms".
func (e *Error) Key() string {
	var b strings.Builder
	for i, p := range e.Path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}

// Error renders "KEY: MSG".
func (e *Error) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return e.Key() + ": " + e.Msg
}

// Under puts err below the path: an *Error keeps its own path after it;
// any other error becomes an *Error at the path with err's text.
func Under(err error, path ...any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Path: append(slices.Clone(path), e.Path...), Msg: e.Msg}
	}
	return &Error{Path: slices.Clone(path), Msg: err.Error()}
}
