"""Compiled array faces of the indicators: one pass over the input per kernel.

Every kernel performs, value by value, exactly the floating-point operations
of the matching incremental object's ``update``, in the same order, so the two
faces agree bit for bit (numba without ``fastmath`` neither reorders nor fuses
float operations). What differs is bookkeeping only: where ``update`` reads
the value leaving the window from its ring buffer, a kernel reads it from the
input array, and "the write position wrapped to slot 0" becomes "``window``
values were seen since the last wrap". Keep the two in step when changing
either; the tests compare them on generated inputs.

Conventions shared by every kernel:

- Inputs are finite (the Python shells reject NaN and inf first) and may be
  read-only; outputs are preallocated by the shell, one entry per input.
- Warm-up entries are NaN.
- Nothing is allocated per value; only the rolling min/max allocates its
  deque, once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_I8 = npt.NDArray[np.int8]


@njit(cache=True)
def _window_sum(x: _F64, start: int, stop: int) -> float:
    total = 0.0
    for j in range(start, stop):
        total += x[j]
    return total


# --- moving averages ----------------------------------------------------------


@njit(cache=True)
def sma(x: _F64, n: int, out: _F64) -> None:
    """Rolling mean; a window of ``n`` equal values yields that value exactly."""
    total = 0.0
    last = np.nan
    run = 0
    for i in range(x.shape[0]):
        v = x[i]
        old = x[i - n] if i >= n else 0.0
        if v == last:
            run += 1
        else:
            last = v
            run = 1
        # Every n values the running sum is recomputed: drift never outlives a window.
        total = _window_sum(x, i + 1 - n, i + 1) if (i + 1) % n == 0 else total + (v - old)
        if i + 1 < n:
            out[i] = np.nan
        elif run >= n:
            out[i] = v
        else:
            out[i] = total / n


@njit(cache=True)
def wma(x: _F64, n: int, divisor: float, out: _F64) -> None:
    """Linearly weighted rolling mean, weights 1..n with the newest weighing n."""
    total = 0.0
    weighted = 0.0
    last = np.nan
    run = 0
    for i in range(x.shape[0]):
        v = x[i]
        old = x[i - n] if i >= n else 0.0
        if v == last:
            run += 1
        else:
            last = v
            run = 1
        if (i + 1) % n == 0:
            total = 0.0
            weighted = 0.0
            start = i + 1 - n
            for j in range(n):
                total += x[start + j]
                weighted += (j + 1) * x[start + j]
        else:
            # Every weight drops by one (minus the old total) and v enters at n.
            weighted = weighted + (n * v - total)
            total = total + (v - old)
        if i + 1 < n:
            out[i] = np.nan
        elif run >= n:
            out[i] = v
        else:
            out[i] = weighted / divisor


@njit(cache=True)
def seeded_average(x: _F64, n: int, alpha: float, out: _F64) -> None:
    """Recursive average ``y += alpha * (v - y)`` seeded with the mean of the first n values."""
    total = 0.0
    y = np.nan
    for i in range(x.shape[0]):
        v = x[i]
        if i >= n:
            y = y + alpha * (v - y)
        else:
            total += v
            if i + 1 == n:
                y = total / n
        out[i] = y


# --- oscillators ----------------------------------------------------------------


@njit(cache=True)
def rsi(x: _F64, n: int, alpha: float, out: _F64) -> None:
    """Wilder's RSI over ``n`` price changes, in [0, 100]; 50 when nothing moved."""
    sum_gain = 0.0
    sum_loss = 0.0
    avg_gain = 0.0
    avg_loss = 0.0
    for i in range(x.shape[0]):
        if i == 0:
            out[i] = np.nan
            continue
        change = x[i] - x[i - 1]
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        if i > n:
            avg_gain = avg_gain + alpha * (gain - avg_gain)
            avg_loss = avg_loss + alpha * (loss - avg_loss)
        else:
            sum_gain += gain
            sum_loss += loss
            if i < n:
                out[i] = np.nan
                continue
            avg_gain = sum_gain / n
            avg_loss = sum_loss / n
        both = avg_gain + avg_loss
        out[i] = 100.0 * avg_gain / both if both > 0.0 else 50.0


# --- volatility -----------------------------------------------------------------


@njit(cache=True)
def rolling_moments(x: _F64, n: int, ddof: int, mean_out: _F64, var_out: _F64) -> None:
    """Rolling mean and variance (divisor ``n - ddof``) by a sliding Welford update.

    The variance is refreshed by an exact two-pass computation whenever the
    window wraps; a window of n equal values has mean that value and variance 0.
    """
    total = 0.0
    m2 = 0.0
    last = np.nan
    run = 0
    for i in range(x.shape[0]):
        v = x[i]
        if v == last:
            run += 1
        else:
            last = v
            run = 1
        if (i + 1) % n == 0:
            total = _window_sum(x, i + 1 - n, i + 1)
            mean = total / n
            m2 = 0.0
            for j in range(i + 1 - n, i + 1):
                d = x[j] - mean
                m2 += d * d
        elif i >= n:
            old = x[i - n]
            old_mean = total / n
            total = total + (v - old)
            mean = total / n
            m2 = m2 + (v - old) * ((v - mean) + (old - old_mean))
            if m2 < 0.0:
                m2 = 0.0
        if i + 1 < n:
            mean_out[i] = np.nan
            var_out[i] = np.nan
        elif run >= n:
            mean_out[i] = v
            var_out[i] = 0.0
        else:
            mean_out[i] = total / n
            var_out[i] = m2 / (n - ddof)


@njit(cache=True)
def atr(high: _F64, low: _F64, close: _F64, n: int, alpha: float, out: _F64) -> None:
    """Wilder's average true range, seeded with the mean of the first n true ranges."""
    total = 0.0
    y = np.nan
    for i in range(high.shape[0]):
        tr = high[i] - low[i]
        if i > 0:
            up = abs(high[i] - close[i - 1])
            down = abs(low[i] - close[i - 1])
            if up > tr:
                tr = up
            if down > tr:
                tr = down
        if i >= n:
            y = y + alpha * (tr - y)
        else:
            total += tr
            if i + 1 == n:
                y = total / n
        out[i] = y


# --- volume ---------------------------------------------------------------------


@njit(cache=True)
def vwap(price: _F64, volume: _F64, sessions: _I64, n: int, out: _F64) -> None:
    """Volume-weighted average price, cumulative (n == 0) or over the last n updates.

    A change of label in ``sessions`` (when not empty) starts over, as
    ``VWAP.reset`` does. NaN while the window (or session) has no volume.
    """
    use_sessions = sessions.shape[0] > 0
    start = 0
    pv_total = 0.0
    v_total = 0.0
    active = 0
    for i in range(price.shape[0]):
        if use_sessions and i > 0 and sessions[i] != sessions[i - 1]:
            start = i
            pv_total = 0.0
            v_total = 0.0
            active = 0
        p = price[i]
        v = volume[i]
        pv = p * v
        if n == 0:
            pv_total += pv
            v_total += v
            out[i] = pv_total / v_total if v_total > 0.0 else np.nan
            continue
        k = i - start
        old_pv = 0.0
        old_v = 0.0
        if k >= n:
            old_pv = price[i - n] * volume[i - n]
            old_v = volume[i - n]
        active += (1 if v != 0.0 else 0) - (1 if old_v != 0.0 else 0)
        if (k + 1) % n == 0:
            pv_total = 0.0
            v_total = 0.0
            for j in range(i + 1 - n, i + 1):
                pv_total += price[j] * volume[j]
                v_total += volume[j]
        else:
            pv_total = pv_total + (pv - old_pv)
            v_total = v_total + (v - old_v)
        if k + 1 < n or active == 0 or v_total <= 0.0:
            out[i] = np.nan
        else:
            out[i] = pv_total / v_total


# --- extremes and crossings -------------------------------------------------------


@njit(cache=True)
def rolling_extreme(x: _F64, n: int, is_max: bool, out: _F64) -> None:
    """Rolling max (or min) by a monotonic deque: O(1) amortized per value.

    The deque holds indices whose values decrease (increase for min) from front
    to back; a new value evicts from the back every value it dominates or ties.
    """
    idx = np.empty(n, np.int64)
    vals = np.empty(n, np.float64)
    head = 0  # slot of the front
    size = 0
    for i in range(x.shape[0]):
        v = x[i]
        while size > 0:
            back = (head + size - 1) % n
            if (vals[back] <= v) if is_max else (vals[back] >= v):
                size -= 1
            else:
                break
        if size > 0 and idx[head] <= i - n:
            head = (head + 1) % n
            size -= 1
        slot = (head + size) % n
        idx[slot] = i
        vals[slot] = v
        size += 1
        out[i] = vals[head] if i + 1 >= n else np.nan


@njit(cache=True)
def crossings(a: _F64, b: _F64, out: _I8) -> None:
    """+1 where a crosses above b, -1 where below, else 0 (the rules of `Cross`).

    ``side`` is -1 or +1 for the last strict side, 0 while every reading was a
    tie, 2 before the first reading without NaN.
    """
    side = 2
    for i in range(a.shape[0]):
        out[i] = 0
        if a[i] > b[i]:
            if side <= 0:
                out[i] = 1
            side = 1
        elif a[i] < b[i]:
            if side == 1 or side == 0:
                out[i] = -1
            side = -1
        elif side == 2 and a[i] == b[i]:
            side = 0
