"""Orders as the strategy asks for them, and as the exchange reports them.

`OrderRequest` is what a strategy sends (immutable, validated on creation);
`Order` is an immutable snapshot of an order's state that the exchange emits
with every change (`OrderUpdate`). The exchange keeps its own mutable working
state privately; nothing outside it can change an order except by a request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from tickdeck.core.enums import OrderStatus, OrderType, RejectReason, Side, TimeInForce
from tickdeck.core.errors import InputError

__all__ = ["Order", "OrderRequest", "OrderUpdate"]


def _positive(name: str, value: float | None) -> None:
    if value is None or not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(name, value, "a positive finite number")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A new order. Prices are in price units; quantity in instrument units (> 0).

    - MARKET: no prices. LIMIT: `limit_price`. STOP: `stop_price` (becomes a
      market order once triggered). STOP_LIMIT: both. TRAILING_STOP: `trail`
      (a price distance; the stop follows the best price since acceptance).
    - GTD needs `expire_ns`; DAY expires at the exchange's session end.
    - `post_only` rejects a limit order that would take liquidity on arrival;
      `reduce_only` rejects an order that would increase the position and
      trims one that would flip it.
    - `parent_id` makes this a child of a bracket: it becomes active only
      once its parent fills. `oco_group` links orders so that a fill of one
      cancels the others.
    """

    instrument: str
    side: Side
    quantity: float
    order_type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    stop_price: float | None = None
    trail: float | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    tag: str = ""
    parent_id: int | None = None
    oco_group: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", Side.parse(self.side, field="side"))
        object.__setattr__(self, "order_type", OrderType.parse(self.order_type, field="order_type"))
        object.__setattr__(
            self, "time_in_force", TimeInForce.parse(self.time_in_force, field="time_in_force")
        )
        _positive("quantity", self.quantity)
        kind = self.order_type
        needs_limit = kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = kind in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit:
            _positive("limit_price", self.limit_price)
        elif self.limit_price is not None:
            raise InputError(
                "limit_price", self.limit_price, f"no limit price for a {kind.label} order"
            )
        if needs_stop:
            _positive("stop_price", self.stop_price)
        elif self.stop_price is not None:
            raise InputError(
                "stop_price", self.stop_price, f"no stop price for a {kind.label} order"
            )
        if kind == OrderType.TRAILING_STOP:
            _positive("trail", self.trail)
        elif self.trail is not None:
            raise InputError("trail", self.trail, "a trail only on a trailing_stop order")
        if self.time_in_force == TimeInForce.GTD and self.expire_ns is None:
            raise InputError("expire_ns", None, "an expiry time for a GTD order")
        if self.time_in_force != TimeInForce.GTD and self.expire_ns is not None:
            raise InputError("expire_ns", self.expire_ns, "an expiry only with time_in_force GTD")
        if self.post_only and kind != OrderType.LIMIT:
            raise InputError("post_only", True, "post_only only on limit orders")
        if self.post_only and self.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            raise InputError("post_only", True, "a resting time in force (not IOC/FOK)")


@dataclass(frozen=True, slots=True)
class Order:
    """A snapshot of one order: its request, status and fills so far."""

    order_id: int
    request: OrderRequest
    status: OrderStatus
    ts_created: int
    ts_updated: int
    filled_quantity: float = 0.0
    average_price: float = math.nan
    reject_reason: RejectReason = RejectReason.NONE
    stop_price: float | None = field(default=None)

    @property
    def remaining(self) -> float:
        return self.request.quantity - self.filled_quantity

    @property
    def is_open(self) -> bool:
        return not self.status.is_final

    def evolve(self, **changes: object) -> Order:
        """A new snapshot with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A change of an order, reported to the strategy at `ts` (exchange time).

    `refused` is set when the exchange refused a cancel or modify of the
    order: `order` is then its unchanged state, and `refused` says why.
    """

    ts: int
    order: Order
    refused: RejectReason = RejectReason.NONE
