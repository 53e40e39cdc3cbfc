"""Load every output of dopa runs in NumPy, pandas and h5py, and plot one
figure per run (docs/python.md).

    /usr/bin/python3 docs/reference/load_outputs.py out/py/training \
        out/py/simulation out/py/distal out/py/memory out/py/reward

For each run directory (its kind read from manifest.json) it loads every
table there is, as CSV with pandas and as .npz with NumPy, checks that the
two hold the same values (floats bit for bit: pandas needs
float_precision="round_trip" for that), loads spikes.h5 with h5py (SONATA),
prints one line per table and writes DIR/python.png.

Needs Debian's python3-numpy, python3-pandas, python3-matplotlib and
python3-h5py; dopa itself never needs Python, and no test runs this.
"""
import json
import os
import sys

import h5py
import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TABLES = ["metrics", "traces", "diagnostics", "weights", "weights_end", "predictions",
          "rasters", "raster_trials", "spikes", "states", "populations", "memory", "capacity",
          "synapse_traces", "network_rasters", "probes", "episodes", "steps"]


def load_csv(path):
    """A CSV table as a DataFrame, every float exactly as dopa wrote it."""
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                       na_values={"optimal": [""], "regret": [""]})


def load_npz(path):
    """A .npz table as a DataFrame: one array per column, in file order."""
    with np.load(path) as z:
        return pd.DataFrame({k: z[k] for k in z.files})


def same(a, b):
    """Whether two tables hold the same columns and values (NaN equal)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            if not np.array_equal(x.astype(float), y.astype(float), equal_nan=True):
                return False
        elif not np.array_equal(x.astype(str), y.astype(str)):
            return False
    return True


def load_run(d):
    tables = {}
    for name in TABLES:
        csv, npz = os.path.join(d, name + ".csv"), os.path.join(d, name + ".npz")
        a = load_csv(csv) if os.path.exists(csv) else None
        b = load_npz(npz) if os.path.exists(npz) else None
        if a is None and b is None:
            continue
        t = b if b is not None else a
        note = "csv+npz agree" if a is not None and b is not None and same(a, b) else \
            "csv and npz DIFFER" if a is not None and b is not None else \
            ("npz" if b is not None else "csv")
        dtypes = ", ".join(f"{c}:{t[c].dtype}" for c in list(t.columns)[:4])
        print(f"  {name:16s} {len(t):7d} rows  {note:14s} {dtypes}{', …' if len(t.columns) > 4 else ''}")
        tables[name] = t
    h5 = os.path.join(d, "spikes.h5")
    if os.path.exists(h5):
        with h5py.File(h5, "r") as f:
            for pop, g in f["spikes"].items():
                ts, ids = g["timestamps"][()], g["node_ids"][()]
                sorting = h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype)
                order = {v: k for k, v in sorting.items()}[int(g.attrs["sorting"])]
                print(f"  spikes.h5 /spikes/{pop}: {len(ts)} spikes, timestamps {ts.dtype} "
                      f"[{g['timestamps'].attrs['units'].decode()}], node_ids {ids.dtype}, sorting {order}")
                if "spikes" in tables:
                    s = tables["spikes"]
                    s = s[s["population"] == pop]
                    assert np.array_equal(s["time_ms"].to_numpy(), ts) and np.array_equal(s["neuron"].to_numpy(), ids)
    return tables


def plot(kind, t, ax):
    if kind == "training":
        for (rule, seed), g in t["metrics"].groupby(["rule", "seed"]):
            ax.semilogy(g["trials"], g["loss"], label=f"{rule} s{seed}")
        ax.set(xlabel="trials", ylabel="loss")
    elif kind == "simulation":
        s, lay = t["spikes"], t["populations"]
        offset = dict(zip(lay["population"], np.cumsum([0] + list(lay["size"][:-1]))))
        ax.plot(s["time_ms"], s["neuron"] + s["population"].map(offset), ",k")
        ax.set(xlabel="time (ms)", ylabel="neuron")
    elif kind == "reward" and "synapse_traces" in t:
        for cond, g in t["synapse_traces"].groupby("condition"):
            ax.plot(g["t_s"], g["weight"], label=f"{cond}: watched synapse")
        ax.set(xlabel="time (s)", ylabel="weight")
    elif kind == "memory":
        for (rule, mode), g in t["memory"].groupby(["rule", "mode"]):
            g = g.groupby("patterns")["output_noise"].mean()
            ax.plot(g.index, g.values, "o-", label=f"{rule} {mode}")
        ax.set(xlabel="patterns stored", ylabel="output noise ε")
    elif kind == "reward":
        for (rule, cond), g in t["episodes"].groupby(["rule", "condition"]):
            g = g.groupby("episode")["return"].mean()
            ax.plot(g.index, g.values, label=f"{rule} {cond}")
        ax.set(xlabel="episode", ylabel="return")
    ax.set_title(kind)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=6)


def main(dirs):
    for d in dirs:
        with open(os.path.join(d, "manifest.json")) as f:
            kind = json.load(f)["kind"]
        print(f"{d}: {kind}")
        tables = load_run(d)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        plot(kind, tables, ax)
        fig.tight_layout()
        fig.savefig(os.path.join(d, "python.png"), dpi=100)
        plt.close(fig)
        print(f"  wrote {os.path.join(d, 'python.png')}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
