"""Compiled arithmetic of the exchange and the strategy: the same float operations, in order.

Each function here restates, operation for operation, a piece of Python that
the event-driven path runs (named in its docstring), so that the compiled
path produces the same bits: numba without ``fastmath`` neither reorders nor
fuses float operations. Python's ``round(x, n)`` is the one operation with no
direct numba twin (numba scales and rounds, which is not correctly rounded),
so `round_decimal` computes it exactly.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._layout import (
    BASIS_BOOK,
    BASIS_SYNTHETIC,
    BUY,
    FEES_BPS,
    FEES_MAKER_TAKER,
    FEES_PER_UNIT,
    MAKER,
    PF_DEPTH_MULTIPLE,
    PF_FEE_A,
    PF_FEE_B,
    PF_KF,
    PF_MULTIPLIER,
    PF_SCALE,
    PF_SLIP_A,
    PF_SLIP_B,
    PF_SLIP_C,
    PF_TICK,
    PI_FEES,
    PI_K,
    PI_LEVELS,
    PI_SLIPPAGE,
    PI_STEP_TICKS,
    SF_ASK,
    SF_ASK_SIZE,
    SF_BID,
    SF_BID_SIZE,
    SI_TAKE_F_AT,
    SLIPPAGE_BPS,
    SLIPPAGE_SPREAD,
    SLIPPAGE_SQUARE_ROOT,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]

_SPLITTER = 134217729.0  # 2**27 + 1: Veltkamp's split of a double into two 26-bit halves
_TWO_52 = 4503599627370496.0
_TWO_53 = 9007199254740992.0


@njit(cache=True)
def _split(a: float) -> tuple[float, float]:
    c = _SPLITTER * a
    high = c - (c - a)
    return high, a - high


@njit(cache=True)
def _two_product(a: float, b: float) -> tuple[float, float]:
    """``(p, e)`` with ``p = fl(a * b)`` and ``p + e == a * b`` exactly (Dekker)."""
    p = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    e = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    return p, e


@njit(cache=True)
def round_decimal(x: float, digits: int) -> float:
    """Python's ``round(x, digits)`` (0 <= digits <= 15): correctly rounded, ties to even.

    CPython rounds the exact binary value of `x` to `digits` decimals (ties to
    even) and reads the decimal back to the nearest double. With ``N`` that
    rounded value times ``10**digits``, an integer below 2**53, the result is
    ``N / 10**digits`` by one correctly rounded division. ``N`` comes from the
    exact product ``x * 10**digits = p + e`` (`_two_product`): the sign of
    ``frac(p) - 0.5 + e`` decides the rounding, and it is computed exactly
    because ``frac(p) - 0.5`` is a multiple of ``ulp(p) >= 2 |e|``. When a unit
    in the last place of `x` exceeds ``10**-digits``, the decimal lies within
    half a unit of `x`, and `x` itself is the answer.
    """
    if x != x or x == 0.0 or math.isinf(x):
        return x
    if x < 0.0:
        return -round_decimal(-x, digits)
    scale = 10.0**digits
    _, exponent = math.frexp(x)
    if math.ldexp(1.0, exponent - 53) > 1.0 / scale:
        return x
    p, e = _two_product(x, scale)
    if p >= _TWO_53:
        return x
    whole = np.floor(p)
    tie = (p - whole) - 0.5 + e
    if tie > 0.0 or (tie == 0.0 and whole % 2.0 == 1.0):
        whole += 1.0
    return float(whole / scale)


# -- the instrument's grid (tickdeck.core.Instrument) ----------------------------------------
#
# Every function below takes the arenas (mi, mf) of `_layout`.


@njit(cache=True)
def ticks_to_price(ticks: int, mi: _I64, mf: _F64) -> float:
    """`Instrument.ticks_to_price`: ``float(ticks * k) / 10**p``."""
    return float(float(ticks * mi[PI_K]) / mf[PF_SCALE])


@njit(cache=True)
def snap_price(price: float, mi: _I64, mf: _F64) -> float:
    """`Instrument.snap_price`: the nearest grid price (ties to even ticks, as `round`)."""
    return ticks_to_price(int(np.rint(price * mf[PF_SCALE] / mf[PF_KF])), mi, mf)


@njit(cache=True)
def ulp(x: float) -> float:
    """`math.ulp` of a positive finite double."""
    mantissa, exponent = math.frexp(x)
    if mantissa == 0.0:
        return 5e-324
    return math.ldexp(1.0, max(exponent - 53, -1074))


@njit(cache=True)
def is_off_grid(price: float, mf: _F64) -> bool:
    """`Instrument.is_off_grid`."""
    exact = price * mf[PF_SCALE] / mf[PF_KF]
    return bool(abs(exact - np.rint(exact)) > 1e-6 + 8 * abs(ulp(abs(exact))))


@njit(cache=True)
def _away_from_taker(side: int, price: float, mi: _I64, mf: _F64) -> float:
    """`tickdeck.execution.matching._away_from_taker`."""
    exact = price / mf[PF_TICK]
    steps = int(np.ceil(exact - 1e-9)) if side == BUY else int(np.floor(exact + 1e-9))
    return ticks_to_price(steps, mi, mf)


# -- fee and slippage models (tickdeck.execution.fees, .slippage) ------------------------------


@njit(cache=True)
def fee(price: float, quantity: float, liquidity: int, mi: _I64, mf: _F64) -> float:
    """The spec's fee model's ``fee(...)`` for one fill."""
    kind = mi[PI_FEES]
    if kind == FEES_BPS:
        return float(price * quantity * mf[PF_MULTIPLIER] * mf[PF_FEE_A] * 1e-4)
    if kind == FEES_PER_UNIT:
        charged = mf[PF_FEE_A] * quantity
        minimum = mf[PF_FEE_B]
        return float(minimum if minimum > charged else charged)
    if kind == FEES_MAKER_TAKER:
        bps = mf[PF_FEE_A] if liquidity == MAKER else mf[PF_FEE_B]
        return float(price * quantity * mf[PF_MULTIPLIER] * bps * 1e-4)
    return 0.0


@njit(cache=True)
def price_shift(price: float, quantity: float, spread: float, mi: _I64, mf: _F64) -> float:
    """The spec's slippage model's ``price_shift(...)``; quotes carry no traded volume."""
    kind = mi[PI_SLIPPAGE]
    if kind == SLIPPAGE_BPS:
        return float(price * mf[PF_SLIP_A] * 1e-4)
    if kind == SLIPPAGE_SPREAD:
        return 0.0 if spread != spread else float(mf[PF_SLIP_A] * spread)
    if kind == SLIPPAGE_SQUARE_ROOT:
        # The exchange's traded volume is NaN without trades: the default volume stands in.
        root = math.sqrt(quantity / mf[PF_SLIP_C])
        return float(price * mf[PF_SLIP_A] * mf[PF_SLIP_B] * root)
    return 0.0


# -- a taker order against an L1 quote (tickdeck.execution.matching.take) ----------------------


@njit(cache=True)
def take(side: int, quantity: float, limit: float, mi: _I64, mf: _F64) -> int:
    """The taker fills of an order (`limit` NaN: market) against the exchange's quote.

    Returns n; fill j is (price, quantity, basis) at ``mf[mi[SI_TAKE_F_AT] + 3 j:]``.
    The ladder is the displayed top, then `SyntheticDepth` levels a fixed
    number of ticks apart; size beyond the last level fills at its price;
    slippage then moves every price away from the taker onto the grid, never
    beyond the limit.
    """
    buy = side == BUY
    bid = mf[SF_BID]
    ask = mf[SF_ASK]
    top = ask if buy else bid
    size = mf[SF_ASK_SIZE] if buy else mf[SF_BID_SIZE]
    if top != top:
        return 0
    out = mi[SI_TAKE_F_AT]
    market = limit != limit
    remaining = quantity
    count = 0
    sign = 1.0 if buy else -1.0
    # No sizes in the data: the top is all we can say, and it is unbounded.
    levels = 1 if size <= 0.0 else mi[PI_LEVELS]
    tick = mf[PF_TICK] * mi[PI_STEP_TICKS]
    for i in range(levels):
        if size <= 0.0:
            price = top
            available = np.inf
            basis = BASIS_SYNTHETIC
        else:
            price = snap_price(top + sign * tick * i, mi, mf)
            if i == 0:
                available = size
                basis = BASIS_BOOK
            else:
                if not price > 0.0:
                    continue
                available = size * mf[PF_DEPTH_MULTIPLE]
                basis = BASIS_SYNTHETIC
        if not market and (price > limit if buy else price < limit):
            break
        amount = available if available < remaining else remaining
        row = out + 3 * count
        mf[row] = price
        mf[row + 1] = amount
        mf[row + 2] = basis
        count += 1
        remaining -= amount
        if remaining <= 0.0:
            break
    if remaining > 0.0 and market and count > 0:
        row = out + 3 * (count - 1)
        mf[row + 1] = mf[row + 1] + remaining
        mf[row + 2] = BASIS_SYNTHETIC
    if count == 0:
        return 0
    taken = 0.0
    for j in range(count):
        taken += mf[out + 3 * j + 1]
    shift = price_shift(mf[out], taken, ask - bid, mi, mf)
    if shift <= 0.0:
        return count
    for j in range(count):
        row = out + 3 * j
        moved = _away_from_taker(side, mf[row] + sign * shift, mi, mf)
        if not market:
            if buy:
                moved = limit if limit < moved else moved
            else:
                moved = limit if limit > moved else moved
        mf[row] = moved
    return count
