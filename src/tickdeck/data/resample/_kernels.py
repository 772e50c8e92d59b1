"""Compiled bar kernels: resumable state machines over tick arrays.

Each bar kernel folds the ticks ``[start, n)`` of one chunk into bars and
carries the bar under construction in two small state arrays, so a stream of
chunks yields exactly the bars of their concatenation. Nothing is allocated
per tick: the caller hands in output arrays of some capacity, and a kernel
stops *before* a tick once the output is full, returning how many bars it wrote
and the index of the first tick it did not consume; calling again from there
continues as if it had never stopped.

Arrays, all indexed by tick:

- ``ts``, ``recv``: ts_event and ts_recv, int64 ns, ``ts`` non-decreasing
  (the caller checks it with `first_decrease`);
- ``px_a``, ``px_b``: prices; the bar price is ``px_a`` or, when ``mid`` is
  true, ``(px_a + px_b) / 2``. A tick whose bar price is NaN (a one-sided
  quote) is skipped as if absent;
- ``sizes``: trade sizes, read only when ``has_volume`` is true (it may then
  be empty otherwise).

Outputs: ``out_t`` (2, capacity) int64 rows ts_event, ts_recv; ``out_f``
(5, capacity) float64 rows open, high, low, close, volume. Rows rather than
columns so that each output column is contiguous.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]

# Integer state slots.
S_OPEN = 0  # 1 while a bar is under construction
S_END = 1  # time bars: exclusive end of the current bucket, ns
S_COUNT = 2  # ticks in the open bar
S_LAST_TS = 3  # ts_event of the last tick in the open bar
S_MAX_RECV = 4  # largest ts_recv among the ticks of the open bar
N_STATE_INT = 5

# Float state slots, in the order of the output rows.
F_OPEN = 0
F_HIGH = 1
F_LOW = 2
F_CLOSE = 3
F_VOLUME = 4
N_STATE_FLOAT = 5


def new_state() -> tuple[_I64, _F64]:
    """Fresh (integer, float) state arrays: no bar open."""
    return np.zeros(N_STATE_INT, dtype=np.int64), np.zeros(N_STATE_FLOAT, dtype=np.float64)


@njit(cache=True)
def first_decrease(ts: _I64, watermark: int) -> int:
    """Index of the first ``ts[i]`` below its predecessor (``watermark`` for i=0), else -1."""
    previous = watermark
    for i in range(ts.shape[0]):
        if ts[i] < previous:
            return i
        previous = ts[i]
    return -1


@njit(cache=True)
def first_bad_size(sizes: _F64) -> int:
    """Index of the first size that is negative, NaN or infinite, else -1."""
    for i in range(sizes.shape[0]):
        s = sizes[i]
        # `not (s >= 0)` is also true for NaN; the second test catches +inf.
        if not (s >= 0.0) or s == np.inf:
            return i
    return -1


@njit(cache=True)
def _price(px_a: _F64, px_b: _F64, mid: bool, i: int) -> float:
    if mid:
        return float(0.5 * (px_a[i] + px_b[i]))
    return float(px_a[i])


@njit(cache=True)
def _add(state_i: _I64, state_f: _F64, t: int, r: int, p: float, v: float) -> None:
    """Fold one tick (ts_event t, ts_recv r, price p, volume v) into the open bar."""
    if state_i[S_OPEN] == 0:
        state_i[S_OPEN] = 1
        state_i[S_COUNT] = 0
        state_i[S_MAX_RECV] = r
        state_f[F_OPEN] = p
        state_f[F_HIGH] = p
        state_f[F_LOW] = p
        state_f[F_VOLUME] = 0.0
    else:
        if p > state_f[F_HIGH]:
            state_f[F_HIGH] = p
        if p < state_f[F_LOW]:
            state_f[F_LOW] = p
        if r > state_i[S_MAX_RECV]:
            state_i[S_MAX_RECV] = r
    state_f[F_CLOSE] = p
    state_f[F_VOLUME] += v
    state_i[S_COUNT] += 1
    state_i[S_LAST_TS] = t


@njit(cache=True)
def _emit(state_i: _I64, state_f: _F64, ts_close: int, out_t: _I64, out_f: _F64, j: int) -> None:
    """Write the open bar, closing at ``ts_close``, to output slot j and close it.

    A bar cannot be received before it closes nor before its last tick was
    received, hence ts_recv = max(ts_close, max ts_recv of its ticks).
    """
    out_t[0, j] = ts_close
    out_t[1, j] = max(ts_close, state_i[S_MAX_RECV])
    for k in range(N_STATE_FLOAT):
        out_f[k, j] = state_f[k]
    state_i[S_OPEN] = 0


@njit(cache=True)
def time_bars(
    ts: _I64,
    recv: _I64,
    px_a: _F64,
    px_b: _F64,
    mid: bool,
    sizes: _F64,
    has_volume: bool,
    start: int,
    interval: int,
    origin: int,
    state_i: _I64,
    state_f: _F64,
    out_t: _I64,
    out_f: _F64,
) -> tuple[int, int]:
    """Bars over buckets ``[origin + k*interval, origin + (k+1)*interval)`` of ts_event.

    A bar closes at its bucket end, when the first tick of a later bucket
    arrives; the bar still open after the last chunk is the caller's to flush.
    Returns (bars written, next tick index).
    """
    n = ts.shape[0]
    capacity = out_t.shape[1]
    written = 0
    i = start
    while i < n:
        p = _price(px_a, px_b, mid, i)
        if p != p:  # NaN: no price for this tick
            i += 1
            continue
        t = ts[i]
        if state_i[S_OPEN] == 1 and t >= state_i[S_END]:
            if written == capacity:
                break
            _emit(state_i, state_f, state_i[S_END], out_t, out_f, written)
            written += 1
        if state_i[S_OPEN] == 0:
            # Floor division (Python semantics in numba) keeps buckets aligned for t < origin.
            state_i[S_END] = origin + ((t - origin) // interval + 1) * interval
        _add(state_i, state_f, t, recv[i], p, sizes[i] if has_volume else 0.0)
        i += 1
    return written, i


@njit(cache=True)
def tick_bars(
    ts: _I64,
    recv: _I64,
    px_a: _F64,
    px_b: _F64,
    mid: bool,
    sizes: _F64,
    has_volume: bool,
    start: int,
    ticks_per_bar: int,
    state_i: _I64,
    state_f: _F64,
    out_t: _I64,
    out_f: _F64,
) -> tuple[int, int]:
    """One bar per ``ticks_per_bar`` priced ticks, closing at the last one's ts_event.

    Returns (bars written, next tick index).
    """
    n = ts.shape[0]
    capacity = out_t.shape[1]
    written = 0
    i = start
    # Stop before a tick only when the output is full: a tick may close a bar.
    while i < n and written < capacity:
        p = _price(px_a, px_b, mid, i)
        if p == p:
            _add(state_i, state_f, ts[i], recv[i], p, sizes[i] if has_volume else 0.0)
            if state_i[S_COUNT] >= ticks_per_bar:
                _emit(state_i, state_f, ts[i], out_t, out_f, written)
                written += 1
        i += 1
    return written, i


@njit(cache=True)
def volume_bars(
    ts: _I64,
    recv: _I64,
    px_a: _F64,
    sizes: _F64,
    start: int,
    volume_per_bar: float,
    state_i: _I64,
    state_f: _F64,
    out_t: _I64,
    out_f: _F64,
) -> tuple[int, int]:
    """Trade bars closing on the trade at which their volume reaches ``volume_per_bar``.

    The closing trade belongs wholly to the bar it closes (it is never split)
    and the next bar starts from zero volume. Returns (bars written, next index).
    """
    n = ts.shape[0]
    capacity = out_t.shape[1]
    written = 0
    i = start
    while i < n and written < capacity:
        p = px_a[i]
        if p == p:
            _add(state_i, state_f, ts[i], recv[i], p, sizes[i])
            if state_f[F_VOLUME] >= volume_per_bar:
                _emit(state_i, state_f, ts[i], out_t, out_f, written)
                written += 1
        i += 1
    return written, i
