// Package rng derives independent random streams from a seed and a name.
//
// math/rand/v2's PCG takes its two numbers as raw state, so streams (s, 0)
// and (s, 1) are not independent. Here the ChaCha8 key is SHA-256 of the
// seed (8 bytes, little endian) followed by the stream's name: streams of
// different names or seeds are independent, and a run draws the same
// numbers whatever order runs execute in.
package rng

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Stream returns the random stream named name of a seed.
func Stream(seed uint64, name string) *rand.Rand {
	return rand.New(NewSource(seed, name).ChaCha8)
}

// Source is a stream's generator, whose state can be saved and restored
// (checkpoints): NewSource(seed, name) draws exactly what Stream(seed,
// name) draws.
type Source struct{ *rand.ChaCha8 }

// NewSource returns the generator of the stream named name of a seed; use
// it as rand.New(src).
func NewSource(seed uint64, name string) *Source {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(name))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return &Source{rand.NewChaCha8(key)}
}
