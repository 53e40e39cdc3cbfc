"""The COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007) in Brian2's
C++ standalone mode: the network of circuits/coba.toml, for its spike
statistics (TestCOBAMatchesBrian2 in circuits/) and for timing beside
`dopa run coba` (docs/performance.md).

    /usr/bin/python3 docs/reference/coba_brian2.py [SECONDS] [SEED] [THREADS]

(defaults 1 s, seed 1, one thread: openmp_threads = 0). Needs Debian's
python3-brian (Brian2) and g++; dopa itself never needs Python. It prints
the versions and thread count, the simulation loop's time (Brian2's own
record), the spikes, and the statistics dopa's test compares: the mean
rate over all neurons and the whole run, and the mean over neurons with
at least 3 spikes after the first 200 ms of the CV of their inter-spike
intervals (standard deviation with ddof = 0 over mean). The compiled
binary stays in /tmp/coba_brian2_SEED_THREADS; rerunning its ./main
repeats the run (its time: results/last_run_info.txt).

The network: 4000 neurons, 3200 excitatory and 800 inhibitory, every pair
connected with probability 0.02 (self-connections allowed, as dopa's
sparse projections),

    dv/dt = (ge*(Ee - v) + gi*(Ei - v) - (v - El) + Ib)/taum  (unless refractory)
    dge/dt = -ge/taue,  dgi/dt = -gi/taui

with taum 20 ms, El -60 mV, Ib 20 mV, Ee 0 mV, Ei -80 mV, taue 5 ms,
taui 10 ms, threshold v > -50 mV, reset -60 mV, refractory 5 ms, an
excitatory spike adding 0.6 to ge, an inhibitory one 6.7 to gi, initial v
uniform in [-60, -50) mV, dt 0.1 ms, forward Euler ('euler'). Where it
differs from dopa, none of which changes the work done: Brian2 decays ge
and gi by Euler too (dopa exactly), its threshold is v > Vt (dopa
v >= Vt), its refractory period ends one step sooner (docs/model.md), and
the random streams differ.
"""
import os
import sys

import numpy as np
import brian2
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV,
                    prefs, run, second, set_device)

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
directory = f"/tmp/coba_brian2_{seed}_{threads}"
set_device("cpp_standalone", directory=directory, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = threads
defaultclock.dt = 0.1 * ms
brian2.seed(seed)

NE, NI = 3200, 800
N = NE + NI
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El, Ib = -50 * mV, -60 * mV, -60 * mV, 20 * mV
Ee, Ei = 0 * mV, -80 * mV
eqs = """
dv/dt = (ge*(Ee - v) + gi*(Ei - v) - (v - El) + Ib)/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
"""
P = NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="euler")
P.v = "Vr + rand()*(Vt - Vr)"
Ce = Synapses(P[:NE], P, on_pre="ge += 0.6")
Ci = Synapses(P[NE:], P, on_pre="gi += 6.7")
Ce.connect(p=0.02)
Ci.connect(p=0.02)
mon = SpikeMonitor(P)

run(seconds * second)
device.build(directory=directory, compile=True, run=True, debug=False)
print(f"brian2 {brian2.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
      f"openmp_threads {threads} ({'one thread' if threads == 0 else f'{threads} threads'})")
with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
    loop = float(f.read().split()[0])
print(f"simulated {seconds:g} s, seed {seed}: simulation loop {loop:.4f} s")

t = np.asarray(mon.t / ms)
i = np.asarray(mon.i)
rate = len(t) / N / seconds
cvs = []
late = t >= 200.0
order = np.lexsort((t[late], i[late]))
ti, ii = t[late][order], i[late][order]
bounds = np.searchsorted(ii, np.arange(N + 1))
for k in range(N):
    s = ti[bounds[k]:bounds[k + 1]]
    if len(s) >= 3:
        isi = np.diff(s)
        cvs.append(isi.std() / isi.mean())
print(f"spikes {len(t)} (exc {int(np.count_nonzero(i < NE))}, inh {int(np.count_nonzero(i >= NE))}), "
      f"mean rate {rate:.3f} Hz, mean CV of ISIs {np.mean(cvs):.4f} ({len(cvs)} neurons)")
