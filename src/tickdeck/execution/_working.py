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
        "is_stop",
        "limit",
        "notional",
        "order_id",
        "quantity",
        "queue_ahead",
        "reason",
        "reference_mid",
        "request",
        "seen_size",
        "status",
        "stop",
        "traded",
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
        # Read for every order on every market event: kept, not derived each time.
        self.is_stop = request.order_type in (
            OrderType.STOP,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP,
        )
        self.triggered = False
        self.active = True
        self.best = math.nan
        # Queue place (docs/fills.md, "Trades"): the volume estimated ahead of us, the size
        # displayed at our price when last seen as the best (NaN: not seen), and the volume
        # traded at our price since then (a fall in size it explains is not a cancellation).
        self.queue_ahead = math.inf
        self.seen_size = math.nan
        self.traded = 0.0
        self.expire_ns = request.expire_ns
        self.reason = RejectReason.NONE
        self.reference_mid = math.nan

    @property
    def waits_for_trigger(self) -> bool:
        """A stop, stop-limit or trailing stop that the market has not reached yet."""
        return self.is_stop and not self.triggered

    @property
    def remaining(self) -> float:
        return self.quantity - self.filled

    def stop_reached(self, low: float, high: float) -> bool:
        """Whether prices spanning [low, high] reach the stop (buy stops above, sell below).

        A missing (NaN) price reaches nothing.
        """
        if self.stop is None:
            return False
        if self.request.side == Side.BUY:
            return high >= self.stop
        return low <= self.stop

    def takes_price(self, limit_price: float | None, stop_price: float | None) -> bool:
        """Whether this order's type has the prices a modification would give it."""
        kind = self.request.order_type
        if limit_price is not None and kind not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            return False
        return stop_price is None or kind in (OrderType.STOP, OrderType.STOP_LIMIT)

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
