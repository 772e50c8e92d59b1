"""The exchange's private, mutable state of one order; the outside sees `Order` snapshots."""

from __future__ import annotations

import math
from dataclasses import replace

from tickdeck.core import Instrument, OrderStatus, OrderType, RejectReason, Side
from tickdeck.core.orders import Order, OrderRequest, OrderUpdate

__all__ = ["Working"]


class Working:
    """One order as the exchange works it: remaining quantity, trigger state, queue place."""

    __slots__ = (
        "active",
        "best",
        "expire_ns",
        "filled",
        "limit",
        "notional",
        "order_id",
        "quantity",
        "queue_ahead",
        "reason",
        "reference_mid",
        "request",
        "status",
        "stop",
        "triggered",
        "ts_created",
        "ts_updated",
    )

    def __init__(self, order_id: int, request: OrderRequest, ts: int) -> None:
        self.order_id = order_id
        self.request = request
        self.status = OrderStatus.SUBMITTED
        self.ts_created = ts
        self.ts_updated = ts
        self.quantity = request.quantity
        self.filled = 0.0
        self.notional = 0.0
        self.limit = request.limit_price
        self.stop = request.stop_price
        self.triggered = False
        self.active = True
        self.best = math.nan
        self.queue_ahead = math.inf
        self.expire_ns = request.expire_ns
        self.reason = RejectReason.NONE
        self.reference_mid = math.nan

    @property
    def is_stop(self) -> bool:
        return self.request.order_type in (
            OrderType.STOP,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP,
        )

    @property
    def remaining(self) -> float:
        return self.quantity - self.filled

    def trail_to(self, price: float, instrument: Instrument) -> None:
        """Move a trailing stop with the best price seen (up for sells, down for buys).

        The stop stays on the tick grid, so comparing it with prices is exact.
        """
        trail = self.request.trail
        if trail is None or price != price:
            return
        sell = self.request.side == Side.SELL
        if self.best != self.best or (price > self.best if sell else price < self.best):
            self.best = price
            stop = price - trail if sell else price + trail
            self.stop = instrument.snap_price(stop)

    def add_fill(self, price: float, quantity: float) -> None:
        self.filled += quantity
        self.notional += price * quantity

    def snapshot(self) -> Order:
        request = self.request
        if self.quantity != request.quantity or self.limit != request.limit_price:
            # A modified order: its snapshot shows the terms it now works with.
            request = replace(request, quantity=self.quantity, limit_price=self.limit)
        return Order(
            order_id=self.order_id,
            request=request,
            status=self.status,
            ts_created=self.ts_created,
            ts_updated=self.ts_updated,
            filled_quantity=self.filled,
            average_price=self.notional / self.filled if self.filled else math.nan,
            reject_reason=self.reason,
            stop_price=self.stop,
        )

    def change(self, status: OrderStatus, ts: int) -> OrderUpdate:
        self.status = status
        self.ts_updated = ts
        return OrderUpdate(ts, self.snapshot())

    def finish(self, status: OrderStatus, ts: int, reason: RejectReason) -> OrderUpdate:
        self.reason = reason
        return self.change(status, ts)

    def rejection(self, ts: int, reason: RejectReason) -> OrderUpdate:
        """A refused cancel or modify: reported with the reason, the order itself unchanged."""
        return OrderUpdate(ts, self.snapshot(), refused=reason)
