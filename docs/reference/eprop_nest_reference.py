"""Test data for dopa's reproduction of NEST's e-prop losses
(TestEpropEqualsNEST, experiments/train/eprop_nest_test.go; docs/eprop.md).

NEST's tests test_eprop_regression and test_eprop_classification
(testsuite/pytests/synapses/test_eprop_bsshslm_2020_plasticity.py, NEST
master 84b06d8d4, 2026-08-21, "v3.10-208"; the reference losses were made
with NEST@3304c6b5c and agree with the authors' TensorFlow code) draw their
initial weights and input spikes from NumPy's legacy generator seeded with
1. This script makes the same draws in the same order, writes them as
gzipped JSON into experiments/train/testdata/, and, as a check of the data
and of the equations docs/eprop.md states, runs its own NumPy e-prop on
them and prints its losses beside NEST's.

What is written (weights are NEST's float32 values, written in their
shortest float32 form; matrices are [post][pre]):
  w_in, w_rec, w_out   input->rec, rec->rec (diagonal 0: NEST has no
                       autapses), rec->out
  feedback             [rec][out]: the learning-signal weights B
  spikes[s][i]         the steps (0-based, within sequence s) at which
                       input channel i spikes; the regression repeats its
                       one sequence every iteration
  target               regression: y*(n) per step; classification: the
                       label (0 or 1) of each sequence
  loss_nest, loss_tf   the test's reference losses per iteration

    /usr/bin/python3 docs/reference/eprop_nest_reference.py [OUTDIR]

Needs Debian's python3-numpy (1.24 here; the legacy seeded generator gives
the same numbers in every NumPy version); dopa itself never needs Python.
"""
import gzip
import json
import os
import sys

import numpy as np

F32 = np.float32


def f32list(a):
    """A float32 array as nested lists of its shortest decimal forms."""
    a = np.asarray(a, dtype=F32)
    if a.ndim == 1:
        return [float(repr(x).removeprefix("np.float32(").removesuffix(")")) for x in a]
    return [f32list(r) for r in a]


def spike_steps(bools):
    """bools[channel][step] -> per channel, the steps it spikes at."""
    return [np.flatnonzero(row).tolist() for row in bools]


# ---------------------------------------------------------------- regression


def regression_data():
    np.random.seed(1)
    n_in, n_rec, n_out, T = 100, 100, 1, 1000
    w_in = np.array(np.random.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=F32)
    w_rec = np.array(np.random.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=F32)
    np.fill_diagonal(w_rec, 0.0)
    w_out = np.array(np.random.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=F32)
    fb = np.array(np.random.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=F32)
    bools = (np.random.rand(T, n_in) < 0.05).swapaxes(0, 1)  # [channel][step]
    bools[:, 0] = 0
    periods = [1000, 500, 333, 200]
    amp = np.random.uniform(low=0.5, high=2.0, size=len(periods))
    phase = np.random.uniform(low=0.0, high=2.0 * np.pi, size=len(periods))
    target = sum(
        a * np.sin(np.linspace(p, p + 2.0 * np.pi * (T // P), T)) for a, p, P in zip(amp, phase, periods)
    )
    target -= target[0]
    target /= max(np.abs(target).max(), 1e-6)
    return dict(
        setup="regression",
        iterations=5,
        batch_size=1,
        steps=T,
        w_in=w_in,
        w_rec=w_rec,
        w_out=w_out,
        feedback=fb,
        spikes=[bools],
        target=target,
        loss_nest=[101.964356999041, 103.466731126205, 103.340607074771, 103.680244037686, 104.412775748752],
        loss_tf=[101.964363098144, 103.466735839843, 103.340606689453, 103.680244445800, 104.412780761718],
    )


# ------------------------------------------------------------ classification

CUE, SPACING, BG, RECALL, N_CUES = 100, 50, 1050, 150, 7
T_CLS = N_CUES * (CUE + SPACING) + BG + RECALL


def glorot(fan_in, fan_out):
    scale = 1.0 / max(1.0, (fan_in + fan_out) / 2.0)
    limit = np.sqrt(3.0 * scale)
    return np.random.uniform(low=-limit, high=limit, size=(fan_in, fan_out))


def evidence_batch(batch, n_in):
    """One iteration's sequences, drawn as NEST's test draws them."""
    per = n_in // 4
    p = np.array([0.3, 0.7], dtype=F32)
    side = np.random.choice([0, 1], batch)
    probs = np.zeros((batch, 2), dtype=F32)
    probs[:, 0] = p[side]
    probs[:, 1] = p[1 - side]
    cues = np.zeros((batch, N_CUES), dtype=int)
    for b in range(batch):
        cues[b, :] = np.random.choice([0, 1], N_CUES, p=probs[b])
    rate = np.zeros((batch, T_CLS, n_in))
    for b in range(batch):
        for c in range(N_CUES):
            start = c * (CUE + SPACING) + SPACING
            rate[b, start : start + CUE, cues[b, c] * per : (cues[b, c] + 1) * per] = 0.04
    rate[:, -RECALL:, 2 * per : 3 * per] = 0.04
    rate[:, :, 3 * per :] = 0.04 / 4.0
    bools = rate > np.random.rand(rate.size).reshape(rate.shape)
    bools[:, 0, :] = 0
    labels = (np.sum(cues, axis=1) > N_CUES // 2).astype(int)
    return bools, labels


def classification_data(batch):
    np.random.seed(1)
    n_in, n_reg, n_ad, n_out = 40, 50, 50, 2
    n_rec = n_reg + n_ad
    w_in = np.array(np.random.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=F32)
    w_rec = np.array(np.random.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=F32)
    np.fill_diagonal(w_rec, 0.0)
    w_out = np.array(glorot(n_rec, n_out).T, dtype=F32)
    fb = np.array(np.random.randn(n_rec, n_out), dtype=F32)
    spikes, labels = [], []
    for _ in range(5):
        bools, lab = evidence_batch(batch, n_in)
        spikes += [b.T for b in bools]  # [channel][step]
        labels += lab.tolist()
    refs = {
        1: [0.741152550006, 0.740388187700, 0.665785233177, 0.663644193322, 0.729428962844],
        2: [0.702163370672, 0.735555303152, 0.740354864111, 0.683882815282, 0.707841122268],
    }
    tf = [0.741152524948, 0.740388214588, 0.665785133838, 0.663644134998, 0.729429066181]
    beta = 1.7 * ((1.0 - np.exp(-1.0 / 2000.0)) / (1.0 - np.exp(-1.0 / 20.0)))
    return dict(
        setup="classification",
        iterations=5,
        batch_size=batch,
        steps=T_CLS,
        adapt_beta=beta,
        w_in=w_in,
        w_rec=w_rec,
        w_out=w_out,
        feedback=fb,
        spikes=spikes,
        target=labels,
        loss_nest=refs[batch],
        loss_tf=tf if batch == 1 else None,
    )


# ------------------------------------------------- an independent NumPy e-prop


def eprop_losses(d):
    """NEST's bsshslm_2020 e-prop with its delays taken out (every
    projection's 1-step delay shifts whole sequences alike): per sequence
    from rest, input x(n) and recurrent z(n-1) drive v(n), the readout
    reads z(n), the learning signal of step n multiplies the filtered
    trace of step n. Returns the loss per iteration."""
    cls = d["setup"] == "classification"
    w = [np.asarray(d[k], dtype=F32).astype(float) for k in ("w_in", "w_rec", "w_out")]
    fb = np.asarray(d["feedback"], dtype=F32).astype(float)
    n_rec, n_in = w[0].shape
    n_out = w[2].shape[0]
    T, B = d["steps"], d["batch_size"]
    if cls:
        tau, vth, gain, nref, c_reg, window = 20.0, 0.6, 1.0, 5, 300.0, RECALL
        beta = np.zeros(n_rec)
        beta[50:] = d["adapt_beta"]
    else:
        tau, vth, nref, c_reg, window = 30.0, 0.03, 0, 300.0, T
        gain = 1.0 - np.exp(-1.0 / tau)
        beta = np.zeros(n_rec)
    alpha = kappa = np.exp(-1.0 / tau)
    rho = np.exp(-1.0 / 2000.0)
    height, width, f_star = 0.3 / vth, vth, 10.0 / 1000.0
    adam = [(np.zeros_like(x), np.zeros_like(x)) for x in w]
    losses = []
    for it in range(d["iterations"]):
        grads = [np.zeros_like(x) for x in w]
        loss = 0.0
        for b in range(B):
            s = it * B + b if cls else 0
            x = np.zeros((T, n_in))
            for i, steps in enumerate(d["spikes"][s]):
                x[steps, i] = 1.0
            y_star = np.zeros(n_out)
            if cls:
                y_star[d["target"][s]] = 1.0
            v, z, a, r, y = np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec, int), np.zeros(n_out)
            zb_in, zb_rec, zb_out = np.zeros(n_in), np.zeros(n_rec), np.zeros(n_rec)
            ea = [np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))]
            eb = [np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))]
            se = [np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))]
            g = [np.zeros_like(q) for q in w]
            count = np.zeros(n_rec)
            for n in range(T):
                z_prev = z
                r = np.maximum(r - 1, 0)
                v = alpha * v + gain * (w[0] @ x[n] + w[1] @ z_prev) - vth * z_prev
                a = rho * a + z_prev
                thr = vth + beta * a
                psi = np.where(r > 0, 0.0, height * np.maximum(0.0, 1.0 - np.abs(v - thr) / width))
                z = ((v >= thr) & (r == 0)).astype(float)
                r = np.where(z > 0, nref, r)
                count += z
                y = kappa * y + (1.0 - kappa) * (w[2] @ z)
                if cls:
                    if n >= T - window:
                        p = np.exp(y) / np.exp(y).sum()
                        err = (p - y_star) / window
                        loss += -np.sum(y_star * np.log(p)) / (window * B)
                    else:
                        err = np.zeros(n_out)
                else:
                    err = y - d["target"][n]
                    loss += 0.5 * np.sum(err**2)
                L = fb @ err
                zb_in = alpha * zb_in + gain * x[n]
                zb_rec = alpha * zb_rec + gain * z_prev
                for q, zb in ((0, zb_in), (1, zb_rec)):
                    e = psi[:, None] * (zb[None, :] - beta[:, None] * ea[q])
                    ea[q] = rho * ea[q] + e
                    eb[q] = kappa * eb[q] + (1.0 - kappa) * e
                    g[q] += L[:, None] * eb[q]
                    se[q] += e
                zb_out = kappa * zb_out + (1.0 - kappa) * z
                g[2] += err[:, None] * zb_out[None, :]
            reg = c_reg * (count / T - f_star) / T / (window if cls else 1.0)
            for q in (0, 1):
                g[q] += reg[:, None] * se[q]
            for q in range(3):
                grads[q] += g[q] / B
        grads[1][np.diag_indices(n_rec)] = 0.0
        losses.append(loss)
        for q in range(3):
            if cls:  # NEST's Adam: eps added to sqrt(v), bias corrections in the step size
                m, vv = adam[q]
                m[:] = 0.9 * m + 0.1 * grads[q]
                vv[:] = 0.999 * vv + 0.001 * grads[q] ** 2
                step = 5e-3 * np.sqrt(1.0 - 0.999 ** (it + 1)) / (1.0 - 0.9 ** (it + 1))
                w[q] -= step * m / (np.sqrt(vv) + 1e-8)
            else:
                w[q] -= 1e-4 * grads[q]
    return losses


def to_json(d):
    out = {}
    for k, v in d.items():
        if k in ("w_in", "w_rec", "w_out", "feedback"):
            out[k] = f32list(v)
        elif k == "spikes":
            out[k] = [spike_steps(s) for s in v]
        elif isinstance(v, np.ndarray):
            out[k] = v.tolist()
        else:
            out[k] = v
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "experiments/train/testdata"
    os.makedirs(outdir, exist_ok=True)
    cases = [("eprop_nest_regression", regression_data())]
    cases += [("eprop_nest_classification_batch%d" % b, classification_data(b)) for b in (1, 2)]
    for name, d in cases:
        j = to_json(d)
        path = os.path.join(outdir, name + ".json.gz")
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(json.dumps(j, separators=(",", ":")).encode())
        got = eprop_losses(j)
        print(path)
        for it, (a, b) in enumerate(zip(got, j["loss_nest"])):
            print("  iteration %d  numpy %.12f  nest %.12f  rel %.1e" % (it, a, b, abs(a - b) / abs(b)))


if __name__ == "__main__":
    main()
