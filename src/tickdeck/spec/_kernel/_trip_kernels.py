"""Round trips from closed lots, compiled: what `tickdeck.results._trips.RoundTripLog` writes.

Closed lot portions (`ClosedLot` records, in the order they were closed) are
grouped by (exit order, entry order), one round trip per pair, in the order
each pair was first seen; a trip's quantity and weighted prices are plain
sums in closing order (Python's `sum`), its PnL and fees are `math.fsum`,
restated here operation for operation (CPython's algorithm: exact partials,
then the correctly rounded total).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.typed import Dict

from tickdeck.spec._kernel._layout import (
    C_ENTRY_ORDER,
    C_ENTRY_TS,
    C_EXIT_ORDER,
    C_EXIT_TS,
    C_SIDE,
    CF_ENTRY_PRICE,
    CF_EXIT_PRICE,
    CF_FEES,
    CF_GROSS,
    CF_QUANTITY,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]

T_SIDE, T_ENTRY_NS, T_EXIT_NS = range(3)
T_COLUMNS = 3
TF_QUANTITY, TF_ENTRY_PRICE, TF_EXIT_PRICE, TF_GROSS, TF_FEES = range(5)
TF_COLUMNS = 5


@njit(cache=True)
def fsum(values: _F64, count: int, partials: _F64) -> float:
    """`math.fsum` of ``values[:count]`` (finite values); `partials` is scratch space."""
    n = 0
    for index in range(count):
        x = values[index]
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                partials[i] = lo
                i += 1
            x = hi
        n = i
        if x != 0.0:
            partials[n] = x
            n += 1
    hi = 0.0
    if n > 0:
        n -= 1
        hi = partials[n]
        lo = 0.0
        while n > 0:
            x = hi
            n -= 1
            y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                break
        # Half-even rounding across several partials, as CPython does.
        if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = hi + y
            if y == x - hi:
                hi = x
    return float(hi)


@njit(cache=True)
def round_trips(closed: _I64, closed_f: _F64, out: _I64, out_f: _F64) -> int:
    """Group closed lots (rows of `closed`/`closed_f`) into round trips; returns their count.

    Trip k is ``out[k]`` (side, entry time, exit time) and ``out_f[k]``
    (quantity, entry price, exit price, gross PnL, fees); both have a row per
    closed lot at least.
    """
    count = closed.shape[0]
    trip_of = np.empty(count, np.int64)
    seen = Dict.empty(key_type=types.int64, value_type=types.int64)
    trips = 0
    for k in range(count):
        # Order indexes stay far below 2**31: the pair fits one int64 key.
        key = closed[k, C_EXIT_ORDER] * 2_147_483_648 + closed[k, C_ENTRY_ORDER]
        trip = seen.get(key, -1)
        if trip < 0:
            trip = trips
            seen[key] = trip
            trips += 1
        trip_of[k] = trip
    # The lots of each trip, in closing order: a stable sort by trip.
    order = np.argsort(trip_of, kind="mergesort")
    gross = np.empty(count, np.float64)
    fees = np.empty(count, np.float64)
    partials = np.empty(2 * count + 64, np.float64)
    start = 0
    while start < count:
        trip = trip_of[order[start]]
        stop = start
        while stop < count and trip_of[order[stop]] == trip:
            stop += 1
        first = order[start]
        quantity = 0.0
        entry_value = 0.0
        exit_value = 0.0
        entry_ns = closed[first, C_ENTRY_TS]
        exit_ns = closed[first, C_EXIT_TS]
        for j in range(start, stop):
            lot = order[j]
            size = closed_f[lot, CF_QUANTITY]
            quantity += size
            entry_value += closed_f[lot, CF_ENTRY_PRICE] * size
            exit_value += closed_f[lot, CF_EXIT_PRICE] * size
            entry_ns = min(entry_ns, closed[lot, C_ENTRY_TS])
            exit_ns = max(exit_ns, closed[lot, C_EXIT_TS])
            gross[j - start] = closed_f[lot, CF_GROSS]
            fees[j - start] = closed_f[lot, CF_FEES]
        out[trip, T_SIDE] = closed[first, C_SIDE]
        out[trip, T_ENTRY_NS] = entry_ns
        out[trip, T_EXIT_NS] = exit_ns
        out_f[trip, TF_QUANTITY] = quantity
        out_f[trip, TF_ENTRY_PRICE] = entry_value / quantity
        out_f[trip, TF_EXIT_PRICE] = exit_value / quantity
        out_f[trip, TF_GROSS] = fsum(gross, stop - start, partials)
        out_f[trip, TF_FEES] = fsum(fees, stop - start, partials)
        start = stop
    return trips
