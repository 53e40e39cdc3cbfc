// Command scale stores and retrieves fixed-k patterns in a bit-packed
// Willshaw auto-associative memory (memory.RunPacked) and prints the
// output noise, the load and the stored information with the time and the
// memory it took (docs/memory.md, "Scale"):
//
//	go run ./experiments/memory/internal/scale -n 100000 -k 17 -m 7300000
package main
