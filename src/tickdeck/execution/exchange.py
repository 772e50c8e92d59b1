"""`SimulatedExchange`: our orders against replayed market data, in exchange time.

The exchange receives order requests at their arrival time (the engine adds
the order-entry latency), replayed market events at their venue time
(``ts_event``), and answers with `OrderUpdate` and `Fill` reports stamped
with exchange time (the engine adds the report latency). It never sees the
strategy. Every rule of when and at what price an order fills is in
docs/fills.md; the rules live in `_on_price` (stops and resting limits
against a price point), `_rest_or_take` (arrival) and `matching.take`.

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
from tickdeck.core.orders import Order, OrderRequest
from tickdeck.execution._checks import pre_trade_check
from tickdeck.execution._ledger import Ledger, Report
from tickdeck.execution._working import Working
from tickdeck.execution.config import ExchangeConfig, SameBarRule
from tickdeck.execution.market import MarketState
from tickdeck.execution.matching import take
from tickdeck.results._order_columns import OrderColumns

__all__ = ["Report", "SimulatedExchange"]

_NO_REPORTS: tuple[Report, ...] = ()


class SimulatedExchange(Ledger):
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
        # The last quote of an instrument with nothing of ours working: applied to its
        # MarketState only when something reads it, so an idle quote costs one store.
        self._pending: dict[str, Quote] = {}

    # -- reads ----------------------------------------------------------------

    def market(self, instrument_id: str) -> MarketState:
        return self._market(instrument_id)

    def _market(self, instrument_id: str) -> MarketState:
        market = self._markets[instrument_id]
        quote = self._pending.pop(instrument_id, None)
        if quote is not None:
            market.on_quote(
                quote.ts_event, quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size
            )
        return market

    def position(self, instrument_id: str) -> float:
        """Net position the exchange has filled for us (units, signed)."""
        return self._positions[instrument_id]

    def order(self, order_id: int) -> Order:
        """Order `order_id` as it is now; KeyError if it was never submitted."""
        working = self._orders.get(order_id)
        if working is not None:
            return working.snapshot()
        final = self._finished.get(order_id)
        if final is None:
            raise KeyError(order_id)
        return final

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        return [
            w.snapshot()
            for i, ws in self._working.items()
            if instrument_id is None or i == instrument_id
            for w in ws
        ]

    # -- requests -------------------------------------------------------------

    def submit(self, order_id: int, request: OrderRequest, ts: int) -> list[Report]:
        """An order arrives at the exchange at `ts`."""
        if self._status(order_id) is not None:
            raise InputError("order_id", order_id, "an id not used before")
        working = Working(order_id, request, ts)
        self._orders[order_id] = working
        if request.parent_id is not None:
            self._children.setdefault(request.parent_id, []).append(working)
        reports: list[Report] = []
        self._expire(ts, reports)
        reason = self._check(working)
        if reason is not RejectReason.NONE:
            self._reject(working, ts, reason, reports)
            return reports
        if request.reduce_only and request.parent_id is None:
            working.quantity = min(working.quantity, abs(self._positions[request.instrument]))
        if request.time_in_force == TimeInForce.DAY:
            working.expire_ns = self.config.day_end(ts)
        parent = self._status(request.parent_id) if request.parent_id is not None else None
        if request.parent_id is not None and parent is None:
            self._reject(working, ts, RejectReason.ORDER_NOT_OPEN, reports)
            return reports
        reports.append(working.change(OrderStatus.ACCEPTED, ts))
        if parent is not None and parent is not OrderStatus.FILLED:
            working.active = False  # a bracket child waits for its parent to fill
            self._add(working)
            return reports
        self._activate(working, ts, reports)
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
        """Change an open order's quantity or prices; it loses its queue place (a new order's)."""
        reports: list[Report] = []
        self._expire(ts, reports)
        working = self._refuse(order_id, ts, reports)
        if working is None:
            return reports
        instrument = self._instruments[working.request.instrument]
        if quantity is not None and not (quantity > working.filled and math.isfinite(quantity)):
            reports.append(working.rejection(ts, RejectReason.INVALID_QUANTITY))
            return reports
        for price in (limit_price, stop_price):
            if price is not None and (not price > 0 or instrument.is_off_grid(price)):
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
            self._rest_or_take(working, ts, reports)
        return reports

    # -- market data ----------------------------------------------------------

    def on_quote(self, quote: Quote) -> Sequence[Report]:
        instrument = quote[0]
        if instrument not in self._working and quote[1] < self._next_expiry:
            self._pending[instrument] = quote  # the common case: nothing of ours to match
            return _NO_REPORTS
        market = self._market(instrument)
        old_bid, old_ask, old_bid_size, old_ask_size = (
            market.bid,
            market.ask,
            market.bid_size,
            market.ask_size,
        )
        market.on_quote(
            quote.ts_event, quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size
        )
        reports: list[Report] = []
        self._expire(quote.ts_event, reports)
        for working in list(self._working.get(quote.instrument, ())):
            if working.status.is_final or not working.active:
                continue
            self._track_queue(working, market, (old_bid, old_ask, old_bid_size, old_ask_size))
            self._on_quote_point(working, market, quote.ts_event, reports)
        return reports

    def on_trade(self, trade: Trade) -> list[Report]:
        market = self._market(trade.instrument)
        market.on_trade(trade.ts_event, trade.price, trade.size)
        self._trades_seen.add(trade.instrument)
        if trade.instrument not in self._working and trade.ts_event < self._next_expiry:
            return []
        reports: list[Report] = []
        self._expire(trade.ts_event, reports)
        for working in list(self._working.get(trade.instrument, ())):
            if not working.status.is_final and working.active:
                self._on_price(working, trade.price, trade.size, trade.ts_event, reports, gap=False)
        return reports

    def on_book_delta(self, delta: BookDelta) -> list[Report]:
        market = self._market(delta.instrument)
        market.on_book_delta(delta.ts_event, delta.side, delta.price, delta.size, delta.action)
        return self._after_book(delta.instrument, delta.ts_event)

    def on_book_snapshot(self, snapshot: BookSnapshot) -> list[Report]:
        market = self._market(snapshot.instrument)
        market.on_book_snapshot(
            snapshot.ts_event,
            snapshot.bid_prices,
            snapshot.bid_sizes,
            snapshot.ask_prices,
            snapshot.ask_sizes,
        )
        return self._after_book(snapshot.instrument, snapshot.ts_event)

    def on_bar(self, bar: Bar) -> list[Report]:
        """A bar, walked as the price path open, extreme, extreme, close (docs/fills.md).

        A bar closing up is assumed to visit its low before its high, one
        closing down its high before its low.
        """
        instrument = bar.instrument
        market = self._market(instrument)
        if not market.has_quote and instrument not in self._trades_seen:
            self._bars_only.add(instrument)
        ts = bar.ts_event
        reports: list[Report] = []
        self._expire(ts, reports)
        if instrument in self._bars_only:
            self._resolve_same_bar(bar, reports)
            up = bar.close >= bar.open
            path = (
                (bar.open, bar.low, bar.high, bar.close)
                if up
                else (bar.open, bar.high, bar.low, bar.close)
            )
            for step, price in enumerate(path):
                market.bid = market.ask = market.last_price = price
                market.bid_size = market.ask_size = 0.0
                for working in list(self._working.get(instrument, ())):
                    if not working.status.is_final and working.active:
                        self._on_price(working, price, math.inf, ts, reports, gap=step == 0)
            # Between bars there is no price to trade at: the next one is the next open.
            market.bid = market.ask = math.nan
        market.last_price = bar.close
        return reports

    def _reject(
        self, working: Working, ts: int, reason: RejectReason, reports: list[Report]
    ) -> None:
        """Refuse an order on arrival: it never rests, and is final at once."""
        update = working.finish(OrderStatus.REJECTED, ts, reason)
        reports.append(update)
        self._retire(working, update.order)

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

    def _mark(self, instrument_id: str) -> float:
        market = self._market(instrument_id)
        return market.mid if market.has_quote else market.last_price

    def _activate(self, working: Working, ts: int, reports: list[Report]) -> None:
        request = working.request
        market = self._market(request.instrument)
        working.reference_mid = market.mid if market.has_quote else market.last_price
        if request.order_type == OrderType.TRAILING_STOP and request.trail is not None:
            working.trail_to(
                market.bid if request.side == Side.SELL else market.ask,
                self._instruments[request.instrument],
            )
        if working.is_stop and not working.triggered:
            if self._stop_hit(working, market.bid, market.ask):
                self._trigger(working, ts, reports)
            else:
                self._add(working)
                return
        self._rest_or_take(working, ts, reports)

    def _rest_or_take(self, working: Working, ts: int, reports: list[Report]) -> None:
        """An active order meets the book: take what crosses, rest the rest."""
        request = working.request
        instrument = self._instruments[request.instrument]
        market = self._market(request.instrument)
        limit = working.limit
        if limit is None and not market.can_take(request.side):
            # Without quotes, a market order on bars fills at the next bar's open, and on
            # trades at the next trade's price; IOC and FOK cannot wait for either.
            waits = request.instrument in self._bars_only or (
                request.instrument in self._trades_seen and not market.has_quote
            )
            if waits and request.time_in_force not in (TimeInForce.IOC, TimeInForce.FOK):
                self._add(working)
                return
            self._close(working, OrderStatus.REJECTED, ts, reports, RejectReason.NO_MARKET)
            return
        # Comparisons with a missing (NaN) side are False: nothing to cross.
        crosses = limit is None or (
            limit >= market.ask if request.side == Side.BUY else limit <= market.bid
        )
        if crosses and request.post_only:
            self._close(
                working, OrderStatus.REJECTED, ts, reports, RejectReason.POST_ONLY_WOULD_TAKE
            )
            return
        fills = (
            take(
                request.side,
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
        for price, quantity, basis in fills:
            self._fill(working, price, quantity, Liquidity.TAKER, ts, reports, basis)
        if working.status.is_final:
            return
        if request.time_in_force in (TimeInForce.IOC, TimeInForce.FOK) or limit is None:
            self._close(working, OrderStatus.CANCELED, ts, reports)
            return
        # Resting: the queue ahead is what is displayed at our price if that is the best level.
        best = market.bid if request.side == Side.BUY else market.ask
        better = best != best or (limit > best if request.side == Side.BUY else limit < best)
        if better:
            working.queue_ahead = 0.0
        elif limit == best:
            working.queue_ahead = market.bid_size if request.side == Side.BUY else market.ask_size
        else:
            working.queue_ahead = math.inf  # a level we cannot see yet
        self._add(working)

    @staticmethod
    def _stop_hit(working: Working, low: float, high: float) -> bool:
        """Whether prices spanning [low, high] reach the stop (buy stops above, sell below)."""
        if working.stop is None:
            return False
        if working.request.side == Side.BUY:
            return high >= working.stop
        return low <= working.stop

    def _trigger(self, working: Working, ts: int, reports: list[Report]) -> None:
        working.triggered = True
        reports.append(working.change(OrderStatus.TRIGGERED, ts))

    def _on_quote_point(
        self, working: Working, market: MarketState, ts: int, reports: list[Report]
    ) -> None:
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
            if not self._stop_hit(working, market.bid, market.ask):
                return
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
        self,
        working: Working,
        price: float,
        size: float,
        ts: int,
        reports: list[Report],
        *,
        gap: bool,
    ) -> None:
        """A trade (or a bar path point) at `price` for `size` units."""
        request = working.request
        buy = request.side == Side.BUY
        on_bar = size == math.inf
        if working.limit is None and not working.is_stop:
            basis = FillBasis.BAR_PATH if on_bar else FillBasis.LAST_TRADE
            self._fill(working, price, working.remaining, Liquidity.TAKER, ts, reports, basis)
            return
        if working.is_stop and not working.triggered:
            if request.order_type == OrderType.TRAILING_STOP:
                working.trail_to(price, self._instruments[request.instrument])
            if not self._stop_hit(working, price, price):
                return
            self._trigger(working, ts, reports)
            stop = working.stop if working.stop is not None else price
            if working.limit is None:
                # A triggered stop is a market order. On a bar path prices move continuously,
                # so it fills at the stop (or at the open when the bar gapped through it);
                # on a trade it takes the book if there is one, else fills at the trade price.
                market = self._market(request.instrument)
                if on_bar:
                    fill_price = price if gap else stop
                elif market.can_take(request.side):
                    self._remove(working)
                    self._rest_or_take(working, ts, reports)
                    return
                else:
                    fill_price = price
                basis = FillBasis.BAR_PATH if on_bar else FillBasis.LAST_TRADE
                self._fill(
                    working, fill_price, working.remaining, Liquidity.TAKER, ts, reports, basis
                )
                return
        limit = working.limit
        if limit is None:
            return
        through = price < limit if buy else price > limit
        if through:
            fill_price = (
                price if gap else limit
            )  # a gap through our limit fills at the better price
            basis = FillBasis.BAR_PATH if on_bar else FillBasis.TRADE
            self._fill(working, fill_price, working.remaining, Liquidity.MAKER, ts, reports, basis)
        elif price == limit:
            if on_bar:
                self._fill(
                    working,
                    limit,
                    working.remaining,
                    Liquidity.MAKER,
                    ts,
                    reports,
                    FillBasis.BAR_PATH,
                )
                return
            if working.queue_ahead == math.inf:
                working.queue_ahead = 0.0 if size == 0 else working.queue_ahead
            ahead = working.queue_ahead
            left = size - ahead
            working.queue_ahead = max(ahead - size, 0.0)
            if left > 0:
                # With nobody estimated ahead, the trade itself reached us.
                basis = FillBasis.QUEUE if ahead > 0 else FillBasis.TRADE
                amount = min(working.remaining, left)
                self._fill(working, limit, amount, Liquidity.MAKER, ts, reports, basis)

    def _track_queue(
        self, working: Working, market: MarketState, old: tuple[float, float, float, float]
    ) -> None:
        limit = working.limit
        if limit is None or working.queue_ahead == 0.0:
            return
        old_bid, old_ask, old_bid_size, old_ask_size = old
        if working.request.side == Side.BUY:
            best, size, old_best, old_size = market.bid, market.bid_size, old_bid, old_bid_size
        else:
            best, size, old_best, old_size = market.ask, market.ask_size, old_ask, old_ask_size
        if best != limit:
            return
        if working.queue_ahead == math.inf:
            working.queue_ahead = size  # our level just became visible: all of it is ahead of us
        elif old_best == limit and size < old_size:
            working.queue_ahead = self.config.queue.on_size_decrease(
                working.queue_ahead, old_size, size
            )

    def _resolve_same_bar(self, bar: Bar, reports: list[Report]) -> None:
        """OCO pairs with stop and target both inside one bar: settle by the configured rule."""
        rule = self.config.same_bar
        if rule == SameBarRule.PATH:
            return
        groups: dict[int, list[Working]] = {}
        for working in self._working.get(bar.instrument, ()):
            group = working.request.oco_group
            if group is not None and working.active and not working.status.is_final:
                groups.setdefault(group, []).append(working)
        for members in groups.values():
            stops = [w for w in members if w.is_stop and self._stop_hit(w, bar.low, bar.high)]
            targets = [
                w
                for w in members
                if not w.is_stop
                and w.limit is not None
                and (bar.low <= w.limit if w.request.side == Side.BUY else bar.high >= w.limit)
            ]
            if not stops or not targets:
                continue
            winner = stops[0] if rule == SameBarRule.STOP_FIRST else targets[0]
            price = winner.stop if winner.is_stop else winner.limit
            assert price is not None  # both kinds carry their price
            if winner.is_stop:
                self._trigger(winner, bar.ts_event, reports)
            gapped = bar.open > price if winner.request.side == Side.BUY else bar.open < price
            if winner.is_stop and gapped:
                price = bar.open
            liquidity = Liquidity.TAKER if winner.is_stop else Liquidity.MAKER
            self._fill(
                winner,
                price,
                winner.remaining,
                liquidity,
                bar.ts_event,
                reports,
                FillBasis.BAR_PATH,
            )

    def _after_book(self, instrument_id: str, ts: int) -> list[Report]:
        if instrument_id not in self._working and ts < self._next_expiry:
            return []
        reports: list[Report] = []
        self._expire(ts, reports)
        market = self._market(instrument_id)
        for working in list(self._working.get(instrument_id, ())):
            if not working.status.is_final and working.active:
                self._on_quote_point(working, market, ts, reports)
        return reports
