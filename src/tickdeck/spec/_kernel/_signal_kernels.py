"""Compiled passes that turn market data into evaluations, and conditions into codes.

Nothing here depends on trading, so each pass runs once over whole arrays
before the event loop:

- `deliveries`: when the strategy sees each event (receive time plus the
  market-data latency, never before its venue time nor before the previous
  delivery), as `_Engine.run` computes it;
- `live_bars`: the bars `LiveBars` builds from delivered quote mids;
- `compare_codes`, `cross_codes`: a condition's three-valued outcome per
  evaluation, as `tickdeck.spec._runtime` decides it (tolerance and all);
- `pack_rules`: the rules that fired, one bit each, for the event loop.

Codes are int8: 0 false, 1 unknown, 2 true, so that *all* is the minimum,
*any* the maximum and *not* ``2 - code``.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._layout import (
    EARLIEST,
    RULE_LONG_ENTRY,
    RULE_LONG_EXIT,
    RULE_SHORT_ENTRY,
    RULE_SHORT_EXIT,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_I8 = npt.NDArray[np.int8]
_U8 = npt.NDArray[np.uint8]
_A = TypeVar("_A", bound="np.ndarray[Any, Any]")

FALSE, UNKNOWN, TRUE = 0, 1, 2
OPERATORS = (">", "<", ">=", "<=")
_TOLERANCE = 1e-12


@njit(cache=True)
def deliveries(venue: _I64, recv: _I64, latency: int, out: _I64) -> None:
    """Delivery times: ``max(recv + latency, venue, previous delivery)``."""
    last = EARLIEST
    for i in range(venue.shape[0]):
        time = recv[i] + latency
        if time < venue[i]:
            time = venue[i]
        if time < last:
            time = last
        last = time
        out[i] = time


@njit(cache=True)
def mids(bid: _F64, ask: _F64, out: _F64) -> None:
    """``(bid + ask) * 0.5``, the evaluation price of a quote."""
    for i in range(bid.shape[0]):
        out[i] = (bid[i] + ask[i]) * 0.5


@njit(cache=True)
def live_bars(
    delivery: _I64,
    mid: _F64,
    interval: int,
    at: _I64,
    open_: _F64,
    high: _F64,
    low: _F64,
    close: _F64,
) -> int:
    """`LiveBars` over delivered mids; returns the number of bars completed.

    Bar k is written to ``open_[k]``... ``close[k]``; ``at[i]`` is the bar
    that the delivery of quote i completes (and the strategy evaluates), or
    -1. Buckets are ``[k * interval, (k + 1) * interval)`` of delivery time;
    a bar is complete when the first quote of a later bucket arrives.
    """
    end = -1
    count = 0
    o = h = lo = c = np.nan
    for i in range(delivery.shape[0]):
        time = delivery[i]
        price = mid[i]
        at[i] = -1
        if time >= end:
            if end >= 0:
                open_[count] = o
                high[count] = h
                low[count] = lo
                close[count] = c
                at[i] = count
                count += 1
            end = time - time % interval + interval
            o = h = lo = c = price
        else:
            if price > h:
                h = price
            if price < lo:
                lo = price
            c = price
    return count


@njit(cache=True)
def compare_codes(left: _F64, right: _F64, operator: int, out: _I8) -> None:
    """``left op right`` per evaluation (`OPERATORS[operator]`), within the tolerance."""
    for i in range(left.shape[0]):
        a = left[i]
        b = right[i]
        d = a - b
        if d != d:
            out[i] = UNKNOWN
            continue
        tolerance = _TOLERANCE * max(abs(a), abs(b))
        if operator == 0:
            holds = d > tolerance
        elif operator == 1:
            holds = d < -tolerance
        elif operator == 2:
            holds = d >= -tolerance
        else:
            holds = d <= tolerance
        out[i] = TRUE if holds else FALSE


@njit(cache=True)
def cross_codes(left: _F64, right: _F64, above: bool, out: _I8) -> None:
    """`left` crosses `right` in the wanted direction, per evaluation (the rules of `Cross`).

    The difference within the tolerance is a tie; a NaN reading is unknown
    and keeps the side; the first defined reading is never a crossing.
    """
    side = 2  # -1 below, +1 above, 0 tied since the start, 2 no reading yet
    wanted = 1 if above else -1
    for i in range(left.shape[0]):
        a = left[i]
        b = right[i]
        d = a - b
        if d != d:
            out[i] = UNKNOWN
            continue
        tolerance = _TOLERANCE * max(abs(a), abs(b))
        if -tolerance <= d <= tolerance:
            d = 0.0
        crossing = 0
        if d > 0.0:
            if side <= 0:
                crossing = 1
            side = 1
        elif d < 0.0:
            if side == 1 or side == 0:
                crossing = -1
            side = -1
        elif side == 2:
            side = 0
        out[i] = TRUE if crossing == wanted else FALSE


@njit(cache=True)
def pack_rules(
    long_entry: _I8, short_entry: _I8, long_exit: _I8, short_exit: _I8, out: _U8
) -> None:
    """One byte per evaluation: a `RULE_*` bit for each rule that is true (empty: never)."""
    n = out.shape[0]
    has_le = long_entry.shape[0] == n
    has_se = short_entry.shape[0] == n
    has_lx = long_exit.shape[0] == n
    has_sx = short_exit.shape[0] == n
    for i in range(n):
        bits = 0
        if has_le and long_entry[i] == TRUE:
            bits |= RULE_LONG_ENTRY
        if has_se and short_entry[i] == TRUE:
            bits |= RULE_SHORT_ENTRY
        if has_lx and long_exit[i] == TRUE:
            bits |= RULE_LONG_EXIT
        if has_sx and short_exit[i] == TRUE:
            bits |= RULE_SHORT_EXIT
        out[i] = bits


def frozen(array: _A) -> _A:
    """A read-only, contiguous view: kernels see one array type and compile once for it."""
    view = np.ascontiguousarray(array).view()
    view.flags.writeable = False
    return cast(_A, view)
