"""Pre-trade checks: an order that breaks a rule is rejected with its reason, never raised."""

from __future__ import annotations

import math
from collections.abc import Callable

from tickdeck.core import Instrument, RejectReason, Side, TimeInForce
from tickdeck.execution._working import Working
from tickdeck.execution.config import RiskLimits
from tickdeck.execution.market import MarketState

__all__ = ["pre_trade_check"]


def pre_trade_check(
    working: Working,
    instrument: Instrument,
    position: float,
    market: MarketState,
    risk: RiskLimits,
    *,
    others_gross: Callable[[], float],
    equity: Callable[[], float] | None,
) -> RejectReason:
    """The first rule the order breaks, in this order: price grid, lot size, expiry,
    reduce-only, order size, order notional, position, leverage; NONE if it breaks none.

    Notional uses the order's limit (or stop) price, else the price it would take.
    Leverage is the gross exposure of all positions after the order over equity.
    """
    request = working.request
    for price in (request.limit_price, request.stop_price):
        if price is not None and instrument.is_off_grid(price):
            return RejectReason.INVALID_PRICE
    lots = request.quantity / float(instrument.lot_size)
    if abs(lots - round(lots)) > 1e-9 * max(1.0, lots):
        return RejectReason.INVALID_QUANTITY
    # An expiry is judged at the order's arrival (its first update), not when it was sent.
    if request.time_in_force == TimeInForce.GTD and (request.expire_ns or 0) <= working.ts_updated:
        return RejectReason.EXPIRE_TIME_PASSED
    signed = request.quantity if request.side == Side.BUY else -request.quantity
    # A bracket child is checked against the position its parent's fill leaves, on activation.
    waits = request.parent_id is not None
    if request.reduce_only and not waits and (position == 0 or (position > 0) == (signed > 0)):
        return RejectReason.REDUCE_ONLY_WOULD_INCREASE
    reference = (
        request.limit_price
        or request.stop_price
        or (market.ask if request.side == Side.BUY else market.bid)
    )
    multiplier = float(instrument.multiplier)
    if risk.max_order_quantity is not None and request.quantity > risk.max_order_quantity:
        return RejectReason.MAX_ORDER_SIZE
    notional = request.quantity * reference * multiplier
    if risk.max_order_notional is not None and notional > risk.max_order_notional:
        return RejectReason.MAX_ORDER_NOTIONAL
    if risk.max_position is not None and abs(position + signed) > risk.max_position + 1e-12:
        return RejectReason.MAX_POSITION
    if risk.max_leverage is not None and equity is not None and not math.isnan(reference):
        gross = others_gross() + abs(position + signed) * reference * multiplier
        account = equity()
        if account <= 0 or gross / account > risk.max_leverage + 1e-12:
            return RejectReason.MAX_LEVERAGE
    return RejectReason.NONE
