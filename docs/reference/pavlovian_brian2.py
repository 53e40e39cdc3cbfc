"""The Pavlovian experiment of Izhikevich (2007) in Brian2's C++ standalone
mode, the network and protocol of experiments/pavlovian.toml (circuit
izhikevich2007_network), for timing beside `dopa run pavlovian`
(docs/reward.md, "Izhikevich 2007").

    /usr/bin/python3 docs/reference/pavlovian_brian2.py [SECONDS] [SEED] [MAX_DELAY_MS]

(defaults 3600 s, seed 1, maximal excitatory delay 1 ms as
izhikevich2007_network; 20 for izhikevich2007_delays).

Needs Debian's python3-brian (Brian2) and g++; dopa itself never needs
Python. One thread (openmp_threads = 0). It prints the versions, the
compile and run times, the spikes and the mean rate.

The same network: 800 regular-spiking and 200 fast-spiking Izhikevich
neurons integrated as dopa does (two half steps of v, one of u, dt = 1 ms),
13·(U − 0.5) thalamic noise per ms, 80 + 20 distinct targets per
excitatory neuron with delays of 1 ms (or 1–MAX_DELAY_MS ms), 100 excitatory targets per
inhibitory neuron (weight −1, 1 ms), excitatory weights in [0, 4] learning
by R-STDP with nearest pairing and an eligibility trace, integrated
exactly between events (as dopa's event-driven synapses and GeNN's
version: every synapse is also brought up to date at each reward, so that
between two updates the dopamine is one exponential). The protocol:
stimuli every 100–300 ms, 100 groups of 50 of the 1000 neurons, a
40-mV kick, each S1 rewarded 1–1000 ms later (d += 0.5), η = 0.01/ms,
tonic 0.002, τ_c = 1000 ms, τ_d = 200 ms.

Where it differs from dopa, none of which changes the work done: a spike
arriving over a synapse of delay d is added in the synapse slot of step
n + d − 1 and consumed in step n + d (dopa: the same step); the stimulus
is a 40-mV kick of v in the synapse slot (dopa: a current of 40 for one
step); the random streams differ. Spikes of the same step do not pair, as
in dopa (refractory = 0 ms only makes lastspike available, to tell them
apart): Brian2's pathways would otherwise pair them at lag 0, which
changes the learning (docs/reward.md).
"""
import sys
import time

import numpy as np
import brian2
from brian2 import (NeuronGroup, Synapses, SpikeGeneratorGroup, SpikeMonitor, TimedArray,
                    defaultclock, device, ms, prefs, run, second, set_device)

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3600.0
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
dmax = int(sys.argv[3]) if len(sys.argv) > 3 else 1
set_device("cpp_standalone", directory=f"/tmp/pavlovian_brian2_{seed}", build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = 0
defaultclock.dt = 1 * ms
rng = np.random.default_rng(seed)
brian2.seed(seed)

NE, NI = 800, 200
N = NE + NI
steps = int(round(seconds * 1000))

# The protocol, drawn in advance.
stim_t, stim_i, onsets = [], [], []
reward = np.zeros(steps + 1)
groups = [rng.choice(N, 50, replace=False) for _ in range(100)]
onset = int(rng.integers(100, 301))
while onset < steps:
    g = int(rng.integers(100))
    onsets.append((onset, g))
    stim_t += [onset] * 50
    stim_i += list(groups[g])
    if g == 0:
        r = onset + int(rng.integers(1, 1001))
        if r <= steps:
            reward[r] += 1
    onset += int(rng.integers(100, 301))
da_flag = TimedArray(reward, dt=1 * ms)

neuron = """
a : 1 (constant)
b : 1 (constant)
c : 1 (constant)
d : 1 (constant)
v : 1
u : 1
I : 1
dd : 1
td : second
"""
update = """
I += 13.0 * (rand() - 0.5)
v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I)
u += a * (b * v - u)
I = 0
"""
P = NeuronGroup(N, neuron, threshold="v >= 30", reset="v = c; u += d", refractory=0 * ms,
                events={"reward": "da_flag(t) > 0"}, method="euler")
P.run_regularly(update, when="groups")
# The dopamine d of the script (in every neuron, read by its synapses as
# dd_pre): it jumps after the synapses' pathway "da", raised by the same
# event, has brought every synapse to the reward's time.
P.run_on_event("reward", "dd = dd * exp(-(t - td) / (200 * ms)) + 0.5 * da_flag(t); td = t")
E, I = P[:NE], P[NE:]
E.a, E.b, E.c, E.d = 0.02, 0.2, -65, 8
I.a, I.b, I.c, I.d = 0.1, 0.2, -65, 2
P.v = -65
P.u = 0.2 * -65
P.td = 0 * ms

eta, tonic, tauc, taud = 0.01, 0.002, 1000 * ms, 200 * ms
tcd = tauc * taud / (tauc + taud)
advance = """
lapse = t - tl
Dl = dd_pre * exp(-(tl - td_pre) / taud)
kc = exp(-lapse / tauc)
w = clip(w + eta * elig * (Dl * (tcd / ms) * (1 - exp(-lapse / tcd)) + tonic * (tauc / ms) * (1 - kc)), 0, 4)
elig = elig * kc
tl = t
"""
plastic = """
w : 1
elig : 1
tl : second
dApre/dt = -Apre / (20 * ms) : 1 (event-driven)
dApost/dt = -Apost / (20 * ms) : 1 (event-driven)
"""
ns = {"eta": eta, "tonic": tonic, "tauc": tauc, "taud": taud, "tcd": tcd}
syn = []
for post, k in ((E, 80), (I, 20)):
    S = Synapses(E, post, plastic, namespace=ns,
                 on_pre={"pre": "I_post += w",
                         "stdp": advance + "elig -= 1.5 * Apost * int(lastspike_post < t)\nApre = 1",
                         "da": advance},
                 on_post={"post": advance + "elig += 1.0 * Apre * int(lastspike_pre < t)\nApost = 1"},
                 on_event={"pre": "spike", "stdp": "spike", "post": "spike", "da": "reward"},
                 )
    n = len(post)
    pre_i = np.repeat(np.arange(NE), k)
    post_j = np.concatenate([rng.choice(n, k, replace=False) for _ in range(NE)])
    S.connect(i=pre_i, j=post_j)
    S.w = 1.0
    S.pre.delay = (rng.integers(1, dmax + 1, len(pre_i)) - 1) * ms
    syn.append(S)
IE = Synapses(I, E, on_pre="I_post += -1.0")
IE.connect(i=np.repeat(np.arange(NI), 100), j=np.concatenate([rng.choice(NE, 100, replace=False) for _ in range(NI)]))
stim = SpikeGeneratorGroup(N, np.array(stim_i, dtype=int), np.array(stim_t) * ms)
kick = Synapses(stim, P, on_pre="v_post += 40")
kick.connect(j="i")
mon = SpikeMonitor(P)

run(seconds * second)
t0 = time.perf_counter()
device.build(directory=f"/tmp/pavlovian_brian2_{seed}", compile=True, run=True, debug=False)
wall = time.perf_counter() - t0
print(f"brian2 {brian2.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
      f"openmp_threads {prefs.devices.cpp_standalone.openmp_threads} (one thread)")
print(f"simulated {seconds:g} s: run {device._last_run_time:.2f} s (simulation loop), "
      f"{wall:.1f} s with code generation and compilation")
print(f"spikes {int(mon.num_spikes)}, mean rate {mon.num_spikes / N / seconds:.3f} Hz")

# The response as dopa's network agent counts it: the spikes of the 1000
# neurons in the 20 steps after the stimulus step, those of the stimulated
# group's own neurons excluded, early (first 300 s) and late (last 300 s).
order = np.argsort(np.asarray(mon.t / ms), kind="stable")
spk = np.round(np.asarray(mon.t / ms)[order]).astype(int)
who = np.asarray(mon.i)[order]
for name, lo, hi in (("early", 0, 300000), ("late", steps - 300000, steps)):
    resp = {True: [], False: []}
    for onset, g in onsets:
        if lo <= onset < hi:
            a, b = np.searchsorted(spk, [onset + 1, onset + 21])
            resp[g == 0].append(int(np.count_nonzero(~np.isin(who[a:b], groups[g]))))
    if resp[True] and resp[False]:
        s1, other = np.mean(resp[True]), np.mean(resp[False])
        print(f"{name}: S1 {s1:.1f} spikes ({len(resp[True])} presentations), others {other:.1f}, ratio {s1 / other:.2f}")
