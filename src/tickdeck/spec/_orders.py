"""Moving a spec strategy's position to its target, with market or limit orders.

The same accounting as the templates' target positions: the gap is the
target minus the position *and* what orders still in flight will add, so a
rule that fires again while an order travels sends nothing more. Limit
orders may rest: when the target changes, our open orders are cancelled and
stop counting at once (if one fills before its cancel arrives, the position
is off target until a rule fires again, which corrects it).
"""

from __future__ import annotations

import math
from decimal import Decimal

from tickdeck.core import Fill, OrderUpdate, Side
from tickdeck.spec._sections import ExecutionSpec
from tickdeck.strategy.base import Strategy

__all__ = ["Orders"]

_RELATIVE_TOLERANCE = 1e-9
_QUANTITY_DECIMALS = 9
_GRID_EPSILON = 1e-9


class _Pending:
    __slots__ = ("counted", "delivered", "final", "quantity", "sign")

    def __init__(self, sign: float, quantity: float) -> None:
        self.sign = sign
        self.quantity = quantity  # what it may still fill; its filled total once final
        self.delivered = 0.0
        self.counted = True  # False once we asked to cancel it
        self.final = False  # its final status arrived (fills may still be on their way)


class Orders:
    """Sends the orders that close the gap to a target position on one instrument."""

    __slots__ = ("_decimals", "_execution", "_instrument", "_limit", "_pending", "_strategy")

    def __init__(self, strategy: Strategy, instrument: str, execution: ExecutionSpec) -> None:
        self._strategy = strategy
        self._instrument = instrument
        self._execution = execution
        self._limit = execution.order_type == "limit"
        tick = execution.tick_size
        self._decimals = (
            0 if tick is None else max(0, -int(Decimal(repr(tick)).as_tuple().exponent))
        )
        self._pending: dict[int, _Pending] = {}

    def expected(self) -> float:
        """The position once every counted order in flight is done (signed units)."""
        in_flight = 0.0
        for pending in self._pending.values():
            if pending.counted:
                in_flight += pending.sign * (pending.quantity - pending.delivered)
        return self._strategy.position(self._instrument) + in_flight

    def move_to(self, target: float, price: float, *, changed: bool, tag: str) -> int | None:
        """Send an order for ``target - expected()``; its id, or None when there is no gap.

        `changed` says the target differs from the previous one: resting limit
        orders sent for the old target are cancelled first.
        """
        if changed and self._limit:
            self._cancel_open()
        gap = target - self.expected()
        quantity = round(abs(gap), _QUANTITY_DECIMALS)
        if quantity <= _RELATIVE_TOLERANCE * max(1.0, abs(target)):
            return None
        side = Side.BUY if gap > 0 else Side.SELL
        execution = self._execution
        limit = self._limit_price(side, price) if self._limit else None
        if self._limit and limit is None:
            return None  # the offset leaves no positive price on the grid
        order_id = self._strategy.order(
            side,
            quantity,
            self._instrument,
            limit=limit,
            time_in_force=execution.time_in_force,
            tag=tag,
        )
        self._pending[order_id] = _Pending(1.0 if gap > 0 else -1.0, quantity)
        return order_id

    def on_fill(self, fill: Fill) -> None:
        pending = self._pending.get(fill.order_id)
        if pending is not None:
            pending.delivered += fill.quantity
            self._forget_if_done(fill.order_id, pending)

    def on_order(self, update: OrderUpdate) -> None:
        order = update.order
        pending = self._pending.get(order.order_id)
        if pending is not None and order.status.is_final:
            pending.quantity = order.filled_quantity
            pending.final = True
            self._forget_if_done(order.order_id, pending)

    def _forget_if_done(self, order_id: int, pending: _Pending) -> None:
        if pending.quantity - pending.delivered <= _RELATIVE_TOLERANCE * max(1.0, pending.quantity):
            del self._pending[order_id]

    def _cancel_open(self) -> None:
        for order_id, pending in self._pending.items():
            if pending.counted and not pending.final:
                pending.counted = False
                self._strategy.cancel(order_id)

    def _limit_price(self, side: Side, price: float) -> float | None:
        tick = self._execution.tick_size
        if tick is None or not math.isfinite(price):
            return None
        offset = self._execution.limit_offset_ticks
        if side == Side.BUY:
            ticks = math.floor(price / tick + _GRID_EPSILON) - offset
        else:
            ticks = math.ceil(price / tick - _GRID_EPSILON) + offset
        if ticks <= 0:
            return None
        return round(ticks * tick, self._decimals)
