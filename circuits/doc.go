// Package circuits declares circuits in TOML and builds them.
//
// A circuit file (see docs/circuits.md for every key) declares populations,
// projections, the input and readout populations, and the learning rule
// with its modulator. Parse decodes one strictly: an unknown key, a wrong
// type, a dangling population name or an out-of-range value is an error
// that names the file, the line and the key. Spec.Build turns a valid
// declaration into a Circuit, the runnable network: populations stepped in
// declaration order, dense projections between them, and the perturbation,
// plasticity and backpropagation operations that learning rules use.
//
// Built-in circuits (xor) are embedded in the binary: Load("xor") needs no
// file.
package circuits
