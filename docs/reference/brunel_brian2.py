"""Brunel (2000) static, in Brian2's C++ standalone mode: the network of
circuits/brunel.toml, for its spike statistics (TestBrunelMatchesBrian2
in circuits/) and for timing beside `dopa run brunel`
(docs/performance.md).

    /usr/bin/python3 docs/reference/brunel_brian2.py [SECONDS] [SEED] [THREADS] [profile]

(defaults 1 s, seed 1, one thread: openmp_threads = 0; "profile" prints
Brian2's time per code object, in /tmp/brunel_brian2_SEED_THREADS_profile). Needs Debian's
python3-brian (Brian2) and g++; dopa itself never needs Python. It prints
the versions and thread count, the simulation loop's time (Brian2's own
record), the spikes, and the statistics dopa's test compares, all over
the spikes at or after 200 ms: the mean rate over all neurons, the mean
over neurons with at least 3 spikes of the CV of their inter-spike
intervals (standard deviation with ddof = 0 over mean), and the Fano
factor (variance over mean) of the population's spike count in 1 ms bins.
The compiled binary stays in /tmp/brunel_brian2_SEED_THREADS; rerunning
its ./main repeats the run (its time: results/last_run_info.txt).

The network: 10 000 neurons, NE = 8000 excitatory and NI = 2000
inhibitory; every neuron receives CE = 800 excitatory and CI = 200
inhibitory synapses, its pre neurons drawn without replacement (fixed
in-degree, self-connections allowed, as dopa's in_degree rule), and
CE external Poisson inputs of rate nu_ext each (Brian2's PoissonInput,
a binomial count per step),

    dv/dt = -v/tau  (unless refractory)        (method 'exact')

threshold v > theta = 20 mV, reset Vr = 10 mV, refractory 2 ms, tau
20 ms, an excitatory spike adding J = 0.1 mV to v, an inhibitory one
-g*J, 1.5 ms after the spike, g = 5, eta = nu_ext/nu_thr = 2,
nu_thr = theta/(J*CE*tau) = 12.5 Hz, initial v = 0, dt 0.1 ms. A
refractory neuron ignores its input (Brunel's neurons; dopa's delta
synapses): every increment is multiplied by int(not_refractory). Where
it differs from dopa, none of which changes the work done: the threshold
is v > theta (dopa v >= theta), the external count is binomial
(dopa Poisson: variance larger by the factor 1/(1 - nu_ext*dt) = 1.0025),
Brian2's refractory period ends one step sooner (docs/model.md), and the
random streams differ.
"""
import os
import sys

import numpy as np
import brian2
from brian2 import (NeuronGroup, PoissonInput, Synapses, SpikeMonitor, defaultclock, device, Hz, ms,
                    mV, prefs, run, second, set_device)

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
profile = len(sys.argv) > 4 and sys.argv[4] == "profile"
directory = f"/tmp/brunel_brian2_{seed}_{threads}" + ("_profile" if profile else "")
set_device("cpp_standalone", directory=directory, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = threads
defaultclock.dt = 0.1 * ms
brian2.seed(seed)
rng = np.random.default_rng(seed)

NE, NI = 8000, 2000
N = NE + NI
CE, CI = 800, 200
tau, theta, Vr, tau_rp = 20 * ms, 20 * mV, 10 * mV, 2 * ms
J, g, eta, D = 0.1 * mV, 5.0, 2.0, 1.5 * ms
nu_thr = theta / (J * CE * tau)
nu_ext = eta * nu_thr

P = NeuronGroup(N, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta", reset="v = Vr",
                refractory=tau_rp, method="exact")
P.v = 0 * mV


def fixed_in_degree(n_pre, k):
    """Pre and post indices: every post neuron gets k distinct pre neurons."""
    pre = np.concatenate([rng.choice(n_pre, k, replace=False) for _ in range(N)])
    post = np.repeat(np.arange(N), k)
    return pre, post


Ce = Synapses(P[:NE], P, on_pre="v_post += J*int(not_refractory_post)", delay=D)
Ci = Synapses(P[NE:], P, on_pre="v_post += -g*J*int(not_refractory_post)", delay=D)
i, j = fixed_in_degree(NE, CE)
Ce.connect(i=i, j=j)
i, j = fixed_in_degree(NI, CI)
Ci.connect(i=i, j=j)
ext = PoissonInput(P, "v", CE, nu_ext, weight="J*int(not_refractory)")
mon = SpikeMonitor(P)

run(seconds * second, profile=profile)
device.build(directory=directory, compile=True, run=True, debug=False)
if profile:
    print(brian2.profiling_summary(show=10))
print(f"brian2 {brian2.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
      f"openmp_threads {threads} ({'one thread' if threads == 0 else f'{threads} threads'})")
with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
    loop = float(f.read().split()[0])
print(f"simulated {seconds:g} s, seed {seed}: simulation loop {loop:.4f} s, nu_ext {float(nu_ext / Hz):g} Hz")

t = np.asarray(mon.t / ms)
i = np.asarray(mon.i)
late = t >= 200.0
rate = np.count_nonzero(late) / N / (seconds - 0.2)
cvs = []
order = np.lexsort((t[late], i[late]))
ti, ii = t[late][order], i[late][order]
bounds = np.searchsorted(ii, np.arange(N + 1))
for k in range(N):
    s = ti[bounds[k]:bounds[k + 1]]
    if len(s) >= 3:
        isi = np.diff(s)
        cvs.append(isi.std() / isi.mean())
counts = np.bincount(((t[late] - 200.0) // 1.0).astype(int), minlength=int(round((seconds * 1000 - 200))))
fano = counts.var() / counts.mean()
print(f"spikes {len(t)} (exc {int(np.count_nonzero(i < NE))}, inh {int(np.count_nonzero(i >= NE))}), "
      f"mean rate {rate:.3f} Hz, mean CV of ISIs {np.mean(cvs):.4f} ({len(cvs)} neurons), "
      f"Fano factor of the population count in 1 ms bins {fano:.3f}")
