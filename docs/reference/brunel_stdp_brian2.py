"""Brunel (2000) with STDP on its excitatory-to-excitatory synapses, in
Brian2's C++ standalone mode: the network of circuits/brunel_stdp.toml,
for its spike statistics and weights (TestBrunelSTDPMatchesBrian2 in
circuits/) and for timing beside `dopa run brunel_stdp`
(docs/performance.md).

    /usr/bin/python3 docs/reference/brunel_stdp_brian2.py [SECONDS] [SEED] [THREADS] [profile]

(defaults 1 s, seed 1, one thread: openmp_threads = 0; "profile" prints
Brian2's time per code object; a duration other than 1 s adds _SECONDSs
to the directory, "profile" adds _profile). Needs
Debian's python3-brian (Brian2) and g++; dopa itself never needs Python.
It prints the versions and thread count, the simulation loop's time
(Brian2's own record), the spikes, the statistics of
docs/reference/brunel_brian2.py over the spikes at or after 200 ms (mean
rate, mean CV of ISIs over neurons with at least 3 spikes, Fano factor of
the population count in 1 ms bins), and the distribution of the plastic
weights at the end: mean, standard deviation (ddof = 0), minimum, the
order statistics at floor(q*(n-1)) for q = 0.1, 0.5, 0.9, maximum, and the
fractions at w_min and w_max. The compiled binary stays in
/tmp/brunel_stdp_brian2_SEED_THREADS; rerunning its ./main repeats the run
(its time: results/last_run_info.txt).

The network is docs/reference/brunel_brian2.py's (10 000 LIF neurons,
fixed in-degree CE = 800 and CI = 200, J = 0.1 mV, g = 5, eta = 2, delay
1.5 ms), except that the 6.4e6 excitatory-to-excitatory synapses learn
by Brian2's standard STDP (its STDP example, after Song, Miller & Abbott
2000): additive, all-to-all, event-driven traces per synapse,

    on_pre:  v_post += w*int(not_refractory_post); Apre += Aplus;  w = clip(w + Apost, 0, wmax)
    on_post: Apost -= Aminus;                              w = clip(w + Apre, 0, wmax)
    dApre/dt = -Apre/taupre, dApost/dt = -Apost/taupost (event-driven)

with wmax = 2J = 0.2 mV, Aplus = 0.01*wmax, Aminus = 1.05*Aplus, taupre =
taupost = 20 ms, w starting at J. on_pre runs when a spike arrives (1.5 ms
after it), before the on_post of the same step. dopa's rule "stdp" is the
same rule with one trace per neuron (equal for additive all-to-all
pairing); dopa adds a spike's weight at its departure (Brian2: at its
arrival, 1.5 ms later, a change of at most 15 steps of plasticity), and
the differences of docs/reference/brunel_brian2.py (threshold v > theta,
binomial drive, refractory end, random streams) hold here too.
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
directory = (f"/tmp/brunel_stdp_brian2_{seed}_{threads}" + ("" if seconds == 1 else f"_{seconds:g}s")
             + ("_profile" if profile else ""))
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


def fixed_in_degree(n_pre, k, n_post):
    """Pre and post indices: every post neuron gets k distinct pre neurons."""
    pre = np.concatenate([rng.choice(n_pre, k, replace=False) for _ in range(n_post)])
    post = np.repeat(np.arange(n_post), k)
    return pre, post


wmax = 2 * J
Aplus, Aminus, taupre, taupost = 0.01 * wmax, 0.0105 * wmax, 20 * ms, 20 * ms
Cee = Synapses(P[:NE], P[:NE], model="""w : volt
                                       dApre/dt = -Apre/taupre : volt (event-driven)
                                       dApost/dt = -Apost/taupost : volt (event-driven)""",
               on_pre="""v_post += w*int(not_refractory_post)
                         Apre += Aplus
                         w = clip(w + Apost, 0*mV, wmax)""",
               on_post="""Apost -= Aminus
                          w = clip(w + Apre, 0*mV, wmax)""", delay=D)
Cei = Synapses(P[:NE], P[NE:], on_pre="v_post += J*int(not_refractory_post)", delay=D)
Ci = Synapses(P[NE:], P, on_pre="v_post += -g*J*int(not_refractory_post)", delay=D)
i, j = fixed_in_degree(NE, CE, NE)
Cee.connect(i=i, j=j)
Cee.w = J
i, j = fixed_in_degree(NE, CE, NI)
Cei.connect(i=i, j=j)
i, j = fixed_in_degree(NI, CI, N)
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
w = np.sort(np.asarray(Cee.w / mV))
q = lambda f: w[int(f * (len(w) - 1))]
print(f"weights of ee ({len(w)} synapses, mV): mean {w.mean():.6f}, sd {w.std():.6f}, min {w[0]:.5f}, "
      f"p10 {q(0.1):.5f}, p50 {q(0.5):.5f}, p90 {q(0.9):.5f}, max {w[-1]:.5f}, "
      f"at w_min {np.mean(w <= 0):.5f}, at w_max {np.mean(w >= float(wmax / mV)):.5f}")
