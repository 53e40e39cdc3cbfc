"""One Dopamine update of the 2-4-1 XOR circuit in NumPy, for timing
beside dopa's BenchmarkUpdate/dopamine (docs/results.md).

The same work as dopa: the unperturbed pass over the four patterns
(batched as one matrix product per layer, NumPy's best case), the progress
RPE with learning-rate adaptation and revert, a fresh perturbation of every
synapse, the perturbed pass, the adaptively normalised RPE, the plasticity
trace and the weight change.

    /usr/bin/python3 docs/reference/xor_update_numpy.py

Needs Debian's python3-numpy; dopa itself never needs Python.
"""
import timeit

import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
T = np.array([0, 1, 1, 0], dtype=float)
rng = np.random.default_rng(1)
shapes = [(4, 2), (4,), (1, 4), (1,)]
w = [rng.normal(0, 1 / np.sqrt(s[-1]), s) if len(s) == 2 else np.zeros(s) for s in shapes]
m = [np.zeros_like(p) for p in w]
prev = [p.copy() for p in w]
state = dict(eta=0.316, eta0=0.316, v=None, last=None)
sigma, beta, lam, up, down, rng_range = 0.01, 0.3, 0.85, 0.2, 0.1, 100.0


def loss(p):
    h = np.tanh(X @ p[0].T + p[1])
    y = 1 / (1 + np.exp(-(h @ p[2].T + p[3])))
    return np.mean((y[:, 0] - T) ** 2)


def update():
    global w, prev
    b = -loss(w)
    if state["last"] is not None:
        pi = b - state["last"]
        if pi > 0:
            state["eta"] = min(state["eta"] * (1 + up), state["eta0"] * rng_range)
        else:
            state["eta"] = max(state["eta"] * (1 - down), state["eta0"] / rng_range)
        if pi < 0:
            w = [q.copy() for q in prev]
            b = state["last"]
    state["last"] = b
    xi = [sigma * rng.standard_normal(p.shape) for p in w]
    r = -loss([p + x for p, x in zip(w, xi)])
    delta = r - b
    state["v"] = delta * delta if state["v"] is None else (1 - beta) * state["v"] + beta * delta * delta
    d = delta / np.sqrt(state["v"]) if state["v"] > 0 else 0.0
    prev = [p.copy() for p in w]
    for i in range(len(w)):
        m[i] = lam * m[i] + d * xi[i] / sigma
        w[i] = w[i] + state["eta"] * m[i]


n = 20000
for _ in range(1000):
    update()
best = min(timeit.repeat(update, number=n, repeat=5)) / n
print(f"numpy {np.__version__}: one dopamine update of the XOR circuit: {best * 1e9:.0f} ns")
