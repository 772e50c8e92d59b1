"""`Strategy`: the class a quant subclasses, the same in every mode.

A strategy reacts to events through `on_*` callbacks and acts through order
verbs. It never sees the engine: it talks to a `Context`, which a backtest,
a Redis service or a paper-trading session implements, so nothing here is
backtest-only. Data arrives only through the callbacks, in receive order, so
a strategy cannot look ahead: there is no way to reach an event before the
context delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tickdeck.core import (
    Bar,
    BookDelta,
    BookSnapshot,
    Fill,
    InputError,
    Instrument,
    Order,
    OrderRequest,
    OrderType,
    OrderUpdate,
    Quote,
    Side,
    TimeInForce,
    Trade,
)
from tickdeck.strategy.params import ParamSpec, bind, parameters

__all__ = ["Context", "Strategy"]


class Context(Protocol):
    """What a running strategy can ask of its environment."""

    @property
    def now(self) -> int:
        """The strategy's clock: receive time of the event being handled (ns UTC)."""
        ...

    @property
    def instruments(self) -> tuple[str, ...]: ...

    def instrument_info(self, instrument_id: str) -> Instrument:
        """The definition of a traded instrument: tick size, lot size, currency."""
        ...

    def submit(self, request: OrderRequest) -> int: ...

    def cancel(self, order_id: int) -> None: ...

    def modify(
        self,
        order_id: int,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> None: ...

    def position(self, instrument: str) -> float: ...

    def cash(self) -> float: ...

    def equity(self) -> float: ...

    def open_orders(self, instrument: str | None = None) -> list[Order]: ...

    def last_quote(self, instrument: str) -> Quote | None: ...

    def set_timer(self, at_ns: int, name: str) -> None: ...

    def subscribe_bars(self, instrument: str, interval_ns: int) -> None: ...


class Strategy:
    """Subclass and override the callbacks you need; declare parameters with `Param`.

    The order verbs take keyword-only options and return the order id, which
    identifies the order in `on_order` updates and `on_fill` fills. When a
    strategy trades one instrument, `instrument` may be omitted everywhere.
    """

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        self._context = context
        self._params = bind(type(self), params)

    # -- introspection --------------------------------------------------------

    @classmethod
    def parameters(cls) -> dict[str, ParamSpec]:
        """The declared parameters, for sweeps, the JSON spec and forms."""
        return parameters(cls)

    @property
    def params(self) -> dict[str, object]:
        """This run's parameter values."""
        return dict(self._params)

    # -- callbacks ------------------------------------------------------------

    def on_start(self) -> None:
        """Before the first event: subscribe to bars, set timers, read parameters."""

    def on_quote(self, quote: Quote) -> None:
        """A new top of book."""

    def on_trade(self, trade: Trade) -> None:
        """A trade print."""

    def on_bar(self, bar: Bar) -> None:
        """A bar: replayed, or aggregated from ticks for a `subscribe_bars` subscription."""

    def on_book(self, event: BookDelta | BookSnapshot) -> None:
        """An L2 book change or snapshot."""

    def on_fill(self, fill: Fill) -> None:
        """One of our orders executed (all or part)."""

    def on_order(self, update: OrderUpdate) -> None:
        """Any status change of one of our orders, rejections included (with the reason)."""

    def on_timer(self, ts: int, name: str) -> None:
        """A timer set with `set_timer` fired."""

    def on_stop(self) -> None:
        """After the last event."""

    # -- verbs ----------------------------------------------------------------

    def buy(self, quantity: float, instrument: str | None = None, **options: Any) -> int:
        """Buy `quantity`; options as in `order` (limit=, stop=, trail=, time_in_force=, ...)."""
        return self.order(Side.BUY, quantity, instrument, **options)

    def sell(self, quantity: float, instrument: str | None = None, **options: Any) -> int:
        """Sell `quantity`; options as in `order`."""
        return self.order(Side.SELL, quantity, instrument, **options)

    def order(
        self,
        side: Side,
        quantity: float,
        instrument: str | None = None,
        *,
        limit: float | None = None,
        stop: float | None = None,
        trail: float | None = None,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        expire_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        tag: str = "",
        parent_id: int | None = None,
        oco_group: int | None = None,
    ) -> int:
        """Send an order; its type follows from the prices given.

        No price: market. `limit`: limit. `stop`: stop. Both: stop-limit.
        `trail`: trailing stop.
        """
        if trail is not None:
            kind = OrderType.TRAILING_STOP
        elif stop is not None:
            kind = OrderType.STOP_LIMIT if limit is not None else OrderType.STOP
        else:
            kind = OrderType.LIMIT if limit is not None else OrderType.MARKET
        request = OrderRequest(
            self._instrument(instrument),
            side,
            quantity,
            kind,
            limit_price=limit,
            stop_price=stop,
            trail=trail,
            time_in_force=TimeInForce.parse(time_in_force, field="time_in_force"),
            expire_ns=expire_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            tag=tag,
            parent_id=parent_id,
            oco_group=oco_group,
        )
        return self._context.submit(request)

    def bracket(
        self,
        side: Side,
        quantity: float,
        instrument: str | None = None,
        *,
        limit: float | None = None,
        stop_loss: float,
        take_profit: float,
        tag: str = "",
    ) -> tuple[int, int, int]:
        """An entry with a stop-loss and a take-profit that cancel each other; returns the 3 ids."""
        entry = self.order(side, quantity, instrument, limit=limit, tag=tag)
        exit_side = Side.SELL if side == Side.BUY else Side.BUY
        group = entry
        loss = self.order(
            exit_side, quantity, instrument, stop=stop_loss, parent_id=entry,
            oco_group=group, reduce_only=True, tag=tag,
        )  # fmt: skip
        profit = self.order(
            exit_side, quantity, instrument, limit=take_profit, parent_id=entry,
            oco_group=group, reduce_only=True, tag=tag,
        )  # fmt: skip
        return entry, loss, profit

    def submit(self, request: OrderRequest) -> int:
        """Send a fully specified order request."""
        return self._context.submit(request)

    def cancel(self, order_id: int) -> None:
        self._context.cancel(order_id)

    def modify(
        self,
        order_id: int,
        *,
        quantity: float | None = None,
        limit: float | None = None,
        stop: float | None = None,
    ) -> None:
        self._context.modify(order_id, quantity=quantity, limit_price=limit, stop_price=stop)

    def close(self, instrument: str | None = None, **options: Any) -> int | None:
        """Flatten the position with a reduce-only order; None when already flat."""
        position = self.position(instrument)
        if position == 0:
            return None
        side = Side.SELL if position > 0 else Side.BUY
        return self.order(side, abs(position), instrument, reduce_only=True, **options)

    def set_timer(self, at_ns: int, name: str = "timer") -> None:
        self._context.set_timer(at_ns, name)

    def subscribe_bars(self, interval_ns: int, instrument: str | None = None) -> None:
        """Receive `on_bar` for bars of `interval_ns` built from the ticks as they arrive."""
        self._context.subscribe_bars(self._instrument(instrument), interval_ns)

    # -- reads ----------------------------------------------------------------

    @property
    def now(self) -> int:
        return self._context.now

    def position(self, instrument: str | None = None) -> float:
        return self._context.position(self._instrument(instrument))

    @property
    def cash(self) -> float:
        return self._context.cash()

    @property
    def equity(self) -> float:
        return self._context.equity()

    def open_orders(self, instrument: str | None = None) -> list[Order]:
        return self._context.open_orders(instrument)

    def last_quote(self, instrument: str | None = None) -> Quote | None:
        return self._context.last_quote(self._instrument(instrument))

    @property
    def instruments(self) -> tuple[str, ...]:
        """The ids of the instruments this run trades."""
        return self._context.instruments

    def instrument_info(self, instrument: str | None = None) -> Instrument:
        """An instrument's definition (tick size, lot size, currency, multiplier)."""
        return self._context.instrument_info(self._instrument(instrument))

    def _instrument(self, instrument: str | None) -> str:
        if instrument is not None:
            return instrument
        names = self._context.instruments
        if len(names) != 1:
            raise InputError(
                "instrument", None, f"an instrument id: this strategy trades {list(names)}"
            )
        return names[0]
