"""The CUBA benchmark (Vogels & Abbott 2005; Brette et al. 2007; Brian2's
examples/CUBA.py) in Brian2's C++ standalone mode: the network of
circuits/cuba.toml, for timing beside `dopa run cuba` (docs/performance.md).

    /usr/bin/python3 docs/reference/cuba_brian2.py [SECONDS] [SEED] [THREADS]

(defaults 1 s, seed 1, one thread: openmp_threads = 0). Needs Debian's
python3-brian (Brian2) and g++; dopa itself never needs Python. It prints
the versions and thread count, the simulation loop's time (Brian2's own
record) and the spikes. The compiled binary stays in
/tmp/cuba_brian2_SEED_THREADS; rerunning its ./main repeats the run (its
time: results/last_run_info.txt).

The network: 4000 neurons, 3200 excitatory and 800 inhibitory, every pair
connected with probability 0.02,

    dv/dt = (ge + gi - (v - El))/taum  (unless refractory)
    dge/dt = -ge/taue,  dgi/dt = -gi/taui

with taum 20 ms, El -49 mV, taue 5 ms, taui 10 ms, threshold v > -50 mV,
reset -60 mV, refractory 5 ms, an excitatory spike adding 1.62 mV to ge,
an inhibitory one -9 mV to gi, initial v uniform in [-60, -50) mV,
dt 0.1 ms, integrated exactly ('exact', as dopa's LIF).
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
directory = f"/tmp/cuba_brian2_{seed}_{threads}"
set_device("cpp_standalone", directory=directory, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = threads
defaultclock.dt = 0.1 * ms
brian2.seed(seed)

NE, NI = 3200, 800
N = NE + NI
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand()*(Vt - Vr)"
Ce = Synapses(P[:NE], P, on_pre="ge += 1.62*mV")
Ci = Synapses(P[NE:], P, on_pre="gi += -9*mV")
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
print(f"spikes {int(mon.num_spikes)}, mean rate {mon.num_spikes / N / seconds:.3f} Hz")
