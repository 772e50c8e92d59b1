"""The backtest: the one place where strategy, exchange and portfolio meet.

A single-threaded discrete-event loop over one timeline. Replayed market
events reach the exchange at their venue time and the strategy at their
receive time plus the market-data latency; orders reach the exchange after
the order-entry latency; reports reach the strategy after the report latency.
Everything scheduled waits in one heap ordered by (time, sequence), so equal
times keep the order in which they were scheduled and the same inputs and
seed give the same run, bit for bit.

At equal times the exchange applies a market event before the strategy sees
it, and reports caused by that event (fills of resting orders) are delivered
before the event itself: the strategy's ``on_quote`` already sees the
position those fills made.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow.parquet as pq

import tickdeck
from tickdeck.core import (
    Bar,
    BookDelta,
    BookSnapshot,
    DataKind,
    Event,
    Fill,
    InputError,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderUpdate,
    Quote,
    Trade,
)
from tickdeck.data.catalog import Catalog, PartitionInfo
from tickdeck.engine._bars import LiveBars
from tickdeck.execution import ConstantLatency, LatencyProfile
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.exchange import SimulatedExchange
from tickdeck.feed import Replay
from tickdeck.portfolio import EquityRecorder, Portfolio
from tickdeck.results._columns import FillColumns, MarkColumns
from tickdeck.results._order_columns import OrderColumns
from tickdeck.results._trips import RoundTripLog
from tickdeck.results.run import EquityArrays, RunResult
from tickdeck.strategy.base import Strategy

__all__ = ["BacktestConfig", "run_backtest"]


class Venue(Protocol):
    """What the engine asks of the place its orders go: the simulated exchange in a replay,
    the agent-based market in the closed loop."""

    def submit(
        self, order_id: int, request: OrderRequest, ts: int, *, created_ns: int | None = None
    ) -> Sequence[OrderUpdate | Fill]: ...

    def cancel(self, order_id: int, ts: int) -> Sequence[OrderUpdate | Fill]: ...

    def modify(
        self,
        order_id: int,
        ts: int,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> Sequence[OrderUpdate | Fill]: ...

    def on_quote(self, quote: Quote) -> Sequence[OrderUpdate | Fill]: ...

    def on_trade(self, trade: Trade) -> Sequence[OrderUpdate | Fill]: ...

    def on_bar(self, bar: Bar) -> Sequence[OrderUpdate | Fill]: ...

    def on_book_delta(self, delta: BookDelta) -> Sequence[OrderUpdate | Fill]: ...

    def on_book_snapshot(self, snapshot: BookSnapshot) -> Sequence[OrderUpdate | Fill]: ...


_Action = Callable[[int, Any], None]


@dataclass(frozen=True)
class BacktestConfig:
    """What to replay and under which assumptions (see docs/fills.md)."""

    instruments: tuple[str, ...]
    kinds: tuple[DataKind, ...] = (DataKind.QUOTE,)
    start: int | None = None
    end: int | None = None
    initial_cash: float = 1_000_000.0
    base_currency: str = "USD"
    seed: int = 0
    exchange: ExchangeConfig = field(default_factory=ExchangeConfig)
    latency: LatencyProfile = field(default_factory=LatencyProfile)
    equity_interval_ns: int = 60_000_000_000

    def __post_init__(self) -> None:
        if not self.instruments:
            raise InputError("instruments", [], "at least one instrument id")
        if not (math.isfinite(self.initial_cash) and self.initial_cash > 0):
            raise InputError("initial_cash", self.initial_cash, "a positive amount")
        if self.equity_interval_ns <= 0:
            raise InputError("equity_interval_ns", self.equity_interval_ns, "a positive duration")

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the config (models by name and parameters)."""

        return {
            "instruments": list(self.instruments),
            "kinds": [k.label for k in self.kinds],
            "start": self.start,
            "end": self.end,
            "initial_cash": self.initial_cash,
            "base_currency": self.base_currency,
            "seed": self.seed,
            "exchange": repr(self.exchange),
            "latency": repr(self.latency),
            "equity_interval_ns": self.equity_interval_ns,
        }


class _Engine:
    """The strategy's `Context` and the event loop behind it."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        config: BacktestConfig,
        venue: Callable[[OrderColumns], Venue] | None = None,
    ) -> None:
        self.config = config
        self._instruments = instruments
        self._rng = np.random.default_rng(config.seed)
        # What the run keeps per fill, order and round trip goes into typed columns (about
        # 60 bytes a row), never as objects: a long run makes millions of them.
        self._portfolio = Portfolio(
            instruments,
            initial_cash=config.initial_cash,
            base_currency=config.base_currency,
            keep_closed_lots=False,
        )
        self._trips = RoundTripLog()
        # Finished orders: the exchange writes each one's final state here; orders the
        # strategy has not yet seen finish are in `_open`, whose snapshots win at the end.
        self._finished = OrderColumns()
        self._exchange: Venue = (
            SimulatedExchange(
                instruments, config.exchange, equity=self.equity, finished=self._finished
            )
            if venue is None
            else venue(self._finished)
        )
        self._recorder = EquityRecorder(self._portfolio)
        self._heap: list[tuple[int, int, _Action, Any]] = []
        self._last_arrival = -(2**63)
        self._last_report = -(2**63)
        self._seq = 0
        self._now = config.start or 0
        self._next_id = 1
        self._open: dict[int, Order] = {}  # as the strategy last saw them, until final
        self._fills = FillColumns()
        self._quotes: dict[str, Quote] = {}
        # Quotes mark the portfolio lazily: only when equity is read or sampled.
        self._marked: dict[str, Quote | None] = {}
        self._bars: dict[str, list[LiveBars]] = {}
        self._next_sample = 0
        # A quote at or after this time needs more than the fast path: bars or a sample.
        self._watch_from = 0
        self._marks = MarkColumns(config.instruments)
        # After the data ends, timers stop: a timer that re-arms itself must not run forever.
        self._timers_until = 2**63 - 1
        self.strategy: Strategy | None = None
        self.events = 0
        self.last_recv = -(2**63)

    # -- Context --------------------------------------------------------------

    @property
    def now(self) -> int:
        return self._now

    @property
    def instruments(self) -> tuple[str, ...]:
        return self.config.instruments

    def instrument_info(self, instrument_id: str) -> Instrument:
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise InputError(
                "instrument", instrument_id, f"one of {list(self.config.instruments)}"
            ) from None

    def submit(self, request: OrderRequest) -> int:
        order_id = self._next_id
        self._next_id += 1
        self._open[order_id] = Order(order_id, request, OrderStatus.SUBMITTED, self._now, self._now)
        arrival = self._order_arrival()
        self._schedule(arrival, self._arrive, (order_id, request))
        return order_id

    def cancel(self, order_id: int) -> None:
        arrival = self._order_arrival()
        self._schedule(arrival, self._arrive_cancel, order_id)

    def modify(
        self,
        order_id: int,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> None:
        arrival = self._order_arrival()
        self._schedule(arrival, self._arrive_modify, (order_id, quantity, limit_price, stop_price))

    def position(self, instrument: str) -> float:
        return self._portfolio.position(instrument)

    def cash(self) -> float:
        return self._portfolio.cash

    def equity(self) -> float:
        self._sync_marks()
        return self._portfolio.equity

    def _sync_marks(self) -> None:
        marked = self._marked
        for instrument, quote in self._quotes.items():
            if marked.get(instrument) is not quote:
                marked[instrument] = quote
                self._portfolio.mark(instrument, (quote[3] + quote[4]) * 0.5, quote[2])

    def open_orders(self, instrument: str | None = None) -> list[Order]:
        return [
            o
            for o in self._open.values()
            if not o.status.is_final and (instrument is None or o.request.instrument == instrument)
        ]

    def last_quote(self, instrument: str) -> Quote | None:
        return self._quotes.get(instrument)

    def set_timer(self, at_ns: int, name: str) -> None:
        self._schedule(max(at_ns, self._now), self._fire_timer, name)

    def subscribe_bars(self, instrument: str, interval_ns: int) -> None:
        if instrument not in self.config.instruments:
            raise InputError("instrument", instrument, f"one of {list(self.config.instruments)}")
        self._bars.setdefault(instrument, []).append(LiveBars(instrument, interval_ns))
        self._watch_from = -(2**63)  # every quote now feeds the bars

    # -- the loop -------------------------------------------------------------

    def _schedule(self, time: int, action: _Action, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (time, self._seq, action, payload))

    def _drain(self, until: int, *, inclusive: bool) -> None:
        heap = self._heap
        while heap and (heap[0][0] < until or (inclusive and heap[0][0] == until)):
            time, _, action, payload = heapq.heappop(heap)
            action(time, payload)

    def run(self, strategy: Strategy, events: Sequence[Event] | Any) -> bool:
        """Feed every event; returns False if interrupted (Ctrl-C), True when complete."""
        self.strategy = strategy
        md = self.config.latency.market_data
        constant_md = md.ns if isinstance(md, ConstantLatency) else None
        strategy.on_start()
        # Bound methods looked up once: this loop runs once per event.
        self._strategy_on_quote = strategy.on_quote
        self._strategy_on_trade = strategy.on_trade
        self._strategy_on_bar = strategy.on_bar
        self._strategy_on_book = strategy.on_book
        exchange = self._exchange
        routes: dict[type, tuple[Callable[[Any], Sequence[OrderUpdate | Fill]], _Action]] = {
            Trade: (exchange.on_trade, self._deliver_trade),
            Bar: (exchange.on_bar, self._deliver_bar),
            BookDelta: (exchange.on_book_delta, self._deliver_book),
            BookSnapshot: (exchange.on_book_snapshot, self._deliver_book),
        }
        heap = self._heap
        quotes = self._quotes
        on_quote = strategy.on_quote
        exchange_quote = exchange.on_quote
        report = self._report
        drain = self._drain
        rng = self._rng
        last_delivery = -(2**63)
        count = 0
        try:
            for event in events:
                count += 1
                if type(event) is Quote:
                    # The fast path, inlined: a quote is most of what a backtest replays.
                    instrument, venue, recv = event[0], event[1], event[2]
                    if heap and heap[0][0] < venue:
                        drain(venue, inclusive=False)
                    reports = exchange_quote(event)
                    if reports:
                        for update in reports:
                            report(update)
                    delivery = recv + (
                        constant_md if constant_md is not None else md.sample_ns(rng)
                    )
                    if delivery < venue:
                        delivery = venue
                    if delivery < last_delivery:
                        delivery = last_delivery
                    last_delivery = delivery
                    if heap and heap[0][0] <= delivery:
                        drain(delivery, inclusive=True)
                    if delivery >= self._watch_from:
                        self._deliver_quote(delivery, event)
                        continue
                    self._now = delivery
                    quotes[instrument] = event
                    on_quote(event)
                    continue
                venue = event.ts_event
                if heap and heap[0][0] < venue:
                    drain(venue, inclusive=False)
                apply, deliver = routes[type(event)]
                reports = apply(event)
                if reports:
                    for update in reports:
                        report(update)
                latency = constant_md if constant_md is not None else md.sample_ns(rng)
                # The strategy never sees events out of order, whatever the latency draws.
                delivery = event.ts_recv + latency
                if delivery < venue:
                    delivery = venue
                if delivery < last_delivery:
                    delivery = last_delivery
                last_delivery = delivery
                # Delivering now is what scheduling it would do: everything due at or
                # before the delivery time goes first, in order, then the event.
                if heap and heap[0][0] <= delivery:
                    drain(delivery, inclusive=True)
                deliver(delivery, event)
            if count:
                self.last_recv = event.ts_recv
            end = self.config.end - 1 if self.config.end is not None else last_delivery
            self._timers_until = max(end, self._now)
            self._drain(2**63 - 1, inclusive=True)
        except KeyboardInterrupt:
            if count:
                self.last_recv = event.ts_recv
            return False
        finally:
            self.events = count
            strategy.on_stop()
            self._sample(self._now)
        return True

    # -- actions --------------------------------------------------------------

    def _order_arrival(self) -> int:
        # One session to the venue: messages arrive in the order they were sent,
        # whatever the latency draws (a cancel never overtakes its order).
        arrival = self._now + self.config.latency.order_entry.sample_ns(self._rng)
        arrival = max(arrival, self._last_arrival)
        self._last_arrival = arrival
        return arrival

    def _report(self, report: OrderUpdate | Fill) -> None:
        # Reports come back over that session in order too: a fill never after its FILLED.
        delivery = report.ts + self.config.latency.report.sample_ns(self._rng)
        delivery = max(delivery, self._last_report)
        self._last_report = delivery
        self._schedule(delivery, self._deliver_report, report)

    def _arrive(self, time: int, payload: tuple[int, OrderRequest]) -> None:
        order_id, request = payload
        # The order's creation time is when the strategy sent it: latency is measured from it.
        created = self._open[order_id].ts_created
        for report in self._exchange.submit(order_id, request, time, created_ns=created):
            self._report(report)

    def _submitted(self, order_id: int) -> bool:
        """Whether `order_id` is an id the order verbs returned (1, 2, ... in order)."""
        try:
            return 0 < order_id < self._next_id
        except TypeError:
            return False

    def _arrive_cancel(self, time: int, order_id: int) -> None:
        if not self._submitted(order_id):
            raise InputError("order_id", order_id, "an id returned by an order verb")
        for report in self._exchange.cancel(order_id, time):
            self._report(report)

    def _arrive_modify(
        self, time: int, payload: tuple[int, float | None, float | None, float | None]
    ) -> None:
        order_id, quantity, limit_price, stop_price = payload
        if not self._submitted(order_id):
            raise InputError("order_id", order_id, "an id returned by an order verb")
        reports = self._exchange.modify(
            order_id, time, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
        for report in reports:
            self._report(report)

    def _deliver_report(self, time: int, report: OrderUpdate | Fill) -> None:
        assert self.strategy is not None  # set by run() before any delivery
        self._now = time
        if isinstance(report, Fill):
            closed = self._portfolio.apply(report).closed_lots
            if closed:
                self._trips.add(closed)
            self._fills.append(report)
            self._sample(time)
            self.strategy.on_fill(report)
        else:
            order = report.order
            if order.status.is_final:
                # Reports arrive in the order they were made: no fill of it comes after this.
                self._open.pop(order.order_id, None)
                self._trips.order_done(order.order_id)
            else:
                self._open[order.order_id] = order
            self.strategy.on_order(report)

    def _sample_on_schedule(self, time: int) -> None:
        """The equity curve's next regular point, and when the one after is due."""
        self._sample(time)
        interval = self.config.equity_interval_ns
        self._next_sample = time - time % interval + interval
        if not self._bars:
            self._watch_from = self._next_sample

    def _sample(self, time: int) -> None:
        """One point of the equity curve, and each instrument's price beside it."""
        self._sync_marks()
        self._recorder.sample(time)
        for index, instrument in enumerate(self.config.instruments):
            price = self._portfolio.valuation_price(instrument)
            if price == price:
                self._marks.append(index, time, price)

    def _bars_and_sample(self, time: int, instrument: str, price: float, size: float) -> None:
        builders = self._bars.get(instrument)
        if builders is not None:
            for builder in builders:
                bar = builder.update(time, price, size)
                if bar is not None:
                    self._strategy_on_bar(bar)
        if time >= self._next_sample:
            self._sample_on_schedule(time)

    def _deliver_quote(self, time: int, quote: Quote) -> None:
        """A quote's delivery, off the fast path in `run`: it feeds bars or takes a sample."""
        self._now = time
        instrument = quote.instrument
        self._quotes[instrument] = quote
        self._bars_and_sample(time, instrument, (quote.bid_price + quote.ask_price) * 0.5, 0.0)
        self._strategy_on_quote(quote)

    def _deliver_trade(self, time: int, trade: Trade) -> None:
        self._now = time
        instrument = trade.instrument
        if instrument not in self._quotes:  # without quotes, trades are the marks
            self._portfolio.mark(instrument, trade.price, time)
        self._bars_and_sample(time, instrument, trade.price, trade.size)
        self._strategy_on_trade(trade)

    def _deliver_bar(self, time: int, bar: Bar) -> None:
        self._now = time
        instrument = bar.instrument
        self._portfolio.mark(instrument, bar.close, time)
        self._marked[instrument] = self._quotes.get(instrument)  # older quotes: not a mark now
        # Coarser subscribed bars complete with this one, and come after it.
        completed = [
            done
            for live in self._bars.get(instrument, ())
            if live.interval_ns != bar.interval_ns  # that bar is the one replayed
            for done in live.update_bar(bar)
        ]
        if time >= self._next_sample:
            self._sample_on_schedule(time)
        self._strategy_on_bar(bar)
        for coarser in completed:
            self._strategy_on_bar(coarser)

    def _deliver_book(self, time: int, event: BookDelta | BookSnapshot) -> None:
        self._now = time
        self._strategy_on_book(event)

    def _fire_timer(self, time: int, name: str) -> None:
        assert self.strategy is not None  # set by run() before any delivery
        if time > self._timers_until:
            return
        self._now = time
        self.strategy.on_timer(time, name)

    # -- the result -----------------------------------------------------------

    def result(
        self, strategy: Strategy, complete: bool, *, fingerprint: str, synthetic_events: int
    ) -> RunResult:
        curve = self._recorder.curve()
        # Orders the exchange finished are in the log; the strategy's view of the others
        # (open, or final where the report was still on its way: an interrupted run) wins.
        for order in self._open.values():
            self._finished.put(order)
        self._finished.freeze()
        self._fills.freeze()
        return RunResult(
            strategy=type(strategy).__qualname__,
            params=strategy.params,
            config=self.config.describe(),
            seed=self.config.seed,
            version=tickdeck.__version__,
            data_fingerprint=fingerprint,
            events=self.events,
            complete=complete,
            orders=self._finished,
            fills=self._fills,
            trades=self._trips.finish(),
            equity=EquityArrays(
                curve.ts, curve.equity, curve.cash, curve.gross_exposure, curve.net_exposure
            ),
            initial_cash=self.config.initial_cash,
            final_equity=self.equity(),
            synthetic_events=synthetic_events,
            marks=self._marks.marks(),
        )


def _fingerprint(catalog: Catalog, config: BacktestConfig) -> str:
    """A hash of the partitions the run could read: equal data, equal fingerprint."""
    digest = hashlib.sha256()
    for kind in config.kinds:
        for instrument in config.instruments:
            for part in catalog.partitions(kind, instrument, start=config.start, end=config.end):
                digest.update(f"{part.path}:{part.rows}:{part.ts_min}:{part.ts_max};".encode())
    return digest.hexdigest()[:16]


def _synthetic_events(
    catalog: Catalog, config: BacktestConfig, last_recv: int, complete: bool
) -> int:
    """How many of the replayed events a generator made, from the catalog's partition counts.

    Exact for partitions that are all real or all synthetic; a partition
    holding both is counted in proportion to its rows in the replayed range.
    """
    end = config.end if complete else last_recv + 1
    total = 0.0
    for kind in config.kinds:
        for instrument in config.instruments:
            for part in catalog.partitions(kind, instrument, start=config.start, end=end):
                if not part.synthetic_rows:
                    continue
                inside = (config.start is None or part.ts_min >= config.start) and (
                    end is None or part.ts_max < end
                )
                rows = part.rows if inside else _rows_in_range(catalog, part, config.start, end)
                total += rows * part.synthetic_rows / part.rows
    return round(total)


def _rows_in_range(
    catalog: Catalog, part: PartitionInfo, start: int | None, end: int | None
) -> int:
    times = pq.read_table(catalog.root / part.path, columns=["ts_recv"]).column(0).to_numpy()
    low = 0 if start is None else int(np.searchsorted(times, start, side="left"))
    high = times.size if end is None else int(np.searchsorted(times, end, side="left"))
    return max(high - low, 0)


def _counted(events: Iterator[Event], progress: Callable[[int], None]) -> Iterator[Event]:
    count = 0
    for count, event in enumerate(events, 1):
        if not count & 0xFFFF:
            progress(count)
        yield event
    progress(count)


def run_backtest(
    catalog: Catalog,
    strategy: type[Strategy],
    config: BacktestConfig,
    params: Mapping[str, object] | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run `strategy` with `params` over the catalog's data as `config` says.

    `progress`, if given, is called with the number of events replayed so far
    every 65,536 events (it costs a little per event, so it is off by default).
    Interrupted with Ctrl-C, the run stops cleanly and the result says
    ``complete=False``.
    """
    engine = _Engine({i: catalog.instrument(i) for i in config.instruments}, config)
    instance = strategy(engine, params)
    replay = Replay(
        catalog,
        list(config.instruments),
        kinds=list(config.kinds),
        start=config.start,
        end=config.end,
    )
    events = replay.events()
    complete = engine.run(instance, events if progress is None else _counted(events, progress))
    return engine.result(
        instance,
        complete,
        fingerprint=_fingerprint(catalog, config),
        synthetic_events=_synthetic_events(catalog, config, engine.last_recv, complete),
    )
