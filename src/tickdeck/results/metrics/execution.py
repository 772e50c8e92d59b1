"""Execution quality: limit-order fill rate, slippage against the mid, and latency.

These read order and fill columns, not the equity curve, and none is
annualised. With no orders or fills they return NaN: there is nothing to
average, which is not the same as a perfect 0.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.results.metrics._inputs import (
    nonnegative_values,
    same_length,
    sides,
    timestamps,
    values,
)

__all__ = ["average_latency_ns", "average_slippage_bps", "limit_fill_rate"]

_BPS: Final = 10_000.0
# Partial fills summed in floating point may exceed the order by a few ulps.
_FILL_TOLERANCE: Final = 1e-9


def limit_fill_rate(order_quantity: npt.ArrayLike, filled_quantity: npt.ArrayLike) -> float:
    """Filled share of the quantity of limit orders: ``sum(filled) / sum(quantity)``.

    Quantity-weighted, so a half-filled order counts half. For a count-based
    rate (the share of orders that filled at all), pass ones and 0/1 flags.

    Args:
        order_quantity: Quantity of each limit order submitted (> 0).
        filled_quantity: Quantity filled of each, between 0 and the order's.

    Returns:
        The rate in [0, 1]; NaN without limit orders.
    """
    ordered = values("order_quantity", order_quantity)
    filled = nonnegative_values("filled_quantity", filled_quantity)
    same_length(order_quantity=ordered, filled_quantity=filled)
    not_positive = np.flatnonzero(ordered <= 0)
    if not_positive.size:
        i = int(not_positive[0])
        raise InputError("order_quantity", f"order_quantity[{i}] = {ordered[i]}", "quantities > 0")
    overfilled = np.flatnonzero(filled > ordered * (1.0 + _FILL_TOLERANCE))
    if overfilled.size:
        i = int(overfilled[0])
        raise InputError(
            "filled_quantity",
            f"filled_quantity[{i}] = {filled[i]}",
            f"at most the order's quantity ({ordered[i]})",
        )
    if ordered.size == 0:
        return math.nan
    return min(float(filled.sum()) / float(ordered.sum()), 1.0)


def average_slippage_bps(
    side: npt.ArrayLike,
    fill_price: npt.ArrayLike,
    reference_mid: npt.ArrayLike,
    *,
    notional: npt.ArrayLike | None = None,
) -> float:
    """Average cost of fills against a reference mid, in basis points.

    Per fill, ``s_i = side_i * (fill_price_i - reference_mid_i) / reference_mid_i * 10_000``:
    positive when the fill was worse than the mid (a buy above it, a sell
    below it), negative when better (a passive fill inside the spread). The
    average is ``sum(w_i * s_i) / sum(w_i)`` with ``w_i = |notional_i|`` when
    `notional` is given (the cost in bps of the traded notional) and equal
    weights otherwise.

    Args:
        side: +1 for a buy, -1 for a sell (`tickdeck.core.Side` values).
        fill_price: Price of each fill (> 0).
        reference_mid: The mid it is measured against, for instance at the
            time the order was decided (> 0).
        notional: Optional weights, the notional of each fill.

    Returns:
        The average in bps; NaN without fills, or when every weight is 0.
    """
    sign = sides("side", side)
    price = values("fill_price", fill_price)
    mid = values("reference_mid", reference_mid)
    same_length(side=sign, fill_price=price, reference_mid=mid)
    for name, array in (("fill_price", price), ("reference_mid", mid)):
        not_positive = np.flatnonzero(array <= 0)
        if not_positive.size:
            i = int(not_positive[0])
            raise InputError(name, f"{name}[{i}] = {array[i]}", "prices > 0")
    per_fill = sign * (price - mid) / mid * _BPS
    if notional is None:
        weights = np.ones_like(per_fill)
    else:
        weights = np.abs(values("notional", notional))
        same_length(side=sign, notional=weights)
    total_weight = float(weights.sum())
    if total_weight == 0:
        return math.nan
    return float(np.dot(weights, per_fill)) / total_weight


def average_latency_ns(submit_ns: npt.ArrayLike, response_ns: npt.ArrayLike) -> float:
    """Mean time from sending an order to its response: ``mean(response_ns - submit_ns)``.

    The response is whatever the caller measures to (the acknowledgement or
    the fill); pass one pair per order or per fill. In ns, as a float.

    Args:
        submit_ns: Times the orders were sent, int64 ns UTC.
        response_ns: Times their responses arrived, each at or after its send.

    Returns:
        The mean latency in ns; NaN without orders.
    """
    sent = timestamps("submit_ns", submit_ns)
    answered = timestamps("response_ns", response_ns)
    same_length(submit_ns=sent, response_ns=answered)
    early = np.flatnonzero(answered < sent)
    if early.size:
        i = int(early[0])
        raise InputError(
            "response_ns",
            f"response_ns[{i}] = {int(answered[i])}",
            f"a time at or after submit_ns[{i}] = {int(sent[i])}",
        )
    if sent.size == 0:
        return math.nan
    return float(np.mean((answered - sent).astype(np.float64)))
