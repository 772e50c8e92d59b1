"""Compiled kernels for prices: intra-bar paths, aggressor signs, quotes and book levels.

All prices are int64 tick counts on the instrument's grid; the caller turns
them into float prices once, bit-identical to `Instrument.ticks_to_prices`. As in
`_kernels`, every random input is an array drawn by the caller.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

_I64 = npt.NDArray[np.int64]
_I8 = npt.NDArray[np.int8]
_F64 = npt.NDArray[np.float64]
_B = npt.NDArray[np.bool_]


@njit(cache=True)
def waypoints(o: int, h: int, low: int, c: int, low_first: bool, out: _I64) -> int:
    """The prices a bar's path must visit in order, consecutive repeats merged; returns count."""
    first = low if low_first else h
    second = h if low_first else low
    out[0] = o
    k = 1
    for p in (first, second, c):
        if p != out[k - 1]:
            out[k] = p
            k += 1
    return k


@njit(cache=True)
def needed_trades(o: _I64, h: _I64, low: _I64, c: _I64, low_first: _B) -> _I64:
    """Per bar, the fewest trades that can print its open, extremes (in order) and close."""
    out = np.empty(o.shape[0], np.int64)
    points = np.empty(4, np.int64)
    for i in range(o.shape[0]):
        out[i] = waypoints(o[i], h[i], low[i], c[i], low_first[i], points)
    return out


@njit(cache=True)
def _laplace(exponentials: _F64, q: int) -> float:
    """The q-th unit-variance Laplace step: a difference of two exponentials over sqrt 2."""
    return float((exponentials[2 * q] - exponentials[2 * q + 1]) * 0.7071067811865476)


@njit(cache=True)
def _reflect(p: int, low: int, high: int) -> int:
    """Fold `p` into [low, high] by reflecting at the bounds (no pile-up at the extremes)."""
    width = high - low
    if width == 0:
        return low
    y = (p - low) % (2 * width)
    return low + (2 * width - y if y > width else y)


@njit(cache=True)
def bar_paths(
    o: _I64,
    h: _I64,
    low: _I64,
    c: _I64,
    low_first: _B,
    counts: _I64,
    segment_exponentials: _F64,
    step_exponentials: _F64,
    roughness: float,
    out: _I64,
) -> None:
    """Trade prices, in ticks, inside each bar: open first, close last, high and low touched.

    The path visits its waypoints (`waypoints`) at trade indices chosen at
    random: the ``n - k`` spare steps are shared between the segments in
    proportion to ``e_s * (1 + distance_s)`` (``e_s`` exponential), so longer
    moves tend to take longer. Between two waypoints the price follows a
    random-walk bridge around the straight line, with per-step standard
    deviation ``roughness * range / sqrt(n)`` ticks, rounded to the grid and
    reflected into ``[low, high]`` (on the way to the first extreme, into the
    range without the other extreme, so the first extreme is also the first
    touched). Steps are Laplace (a difference of two
    exponentials), heavier-tailed than normal steps, as tick-by-tick moves
    are. The waypoints themselves are exact, so the first trade is the open,
    the last the close, and the high and the low each print at least once.
    Uses 3 exponentials per bar and 2 per trade.
    """
    points = np.empty(4, np.int64)
    index = np.empty(4, np.int64)
    j = 0
    for i in range(o.shape[0]):
        n = counts[i]
        k = waypoints(o[i], h[i], low[i], c[i], low_first[i], points)
        # Spare steps per segment, by cumulative rounding of the weights.
        spare = n - k
        total = 0.0
        for s in range(k - 1):
            total += segment_exponentials[3 * i + s] * (1.0 + abs(points[s + 1] - points[s]))
        index[0] = 0
        acc = 0.0
        given = 0
        for s in range(k - 1):
            acc += segment_exponentials[3 * i + s] * (1.0 + abs(points[s + 1] - points[s]))
            upto = spare if s == k - 2 else math.floor(spare * min(acc / total, 1.0))
            index[s + 1] = index[s] + 1 + upto - given
            given = upto
        if k == 1:
            for q in range(n):
                out[j + q] = o[i]
            j += n
            continue
        sigma = roughness * (h[i] - low[i]) / math.sqrt(n)
        # Until the first extreme prints, the path keeps off the other one, so the
        # extreme the rule picks is also the one touched first (unless the open is on it).
        guarded = o[i] != (low[i] if low_first[i] else h[i])
        for s in range(k - 1):
            a = points[s]
            b = points[s + 1]
            floor_ = low[i]
            ceiling = h[i]
            if s == 0 and guarded and h[i] > low[i]:
                if low_first[i]:
                    ceiling -= 1
                else:
                    floor_ += 1
            ia = index[s]
            m = index[s + 1] - ia
            out[j + ia] = a
            # W_q = cumulative steps; bridge B_q = W_q - (q / m) * W_m.
            w_m = 0.0
            for q in range(m):
                w_m += _laplace(step_exponentials, j + ia + q)
            w = 0.0
            for q in range(1, m):
                w += _laplace(step_exponentials, j + ia + q)
                x = a + (b - a) * q / m + sigma * (w - q * w_m / m)
                out[j + ia + q] = _reflect(math.floor(x + 0.5), floor_, ceiling)
        out[j + n - 1] = points[k - 1]
        j += n


@njit(cache=True)
def aggressor_signs(ticks: _I64, uniforms: _F64, persistence: float, out: _I8) -> None:
    """Tick rule with persistence: up is a buyer, down a seller, unchanged repeats or flips.

    On an unchanged price the previous sign repeats with probability
    `persistence` (the first trade is a coin toss). One uniform per trade.
    """
    previous = 1 if uniforms[0] < 0.5 else -1
    for q in range(ticks.shape[0]):
        if q > 0 and ticks[q] > ticks[q - 1]:
            sign = 1
        elif q > 0 and ticks[q] < ticks[q - 1]:
            sign = -1
        elif q == 0 or uniforms[q] < persistence:
            sign = previous
        else:
            sign = -previous
        out[q] = sign
        previous = sign


@njit(cache=True)
def quotes_at_trades(
    ticks: _I64,
    signs: _I8,
    trade_lots: _I64,
    mean_lots: _F64,
    min_ticks: int,
    volatility_factor: float,
    jitter_ticks: float,
    smoothing: float,
    exponentials: _F64,
    bid: _I64,
    ask: _I64,
    bid_lots: _I64,
    ask_lots: _I64,
) -> None:
    """The quote standing just before each trade: the trade hits its touch.

    A buyer lifts the ask, so ``ask = price`` and ``bid = price - spread``; a
    seller hits the bid. The spread in ticks is ``min_ticks + floor(factor *
    v + jitter)`` with ``v`` an EWMA of absolute price changes in ticks (so it
    widens when prices move) and ``jitter`` exponential. Touch sizes are
    exponential with mean ``mean_lots[q]`` (at least one lot); the hit side
    holds at least the trade's size. Three exponentials per trade.
    """
    v = 0.0
    for q in range(ticks.shape[0]):
        if q > 0:
            v += smoothing * (abs(ticks[q] - ticks[q - 1]) - v)
        spread = min_ticks + math.floor(volatility_factor * v + jitter_ticks * exponentials[3 * q])
        if signs[q] > 0:
            ask[q] = ticks[q]
            bid[q] = ticks[q] - spread
        else:
            bid[q] = ticks[q]
            ask[q] = ticks[q] + spread
        scale = mean_lots[q]
        b = max(1, int(scale * exponentials[3 * q + 1] + 0.5))
        a = max(1, int(scale * exponentials[3 * q + 2] + 0.5))
        if signs[q] > 0:
            a = max(a, trade_lots[q])
        else:
            b = max(b, trade_lots[q])
        bid_lots[q] = b
        ask_lots[q] = a


@njit(cache=True)
def book_levels(
    bid: _I64,
    ask: _I64,
    bid_lots: _I64,
    ask_lots: _I64,
    levels: int,
    uniforms: _F64,
    exponentials: _F64,
    out_ticks: _I64,
    out_lots: _I64,
) -> None:
    """L2 levels behind each quote: level 0 is the quote, deeper levels step away.

    Each deeper level is one tick further from the previous (two, with
    probability 0.15: a hole in the book) and holds ``touch * (1 + 0.5 *
    level) * (1 + e) / 2`` lots (e exponential, mean 1), so depth builds up
    away from the touch. Output rows are snapshots, columns ``2 * level +
    side`` (side 0 bid, 1 ask). Uses ``2 * levels`` uniforms and exponentials
    per snapshot.
    """
    for r in range(bid.shape[0]):
        touch = 0.5 * (bid_lots[r] + ask_lots[r])
        out_ticks[r, 0] = bid[r]
        out_ticks[r, 1] = ask[r]
        out_lots[r, 0] = bid_lots[r]
        out_lots[r, 1] = ask_lots[r]
        for lvl in range(1, levels):
            for side in range(2):
                z = 2 * (r * levels + lvl) + side
                gap = 2 if uniforms[z] < 0.15 else 1
                step = -gap if side == 0 else gap
                out_ticks[r, 2 * lvl + side] = out_ticks[r, 2 * (lvl - 1) + side] + step
                size = touch * (1.0 + 0.5 * lvl) * 0.5 * (1.0 + exponentials[z])
                out_lots[r, 2 * lvl + side] = max(1, int(size + 0.5))
