"""One epoch of backprop SGD on Lansdell et al.'s 784-50-20-10 MNIST network
in PyTorch: the peer of dopa's BenchmarkMNISTEpochSGD (experiments/train,
docs/performance.md "Dense training", docs/credit.md "Speed").

The same epoch as dopa's: sigmoid hidden units, linear readout, biases,
loss = mean over the batch of 0.5*||y_hat - y||^2, 1875 batches of 32
drawn from a fresh random order of the 60 000 training images, pixels
x/255, one-hot targets, plain SGD with eta = 0.3, no evaluation; the same
embedded data files (experiments/task/mnistdata). The weights start from
torch's default init, not dopa's N(0, 2/n_pre): the work per epoch is the
same.

    /usr/bin/python3 docs/reference/mnist_epoch_torch.py [float64|float32] [epochs] [name]

With a name, it also prints every epoch after the first (the first warms
the allocator and the BLAS up) as a Go benchmark line,
BenchmarkMNISTEpoch/NAME 1 <ns> ns/op <s> cpu-s/op, which benchstat reads
beside BenchmarkMNISTEpochSGD's (docs/reference/mnist_timing.sh).

It sets torch's threads to 1 (torch.set_num_threads). Debian's torch is
built with BLAS_INFO=generic and does not tell the BLAS it loads how many
threads to use, so for one thread run it with OPENBLAS_NUM_THREADS=1
(and OMP_NUM_THREADS=1). It prints the torch version, its threads, the BLAS
libraries mapped into the process (and OpenBLAS's core type and threads
when OpenBLAS is the one), the relevant environment variables, then one
line per epoch (wall seconds, and CPU seconds of the process over all its
threads) and the fastest epoch.

Needs Debian's python3-torch; dopa itself never needs Python.
"""
import ctypes
import gzip
import os
import re
import sys
import time

import torch

torch.set_num_threads(1)
dtype = torch.float64 if (len(sys.argv) < 2 or sys.argv[1] == "float64") else torch.float32
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
name = sys.argv[3] if len(sys.argv) > 3 else None
here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "experiments", "task", "mnistdata")


def blas_in_use():
    """The BLAS shared objects mapped into this process, and OpenBLAS's own
    report of its build, core type and thread count when it is one."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            name = os.path.basename(p)
            if any(k in name for k in ("blas", "lapack", "mkl", "dnnl", "gomp")):
                libs.add(os.path.realpath(p))
    out = sorted(libs)
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        for fn in ("openblas_get_config", "openblas_get_corename"):
            getattr(ob, fn).restype = ctypes.c_char_p
        out.append("openblas: %s; core %s; threads %d" % (
            ob.openblas_get_config().decode(), ob.openblas_get_corename().decode(), ob.openblas_get_num_threads()))
    except OSError:
        out.append("openblas: not loadable")
    return out


def idx(name, head):
    with gzip.open(os.path.join(data, name)) as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)[head:]


x = idx("train-images-idx3-ubyte.gz", 16).reshape(60000, 784).to(dtype) / 255.0
y = torch.nn.functional.one_hot(idx("train-labels-idx1-ubyte.gz", 8).long(), 10).to(dtype)
torch.manual_seed(1)
net = torch.nn.Sequential(
    torch.nn.Linear(784, 50), torch.nn.Sigmoid(),
    torch.nn.Linear(50, 20), torch.nn.Sigmoid(),
    torch.nn.Linear(20, 10)).to(dtype)
opt = torch.optim.SGD(net.parameters(), lr=0.3)
# One warm-up batch, so that the BLAS has started before the clock does.
opt.zero_grad()
(0.5 * ((net(x[:32]) - y[:32]) ** 2).sum(1).mean()).backward()

print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, interop {torch.get_num_interop_threads()}")
print("build:", " ".join(re.findall(r"(?:BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=\w+", torch.__config__.show())))
for line in blas_in_use():
    print("blas:", line)
print("env:", " ".join(f"{k}={os.environ.get(k, '')}" for k in (
    "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "LD_PRELOAD")))
best, best_cpu = float("inf"), float("inf")
for rep in range(epochs):
    perm = torch.randperm(60000)
    t0, c0 = time.perf_counter(), time.process_time()
    for b in range(60000 // 32):
        i = perm[b * 32:(b + 1) * 32]
        opt.zero_grad()
        loss = 0.5 * ((net(x[i]) - y[i]) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    best, best_cpu = min(best, dt), min(best_cpu, dc)
    print(f"{dtype} epoch {rep}: {dt:.3f} s wall, {dc:.3f} s CPU, last batch loss {loss.item():.4f}")
    if name and rep > 0:
        print(f"BenchmarkMNISTEpoch/{name} 1 {dt * 1e9:.0f} ns/op {dc:.4f} cpu-s/op")
print(f"{dtype} fastest epoch: {best:.3f} s wall, {best_cpu:.3f} s CPU")
