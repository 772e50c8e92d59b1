"""`SimulatedExchange`: our orders against replayed market data, in exchange time.

The exchange receives order requests at their arrival time (the engine adds
the order-entry latency), replayed market events at their venue time
(``ts_event``), and answers with `OrderUpdate` and `Fill` reports stamped
with exchange time (the engine adds the report latency). It never sees the
strategy. Every rule of when and at what price an order fills is in
docs/fills.md; the rules live in `_rest_or_take` (an order meets the book),
`_on_quote_point` (a new top of book), `_on_price` (a trade),
`tickdeck.execution._bar_path` (bars) and `matching.take`.

Every event first settles the expiries due before it, against the market as
it was then, and only then changes the market.

Orders do not move the replayed market: this is the fundamental limit of
replay, stated in docs/fills.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from tickdeck.core import (
    Bar,
    BookDelta,
    BookSnapshot,
    FillBasis,
    InputError,
    Instrument,
    Liquidity,
    OrderStatus,
    OrderType,
    Quote,
    RejectReason,
    Side,
    TimeInForce,
    Trade,
)
from tickdeck.core.orders import OrderRequest
from tickdeck.execution._bar_path import BarRules
from tickdeck.execution._checks import pre_trade_check
from tickdeck.execution._ledger import Report
from tickdeck.execution._working import Working
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.market import MarketState
from tickdeck.execution.matching import slipped, take
from tickdeck.results._order_columns import OrderColumns

__all__ = ["Report", "SimulatedExchange"]

_NO_REPORTS: tuple[Report, ...] = ()


class SimulatedExchange(BarRules):
    """Matches our orders against replayed data for a set of instruments.

    `equity` (optional) returns the account equity for the leverage check.
    `finished` (optional) is the log that finished orders are written to
    (see `tickdeck.execution._ledger`); the engine passes the one it reads
    the run's orders from.
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        config: ExchangeConfig | None = None,
        *,
        equity: Callable[[], float] | None = None,
        finished: OrderColumns | None = None,
    ) -> None:
        super().__init__(instruments, config or ExchangeConfig(), finished)
        self._trades_seen: set[str] = set()
        self._bars_only: set[str] = set()
        self._equity = equity

    # -- requests -------------------------------------------------------------

    def submit(
        self, order_id: int, request: OrderRequest, ts: int, *, created_ns: int | None = None
    ) -> list[Report]:
        """An order arrives at the exchange at `ts`.

        It is reported ACCEPTED once it passes every check made on arrival, and
        REJECTED alone if it fails one. `created_ns` is when the strategy sent
        it (the snapshots' ``ts_created``, from which latency is measured);
        by default the arrival time.
        """
        if self._status(order_id) is not None:
            raise InputError("order_id", order_id, "an id not used before")
        working = Working(order_id, request, ts)
        if created_ns is not None:
            working.ts_created = created_ns
        self._orders[order_id] = working
        reports: list[Report] = []
        self._expire(ts, reports)
        reason = self._check(working)
        parent_id = request.parent_id
        parent = None if parent_id is None else self._status(parent_id)
        if reason is RejectReason.NONE and parent_id is not None and parent is None:
            reason = RejectReason.ORDER_NOT_OPEN  # a child of an order never submitted
        if reason is not RejectReason.NONE:
            self._reject(working, ts, reason, reports)
            return reports
        if request.reduce_only and parent_id is None:
            working.quantity = min(working.quantity, abs(self._positions[request.instrument]))
        if request.time_in_force == TimeInForce.DAY:
            working.expire_ns = self.config.day_end(ts)
        # Slippage is measured from the mid when the order reached the exchange, which for
        # a bracket child is now, not when its parent's fill activates it.
        working.reference_mid = self._mark(request.instrument)
        if parent_id is None or parent is None:
            self._activate(working, ts, reports)
            return reports
        reports.append(working.change(OrderStatus.ACCEPTED, ts))
        if parent.is_final:  # the parent ended before its child arrived: follow it now
            final = self._finished.get(parent_id)
            self._follow_parent(
                working, 0.0 if final is None else final.filled_quantity, ts, reports
            )
            return reports
        working.active = False  # a bracket child waits for its parent to end
        self._children.setdefault(parent_id, []).append(working)
        self._add(working)
        return reports

    def cancel(self, order_id: int, ts: int) -> list[Report]:
        """A cancel request arrives at `ts`; cancelling a closed order is reported, not raised."""
        reports: list[Report] = []
        self._expire(ts, reports)
        working = self._refuse(order_id, ts, reports)
        if working is not None:
            self._close(working, OrderStatus.CANCELED, ts, reports)
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
        """Change an open order's quantity or prices: it then meets the market as a new order.

        It loses its queue place, and an untriggered stop keeps waiting for its
        trigger. A request the order cannot take (a quantity not above what is
        filled, a price off the grid or of a kind the order type does not have)
        is refused with the order unchanged.
        """
        reports: list[Report] = []
        self._expire(ts, reports)
        working = self._refuse(order_id, ts, reports)
        if working is None:
            return reports
        instrument = self._instruments[working.request.instrument]
        if quantity is not None and not (quantity > working.filled and math.isfinite(quantity)):
            reports.append(working.rejection(ts, RejectReason.INVALID_QUANTITY))
            return reports
        prices = (limit_price, stop_price)
        if not working.takes_price(limit_price, stop_price) or any(
            p is not None and (not p > 0 or instrument.is_off_grid(p)) for p in prices
        ):
            reports.append(working.rejection(ts, RejectReason.INVALID_PRICE))
            return reports
        if quantity is not None:
            working.quantity = quantity
        if limit_price is not None:
            working.limit = limit_price
        if stop_price is not None:
            working.stop = stop_price
        working.queue_ahead = math.inf
        reports.append(working.change(working.status, ts))
        if working.active:
            self._remove(working)
            if working.waits_for_trigger:
                self._arm(working, ts, reports)
            else:
                self._rest_or_take(working, ts, reports)
        return reports

    # -- market data ----------------------------------------------------------

    def on_quote(self, quote: Quote) -> Sequence[Report]:
        instrument = quote[0]
        if instrument not in self._working and quote[1] < self._next_expiry:
            self._pending[instrument] = quote  # the common case: nothing of ours to match
            return _NO_REPORTS
        reports: list[Report] = []
        self._expire(quote.ts_event, reports)
        market = self._market(instrument)
        market.on_quote(
            quote.ts_event, quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size
        )
        for working in list(self._working.get(instrument, ())):
            # Checked as we go: an earlier order's fill can end this one (OCO).
            if working.active and not working.status.is_final:
                self._track_queue(working, market)
                self._on_quote_point(working, market, quote.ts_event, reports)
        return reports

    def on_trade(self, trade: Trade) -> list[Report]:
        reports: list[Report] = []
        self._expire(trade.ts_event, reports)
        instrument, price, size = trade.instrument, trade.price, trade.size
        self._market(instrument).on_trade(trade.ts_event, price, size)
        self._trades_seen.add(instrument)
        if instrument not in self._working:
            return reports
        for working in list(self._working[instrument]):
            if working.active and not working.status.is_final:
                if working.limit == price and not (working.is_stop and not working.triggered):
                    working.traded += size
                self._on_price(working, price, size, trade.ts_event, reports)
        return reports

    def on_book_delta(self, delta: BookDelta) -> list[Report]:
        reports: list[Report] = []
        self._expire(delta.ts_event, reports)
        market = self._market(delta.instrument)
        market.on_book_delta(delta.ts_event, delta.side, delta.price, delta.size, delta.action)
        return self._after_book(delta.instrument, market, delta.ts_event, reports)

    def on_book_snapshot(self, snapshot: BookSnapshot) -> list[Report]:
        reports: list[Report] = []
        self._expire(snapshot.ts_event, reports)
        market = self._market(snapshot.instrument)
        market.on_book_snapshot(
            snapshot.ts_event,
            snapshot.bid_prices,
            snapshot.bid_sizes,
            snapshot.ask_prices,
            snapshot.ask_sizes,
        )
        return self._after_book(snapshot.instrument, market, snapshot.ts_event, reports)

    def on_bar(self, bar: Bar) -> list[Report]:
        """A bar: walked as a price path when the instrument has neither quotes nor trades."""
        instrument = bar.instrument
        reports: list[Report] = []
        self._expire(bar.ts_event, reports)
        market = self._market(instrument)
        if not market.has_quote and instrument not in self._trades_seen:
            self._bars_only.add(instrument)
        if instrument in self._bars_only:
            self._walk_bar(bar, market, reports)
        market.last_price = bar.close
        return reports

    def _after_book(
        self, instrument_id: str, market: MarketState, ts: int, reports: list[Report]
    ) -> list[Report]:
        for working in list(self._working.get(instrument_id, ())):
            if working.active and not working.status.is_final:
                self._on_quote_point(working, market, ts, reports)
        return reports

    # -- the rules ------------------------------------------------------------

    def _check(self, working: Working) -> RejectReason:
        instrument_id = working.request.instrument
        if instrument_id not in self._instruments:
            return RejectReason.UNKNOWN_INSTRUMENT

        def others_gross() -> float:
            return sum(
                abs(q) * self._mark(i) * float(self._instruments[i].multiplier)
                for i, q in self._positions.items()
                if i != instrument_id and q and not math.isnan(self._mark(i))
            )

        return pre_trade_check(
            working,
            self._instruments[instrument_id],
            self._positions[instrument_id],
            self._market(instrument_id),
            self.config.risk,
            others_gross=others_gross,
            equity=self._equity,
        )

    def _activate(self, working: Working, ts: int, reports: list[Report]) -> None:
        """An accepted order (or a bracket child its parent's fill activates) meets the market."""
        request = working.request
        if request.order_type == OrderType.TRAILING_STOP:
            market = self._market(request.instrument)
            working.trail_to(
                market.bid if request.side == Side.SELL else market.ask,
                self._instruments[request.instrument],
            )
        if working.waits_for_trigger:
            self._acknowledge(working, ts, reports)  # with the stop it starts from
            self._arm(working, ts, reports)
        else:
            self._rest_or_take(working, ts, reports)

    def _arm(self, working: Working, ts: int, reports: list[Report]) -> None:
        """An untriggered stop meets the market: triggered if it is reached, else it waits."""
        market = self._market(working.request.instrument)
        if working.stop_reached(market.bid, market.ask):
            self._trigger(working, ts, reports)
            self._rest_or_take(working, ts, reports)
        else:
            self._add(working)

    def _rest_or_take(self, working: Working, ts: int, reports: list[Report]) -> None:
        """An active order meets the book: take what crosses, rest the rest."""
        request = working.request
        side = request.side
        instrument = self._instruments[request.instrument]
        market = self._market(request.instrument)
        limit = working.limit
        if limit is None and not market.can_take(side):
            # Without quotes, a market order on bars fills at the next bar's open, and on
            # trades at the next trade's price; IOC and FOK cannot wait for either.
            waits = request.instrument in self._bars_only or (
                request.instrument in self._trades_seen and not market.has_quote
            )
            if waits and request.time_in_force not in (TimeInForce.IOC, TimeInForce.FOK):
                self._acknowledge(working, ts, reports)
                self._add(working)
                return
            self._close(working, OrderStatus.REJECTED, ts, reports, RejectReason.NO_MARKET)
            return
        # Comparisons with a missing (NaN) side are False: nothing to cross.
        crosses = limit is None or (
            limit >= market.ask if side == Side.BUY else limit <= market.bid
        )
        if crosses and request.post_only:
            self._close(
                working, OrderStatus.REJECTED, ts, reports, RejectReason.POST_ONLY_WOULD_TAKE
            )
            return
        self._acknowledge(working, ts, reports)
        fills = (
            take(
                side,
                working.remaining,
                limit,
                market,
                instrument,
                self.config.depth,
                self.config.slippage,
            )
            if crosses
            else []
        )
        if (
            request.time_in_force == TimeInForce.FOK
            and sum(q for _, q, _ in fills) < working.remaining - 1e-12
        ):
            self._close(working, OrderStatus.CANCELED, ts, reports, RejectReason.FOK_NOT_FILLABLE)
            return
        on_bar = request.instrument in self._bars_only  # a child activated on a bar's path
        for price, quantity, basis in fills:
            basis = FillBasis.BAR_PATH if on_bar else basis
            self._fill(working, price, quantity, Liquidity.TAKER, ts, reports, basis)
        if working.status.is_final:
            return
        if request.time_in_force in (TimeInForce.IOC, TimeInForce.FOK) or limit is None:
            self._close(working, OrderStatus.CANCELED, ts, reports)
            return
        # Resting: the queue ahead is what is displayed at our price if that is the best level.
        best, displayed = (
            (market.bid, market.bid_size) if side == Side.BUY else (market.ask, market.ask_size)
        )
        better = best != best or (limit > best if side == Side.BUY else limit < best)
        working.traded = 0.0
        working.seen_size = math.nan
        if better:
            working.queue_ahead = 0.0
        elif limit == best:
            working.queue_ahead = working.seen_size = displayed
        else:
            working.queue_ahead = math.inf  # a level we cannot see yet
        self._add(working)

    def _on_quote_point(
        self, working: Working, market: MarketState, ts: int, reports: list[Report]
    ) -> None:
        """A working order against a new top of book (a quote, or the L2 book)."""
        request = working.request
        if working.limit is None and not working.is_stop:
            if market.has_quote:  # a market order that waited for a price (bars) now has one
                self._remove(working)
                self._rest_or_take(working, ts, reports)
            return
        if working.is_stop and not working.triggered:
            if request.order_type == OrderType.TRAILING_STOP:
                working.trail_to(
                    market.bid if request.side == Side.SELL else market.ask,
                    self._instruments[request.instrument],
                )
            if working.stop_reached(market.bid, market.ask):
                self._trigger(working, ts, reports)
                self._remove(working)
                self._rest_or_take(working, ts, reports)
            return
        limit = working.limit
        if limit is None:
            return
        opposite, size = (
            (market.ask, market.ask_size)
            if request.side == Side.BUY
            else (market.bid, market.bid_size)
        )
        if opposite != opposite:
            return
        through = opposite < limit if request.side == Side.BUY else opposite > limit
        at = opposite == limit
        queued = request.instrument in self._trades_seen
        if through or (at and not queued):
            quantity = working.remaining if size <= 0 else min(working.remaining, size)
            self._fill(working, limit, quantity, Liquidity.MAKER, ts, reports, FillBasis.QUOTE)

    def _on_price(
        self, working: Working, price: float, size: float, ts: int, reports: list[Report]
    ) -> None:
        """A trade at `price` for `size` units."""
        request = working.request
        if working.limit is None and not working.is_stop:
            self._take_at_trade(working, price, ts, reports)  # waited for a trade
            return
        if working.waits_for_trigger:
            if request.order_type == OrderType.TRAILING_STOP:
                working.trail_to(price, self._instruments[request.instrument])
            if not working.stop_reached(price, price):
                return
            self._trigger(working, ts, reports)
            if self._market(request.instrument).can_take(request.side):
                # Triggered, it is a new market or limit order: it meets the book or quote
                # (a stop-limit takes it if its limit crosses, else rests).
                self._remove(working)
                self._rest_or_take(working, ts, reports)
                return
            if working.limit is None:
                self._take_at_trade(working, price, ts, reports)  # no quote: the print's price
                return
            # A stop-limit with no quote: a limit order from this print on (below).
        limit = working.limit
        if limit is None:
            return
        through = price < limit if request.side == Side.BUY else price > limit
        if through:
            self._fill(
                working, limit, working.remaining, Liquidity.MAKER, ts, reports, FillBasis.TRADE
            )
        elif price == limit:
            ahead = working.queue_ahead
            if ahead == math.inf:
                return  # our level was never the best: nobody knows what is ahead of us
            working.queue_ahead = max(ahead - size, 0.0)
            left = self._whole_lots(request.instrument, min(working.remaining, size - ahead))
            if left > 0:
                # With nobody estimated ahead, the trade itself reached us.
                basis = FillBasis.QUEUE if ahead > 0 else FillBasis.TRADE
                self._fill(working, limit, left, Liquidity.MAKER, ts, reports, basis)

    def _take_at_trade(
        self, working: Working, price: float, ts: int, reports: list[Report]
    ) -> None:
        """No quote to take: all of it at the trade's price, shifted by the slippage model."""
        request = working.request
        paid = slipped(
            request.side,
            price,
            working.remaining,
            working.limit,
            self._market(request.instrument),
            self._instruments[request.instrument],
            self.config.slippage,
        )
        self._fill(
            working, paid, working.remaining, Liquidity.TAKER, ts, reports, FillBasis.LAST_TRADE
        )

    def _whole_lots(self, instrument_id: str, quantity: float) -> float:
        """`quantity` rounded down to whole lots: a queue estimate never fills part of a lot."""
        lot = self._instruments[instrument_id].lot_size
        lots = math.floor(quantity / float(lot) + 1e-9)
        return float(lots * lot) if lots > 0 else 0.0

    def _track_queue(self, working: Working, market: MarketState) -> None:
        """The queue ahead of a resting limit, from the size displayed at its price.

        Only while our price is the best level is its size displayed. A fall in
        that size since we last saw it, beyond what traded at our price
        meanwhile, is cancellations: the queue model decides how much of it was
        ahead of us. What is ahead of us is never more than is displayed.
        """
        limit = working.limit
        if limit is None or working.queue_ahead == 0.0:
            return
        if working.request.side == Side.BUY:
            best, size = market.bid, market.bid_size
        else:
            best, size = market.ask, market.ask_size
        if best != limit or (working.is_stop and not working.triggered):
            return
        if working.queue_ahead == math.inf:
            working.queue_ahead = size  # our level just became visible: all of it is ahead
        elif working.seen_size == working.seen_size:
            before = max(working.seen_size - working.traded, 0.0)
            if size < before:
                working.queue_ahead = self.config.queue.on_size_decrease(
                    working.queue_ahead, before, size
                )
        working.seen_size = size
        working.traded = 0.0
