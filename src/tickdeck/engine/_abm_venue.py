"""The agent-based market as the engine's venue: the closed loop.

In a replay the market is history and our orders cannot move it. Here the
venue is a `tickdeck.synth.abm.AbmMarket`: the strategy's orders enter the
same book as the agents' orders and move prices. The engine drives it through
the interface it uses for the simulated exchange (`submit`, `cancel`,
`modify`, ``on_<event>``), and reads its market data from `events`.

The market runs in steps of `step_ns`. Quotes and trades of a step are
delivered in time order; an order the strategy sends while handling them
reaches the book at the arrival time the engine gives it, or at the end of the
step if that is later (the market has run up to there): at most `step_ns` of
extra latency, stated in docs/synth-abm.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from tickdeck.core import (
    Bar,
    BookDelta,
    BookSnapshot,
    Fill,
    InputError,
    InvariantError,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    OrderUpdate,
    Quote,
    RejectReason,
    Side,
    Trade,
)
from tickdeck.results._order_columns import OrderColumns
from tickdeck.synth.abm import AbmMarket

__all__ = ["AbmVenue"]

Report = OrderUpdate | Fill
_NONE: tuple[Report, ...] = ()


class _Tracked:
    """Our view of one order resting in the market: what the engine was told so far."""

    __slots__ = ("filled", "market_id", "notional", "order")

    def __init__(self, order: Order, market_id: int) -> None:
        self.order = order
        self.market_id = market_id
        self.filled = 0.0
        self.notional = 0.0


class AbmVenue:
    """Our orders in an `AbmMarket`, reported as the simulated exchange reports them."""

    def __init__(
        self,
        market: AbmMarket,
        *,
        end_ns: int,
        step_ns: int = 1_000_000,
        finished: OrderColumns | None = None,
    ) -> None:
        if step_ns <= 0:
            raise InputError("step_ns", step_ns, "a positive duration")
        if end_ns <= market.now_ns:
            raise InputError("end_ns", end_ns, f"a time after the market's start {market.now_ns}")
        self.market = market
        self.instrument = market.instrument.id
        self._end = end_ns
        self._step = step_ns
        self._by_market_id: dict[int, _Tracked] = {}
        self._by_id: dict[int, _Tracked] = {}
        self._maker_fills: list[Fill] = []  # maker fills of the current step, by time
        # Final states, where the engine reads the run's orders (and refusals quote them).
        self._final = finished if finished is not None else OrderColumns()

    # -- market data ------------------------------------------------------------

    def events(self) -> Iterator[Quote | Trade]:
        """The market's quotes and trades, step by step, in time order (trades first on ties)."""
        market = self.market
        instrument = self.instrument
        while market.now_ns < self._end:
            batch = market.advance(min(market.now_ns + self._step, self._end))
            self._maker_fills.extend(batch.fills)
            trades, quotes = batch.trades, batch.quotes
            times = np.concatenate([trades["ts_recv"], quotes["ts_recv"]])
            order = np.argsort(times, kind="stable")  # trades come first at equal times
            n = len(trades)
            trade_rows = trades.tolist()
            quote_rows = quotes.tolist()
            for i in order.tolist():
                if i < n:
                    yield Trade(instrument, *trade_rows[i])
                else:
                    yield Quote(instrument, *quote_rows[i - n])

    def _due(self, ts: int) -> list[Report]:
        """Our maker fills up to `ts`, with the order updates they make."""
        fills = self._maker_fills
        if not fills or fills[0].ts > ts:
            return []
        reports: list[Report] = []
        while fills and fills[0].ts <= ts:
            fill = fills.pop(0)
            tracked = self._by_market_id.get(fill.order_id)
            if tracked is None:
                raise InvariantError(f"a maker fill of unknown market order {fill.order_id}")
            self._fill(tracked, fill, reports)
        return reports

    def _settle(self, tracked: _Tracked) -> list[Report]:
        """Report what the market already filled of `tracked` (the step ran ahead of us)."""
        mine = [f for f in self._maker_fills if f.order_id == tracked.market_id]
        if not mine:
            return []
        self._maker_fills = [f for f in self._maker_fills if f.order_id != tracked.market_id]
        reports: list[Report] = []
        for fill in mine:
            self._fill(tracked, fill, reports)
        return reports

    def on_quote(self, quote: Quote) -> Sequence[Report]:
        return self._due(quote.ts_event) if self._maker_fills else _NONE

    def on_trade(self, trade: Trade) -> Sequence[Report]:
        return self._due(trade.ts_event) if self._maker_fills else _NONE

    def on_bar(self, bar: Bar) -> Sequence[Report]:
        return _NONE

    def on_book_delta(self, delta: BookDelta) -> Sequence[Report]:
        return _NONE

    def on_book_snapshot(self, snapshot: BookSnapshot) -> Sequence[Report]:
        return _NONE

    # -- orders -----------------------------------------------------------------

    def submit(
        self, order_id: int, request: OrderRequest, ts: int, *, created_ns: int | None = None
    ) -> list[Report]:
        now = max(ts, self.market.now_ns)
        created = ts if created_ns is None else created_ns
        order = Order(order_id, request, OrderStatus.SUBMITTED, created, now)
        unsupported = _unsupported(request)
        if unsupported:
            rejected = order.evolve(
                status=OrderStatus.REJECTED, reject_reason=RejectReason.UNSUPPORTED_BY_VENUE
            )
            self._final.put(rejected)
            return [OrderUpdate(now, rejected)]
        mid = self.market.mid
        answer = self.market.submit(request)
        if answer.status == OrderStatus.REJECTED:
            rejected = order.evolve(status=OrderStatus.REJECTED, reject_reason=answer.reject_reason)
            self._final.put(rejected)
            return [OrderUpdate(now, rejected)]
        tracked = _Tracked(order.evolve(status=OrderStatus.ACCEPTED), answer.order_id)
        self._by_id[order_id] = tracked
        self._by_market_id[answer.order_id] = tracked
        reports: list[Report] = [OrderUpdate(now, tracked.order)]
        for fill in answer.fills:
            sign = 1.0 if request.side == Side.BUY else -1.0
            slippage = 0.0 if math.isnan(mid) else sign * (fill.price - mid)
            self._fill(tracked, replace(fill, slippage=slippage), reports)
        if answer.status == OrderStatus.CANCELED:  # the rest of a market, IOC or FOK order
            self._close(tracked, OrderStatus.CANCELED, now, reports)
        return reports

    def cancel(self, order_id: int, ts: int) -> list[Report]:
        tracked = self._by_id.get(order_id)
        now = max(ts, self.market.now_ns)
        if tracked is None:
            return self._refused(order_id, now)
        # Fills the market made before the cancel arrived come first: they happened.
        reports = self._settle(tracked)
        if tracked.order.status.is_final:
            return reports + self._refused(order_id, now)
        if not self.market.cancel(tracked.market_id):
            raise InvariantError(f"order {order_id} left the book without a fill or a cancel")
        self._close(tracked, OrderStatus.CANCELED, now, reports)
        return reports

    def modify(
        self,
        order_id: int,
        ts: int,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> list[Report]:
        tracked = self._by_id.get(order_id)
        now = max(ts, self.market.now_ns)
        if tracked is None:
            return self._refused(order_id, now)
        settled = self._settle(tracked)
        if tracked.order.status.is_final:
            return settled + self._refused(order_id, now)
        if stop_price is not None:
            return [*settled, OrderUpdate(now, tracked.order, refused=RejectReason.INVALID_PRICE)]
        rest = None if quantity is None else quantity - tracked.filled
        if rest is not None and not rest > 0:
            return [
                *settled,
                OrderUpdate(now, tracked.order, refused=RejectReason.INVALID_QUANTITY),
            ]
        reason = self.market.modify(tracked.market_id, price=limit_price, quantity=rest)
        if reason != RejectReason.NONE:
            return [*settled, OrderUpdate(now, tracked.order, refused=reason)]
        request = tracked.order.request
        request = replace(
            request,
            quantity=request.quantity if quantity is None else quantity,
            limit_price=request.limit_price if limit_price is None else limit_price,
        )
        tracked.order = tracked.order.evolve(request=request, ts_updated=now)
        return [*settled, OrderUpdate(now, tracked.order)]

    # -- bookkeeping ------------------------------------------------------------

    def _fill(self, tracked: _Tracked, fill: Fill, reports: list[Report]) -> None:
        order = tracked.order
        fill = replace(fill, order_id=order.order_id)
        tracked.filled += fill.quantity
        tracked.notional += fill.quantity * fill.price
        done = tracked.filled >= order.request.quantity - 1e-12 * max(1.0, order.request.quantity)
        tracked.order = order.evolve(
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            ts_updated=fill.ts,
            filled_quantity=tracked.filled,
            average_price=tracked.notional / tracked.filled,
        )
        reports.append(fill)
        reports.append(OrderUpdate(fill.ts, tracked.order))
        if done:
            self._forget(tracked)

    def _close(
        self, tracked: _Tracked, status: OrderStatus, ts: int, reports: list[Report]
    ) -> None:
        tracked.order = tracked.order.evolve(status=status, ts_updated=ts)
        reports.append(OrderUpdate(ts, tracked.order))
        self._forget(tracked)

    def _forget(self, tracked: _Tracked) -> None:
        self._final.put(tracked.order)
        self._by_id.pop(tracked.order.order_id, None)
        self._by_market_id.pop(tracked.market_id, None)

    def _refused(self, order_id: int, now: int) -> list[Report]:
        last = self._final.get(order_id)
        if last is None:
            raise InputError("order_id", order_id, "an id this venue was given")
        return [OrderUpdate(now, last, refused=RejectReason.ORDER_NOT_OPEN)]


def _unsupported(request: OrderRequest) -> list[str]:
    """What of `request` this venue does not do (the engine's exchange does, in replay)."""
    found = []
    if request.order_type not in (OrderType.MARKET, OrderType.LIMIT):
        found.append(request.order_type.label)
    if request.time_in_force.label in ("day", "gtd"):
        found.append(request.time_in_force.label)
    for name in ("reduce_only",):
        if getattr(request, name):
            found.append(name)
    for name in ("parent_id", "oco_group"):
        if getattr(request, name) is not None:
            found.append(name)
    return found
