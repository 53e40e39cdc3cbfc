"""One training iteration of the e-prop evidence-accumulation network of
circuits/eprop_evidence.toml, trained by surrogate-gradient BPTT in
PyTorch on one thread, for timing and memory beside dopa's e-prop
(BenchmarkEpropEvidenceIteration; docs/eprop.md, "Cost against BPTT").

The network is dopa's: 40 Poisson inputs (left, right, recall, background
groups of 10, as the task `evidence` draws them: 40 Hz active, 10 Hz
background, dt = 1 ms), 100 recurrent ALIF neurons (the first 50
adaptive: tau_a = 2000 ms, beta = 0.017425 mV; v_th = 0.6 mV,
tau_m = 20 ms, reset by subtraction, 5-ms refractory period), two leaky
linear readouts (tau_out = 20 ms), softmax cross-entropy over the 150-step
recall window, firing-rate regularisation (c_reg = 2 toward 10 Hz), Adam
(lr 5e-3), weights N(0, 1/n_pre) onto the recurrent neurons and
Glorot-uniform onto the readout. The spike's derivative is e-prop's
pseudo-derivative psi = gamma/v_th * max(0, 1 - |v - A|/v_th), gamma = 0.3,
0 while refractory. BPTT differentiates through everything else (the
reset, the adaptation, the recurrence): the exact surrogate gradient that
e-prop approximates.

One iteration: a batch of sequences (default 8, as
experiments/eprop_evidence.toml) run step by step from rest, the loss,
backward through time, one Adam step. The inputs are drawn once before
timing (dopa's benchmark also times a fixed batch).

Memory: the bytes of the tensors autograd keeps for the backward pass
(counted by torch.autograd.graph.saved_tensors_hooks, each storage once),
and the process's peak resident set (ru_maxrss) in a fresh process per
sequence length.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        /usr/bin/python3 docs/reference/eprop_evidence_torch.py

Needs Debian's python3-torch; dopa itself never needs Python.
"""
import argparse
import math
import os
import resource
import subprocess
import sys
import time

import torch

N_IN, N_REC, N_ADAPT, N_OUT = 40, 100, 50, 2
DT = 1.0
TAU_M, TAU_A, TAU_OUT = 20.0, 2000.0, 20.0
V_TH, BETA, GAMMA, N_REF = 0.6, 0.017425, 0.3, 5
C_REG, F_TARGET = 2.0, 10.0 * DT / 1000.0
CUES, CUE, SPACING, RECALL, RATE = 7, 100, 50, 150, 40.0


def steps_for(delay):
    return CUES * (CUE + SPACING) + delay + RECALL


class Spike(torch.autograd.Function):
    """z = H(v - A); dz/dv = psi (e-prop's pseudo-derivative), 0 while refractory."""

    @staticmethod
    def forward(ctx, u, ok):
        ctx.save_for_backward(u, ok)
        return ((u >= 0) & ok).to(u.dtype)

    @staticmethod
    def backward(ctx, g):
        u, ok = ctx.saved_tensors
        psi = GAMMA / V_TH * torch.clamp(1 - torch.abs(u) / V_TH, min=0) * ok.to(u.dtype)
        return g * psi, None


def make_inputs(batch, T, gen, dtype):
    """Spikes (T, batch, 40) and labels, drawn as the task evidence draws them."""
    x = torch.zeros(T, batch, N_IN, dtype=dtype)
    labels = torch.zeros(batch, dtype=torch.long)
    g = N_IN // 4
    p = RATE * DT / 1000
    for b in range(batch):
        major = int(torch.randint(2, (1,), generator=gen))
        cues = [major if float(torch.rand(1, generator=gen)) >= 0.3 else 1 - major for _ in range(CUES)]
        labels[b] = 1 if 2 * sum(cues) > CUES else 0
        prob = torch.zeros(T, N_IN, dtype=dtype)
        prob[:, 3 * g :] = p / 4
        for c, side in enumerate(cues):
            s0 = c * (CUE + SPACING) + SPACING
            prob[s0 : s0 + CUE, side * g : (side + 1) * g] = p
        prob[T - RECALL :, 2 * g : 3 * g] = p
        x[:, b] = (torch.rand(T, N_IN, generator=gen, dtype=dtype) < prob).to(dtype)
    return x, labels


class LSNN(torch.nn.Module):
    def __init__(self, gen, dtype):
        super().__init__()
        self.w_in = torch.nn.Parameter(torch.randn(N_REC, N_IN, generator=gen, dtype=dtype) / math.sqrt(N_IN))
        self.w_rec = torch.nn.Parameter(torch.randn(N_REC, N_REC, generator=gen, dtype=dtype) / math.sqrt(N_REC))
        a = math.sqrt(3) * 1.4 / math.sqrt(N_REC)
        self.w_out = torch.nn.Parameter((torch.rand(N_OUT, N_REC, generator=gen, dtype=dtype) * 2 - 1) * a)
        beta = torch.zeros(N_REC, dtype=dtype)
        beta[:N_ADAPT] = BETA
        self.register_buffer("beta", beta)
        self.alpha = math.exp(-DT / TAU_M)
        self.rho = math.exp(-DT / TAU_A)
        self.kappa = math.exp(-DT / TAU_OUT)

    def forward(self, x):
        T, B, _ = x.shape
        dt = x.dtype
        v = torch.zeros(B, N_REC, dtype=dt)
        a = torch.zeros(B, N_REC, dtype=dt)
        z = torch.zeros(B, N_REC, dtype=dt)
        ref = torch.zeros(B, N_REC, dtype=torch.int32)
        y = torch.zeros(B, N_OUT, dtype=dt)
        # The input's drive of all steps at once, split into steps by unbind
        # (whose backward stacks the steps' gradients; indexing drive[t]
        # would make a full-size gradient per step, quadratic in T).
        drive = torch.matmul(x, self.w_in.t()).unbind(0)
        ys, count = [], torch.zeros(B, N_REC, dtype=dt)
        for t in range(T):
            ref = torch.clamp(ref - 1, min=0)
            v = self.alpha * v + drive[t] + torch.matmul(z, self.w_rec.t()) - V_TH * z
            a = self.rho * a + z
            thr = V_TH + self.beta * a
            ok = ref == 0
            z = Spike.apply(v - thr, ok)
            ref = torch.where(z.detach() > 0, torch.full_like(ref, N_REF), ref)
            count = count + z
            y = self.kappa * y + (1 - self.kappa) * torch.matmul(z, self.w_out.t())
            if t >= T - RECALL:
                ys.append(y)
        return torch.stack(ys), count / T


def loss_of(net, x, labels):
    ys, rate = net(x)
    R, B, _ = ys.shape
    ce = torch.nn.functional.cross_entropy(ys.reshape(R * B, N_OUT), labels.repeat(R))
    reg = C_REG / 2 * ((rate - F_TARGET) ** 2).sum(dim=1).mean()
    return ce + reg


def iteration(net, opt, x, labels):
    opt.zero_grad()
    loss = loss_of(net, x, labels)
    loss.backward()
    opt.step()
    return float(loss)


def saved_bytes(net, x, labels):
    """Bytes of the tensors autograd saves for one iteration's backward pass."""
    seen = {}

    def pack(t):
        try:
            key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        except AttributeError:  # older torch
            key = (t.storage().data_ptr(), t.storage().nbytes())
        seen[key] = key[1]
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_of(net, x, labels)
    loss.backward()
    return sum(seen.values())


def setup(batch, delay, dtype):
    gen = torch.Generator().manual_seed(1)
    net = LSNN(gen, dtype)
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    x, labels = make_inputs(batch, steps_for(delay), gen, dtype)
    return net, opt, x, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--delay", type=int, default=1050, help="delay_steps (1050: 2250-step sequences)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--memory", action="store_true", help="one iteration's saved bytes and peak RSS, then exit")
    ap.add_argument("--lengths", default="1050,3300,7800", help="delay_steps of the memory table")
    args = ap.parse_args()
    torch.set_num_threads(1)
    dtype = getattr(torch, args.dtype)
    if args.memory:
        net, opt, x, labels = setup(args.batch, args.delay, dtype)
        sb = saved_bytes(net, x, labels)
        opt.step()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"{steps_for(args.delay)} {sb} {rss}")
        return
    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, interop {torch.get_num_interop_threads()}, env {env}")
    print(f"network 40-100(50 adaptive)-2, batch {args.batch}, {args.dtype}")
    net, opt, x, labels = setup(args.batch, args.delay, dtype)
    losses = [iteration(net, opt, x, labels)]  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        losses.append(iteration(net, opt, x, labels))
        times.append(time.perf_counter() - t0)
    print(f"loss of the batch, iteration by iteration: {' '.join(f'{l:.4f}' for l in losses)}")
    times.sort()
    print(f"one iteration ({steps_for(args.delay)} steps): min {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s over {args.repeats}")
    print("steps  saved_for_backward_bytes  peak_rss_bytes (fresh process each)")
    for d in (int(s) for s in args.lengths.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--memory", "--batch", str(args.batch), "--delay", str(d), "--dtype", args.dtype],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        print(f"{out[0]:>5}  {int(out[1]):>24}  {int(out[2]):>14}")


if __name__ == "__main__":
    main()
