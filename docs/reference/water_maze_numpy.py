#!/usr/bin/env python3
"""The fremaux agent's network in NumPy, for the speed comparison of
docs/results.md (water maze, spiking actor-critic).

The same network and equations as experiments/reward/fremaux.go with its
defaults (docs/reward.md, "The fremaux agent"): 121 Poisson place cells,
100 critic and 180 actor escape-noise neurons, V from the critic's
κ-filtered spikes, δ = r − V/τ_r + dV/dt, TD-LTP on the place-cell synapses
of both, a ring of lateral weights on the actor, the heading nearest to the
population vector every 100 ms, presynaptic scaling of the actor's weights
after every update, the water maze of experiments/env/watermaze.go. Written
as NumPy is written: dense arrays stepped every millisecond (u = W·ε,
the eligibility E ← d·E + Y⊗ε and the weights w += η·δ·E·dt every step);
the Go agent does the same sums event by event and applies them every
100 ms. The random draws differ, so the numbers agree in distribution, not
bit for bit.

Usage: /usr/bin/python3 water_maze_numpy.py [EPISODES] [TIMEOUT_S]
Prints the NumPy version, the threads and BLAS environment, then the wall
time per episode and simulated seconds per wall second. Run with
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for one thread, as the Go side.
"""
import contextlib
import io
import os
import sys
import time

import numpy as np


def main():
    episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print("numpy", np.__version__)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        print(k, os.environ.get(k, "(unset)"))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    libs = sorted({line.split("=", 1)[1].strip() for line in buf.getvalue().splitlines()
                   if line.strip().startswith("libraries")})
    print("blas/lapack libraries", "; ".join(libs) or "?")

    rng = np.random.default_rng(1)
    # Maze (the defaults of water_maze).
    R, plat, prad, speed, step_s, ndir = 1.0, np.array([0.5, 0.5]), 0.1, 0.3, 0.1, 8
    n = 11
    g = np.linspace(-R, R, n)
    cells = np.array([(x, y) for y in g for x in g])
    sigma = 0.2
    starts = 0.95 * R * np.array([(0, 1), (1, 0), (0, -1), (-1, 0)], float)

    # Agent defaults (FremauxParams.Defaults).
    dt = 1e-3
    place_rate = 400.0
    nc, na, npl = 100, 180, len(cells)
    tm, ts = 20e-3, 5e-3
    rho0, theta, du = 60.0, 16.0, 4.0
    refr, tref = 30.0, 20e-3
    tk, nk = 200e-3, 50e-3
    tau_r, nu, v0 = 4.0, 0.02, 0.0
    eta = np.concatenate([np.full(nc, 0.002), np.full(na, 0.01)])[:, None]
    wmin, wmax = 0.0, 3.0
    wp, wm, psi = 2000.0, -1500.0, 5.0

    N = nc + na
    W = rng.uniform(0, 0.6, (N, npl))
    col = W[nc:].sum(axis=0)
    th = 2 * np.pi * np.arange(na) / na
    ring = (wm + wp * np.exp(psi * (np.cos(th[:, None] - th[None, :]) - 1))) / na
    dm, ds, dr = np.exp(-dt / tm), np.exp(-dt / ts), np.exp(-dt / tref)
    dka, dkb = np.exp(-dt / tk), np.exp(-dt / nk)
    knorm = 1 / (tk - nk)
    steps = int(round(step_s / dt))

    def observe(p):
        d2 = ((cells - p) ** 2).sum(axis=1)
        return np.exp(-d2 / (2 * sigma * sigma))

    sim_s = 0.0
    t0 = time.perf_counter()
    for ep in range(episodes):
        pos = starts[rng.integers(4)].copy()
        x = observe(pos)
        xa, xb = np.zeros(npl), np.zeros(npl)
        la, lb, rf = np.zeros(na), np.zeros(na), np.zeros(N)
        Ea, Eb = np.zeros((N, npl)), np.zeros((N, npl))
        sa = sb = 0.0
        v = v0
        for k in range(int(round(timeout / step_s))):
            counts = np.zeros(na)
            for _ in range(steps):
                xa *= dm
                xb *= ds
                la *= dm
                lb *= ds
                rf *= dr
                sp = rng.random(npl) < x * place_rate * dt
                xa += sp
                xb += sp
                eps = xa - xb
                u = W @ eps - rf
                u[nc:] += la - lb
                p = rho0 * np.exp((u - theta) / du) * dt
                p = np.where(p > 0.01, -np.expm1(-p), p)
                y = rng.random(N) < p
                rf += refr * y
                ya = y[nc:].astype(float)
                counts += ya
                lat = ring.T @ ya
                la += lat
                lb += lat
                c = y[:nc].sum()
                sa = sa * dka + c
                sb = sb * dkb + c
                v = nu * knorm * (sa - sb) / nc + v0
                vdot = nu * knorm * (-sa / tk + sb / nk) / nc
                delta = -v / tau_r + vdot
                post = np.outer(y, eps)
                Ea = dka * Ea + post
                Eb = dkb * Eb + post
                W += eta * (delta * dt * knorm) * (Ea - Eb)
                np.clip(W, wmin, wmax, out=W)
            # Presynaptic scaling of the actor's weights (actor_normalize).
            s = W[nc:].sum(axis=0)
            ok = s > 0
            W[nc:, ok] = np.clip(W[nc:, ok] * (col[ok] / s[ok]), wmin, wmax)
            vx, vy = counts @ np.cos(th), counts @ np.sin(th)
            if vx == 0 and vy == 0:
                a = rng.integers(ndir)
            else:
                a = int(round(np.arctan2(vy, vx) / (2 * np.pi / ndir))) % ndir
            ang = 2 * np.pi * a / ndir
            pos = pos + speed * step_s * np.array([np.cos(ang), np.sin(ang)])
            r = np.hypot(*pos)
            if r > R:
                pos *= R / r
            sim_s += step_s
            if np.hypot(*(pos - plat)) <= prad:
                W += eta * (1 - v) * knorm * (Ea - Eb)  # the reward pulse and V's fall
                np.clip(W, wmin, wmax, out=W)
                break
            x = observe(pos)
    wall = time.perf_counter() - t0
    print(f"episodes {episodes} simulated_s {sim_s:.1f} wall_s {wall:.2f} "
          f"s_per_episode {wall / episodes:.3f} sim_s_per_wall_s {sim_s / wall:.2f}")


if __name__ == "__main__":
    main()
