"""Compiled kernels of the stochastic markets: regimes, price paths, trades on the path.

Time runs in steps of fixed length; a *block* (one UTC day) is simulated at a
time and the state that must survive between blocks (regime, log price, GARCH
variance, block-trade impact, spread EWMA, last aggressor) lives in small
arrays the kernels update in place. As everywhere in `tickdeck.synth`, random
inputs are arrays drawn by the caller.
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

# Per-instrument state slots (float array).
X_LOG_PRICE = 0
X_VARIANCE = 1  # GARCH variance relative to the long-run level (mean 1)
X_IMPACT = 2  # accumulated permanent impact of block trades, in log price
X_SPREAD_EWMA = 3  # EWMA of absolute mid changes between trades, in ticks
X_LAST_MID = 4  # mid (in ticks) at the previous trade, NaN before the first
X_LAST_SIGN = 5
N_STATE = 6


@njit(cache=True)
def regime_path(
    current: int,
    exit_probability: _F64,
    cumulative_transitions: _F64,
    uniforms: _F64,
    out: _I8,
    entered: _B,
) -> int:
    """A Markov chain of regimes over the steps; returns the regime after the last step.

    At each step the chain leaves regime r with probability
    ``exit_probability[r]`` (uniform ``2s``) for the regime picked by uniform
    ``2s + 1`` from row r of `cumulative_transitions`. ``entered[s]`` is true
    on the step a new regime starts.
    """
    k = cumulative_transitions.shape[1]
    r = current
    for s in range(out.shape[0]):
        moved = False
        if uniforms[2 * s] < exit_probability[r]:
            pick = uniforms[2 * s + 1]
            nxt = k - 1
            for q in range(k):
                if pick < cumulative_transitions[r, q]:
                    nxt = q
                    break
            moved = nxt != r
            r = nxt
        out[s] = r
        entered[s] = moved
    return r


@njit(cache=True)
def log_prices(
    state: _F64,
    normals: _F64,
    jumps: _F64,
    regimes: _I8,
    volatility_multiplier: _F64,
    sigma_step: float,
    drift_step: float,
    alpha: float,
    persistence: float,
    out: _F64,
) -> None:
    """Log price during each step: GBM, with GARCH(1,1) variance, regimes and jumps.

    Step s returns ``drift - sigma_s**2 / 2 + sigma_s * z_s + jump_s`` with
    ``sigma_s = sigma_step * multiplier[regime_s] * sqrt(h_s)``; the relative
    variance follows ``h_(s+1) = (1 - persistence) + alpha * h_s * z_s**2 +
    (persistence - alpha) * h_s`` (mean 1; constant 1 when alpha is 0 and
    persistence is 1, i.e. plain GBM).
    """
    x = state[X_LOG_PRICE]
    h = state[X_VARIANCE]
    for s in range(out.shape[0]):
        sigma = sigma_step * volatility_multiplier[regimes[s]] * math.sqrt(h)
        z = normals[s]
        x += drift_step - 0.5 * sigma * sigma + sigma * z + jumps[s]
        out[s] = x
        h = (1.0 - persistence) + alpha * h * z * z + (persistence - alpha) * h
    state[X_LOG_PRICE] = x
    state[X_VARIANCE] = h


@njit(cache=True)
def operational_to_clock(
    operational: _F64, cumulative: _F64, block_start: int, step_ns: int, out: _I64
) -> None:
    """Clock times (ns) of sorted operational times, through the cumulative intensity.

    ``cumulative[s]`` is the expected count up to the end of step s; inside a
    step the intensity is constant, so time is linear in operational time.
    """
    s = 0
    last = cumulative.shape[0] - 1
    for j in range(operational.shape[0]):
        t = operational[j]
        while s < last and cumulative[s] <= t:
            s += 1
        before = cumulative[s - 1] if s > 0 else 0.0
        width = cumulative[s] - before
        f = (t - before) / width if width > 0.0 else 0.0
        f = min(max(f, 0.0), 1.0)
        out[j] = block_start + s * step_ns + int(f * (step_ns - 1))


@njit(cache=True)
def trades_on_path(
    state: _F64,
    times: _I64,
    block_start: int,
    step_ns: int,
    path: _F64,
    ticks_per_price: float,
    mean_lots: float,
    size_exponentials: _F64,
    tail: float,
    block_uniforms: _F64,
    block_multiplier: float,
    block_share: float,
    impact: float,
    sign_uniforms: _F64,
    persistence: float,
    min_ticks: int,
    volatility_factor: float,
    jitter_ticks: float,
    smoothing: float,
    jitter: _F64,
    quote_exponentials: _F64,
    quote_lots: float,
    prices: _I64,
    signs: _I8,
    lots: _I64,
    bid: _I64,
    ask: _I64,
    bid_lots: _I64,
    ask_lots: _I64,
) -> None:
    """Each trade hits the quote standing around the efficient price at its time.

    The mid (in ticks) is ``exp(path[step] + impact) * ticks_per_price``; the
    spread is ``min_ticks + floor(factor * v + jitter)`` with v the EWMA of
    absolute mid changes between trades; ``bid = round(mid - spread / 2)``.
    The aggressor repeats the previous one with probability `persistence`.
    Sizes are ``mean_lots * w / E[w]`` lots with Pareto weights ``w =
    exp(e / tail)`` (e exponential); touch sizes are exponential with mean
    `quote_lots`, the hit side holding at least an ordinary trade's size. A
    share `block_share`
    of trades are blocks, `block_multiplier` times larger, which walk the
    book ``floor(log2(size / touch size))`` ticks beyond the touch and move
    the efficient price permanently by ``impact * sqrt(size / mean block)``
    in their direction.
    """
    v = state[X_SPREAD_EWMA]
    last_mid = state[X_LAST_MID]
    sign = int(state[X_LAST_SIGN])
    offset = state[X_IMPACT]
    for j in range(times.shape[0]):
        s = (times[j] - block_start) // step_ns
        mid = math.exp(path[s] + offset) * ticks_per_price
        if not math.isnan(last_mid):
            v += smoothing * (abs(mid - last_mid) - v)
        last_mid = mid
        spread = min_ticks + math.floor(volatility_factor * v + jitter_ticks * jitter[j])
        b = max(1, math.floor(mid - 0.5 * spread + 0.5))
        a = b + spread
        if sign == 0:
            sign = 1 if sign_uniforms[j] < 0.5 else -1
        elif sign_uniforms[j] >= persistence:
            sign = -sign
        weight = math.exp(size_exponentials[j] / tail) * (tail - 1.0) / tail
        size = max(1, int(mean_lots * weight + 0.5))
        is_block = block_uniforms[j] < block_share
        if is_block:
            size = max(1, int(size * block_multiplier + 0.5))
        bl = max(1, int(quote_lots * quote_exponentials[2 * j] + 0.5))
        al = max(1, int(quote_lots * quote_exponentials[2 * j + 1] + 0.5))
        touch = al if sign > 0 else bl
        extra = 0
        if is_block and size > touch:
            extra = math.floor(math.log2(size / touch))
        elif not is_block:
            if sign > 0:
                al = max(al, size)
            else:
                bl = max(bl, size)
        price = a + extra if sign > 0 else b - extra
        if price < 1:
            price = 1
        prices[j] = price
        signs[j] = sign
        lots[j] = size
        bid[j] = b
        ask[j] = a
        bid_lots[j] = bl
        ask_lots[j] = al
        if is_block:
            typical = mean_lots * block_multiplier
            offset += sign * impact * math.sqrt(size / typical)
    state[X_SPREAD_EWMA] = v
    state[X_LAST_MID] = last_mid
    state[X_LAST_SIGN] = sign
    state[X_IMPACT] = offset
