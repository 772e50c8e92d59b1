"""The backtest loop: fills reach the strategy in order, latency delays them, runs repeat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tickdeck.core import (
    Bar,
    DataKind,
    Fill,
    InputError,
    Instrument,
    OrderStatus,
    OrderUpdate,
    Quote,
    RejectReason,
)
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import ConstantLatency, LatencyProfile, LogNormalLatency
from tickdeck.strategy.base import Strategy
from tickdeck.strategy.params import Param

ACME = Instrument("ACME", "XNAS", "0.01")
T0 = 1_704_186_000_000_000_000
MS = 1_000_000


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """100 quotes, 1 ms apart, a random walk in cents with a 2-cent spread."""
    rng = np.random.default_rng(3)
    n = 100
    ts = T0 + np.arange(n, dtype=np.int64) * MS
    bid = ACME.ticks_to_prices(1000 + np.cumsum(rng.integers(-2, 3, n)))
    table = pa.table(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "bid_price": bid,
            "ask_price": ACME.snap_prices(bid + 0.02),
            "bid_size": np.full(n, 500.0),
            "ask_size": np.full(n, 500.0),
        }
    )
    cat = Catalog(tmp_path / "catalog")
    cat.add_instrument(ACME)
    cat.write("quotes", ACME.id, table)
    return cat


class Recorder(Strategy):
    """Buys on the 10th quote, sells on the 50th; records everything it is told."""

    quantity = Param(100, minimum=1)

    def on_start(self) -> None:
        self.seen: list[object] = []
        self.count = 0

    def on_quote(self, quote: Quote) -> None:
        self.count += 1
        self.seen.append(("quote", quote.ts_recv, self.now, self.position()))
        if self.count == 10:
            self.buy(self.quantity)
        if self.count == 50:
            self.close()

    def on_fill(self, fill: Fill) -> None:
        self.seen.append(("fill", fill.ts, self.now, fill.price))

    def on_order(self, update: OrderUpdate) -> None:
        self.seen.append(("order", update.order.status, self.now))


def config(**changes: object) -> BacktestConfig:
    return BacktestConfig(instruments=(ACME.id,), **changes)  # type: ignore[arg-type]


def test_a_market_order_fills_at_the_ask_of_the_quote_it_reacts_to(catalog: Catalog) -> None:
    result = run_backtest(catalog, Recorder, config())
    quotes = catalog.read("quotes", ACME.id).to_pylist()
    buy, sell = result.fills
    assert buy.price == quotes[9]["ask_price"]
    assert sell.price == quotes[49]["bid_price"]
    assert [o.status for o in result.orders] == [OrderStatus.FILLED, OrderStatus.FILLED]
    (trade,) = result.trades
    assert trade.gross_pnl == pytest.approx((sell.price - buy.price) * 100)
    assert result.final_equity == pytest.approx(result.initial_cash + trade.gross_pnl)
    assert result.complete
    assert result.events == 100


def test_without_latency_the_fill_is_seen_before_the_next_quote(catalog: Catalog) -> None:
    strategy_log = _log(catalog, config())
    fill_at = next(i for i, e in enumerate(strategy_log) if e[0] == "fill")
    assert strategy_log[fill_at - 1][0] == "order"  # accepted, then filled
    next_quote = next(e for e in strategy_log[fill_at:] if e[0] == "quote")
    assert next_quote[3] == 100  # the position is already there


def test_order_entry_latency_fills_against_a_later_quote(catalog: Catalog) -> None:
    delayed = config(latency=LatencyProfile(order_entry=ConstantLatency(int(2.5 * MS))))
    result = run_backtest(catalog, Recorder, delayed)
    quotes = catalog.read("quotes", ACME.id).to_pylist()
    # Sent at quote 10 (index 9); arrives 2.5 ms later, after quotes at +1 and +2 ms.
    assert result.fills[0].price == quotes[11]["ask_price"]
    assert result.fills[0].ts == quotes[9]["ts_event"] + int(2.5 * MS)


def test_report_latency_delays_what_the_strategy_knows(catalog: Catalog) -> None:
    log = _log(catalog, config(latency=LatencyProfile(report=ConstantLatency(3 * MS))))
    fill = next(e for e in log if e[0] == "fill")
    assert fill[2] == fill[1] + 3 * MS  # seen 3 ms after the exchange filled it
    quotes_before = [e for e in log if e[0] == "quote" and e[1] < fill[2] and e[1] > fill[1]]
    assert quotes_before
    assert all(q[3] == 0 for q in quotes_before)  # meanwhile the position is unknown


def test_the_strategy_clock_never_goes_back(catalog: Catalog) -> None:
    noisy = LatencyProfile(
        market_data=LogNormalLatency(MS, 1.0), order_entry=LogNormalLatency(MS, 1.0),
        report=LogNormalLatency(MS, 1.0),
    )  # fmt: skip
    log = _log(catalog, config(latency=noisy, seed=5))
    clock = [e[2] for e in log]
    assert clock == sorted(clock)


def test_the_same_seed_gives_the_same_run_and_another_seed_may_not(catalog: Catalog) -> None:
    noisy = LatencyProfile(order_entry=LogNormalLatency(2 * MS, 1.0))
    first = run_backtest(catalog, Recorder, config(latency=noisy, seed=11))
    second = run_backtest(catalog, Recorder, config(latency=noisy, seed=11))
    assert first.fills == second.fills
    assert first.orders == second.orders
    np.testing.assert_array_equal(first.equity.equity, second.equity.equity)
    assert first.data_fingerprint == second.data_fingerprint
    others = {
        run_backtest(catalog, Recorder, config(latency=noisy, seed=s)).fills for s in range(6)
    }
    assert len(others) > 1


def test_rejections_reach_the_strategy_with_their_reason(catalog: Catalog) -> None:
    class Oversized(Strategy):
        def on_start(self) -> None:
            self.updates: list[OrderUpdate] = []

        def on_quote(self, quote: Quote) -> None:
            if not self.updates and not self.open_orders():
                self.buy(10, limit=quote.bid_price + 0.005)  # off the cent grid

        def on_order(self, update: OrderUpdate) -> None:
            self.updates.append(update)

    result = run_backtest(catalog, Oversized, config())
    assert result.orders[0].status == OrderStatus.REJECTED
    assert result.orders[0].reject_reason == RejectReason.INVALID_PRICE
    assert result.fills == ()


def test_parameters_are_validated_with_a_suggestion(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="did you mean 'quantity'"):
        run_backtest(catalog, Recorder, config(), params={"quantty": 5})
    with pytest.raises(InputError, match="at least 1"):
        run_backtest(catalog, Recorder, config(), params={"quantity": 0})
    assert (
        run_backtest(catalog, Recorder, config(), params={"quantity": "7"}).fills[0].quantity == 7
    )
    assert set(Recorder.parameters()) == {"quantity"}


def test_bars_subscribed_from_ticks_arrive_after_their_bucket(catalog: Catalog) -> None:
    class Bars(Strategy):
        def on_start(self) -> None:
            self.bars: list[tuple[Bar, int]] = []
            self.subscribe_bars(10 * MS)

        def on_bar(self, bar: Bar) -> None:
            self.bars.append((bar, self.now))

    engine_result = run_backtest(catalog, Bars, config())
    assert engine_result.events == 100
    mids = catalog.read("quotes", ACME.id).to_pandas()
    strategy = _run(catalog, Bars, config())
    assert len(strategy.bars) == 9  # the 10th bucket never closes: no later tick
    for bar, seen_at in strategy.bars:
        assert seen_at >= bar.ts_event  # never seen before its bucket ended
        bucket = mids[(mids.ts_recv >= bar.ts_event - 10 * MS) & (mids.ts_recv < bar.ts_event)]
        mid = (bucket.bid_price + bucket.ask_price) / 2
        assert bar.open == pytest.approx(mid.iloc[0])
        assert bar.high == pytest.approx(mid.max())
        assert bar.close == pytest.approx(mid.iloc[-1])


def test_the_config_is_validated() -> None:
    with pytest.raises(InputError):
        BacktestConfig(instruments=())
    with pytest.raises(InputError):
        BacktestConfig(instruments=("A.B",), initial_cash=-1.0)


def _run(catalog: Catalog, strategy: type[Strategy], cfg: BacktestConfig) -> Strategy:
    from tickdeck.engine.backtest import _Engine
    from tickdeck.feed import Replay

    engine = _Engine({i: catalog.instrument(i) for i in cfg.instruments}, cfg)
    instance = strategy(engine)
    engine.run(instance, Replay(catalog, list(cfg.instruments), kinds=[DataKind.QUOTE]).events())
    return instance


def _log(catalog: Catalog, cfg: BacktestConfig) -> list[tuple[object, ...]]:
    strategy = _run(catalog, Recorder, cfg)
    return strategy.seen  # type: ignore[attr-defined,no-any-return]


def test_a_run_has_its_metrics(catalog: Catalog) -> None:
    from tickdeck.results.analysis import run_metrics

    result = run_backtest(catalog, Recorder, config())
    metrics = run_metrics(result)
    (trade,) = result.trades
    assert metrics.trade_count == 1
    assert metrics.total_return == pytest.approx(result.final_equity / result.initial_cash - 1)
    assert metrics.win_rate == (1.0 if trade.net_pnl > 0 else 0.0)
    assert metrics.average_slippage_bps is not None
    assert metrics.average_slippage_bps > 0  # market orders pay half the spread
    assert metrics.average_latency_ns == 0.0  # no latency configured
    assert metrics.time_in_market is not None
    assert 0.3 < metrics.time_in_market < 0.5  # held from quote 10 to quote 50 of 100
