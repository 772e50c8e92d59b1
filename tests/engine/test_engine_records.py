"""What a run records beside fills: prices, fidelity, bars from bars, timers, trades-only orders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tickdeck.core import (
    Bar,
    DataKind,
    Fill,
    FillBasis,
    Instrument,
    OrderStatus,
    OrderUpdate,
    Quote,
    RejectReason,
    Trade,
)
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.base import Strategy

ACME = Instrument("ACME", "XNAS", "0.01")
T0 = 1_704_186_000_000_000_000
MS = 1_000_000
MINUTE = 60_000 * MS


def quotes(n: int, *, start: int = T0, step: int = MS, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    ts = start + np.arange(n, dtype=np.int64) * step
    bid = ACME.ticks_to_prices(1000 + np.cumsum(rng.integers(-2, 3, n)))
    return pa.table(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "bid_price": bid,
            "ask_price": ACME.snap_prices(bid + 0.02),
            "bid_size": np.full(n, 500.0),
            "ask_size": np.full(n, 500.0),
        }
    )


def trades(prices: list[float], *, start: int = T0, step: int = MS) -> pa.Table:
    n = len(prices)
    ts = start + np.arange(n, dtype=np.int64) * step
    return pa.table(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "price": np.array(prices),
            "size": np.full(n, 10.0),
            "aggressor": np.ones(n, dtype=np.int8),
            "trade_id": np.arange(n, dtype=np.int64),
        }
    )


@pytest.fixture
def empty_catalog(tmp_path: Path) -> Catalog:
    cat = Catalog(tmp_path / "catalog")
    cat.add_instrument(ACME)
    return cat


class BuyAt(Strategy):
    """Buys 100 on its `at`-th event of any kind, and records what it is told."""

    def on_start(self) -> None:
        self.count = 0
        self.updates: list[OrderUpdate] = []
        self.fills: list[Fill] = []
        self.bars: list[Bar] = []

    def _tick(self) -> None:
        self.count += 1
        if self.count == 5:
            self.buy(100)

    def on_quote(self, quote: Quote) -> None:
        self._tick()

    def on_trade(self, trade: Trade) -> None:
        self._tick()

    def on_order(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)


def run(catalog: Catalog, strategy: type[Strategy], **config: object) -> tuple[object, Strategy]:
    made: list[Strategy] = []

    class Kept(strategy):  # type: ignore[valid-type, misc]
        def on_start(self) -> None:
            made.append(self)
            super().on_start()

    settings: dict[str, object] = {"instruments": (ACME.id,)} | config
    result = run_backtest(catalog, Kept, BacktestConfig(**settings))  # type: ignore[arg-type]
    return result, made[0]


def test_the_price_of_each_instrument_is_recorded_beside_the_equity_curve(
    empty_catalog: Catalog,
) -> None:
    table = quotes(300, step=MINUTE // 10)  # 30 minutes of quotes
    empty_catalog.write("quotes", ACME.id, table)
    result, _ = run(empty_catalog, BuyAt)
    ts, price = result.marks.of(ACME.id)
    assert ts.size >= 30
    assert np.all(np.diff(ts) >= 0)
    mids = (table["bid_price"].to_numpy() + table["ask_price"].to_numpy()) / 2
    recv = table["ts_recv"].to_numpy()
    # Each mark is the mid of the last quote at or before its time.
    expected = mids[np.searchsorted(recv, ts, side="right") - 1]
    assert np.array_equal(price, expected)
    assert set(result.marks.to_pandas()["instrument"]) == {ACME.id}


def test_fidelity_counts_synthetic_events_and_fill_bases(empty_catalog: Catalog) -> None:
    empty_catalog.write("quotes", ACME.id, quotes(100))
    day2 = T0 + 86_400_000_000_000
    empty_catalog.write("quotes", ACME.id, quotes(60, start=day2), synthetic=True)
    result, _ = run(empty_catalog, BuyAt)
    fidelity = result.fidelity
    assert (fidelity.real_events, fidelity.synthetic_events) == (100, 60)
    assert fidelity.fills_by_basis == {FillBasis.BOOK: 1}  # 100 within the 500 displayed
    assert "62.5% of 160 events from real data" in fidelity.statement()
    assert "1 of 1 fills book-driven" in fidelity.statement()

    # A range that covers part of the synthetic day counts only what was replayed.
    part, _ = run(empty_catalog, BuyAt, start=day2 + 10 * MS)
    assert (part.fidelity.real_events, part.fidelity.synthetic_events) == (0, 50)


def test_size_beyond_the_displayed_top_is_a_heuristic_fill(empty_catalog: Catalog) -> None:
    empty_catalog.write("quotes", ACME.id, quotes(20))

    class Big(BuyAt):
        def _tick(self) -> None:
            self.count += 1
            if self.count == 5:
                self.buy(700)  # 500 displayed, 200 from the synthetic level behind

    result, _ = run(empty_catalog, Big)
    assert [f.basis for f in result.fills] == [FillBasis.BOOK, FillBasis.SYNTHETIC_DEPTH]
    assert result.fidelity.heuristic_fills == 1


def test_a_market_order_on_trades_only_fills_at_the_next_trade(empty_catalog: Catalog) -> None:
    empty_catalog.write("trades", ACME.id, trades([10.0, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06]))
    result, strategy = run(empty_catalog, BuyAt, kinds=(DataKind.TRADE,))
    assert isinstance(strategy, BuyAt)
    [fill] = strategy.fills
    assert (fill.price, fill.basis, fill.ts) == (10.05, FillBasis.LAST_TRADE, T0 + 5 * MS)
    assert result.orders[0].status == OrderStatus.FILLED


def test_an_ioc_market_order_on_trades_only_has_no_market(empty_catalog: Catalog) -> None:
    empty_catalog.write("trades", ACME.id, trades([10.0] * 7))

    class Ioc(BuyAt):
        def _tick(self) -> None:
            self.count += 1
            if self.count == 5:
                from tickdeck.core import TimeInForce

                self.buy(100, time_in_force=TimeInForce.IOC)

    result, _ = run(empty_catalog, Ioc, kinds=(DataKind.TRADE,))
    assert result.orders[0].reject_reason == RejectReason.NO_MARKET


def test_a_refused_cancel_leaves_the_recorded_order_as_it_was(empty_catalog: Catalog) -> None:
    empty_catalog.write("quotes", ACME.id, quotes(20))

    class CancelLate(BuyAt):
        def on_fill(self, fill: Fill) -> None:
            super().on_fill(fill)
            self.cancel(fill.order_id)  # too late: filled

    result, strategy = run(empty_catalog, CancelLate)
    assert isinstance(strategy, BuyAt)
    assert strategy.updates[-1].refused == RejectReason.ORDER_NOT_OPEN
    [order] = result.orders
    assert (order.status, order.reject_reason) == (OrderStatus.FILLED, RejectReason.NONE)


def test_a_self_rearming_timer_stops_when_the_data_ends(empty_catalog: Catalog) -> None:
    empty_catalog.write("quotes", ACME.id, quotes(100))

    class Heartbeat(Strategy):
        def on_start(self) -> None:
            self.beats: list[int] = []
            self.set_timer(T0, "beat")

        def on_timer(self, ts: int, name: str) -> None:
            self.beats.append(ts)
            self.set_timer(ts + 10 * MS, "beat")

    _, strategy = run(empty_catalog, Heartbeat)
    assert isinstance(strategy, Heartbeat)
    # Quotes span [T0, T0 + 99 ms]: beats at T0, T0 + 10 ms, ..., T0 + 90 ms.
    assert strategy.beats == [T0 + k * 10 * MS for k in range(10)]


def bars(closes: list[float], interval: int) -> pa.Table:
    n = len(closes)
    end = T0 + interval * (1 + np.arange(n, dtype=np.int64))
    close = np.array(closes)
    return pa.table(
        {
            "ts_event": end,
            "ts_recv": end,
            "open": close - 0.01,
            "high": close + 0.05,
            "low": close - 0.03,
            "close": close,
            "volume": np.arange(1, n + 1, dtype=np.float64),
            "interval_ns": np.full(n, interval, dtype=np.int64),
        }
    )


def test_coarser_bars_aggregate_replayed_bars_and_arrive_with_the_last_one(
    empty_catalog: Catalog,
) -> None:
    closes = [10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6]
    empty_catalog.write("bars", ACME.id, bars(closes, MINUTE))

    class FiveMinutes(Strategy):
        def on_start(self) -> None:
            self.bars: list[Bar] = []
            self.subscribe_bars(5 * MINUTE)
            self.subscribe_bars(MINUTE)  # the replayed interval itself: not delivered twice

        def on_bar(self, bar: Bar) -> None:
            self.bars.append(bar)

    _, strategy = run(empty_catalog, FiveMinutes, kinds=(DataKind.BAR,))
    assert isinstance(strategy, FiveMinutes)
    one_minute = [b for b in strategy.bars if b.interval_ns == MINUTE]
    assert [b.close for b in one_minute] == closes
    [five] = [b for b in strategy.bars if b.interval_ns == 5 * MINUTE]
    # The bars ending at T0+1..T0+4 min fill [T0, T0+5min); the one ending at T0+5 closes it.
    assert five.ts_event == T0 + 5 * MINUTE
    assert five.open == pytest.approx(9.99)
    assert five.close == 10.4
    assert five.high == pytest.approx(10.45)
    assert five.low == pytest.approx(9.97)
    assert five.volume == 1 + 2 + 3 + 4 + 5
    # It arrives right after the replayed bar that completed it, never before.
    position = strategy.bars.index(five)
    assert strategy.bars[position - 1].ts_event == T0 + 5 * MINUTE
    assert not any(np.isnan(b.open) for b in strategy.bars)


def test_strategies_can_read_their_instruments(empty_catalog: Catalog) -> None:
    empty_catalog.write("quotes", ACME.id, quotes(5))

    class Reads(Strategy):
        def on_start(self) -> None:
            self.seen = (self.instruments, self.instrument_info().tick_size)

    _, strategy = run(empty_catalog, Reads)
    assert isinstance(strategy, Reads)
    assert strategy.seen == ((ACME.id,), ACME.tick_size)


def test_latency_is_measured_from_when_the_strategy_sent_the_order(
    empty_catalog: Catalog,
) -> None:
    from tickdeck.execution import ConstantLatency, LatencyProfile
    from tickdeck.results.analysis import run_metrics

    empty_catalog.write("quotes", ACME.id, quotes(20))
    latency = LatencyProfile(order_entry=ConstantLatency(3 * MS // 2))
    result, strategy = run(empty_catalog, BuyAt, latency=latency)
    assert isinstance(strategy, BuyAt)
    [order] = result.orders
    assert order.ts_created == T0 + 4 * MS  # sent on the 5th quote
    assert strategy.fills[0].ts == T0 + 4 * MS + 3 * MS // 2  # filled on arrival
    assert run_metrics(result).average_latency_ns == 3 * MS // 2
