package train

import (
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas64"
)

// promptly runs f and fails the test if it does not return within 5 s
// (a non-finite matrix made LAPACK's eigenvalue iteration loop for ever).
func promptly(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

// TestNumericalRoutinesRefuseNonFinite: the abscissa (eigenvalues), the
// inverse and the least-squares solve of the credit rules, handed a
// matrix holding NaN or ±Inf, return NaN (or false) promptly; finite
// matrices still give finite answers.
func TestNumericalRoutinesRefuseNonFinite(t *testing.T) {
	const nLow, nUp = 3, 2
	finiteW := []float64{0.5, -0.2, 0.1, 0.3, 0.4, -0.6}
	finiteB := []float64{-0.5, -0.3, 0.2, -0.4, -0.1, 0.6}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		w, b := append([]float64(nil), finiteW...), append([]float64(nil), finiteB...)
		w[2], b[4] = bad, bad
		for _, wantGrad := range []bool{false, true} {
			st := newStability(nLow, nUp)
			var a float64
			promptly(t, "abscissa", func() { a = st.abscissa(w, b, 0.1, wantGrad) })
			if !math.IsNaN(a) {
				t.Errorf("abscissa with %g: %g, want NaN", bad, a)
			}
			if wantGrad && !math.IsNaN(st.grad[0]) {
				t.Errorf("abscissa with %g left a gradient %v", bad, st.grad)
			}
			promptly(t, "stabilize", func() { a = st.stabilize(w, append([]float64(nil), b...), 0.1) })
			if !math.IsNaN(a) {
				t.Errorf("stabilize with %g: %g, want NaN", bad, a)
			}
		}
		st := newStability(nLow, nUp)
		if a := st.abscissa(finiteW, finiteB, 0.1, true); math.IsNaN(a) || math.IsInf(a, 0) {
			t.Errorf("abscissa of a finite matrix: %g", a)
		}
		if a := st.abscissa(finiteW, finiteB, bad, false); !math.IsNaN(a) {
			t.Errorf("abscissa with α = %g: %g, want NaN", bad, a)
		}

		// The inverse of (A − αI).
		inv := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
		A := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{2, bad, 0, 3}}
		var ok bool
		promptly(t, "invertShifted", func() { ok = invertShifted(A, 0, inv) })
		if ok || !math.IsNaN(inv.Data[0]) || !math.IsNaN(inv.Data[3]) {
			t.Errorf("inverse of a matrix with %g: ok %v, %v", bad, ok, inv.Data)
		}
		A = blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{2, 0, 0, 4}}
		if ok := invertShifted(A, bad, inv); ok || !math.IsNaN(inv.Data[0]) {
			t.Errorf("inverse shifted by %g: ok %v, %v", bad, ok, inv.Data)
		}
		A = blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{2, 0, 0, 4}}
		if ok := invertShifted(A, 0, inv); !ok || inv.Data[0] != 0.5 || inv.Data[3] != 0.25 {
			t.Errorf("inverse of diag(2, 4): ok %v, %v", ok, inv.Data)
		}

		// B = S V⁻¹.
		for _, which := range []string{"V", "S"} {
			V, S := []float64{4, 1, 1, 3}, []float64{1, 2}
			if which == "V" {
				V[1] = bad
			} else {
				S[0] = bad
			}
			B := []float64{7, 7}
			promptly(t, "solveLS", func() { solveLS(B, S, V, 1, 2, make([]float64, 4)) })
			if !math.IsNaN(B[0]) || !math.IsNaN(B[1]) {
				t.Errorf("solve with %g in %s: %v, want NaN", bad, which, B)
			}
		}
	}
	B := []float64{0, 0}
	solveLS(B, []float64{4, 3}, []float64{4, 0, 0, 3}, 1, 2, make([]float64, 4))
	if math.Abs(B[0]-1) > 1e-12 || math.Abs(B[1]-1) > 1e-12 {
		t.Errorf("solve of a finite system: %v, want [1 1]", B)
	}
}
