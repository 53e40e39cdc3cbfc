// Package series generates the chaotic time series that dopa's forecasting
// tasks learn from, Mackey-Glass and Lorenz, with every convention stated,
// and the statistics forecasting users report (mean, standard deviation,
// NRMSE).
//
// # Mackey-Glass
//
// The delay differential equation
//
//	dx/dt = β·x(t−τ) / (1 + x(t−τ)^n) − γ·x(t)
//
// with β = 0.2, γ = 0.1, n = 10, τ = 17 (chaotic) by default. The reference
// convention (docs and brief, section 5) is: Euler with step h = 0.1, constant
// history x(t) = 1.2 for t ≤ 0, one sample every 1.0 time unit starting at
// t = 0, the first 500 samples dropped (so the first sample returned is
// x(500)). Such a series has mean ≈ 0.930 and (population) standard
// deviation ≈ 0.226. [MackeyGlassParams.Defaults] is that convention and
// seed 0 reproduces it exactly.
//
// The delay τ and the sample interval must be whole multiples of h, so that
// every delayed point x(t−τ) and every sample falls on the integration grid.
// Euler needs nothing more. RK4 also evaluates the right-hand side at the
// half step t+h/2, whose delayed point t−τ+h/2 lies between two grid points:
// it is taken from the cubic Hermite interpolant through the two neighbouring
// grid values and their derivatives (the derivative at a grid point is the
// right-hand side there, the first RK4 stage), x(t+h/2) ≈ (x₀+x₁)/2 +
// h·(x′₀−x′₁)/8. Its error is O(h⁴), so the scheme stays fourth order
// (linear interpolation would make it second order). On the history
// (t ≤ 0) the interpolant is the constant history itself. Which method made
// a series is recorded in [MackeyGlassSeries].Params.Method.
//
// Seeds: seed 0 uses the history exactly (the reference series). Any other
// seed perturbs the constant history to History + HistoryNoise·g, with g one
// N(0, 1) draw from a ChaCha8 stream keyed by SHA-256(seed, stream name);
// the history stays constant, only its level changes (by 0.01 by default),
// which after the dropped transient gives a different chaotic series.
//
// Reproducibility: the same parameters and seed give bit-identical series
// in dopa. Another implementation of the same convention agrees at first to
// rounding (1e-14) only, and being chaotic the two trajectories part after
// a few thousand time units (an independent NumPy Euler loop stays within
// 1e-6 of dopa's reference series up to t ≈ 3300); the statistics agree
// (NumPy: mean 0.9294, std 0.2259; dopa: 0.9296, 0.2256 for 15000 samples).
//
// # Lorenz
//
//	dx/dt = σ·(y − x),  dy/dt = x·(ρ − z) − y,  dz/dt = x·y − β·z
//
// with σ = 10, ρ = 28, β = 8/3, integrated by RK4 with dt = 0.01. The
// initial state at t = 0 is (1, 1, 1) plus N(0, 1) draws on each coordinate
// from a ChaCha8 stream keyed by the seed (seed 0 included, so every seed,
// 0 too, has its own deterministic state); the first Transient steps (1000,
// 10 time units) are dropped, then one sample is kept every SampleEvery
// steps. [LorenzLyapunov] estimates the largest Lyapunov exponent by
// Benettin's two-trajectory renormalisation method; the literature value is
// ≈ 0.906 per time unit, so one Lyapunov time is ≈ 1.10 time units.
//
// # Statistics
//
// [Mean] and [Std] (population standard deviation, divisor N) use gonum's
// stat package; [NRMSE] is RMSE / Std(target), population normalisation.
package series
