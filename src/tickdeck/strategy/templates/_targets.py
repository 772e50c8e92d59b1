"""Target positions: a template says where it wants to be, market orders close the gap.

Every template but the market maker trades by stating a *target* position per
instrument (long ``quantity``, flat, short ``quantity``) and letting
`PositionTargets` send one market order for the difference. The difference
counts what is already on its way: the position the strategy has been told
about (`Strategy.position`, built from the fills delivered so far) plus what
the orders sent but not finished will still add. So a signal repeated while an
order is in flight (order-entry or report latency) does not send a second
order, and the unfilled rest of a rejected or cancelled order is sent again at
the next signal.

An order stops counting once it is final (filled, cancelled, rejected,
expired) *and* every fill it reported was delivered: with random report
latency a fill may arrive after its order's final status.
"""

from __future__ import annotations

from tickdeck.core import Fill, InputError, OrderUpdate, Side
from tickdeck.strategy.base import Strategy

__all__ = ["PositionTargets", "resolve_instrument"]

# Positions are sums of float fills: a gap this small relative to the target is no gap.
_RELATIVE_TOLERANCE = 1e-9
_QUANTITY_DECIMALS = 9


class _Pending:
    """One order of ours that may still change the position."""

    __slots__ = ("delivered", "instrument", "quantity", "sign")

    def __init__(self, instrument: str, sign: float, quantity: float) -> None:
        self.instrument = instrument
        self.sign = sign
        self.quantity = quantity  # what it may still fill in total; its filled total once final
        self.delivered = 0.0  # fills delivered to the strategy so far


class PositionTargets:
    """Moves a strategy's positions to targets with market orders, minding orders in flight.

    The strategy forwards its `on_fill` and `on_order` callbacks here, and calls
    `move_to` when its signal changes; nothing here runs per tick.
    """

    __slots__ = ("_pending", "_strategy")

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy
        self._pending: dict[int, _Pending] = {}

    def expected(self, instrument: str) -> float:
        """The position once every order in flight is done (instrument units, signed)."""
        in_flight = 0.0
        for pending in self._pending.values():
            if pending.instrument == instrument:
                in_flight += pending.sign * (pending.quantity - pending.delivered)
        return self._strategy.position(instrument) + in_flight

    def move_to(self, instrument: str, target: float, *, tag: str = "") -> int | None:
        """Send a market order for ``target - expected(instrument)``; its id, or None if no gap."""
        gap = target - self.expected(instrument)
        # A position summed from partial fills is off by float residue (999.9999999999998):
        # quantities are rounded to 1e-9 units, far below any lot size.
        quantity = round(abs(gap), _QUANTITY_DECIMALS)
        if quantity <= _RELATIVE_TOLERANCE * max(1.0, abs(target)):
            return None
        side = Side.BUY if gap > 0 else Side.SELL
        order_id = self._strategy.order(side, quantity, instrument, tag=tag)
        self._pending[order_id] = _Pending(instrument, 1.0 if gap > 0 else -1.0, quantity)
        return order_id

    def on_fill(self, fill: Fill) -> None:
        """Count a delivered fill of one of our orders."""
        pending = self._pending.get(fill.order_id)
        if pending is not None:
            pending.delivered += fill.quantity
            self._forget_if_done(fill.order_id, pending)

    def on_order(self, update: OrderUpdate) -> None:
        """A final status fixes what the order fills in total."""
        order = update.order
        pending = self._pending.get(order.order_id)
        if pending is not None and order.status.is_final:
            pending.quantity = order.filled_quantity
            self._forget_if_done(order.order_id, pending)

    def _forget_if_done(self, order_id: int, pending: _Pending) -> None:
        # Before its final status an order's quantity is what it asked for, so a full
        # delivery means filled; after it, the filled total: either way nothing more comes.
        if pending.quantity - pending.delivered <= _RELATIVE_TOLERANCE * max(1.0, pending.quantity):
            del self._pending[order_id]


def resolve_instrument(strategy: Strategy, name: str, *, field: str = "instrument") -> str:
    """The instrument id a template trades: `name`, or the run's only instrument when empty.

    Raises `InputError` naming the parameter when `name` is not in the run.
    """
    # Strategy has no public read of the run's instruments: the context is the only source.
    available = strategy.instruments
    if not name:
        if len(available) != 1:
            raise InputError(
                f"param {field}",
                name,
                "an instrument id",
                hint=f"the run has {list(available)}: say which one to trade",
            )
        return available[0]
    if name not in available:
        raise InputError(f"param {field}", name, f"one of the run's instruments {list(available)}")
    return name
