package task

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestMNISTEmbedded: the embedded files have their published SHA-256 sums
// and decode into 60 000 + 10 000 images with labels 0–9 in the usual
// proportions.
func TestMNISTEmbedded(t *testing.T) {
	for name, want := range mnistSHA256 {
		b, err := mnistFS.ReadFile("mnistdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s: SHA-256 %x, want %s", name, sum, want)
		}
	}
	d, err := LoadMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TrainX) != 60000*784 || len(d.TestX) != 10000*784 || len(d.TrainY) != 60000 || len(d.TestY) != 10000 {
		t.Fatalf("sizes %d %d %d %d", len(d.TrainX), len(d.TestX), len(d.TrainY), len(d.TestY))
	}
	var count [10]int
	for _, y := range d.TestY {
		count[y]++
	}
	// The test set's class counts, as published.
	want := [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	if count != want {
		t.Errorf("test class counts %v, want %v", count, want)
	}
	if d.TrainY[0] != 5 || d.TestY[0] != 7 {
		t.Errorf("first labels %d, %d, want 5 (train), 7 (test)", d.TrainY[0], d.TestY[0])
	}
}
