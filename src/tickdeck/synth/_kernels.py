"""Compiled kernels of the generators: arrivals, clock times and trade sizes.

No kernel draws random numbers: every random input is an array drawn by the
caller from its `numpy.random.Generator` (numba's own generator is seeded
globally, which would tie the output to whatever ran before). Kernels that
consume a variable amount of randomness take a buffer and report how much
they used, or -1 when it ran out, so the caller can retry with a longer one.

Arrays indexed by *group* (a bar, or a whole simulated day) carry counts and
offsets; arrays indexed by *event* are the concatenation of the groups'
events in order.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]


@njit(cache=True)
def spacing_positions(counts: _I64, exponentials: _F64, out: _F64) -> None:
    """Sorted uniform positions in [0, 1) for each group, from exponential spacings.

    The order statistics of n uniforms are the partial sums of n + 1
    exponentials divided by their total, so no sort is needed. Group i uses
    ``counts[i] + 1`` exponentials in turn.
    """
    e = 0
    j = 0
    for i in range(counts.shape[0]):
        n = counts[i]
        total = 0.0
        for q in range(n + 1):
            total += exponentials[e + q]
        acc = 0.0
        for q in range(n):
            acc += exponentials[e + q]
            out[j + q] = acc / total
        e += n + 1
        j += n


@njit(cache=True)
def hawkes_positions(
    expected: _F64,
    branching: float,
    decay: float,
    need: _I64,
    cap: _I64,
    uniforms: _F64,
    out: _F64,
    counts: _I64,
) -> int:
    """Hawkes event positions in [0, 1) per group; returns uniforms used, or -1 if too few.

    Group i runs an exponential Hawkes process over ``[0, expected[i])`` in
    operational time (baseline ``1 - branching``, jump ``branching * decay``,
    started at its stationary mean intensity 1), simulated exactly with the
    two-uniform method of Dassios and Zhao (2013). Positions are times divided
    by ``expected[i]``. A group with fewer than ``need[i]`` events gets
    ``need[i]`` uniform positions instead; one with more than ``cap[i]`` is
    thinned evenly to ``cap[i]``. ``out`` must hold the largest possible
    output, ``len(uniforms) // 2 + need.sum()``.
    """
    mu = 1.0 - branching
    jump = branching * decay
    used = 0
    j = 0
    n_u = uniforms.shape[0]
    for i in range(expected.shape[0]):
        horizon = expected[i]
        t = 0.0
        excess = 1.0 - mu
        start = j
        while True:
            if used + 2 > n_u:
                return -1
            u1 = uniforms[used]
            u2 = uniforms[used + 1]
            used += 2
            wait = math.inf
            if excess > 0.0:
                d = 1.0 + decay * math.log(u1) / excess
                if d > 0.0:
                    wait = -math.log(d) / decay
            if mu > 0.0:
                wait = min(wait, -math.log(u2) / mu)
            t += wait
            if not t < horizon:
                break
            excess = excess * math.exp(-decay * wait) + jump
            out[j] = t / horizon
            j += 1
        raw = j - start
        if raw < need[i]:
            n = need[i]
            if used + n + 1 > n_u:
                return -1
            total = 0.0
            for q in range(n + 1):
                total += -math.log(uniforms[used + q])
            acc = 0.0
            for q in range(n):
                acc += -math.log(uniforms[used + q])
                out[start + q] = acc / total
            used += n + 1
            j = start + n
        elif raw > cap[i]:
            n = cap[i]
            # Keep events floor(q * raw / n): increasing indices >= q, so in place is safe.
            for q in range(n):
                out[start + q] = out[start + (q * raw) // n]
            j = start + n
        counts[i] = j - start
    return used


@njit(cache=True)
def _ushape_cdf(v: float, amplitude: float) -> float:
    """Integral over [0, v] of the normalised density (1 + a(2u-1)^2) / (1 + a/3)."""
    w = 2.0 * v - 1.0
    return (v + amplitude * (w * w * w + 1.0) / 6.0) / (1.0 + amplitude / 3.0)


#: Points of the tabulated inverse of the seasonal CDF (see `inverse_table`).
INVERSE_POINTS = 4096


@njit(cache=True)
def inverse_table(amplitude: float) -> _F64:
    """The inverse of the seasonal CDF at ``y = i / INVERSE_POINTS``, by Newton steps.

    `clock_times` interpolates in it linearly and refines the result with one
    Newton step, which leaves it within 1e-9 of the exact inverse (in CDF
    terms) for any amplitude up to 100.
    """
    table = np.empty(INVERSE_POINTS + 1)
    scale = 1.0 + amplitude / 3.0
    for i in range(INVERSE_POINTS + 1):
        y = i / INVERSE_POINTS
        v = y
        for _ in range(60):
            w = 2.0 * v - 1.0
            step = (_ushape_cdf(v, amplitude) - y) * scale / (1.0 + amplitude * w * w)
            v = min(max(v - step, 0.0), 1.0)
            if abs(step) < 1e-15:
                break
        table[i] = v
    return table


@njit(cache=True)
def _inverse(table: _F64, y: float, amplitude: float) -> float:
    """Linear interpolation in the table, then one Newton step on the cubic."""
    y = min(max(y, 0.0), 1.0)
    x = y * INVERSE_POINTS
    i = min(int(x), INVERSE_POINTS - 1)
    v = table[i] + (x - i) * (table[i + 1] - table[i])
    w = 2.0 * v - 1.0
    v -= (_ushape_cdf(v, amplitude) - y) * (1.0 + amplitude / 3.0) / (1.0 + amplitude * w * w)
    return float(min(max(v, 0.0), 1.0))


@njit(cache=True)
def seasonal_mass(u0: _F64, u1: _F64, amplitude: float) -> _F64:
    """Activity between session positions u0 and u1: cdf(u1) - cdf(u0), per group."""
    out = np.empty(u0.shape[0])
    for i in range(u0.shape[0]):
        out[i] = _ushape_cdf(u1[i], amplitude) - _ushape_cdf(u0[i], amplitude)
    return out


@njit(cache=True)
def clock_times(
    positions: _F64,
    counts: _I64,
    u0: _F64,
    u1: _F64,
    amplitude: float,
    table: _F64,
    window_start: _I64,
    window_length: _I64,
    out: _I64,
) -> None:
    """Map operational positions to ns inside each group's window, strictly increasing.

    Group i covers session positions ``[u0[i], u1[i]]``; a position p becomes
    the session position v with ``cdf(v) = cdf(u0) + p * (cdf(u1) - cdf(u0))``,
    (interpolated in `table`, from `inverse_table`), so arrivals follow the
    U-shaped activity, then a time in
    ``[window_start, window_start + window_length)``. Times are then spaced
    out (`space_out`) so that a quote fits 1 ns before each trade; the caller
    guarantees ``2 * counts[i] + 1 <= window_length[i]``.
    """
    j = 0
    for i in range(counts.shape[0]):
        n = counts[i]
        if n == 0:
            continue
        c0 = _ushape_cdf(u0[i], amplitude)
        c1 = _ushape_cdf(u1[i], amplitude)
        span = u1[i] - u0[i]
        start = window_start[i]
        length = window_length[i]
        for q in range(n):
            p = positions[j + q]
            if span > 0.0:
                v = _inverse(table, c0 + p * (c1 - c0), amplitude)
                f = (v - u0[i]) / span
            else:
                f = p
            f = min(max(f, 0.0), 1.0)
            out[j + q] = start + int(f * (length - 1))
        space_out(out[j : j + n], start, length)
        j += n


@njit(cache=True)
def space_out(times: _I64, start: int, length: int) -> None:
    """Make sorted times at least 2 ns apart inside ``[start + 1, start + length - 1]``.

    A forward pass pushes crowded times later, a backward pass pulls those
    pushed past the end back; ``2 * len(times) + 1 <= length`` makes both fit.
    """
    n = times.shape[0]
    previous = start - 1
    for q in range(n):
        if times[q] < previous + 2:
            times[q] = previous + 2
        previous = times[q]
    following = start + length + 1
    for q in range(n - 1, -1, -1):
        if times[q] > following - 2:
            times[q] = following - 2
        following = times[q]


@njit(cache=True)
def split_volume(
    counts: _I64, volume_lots: _I64, exponentials: _F64, tail: float, out: _I64
) -> None:
    """Split each group's volume into ``counts[i]`` whole lots, in proportion to Pareto weights.

    Trade q weighs ``exp(e_q / tail)`` (e exponential): a Pareto law with
    tail index `tail`, so a few trades take much of the volume. Every trade
    gets one lot and the remaining R lots are shared by cumulative rounding:
    trade q gets ``floor(R * W_q / W) - floor(R * W_(q-1) / W)`` with W_q the
    running weight sum and W the total, so the parts add up to the volume
    exactly. When the volume has fewer lots than trades, the base is 0 and
    some trades carry no size.
    """
    j = 0
    for i in range(counts.shape[0]):
        n = counts[i]
        total_lots = volume_lots[i]
        base = 1 if total_lots >= n else 0
        rest = total_lots - base * n
        total = 0.0
        for q in range(n):
            total += math.exp(exponentials[j + q] / tail)
        acc = 0.0
        given = 0
        for q in range(n):
            acc += math.exp(exponentials[j + q] / tail)
            upto = rest if q == n - 1 else math.floor(rest * min(acc / total, 1.0))
            out[j + q] = base + upto - given
            given = upto
        j += n


@njit(cache=True)
def match_volume_sums(counts: _I64, volume: _F64, sizes: _F64) -> int:
    """Make each group's float sum of sizes, added in order, equal its volume exactly.

    Sizes are the nearest doubles of exact lot multiples, and their float sum
    can miss the volume by an ulp when the lot is not a whole number. Then the
    group's last nonzero size absorbs the difference, nudged by single ulps
    until the running sum (the way `BarAggregator` adds) hits the volume.
    Returns the number of groups adjusted, or ``-(i + 1)`` if group i cannot
    be matched (a bug).
    """
    adjusted = 0
    j = 0
    for i in range(counts.shape[0]):
        n = counts[i]
        acc = 0.0
        for q in range(n):
            acc += sizes[j + q]
        if n > 0 and acc != volume[i]:
            last = j + n - 1
            while last > j and sizes[last] == 0.0:
                last -= 1
            prefix = 0.0
            for q in range(j, last):
                prefix += sizes[q]
            candidate = volume[i] - prefix
            matched = False
            for _ in range(8):
                total = prefix + candidate
                for q in range(last + 1, j + n):
                    total += sizes[q]
                if total == volume[i]:
                    matched = True
                    break
                candidate = np.nextafter(candidate, np.inf if total < volume[i] else -np.inf)
            if not matched or candidate < 0.0:
                return -(i + 1)
            sizes[last] = candidate
            adjusted += 1
        j += n
    return adjusted


@njit(cache=True)
def grid_values(counts: npt.NDArray[np.int64], k: int, scale: float) -> _F64:
    """``(counts * k) / scale`` as float64, elementwise, in one pass.

    The same operations, in the same order, as `Instrument.ticks_to_prices`
    (exact int64 product, correctly rounded conversion, then division), so
    the doubles are bit for bit the same; a test checks it.
    """
    flat = counts.ravel()
    out = np.empty(flat.shape[0])
    for q in range(flat.shape[0]):
        out[q] = float(flat[q] * k) / scale
    return out.reshape(counts.shape)
