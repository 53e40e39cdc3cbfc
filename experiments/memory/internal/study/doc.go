// Command study runs the associative-memory study of docs/memory.md:
// output noise ε against the number of stored patterns M for every rule,
// one-step and iterative, with and without adaptive noise estimation,
// over several seeds, and prints the means over seeds.
//
//	go run ./experiments/memory/internal/study -n 1000 -k 10 -loads 1000,2000,4000 -seeds 5
package main
