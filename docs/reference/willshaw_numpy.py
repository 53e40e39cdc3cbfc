"""Bit-packed Willshaw memory in NumPy, for timing beside dopa's
BenchmarkPackedStore and BenchmarkPackedRetrieve (synapse/willshaw_test.go;
numbers in docs/memory.md).

The same work as dopa: an n x n matrix of binary synapses packed 64 to a
uint64 word (row i = pre unit i), filled with random bits (p1 = 1/2, the
load of a Willshaw memory at capacity); a query of k = ceil(log2 n) units.

  store      set the k*k bits of one auto-associative pattern of k units
  threshold  one retrieval step: the dendritic sums of all n units and the
             output above theta = k
  kwta       the same sums and the k units of largest sum

Two ways to compute the sums are timed, and the faster one counts:
  unpack     NumPy's idiom: unpack the k rows to bytes and sum them
  bitsliced  dopa's algorithm: a carry-save adder over whole rows of words,
             then a word-wise comparison with theta

    /usr/bin/python3 docs/reference/willshaw_numpy.py

Needs Debian's python3-numpy; dopa itself never needs Python.
"""
import math
import sys
import timeit

import numpy as np


def setup(n, seed=1):
    rng = np.random.default_rng(seed)
    words = (n + 63) // 64
    W = rng.integers(0, 2**64, size=(n, words), dtype=np.uint64, endpoint=False)
    if n % 64:
        W[:, -1] &= np.uint64((1 << (n % 64)) - 1)  # no synapses beyond unit n-1
    k = math.ceil(math.log2(n))
    q = np.sort(rng.choice(n, size=k, replace=False))
    pats = [np.sort(rng.choice(n, size=k, replace=False)) for _ in range(1024)]
    return W, q, k, pats


def store(W, a):
    w = a >> 6
    uw, inv = np.unique(w, return_inverse=True)
    masks = np.zeros(len(uw), dtype=np.uint64)
    np.bitwise_or.at(masks, inv, np.left_shift(np.uint64(1), (a & 63).astype(np.uint64)))
    W[np.ix_(a, uw)] |= masks[None, :]


def sums_unpack(W, q, n):
    bits = np.unpackbits(W[q].view(np.uint8), axis=1, bitorder="little")
    return bits.sum(axis=0, dtype=np.int32)[:n]


def threshold_unpack(W, q, n, theta):
    s = sums_unpack(W, q, n)
    return np.count_nonzero(s >= theta)


def kwta_unpack(W, q, n, k):
    s = sums_unpack(W, q, n)
    return np.argpartition(-s, k)[:k]


def planes_of(W, q):
    L = max(1, len(q).bit_length())
    planes = np.zeros((L, W.shape[1]), dtype=np.uint64)
    for i in q:
        carry = W[i].copy()
        for l in range(L):
            t = planes[l] & carry
            planes[l] ^= carry
            carry = t
    return planes


def at_least(planes, theta):
    L = planes.shape[0]
    gt = np.zeros(planes.shape[1], dtype=np.uint64)
    eq = np.full(planes.shape[1], ~np.uint64(0), dtype=np.uint64)
    for l in range(L - 1, -1, -1):
        if (theta >> l) & 1:
            eq &= planes[l]
        else:
            gt |= eq & planes[l]
            eq &= ~planes[l]
    return gt | eq


def popcount(x):
    return int(np.unpackbits(x.view(np.uint8)).sum())


def threshold_bitsliced(W, q, n, theta):
    out = at_least(planes_of(W, q), theta)
    return popcount(out)


def kwta_bitsliced(W, q, n, k):
    planes = planes_of(W, q)
    lo, hi = 0, len(q)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if popcount(at_least(planes, mid)) >= k:
            lo = mid
        else:
            hi = mid - 1
    return at_least(planes, lo + 1), at_least(planes, lo)


def bench(label, f, number):
    t = min(timeit.repeat(f, number=number, repeat=5)) / number
    print(f"{label:40s} {t * 1e6:12.1f} us/op")
    return t


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    for n in sizes:
        W, q, k, pats = setup(n)
        # the two sum methods agree
        s = sums_unpack(W, q, n)
        planes = planes_of(W, q)
        assert popcount(at_least(planes, k // 2)) == int(np.count_nonzero(s >= k // 2))
        i = [0]

        def st():
            store(W, pats[i[0] & 1023])
            i[0] += 1

        num = 2000 if n <= 10_000 else 200
        bench(f"n={n} store (k={k})", st, num)
        bench(f"n={n} threshold/unpack", lambda: threshold_unpack(W, q, n, k), num)
        bench(f"n={n} threshold/bitsliced", lambda: threshold_bitsliced(W, q, n, k), num)
        bench(f"n={n} kwta/unpack", lambda: kwta_unpack(W, q, n, k), num)
        bench(f"n={n} kwta/bitsliced", lambda: kwta_bitsliced(W, q, n, k), num)
        del W


if __name__ == "__main__":
    main()
