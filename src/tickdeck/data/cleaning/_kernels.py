"""Compiled cleaning kernels: one pass over column arrays per rule.

Conventions shared by every kernel:

- Rows are in replay order (stably sorted by ``ts_recv``) before any rule runs.
- ``codes`` is an int8 array, one entry per row: 0 keeps the row, ``r > 0``
  removes it under rule ``r`` (1-based position in ``rules.RULES``). A marking
  kernel only looks at rows whose code is still 0 and only writes its own
  rule, so running the rules in precedence order makes the first rule that
  matches a row the one it is counted under.
- Input columns may be read-only (zero-copy views of Arrow buffers); kernels
  write only to the arrays documented as outputs.
- An optional per-row array is passed as a zero-length array when absent,
  which keeps one compiled signature per kernel instead of an Optional.

Nothing is allocated per row. The duplicate search allocates per group of
equal ``ts_recv`` only for groups larger than `_SMALL_GROUP`, and the Hampel
filter allocates its window once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.core.instrument import MAX_EXACT_TICKS, off_grid_ticks

_I64 = npt.NDArray[np.int64]
_U64 = npt.NDArray[np.uint64]
_F64 = npt.NDArray[np.float64]
_I8 = npt.NDArray[np.int8]
_U8 = npt.NDArray[np.uint8]
_BOOL = npt.NDArray[np.bool_]

# Instrument.prices_to_ticks refuses tick counts from here on (float64 stops
# being exact); a price that large cannot be on the grid, so it is off grid.
_MAX_EXACT_TICKS = float(MAX_EXACT_TICKS)
# The instrument's own grid test (`Instrument.off_grid`) compiled for one tick count:
# off grid, or float noise to snap. A cached kernel keeps its compiled copy, so clear
# the numba cache after editing `off_grid_ticks` (the twin tests fail until then).
_off_grid_tick = njit(off_grid_ticks)
# Groups of equal ts_recv up to this size are searched pairwise (no hashing,
# no allocation); larger ones are hashed and sorted by hash.
_SMALL_GROUP = 8
# Scale factor that makes the MAD a consistent estimator of a normal sigma.
MAD_TO_SIGMA = 1.4826


# --- ordering ---------------------------------------------------------------


@njit(cache=True)
def count_out_of_order(ts: _I64) -> int:
    """How many rows have a ``ts`` below the largest ``ts`` of the rows before them."""
    count = 0
    if ts.shape[0] == 0:
        return 0
    highest = ts[0]
    for i in range(1, ts.shape[0]):
        t = ts[i]
        if t < highest:
            count += 1
        else:
            highest = t
    return count


# --- row rules --------------------------------------------------------------


@njit(cache=True)
def mark_invalid_codes(values: _I8, allowed: _I8, codes: _I8, rule: int) -> None:
    """Mark rows whose enum code is not one of ``allowed``."""
    for i in range(values.shape[0]):
        if codes[i] != 0:
            continue
        v = values[i]
        ok = False
        for a in allowed:
            if v == a:
                ok = True
                break
        if not ok:
            codes[i] = rule


@njit(cache=True)
def mark_bad_prices(prices: _F64, sizes: _F64, exempt: _BOOL, codes: _I8, rule: int) -> None:
    """Mark rows whose price is not finite and positive.

    When ``sizes`` is given, a NaN price with a zero size is an empty book
    level, not an error. Rows where ``exempt`` is true carry no price.
    """
    check_empty = sizes.shape[0] > 0
    use_exempt = exempt.shape[0] > 0
    for i in range(prices.shape[0]):
        if codes[i] != 0 or (use_exempt and exempt[i]):
            continue
        p = prices[i]
        if p > 0.0 and p < np.inf:  # false for NaN too
            continue
        if check_empty and p != p and sizes[i] == 0.0:
            continue
        codes[i] = rule


@njit(cache=True)
def mark_bad_sizes(
    sizes: _F64, zero_ok: bool, zero_ok_rows: _BOOL, prices: _F64, codes: _I8, rule: int
) -> None:
    """Mark rows whose size is negative, NaN, infinite, or zero where zero is not allowed.

    Zero is allowed on every row when ``zero_ok``, else on the rows where
    ``zero_ok_rows`` is true (when given). When ``prices`` is given, rows with a
    NaN price are empty book levels, already judged by the price rule.
    """
    use_rows = zero_ok_rows.shape[0] > 0
    check_empty = prices.shape[0] > 0
    for i in range(sizes.shape[0]):
        if codes[i] != 0 or (check_empty and prices[i] != prices[i]):
            continue
        s = sizes[i]
        if s > 0.0 and s < np.inf:
            continue
        if s == 0.0 and (zero_ok or (use_rows and zero_ok_rows[i])):
            continue
        codes[i] = rule


@njit(cache=True)
def snap_to_grid(
    prices: _F64,
    k: int,
    scale: float,
    exempt: _BOOL,
    codes: _I8,
    rule: int,
    out: _F64,
    snapped: _U8,
) -> None:
    """Copy ``prices`` to ``out``, snapping float noise onto the grid ``k / scale``.

    The arithmetic is `Instrument.prices_to_ticks` then `ticks_to_prices`
    step for step (``rint(p * scale / k)``, then ``float(ticks * k) / scale``),
    so a snapped price is bit for bit what the instrument would produce; a test
    pins the two together. A price that `Instrument.off_grid` finds off the
    grid, or beyond `MAX_EXACT_TICKS` ticks, marks its row. ``snapped[i]``
    counts the prices of row ``i`` that moved. NaN prices (empty levels) and
    exempt rows are copied unchanged.
    """
    use_exempt = exempt.shape[0] > 0
    for i in range(prices.shape[0]):
        p = prices[i]
        out[i] = p
        if codes[i] != 0 or p != p or (use_exempt and exempt[i]):
            continue
        exact = p * scale / k
        ticks = np.rint(exact)
        if _off_grid_tick(exact) or abs(ticks) >= _MAX_EXACT_TICKS:
            codes[i] = rule
            continue
        on_grid = np.float64(np.int64(ticks) * k) / scale
        if on_grid != p:
            out[i] = on_grid
            snapped[i] += 1


@njit(cache=True)
def mark_recv_before_event(ts_event: _I64, ts_recv: _I64, codes: _I8, rule: int) -> None:
    """Mark rows received before the venue says they happened."""
    for i in range(ts_recv.shape[0]):
        if codes[i] == 0 and ts_recv[i] < ts_event[i]:
            codes[i] = rule


@njit(cache=True)
def mark_crossed(bid: _F64, ask: _F64, codes: _I8, crossed_rule: int, locked_rule: int) -> None:
    """Mark rows with bid above ask; with bid equal to ask too unless ``locked_rule`` is 0.

    A NaN side (an empty snapshot level) compares false, so it is never crossed.
    """
    for i in range(bid.shape[0]):
        if codes[i] != 0:
            continue
        b = bid[i]
        a = ask[i]
        if b > a:
            codes[i] = crossed_rule
        elif b == a and locked_rule != 0:
            codes[i] = locked_rule


@njit(cache=True)
def mark_inconsistent_bars(
    open_: _F64, high: _F64, low: _F64, close: _F64, interval_ns: _I64, codes: _I8, rule: int
) -> None:
    """Mark bars whose high and low do not bound open and close, or with a negative interval."""
    for i in range(open_.shape[0]):
        if codes[i] != 0:
            continue
        o = open_[i]
        c = close[i]
        h = high[i]
        lo = low[i]
        if h < max(o, c) or lo > min(o, c) or h < lo or interval_ns[i] < 0:
            codes[i] = rule


# --- duplicates -------------------------------------------------------------


@njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    """The splitmix64 finaliser: every input bit affects every output bit."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


@njit(cache=True)
def row_hash(columns: tuple[_U64, ...], i: int) -> np.uint64:
    """A 64-bit hash of the bits of row ``i`` across ``columns``."""
    h = np.uint64(0x9E3779B97F4A7C15)
    for c in range(len(columns)):
        h = _mix(h ^ columns[c][i])
    return h


@njit(cache=True)
def _rows_equal(columns: tuple[_U64, ...], i: int, j: int) -> bool:
    # An explicit loop: numba compiles it to an early-exit scan, `all(...)` of a
    # generator it would not.
    for c in range(len(columns)):  # noqa: SIM110
        if columns[c][i] != columns[c][j]:
            return False
    return True


@njit(cache=True)
def _dedupe_small(columns: tuple[_U64, ...], codes: _I8, rule: int, start: int, end: int) -> None:
    # Pairwise against the earlier rows still kept: at most 28 comparisons,
    # each usually settled by the first column that differs.
    for j in range(start + 1, end):
        if codes[j] != 0:
            continue
        for i in range(start, j):
            if codes[i] == 0 and _rows_equal(columns, i, j):
                codes[j] = rule
                break


@njit(cache=True)
def _dedupe_large(columns: tuple[_U64, ...], codes: _I8, rule: int, start: int, end: int) -> None:
    live = np.empty(end - start, np.int64)
    m = 0
    for i in range(start, end):
        if codes[i] == 0:
            live[m] = i
            m += 1
    hashes = np.empty(m, np.uint64)
    for p in range(m):
        hashes[p] = row_hash(columns, live[p])
    # Stable: within a run of equal hashes rows stay in replay order, so the
    # first of a set of equal rows is reached first and is the one kept.
    order = np.argsort(hashes, kind="mergesort")
    run = 0
    while run < m:
        run_end = run + 1
        while run_end < m and hashes[order[run_end]] == hashes[order[run]]:
            run_end += 1
        for q in range(run + 1, run_end):
            j = live[order[q]]
            # Rows already marked are duplicates of a kept row before them, so
            # only kept rows need comparing; with a real 64-bit hash the first
            # one matches unless two different rows collide.
            for r in range(run, q):
                i = live[order[r]]
                if codes[i] == 0 and _rows_equal(columns, i, j):
                    codes[j] = rule
                    break
        run = run_end


@njit(cache=True)
def mark_duplicates(ts: _I64, columns: tuple[_U64, ...], codes: _I8, rule: int) -> None:
    """Mark every row bitwise equal, in all ``columns``, to an earlier kept row.

    ``ts`` must be non-decreasing and included in ``columns``: equal rows have
    equal ``ts``, so only groups of equal ``ts`` are searched. Groups above
    `_SMALL_GROUP` rows are sorted by row hash, O(g log g) even for a group of
    a million rows, and compared in full only within runs of equal hash.
    """
    n = ts.shape[0]
    start = 0
    while start < n:
        end = start + 1
        while end < n and ts[end] == ts[start]:
            end += 1
        if end - start > _SMALL_GROUP:
            _dedupe_large(columns, codes, rule, start, end)
        elif end - start > 1:
            _dedupe_small(columns, codes, rule, start, end)
        start = end


# --- spikes -----------------------------------------------------------------


@njit(cache=True)
def spike_series(a: _F64, b: _F64, codes: _I8, k: int, scale: float, out: _F64) -> int:
    """Write the kept rows' price in half ticks to ``out``; return how many.

    With ``b`` given (quotes) the value is ``ticks(a) + ticks(b)``, twice the
    mid in ticks, else ``2 * ticks(a)``: integers, so medians and deviations
    are exact and a deviation equal to the floor is never a spike by rounding.
    """
    two_sided = b.shape[0] > 0
    m = 0
    for i in range(a.shape[0]):
        if codes[i] != 0:
            continue
        value = np.rint(a[i] * scale / k)
        if two_sided:
            value += np.rint(b[i] * scale / k)
        else:
            value *= 2.0
        out[m] = value
        m += 1
    return m


@njit(cache=True)
def _rank(buf: _F64, value: float) -> int:
    """How many entries of ``buf`` are below ``value``: the index of its first copy.

    A full branch-free count rather than a binary search: for windows of a
    hundred values it compiles to a vector loop and is faster.
    """
    count = 0
    for t in range(buf.shape[0]):
        count += buf[t] < value
    return count


@njit(cache=True)
def _replace_sorted(buf: _F64, old: float, new: float) -> None:
    """Replace one copy of ``old`` by ``new`` in the sorted ``buf``, keeping it sorted."""
    p = _rank(buf, old)
    if new > old:
        q = _rank(buf, new) - 1  # the last entry below `new`, at or after p
        for t in range(p, q):
            buf[t] = buf[t + 1]
        buf[q] = new
    elif new < old:
        q = _rank(buf, new)  # `new` goes before every entry not below it
        for t in range(p, q, -1):
            buf[t] = buf[t - 1]
        buf[q] = new


@njit(cache=True)
def _median_sorted(buf: _F64) -> float:
    w = buf.shape[0]
    if w % 2 == 1:
        return float(buf[w // 2])
    return float((buf[w // 2 - 1] + buf[w // 2]) / 2.0)


@njit(cache=True)
def _mad_sorted(buf: _F64, med: float) -> float:
    # The distances to the median, read outward from it, are two sorted runs
    # (left of the median and right of it); merging them up to the middle rank
    # gives the median distance in O(w / 2) without sorting anything.
    w = buf.shape[0]
    rank_lo = (w - 1) // 2
    rank_hi = w // 2
    right = _rank(buf, med)
    left = right - 1
    d_lo = 0.0
    d = 0.0
    for rank in range(rank_hi + 1):
        if left < 0:
            d = buf[right] - med
            right += 1
        elif right >= w or med - buf[left] <= buf[right] - med:
            d = med - buf[left]
            left -= 1
        else:
            d = buf[right] - med
            right += 1
        if rank == rank_lo:
            d_lo = d
    return (d_lo + d) / 2.0


@njit(cache=True)
def hampel_flags(
    x: _F64,
    window: int,
    threshold: float,
    floor_abs: float,
    floor_rel: float,
    flags: _BOOL,
) -> int:
    """Set ``flags[i]`` where ``x[i]`` is a Hampel outlier; return how many.

    ``x[i]`` is an outlier when ``|x[i] - med| > max(threshold * MAD_TO_SIGMA
    * mad, floor_abs, floor_rel * |med|)``, with ``med`` and ``mad`` the median
    and median absolute deviation of a window of ``window`` points (odd)
    centred on ``i``. Near either end the window keeps its length and stops at
    the edge, so every point is judged against ``window`` neighbours; a series
    shorter than the window is judged against all of it.
    """
    m = x.shape[0]
    if m == 0:
        return 0
    w = min(window, m)
    half = window // 2
    buf = np.sort(x[:w])
    start = 0
    count = 0
    for i in range(m):
        s = min(max(i - half, 0), m - w)
        if s > start:  # s advances by at most one per point
            _replace_sorted(buf, x[start], x[start + w])
            start = s
        med = _median_sorted(buf)
        deviation = abs(x[i] - med)
        # Most points sit within the floor: skip the MAD for them.
        if deviation <= max(floor_abs, floor_rel * abs(med)):
            continue
        if deviation > threshold * MAD_TO_SIGMA * _mad_sorted(buf, med):
            flags[i] = True
            count += 1
    return count


@njit(cache=True)
def mark_flagged(codes: _I8, flags: _BOOL, rule: int) -> None:
    """Mark the kept rows whose position among the kept rows is flagged."""
    j = 0
    for i in range(codes.shape[0]):
        if codes[i] == 0:
            if flags[j]:
                codes[i] = rule
            j += 1


# --- report -----------------------------------------------------------------


@njit(cache=True)
def find_gaps(ts: _I64, codes: _I8, threshold: int, starts: _I64, ends: _I64) -> tuple[int, int]:
    """Count gaps ``> threshold`` between consecutive kept rows; keep the largest.

    ``starts``/``ends`` receive the largest gaps, largest first and, among equal
    lengths, earliest first; their length is how many to keep. Returns the
    number of gaps and the number stored.
    """
    capacity = starts.shape[0]
    count = 0
    stored = 0
    previous = -1
    for i in range(ts.shape[0]):
        if codes[i] != 0:
            continue
        if previous >= 0:
            a = ts[previous]
            b = ts[i]
            length = b - a
            if length > threshold:
                count += 1
                p = stored
                while p > 0 and ends[p - 1] - starts[p - 1] < length:
                    p -= 1
                if p < capacity:
                    last = min(stored, capacity - 1)
                    for q in range(last, p, -1):
                        starts[q] = starts[q - 1]
                        ends[q] = ends[q - 1]
                    starts[p] = a
                    ends[p] = b
                    stored = min(stored + 1, capacity)
        previous = i
    return count, stored


@njit(cache=True)
def count_kept(values: _U8, codes: _I8) -> int:
    """Sum of ``values`` over the kept rows."""
    total = 0
    for i in range(values.shape[0]):
        if codes[i] == 0:
            total += values[i]
    return total
