"""Compiled k-way merge of sorted runs: the inner loop of a multi-stream replay.

The caller concatenates, in stream order, one sorted run of ``ts_recv`` values
per stream (``ts[offsets[s]:offsets[s + 1]]`` is stream ``s``) and gets back
the merged order by the key ``(ts, stream, row)``. Because stream indices are
assigned in tie-break order (kind rank, then the caller's instrument order)
and rows keep the catalog's order, this key *is* the replay order.

A binary min-heap holds the head key ``(ts, run)`` of each non-empty run,
cached in two small arrays so that a comparison touches no other memory; the
merge is O(n log k) and allocates nothing per element. After taking the
smallest head, the kernel keeps copying from the same run for as long as it
stays below the best other head (a child of the root), so bursts of one
stream and runs of equal timestamps cost one comparison per element.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

_I64 = npt.NDArray[np.int64]
_I32 = npt.NDArray[np.int32]

# Above any real timestamp; with run index k it sorts after every real key.
_NO_KEY = np.iinfo(np.int64).max


@njit(cache=True)
def _before(ta: int, sa: int, tb: int, sb: int) -> bool:
    """Whether key ``(ta, sa)`` sorts before ``(tb, sb)``."""
    # Bitwise, not short-circuit: evaluating both tests costs less than a
    # mispredicted jump on randomly interleaved streams.
    return (ta < tb) | ((ta == tb) & (sa < sb))


@njit(cache=True)
def _sift_down(heap_ts: _I64, heap_run: _I64, size: int, t: int, s: int) -> None:
    """Put key ``(t, s)`` into the heap of `size` keys whose root slot is free."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and _before(heap_ts[c + 1], heap_run[c + 1], heap_ts[c], heap_run[c]):
            c += 1
        if not _before(heap_ts[c], heap_run[c], t, s):
            break
        heap_ts[i] = heap_ts[c]
        heap_run[i] = heap_run[c]
        i = c
    heap_ts[i] = t
    heap_run[i] = s


@njit(cache=True)
def merge_runs(
    ts: _I64,
    offsets: _I64,
    out_ts: _I64,
    out_stream: _I32,
    out_row: _I64,
) -> None:
    """Merge the sorted runs of `ts` into ``out_*`` (each of length ``offsets[-1]``).

    ``out_stream[i]`` is the run of the i-th smallest element by
    ``(ts, run, row)``, ``out_row[i]`` its index within that run and
    ``out_ts[i]`` its value. Each run must be non-decreasing.
    """
    k = offsets.shape[0] - 1
    heads = offsets[:k].copy()
    firsts = np.empty(k, dtype=np.int64)
    size = 0
    for s in range(k):
        if offsets[s] < offsets[s + 1]:
            firsts[size] = s
            size += 1
    # A sorted array is a heap; a stable sort of the runs (taken in index order)
    # by first value sorts them by key (ts, run).
    order = np.argsort(ts[offsets[firsts[:size]]], kind="mergesort")
    heap_run = firsts[:size][order].copy()
    heap_ts = ts[offsets[heap_run]].copy()
    j = 0
    while size > 0:
        s = heap_run[0]
        h = heads[s]
        end = offsets[s + 1]
        base = offsets[s]
        # The best other head is the smaller child of the root.
        bound_ts = _NO_KEY
        bound_run = k
        if size > 1:
            c = 1
            if size > 2 and _before(heap_ts[2], heap_run[2], heap_ts[1], heap_run[1]):
                c = 2
            bound_ts = heap_ts[c]
            bound_run = heap_run[c]
        while True:
            out_ts[j] = ts[h]
            out_stream[j] = s
            out_row[j] = h - base
            j += 1
            h += 1
            if h == end or not _before(ts[h], s, bound_ts, bound_run):
                break
        heads[s] = h
        if h == end:
            size -= 1
            if size > 0:
                _sift_down(heap_ts, heap_run, size, heap_ts[size], heap_run[size])
        else:
            _sift_down(heap_ts, heap_run, size, ts[h], s)
