// Package config reads the TOML files in which dopa declares neural circuits
// and experiments, and applies command-line overrides to them.
//
// The files are written by scientists, so every problem is reported once, as
// an *Error naming the file, the line and the key:
//
//	circuits/xor.toml:14: population[hidden].tau_ms: must be >= 0, got -5
//
// [Decode] is strict where the TOML library is lenient: a key that matches no
// struct field, or matches one only when case is ignored, is an error (with a
// "did you mean" suggestion), and a value of the wrong type is reported with
// what was expected and what was found. Parsing is done by
// github.com/BurntSushi/toml; the lines of keys come from a small scanner of
// our own, which also counts the elements of arrays of tables ([[population]])
// so that each element and its keys can be located.
//
// The returned [Doc] locates keys for checks made after decoding:
// [Doc.Errorf] builds an *Error for a key path such as
// []any{"population", 1, "tau_ms"}, pointing at the key's line or, if the key
// was left out of the file, at the header of the table or element that
// should hold it. Array elements are named in messages by their "name" key
// when they have one (population[hidden]), otherwise by 0-based index
// (rule[2]).
//
// [Set] applies an override such as --set population.hidden.size=20 to the
// decoded value, with the same strict checks and the same kind of messages.
package config
