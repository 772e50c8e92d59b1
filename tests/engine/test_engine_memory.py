"""What a run keeps of its orders, fills and round trips, now that it keeps them as columns.

The engine no longer holds an object per fill, order or closed lot: fills
and round trips go into typed columns as they happen, finished orders into
the exchange's log. The result must be what it always was: every fill the
strategy was given, each order as the strategy last saw it (also when the run
is interrupted with reports still on their way), one round trip per (entry
order, exit order) pair of the FIFO lots, and all of it unchanged through the
run store.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tests.results.test_serialize_roundtrip import assert_same

from tickdeck.core import Fill, Instrument, Order, OrderStatus, OrderType, OrderUpdate, Quote, Side
from tickdeck.core.orders import OrderRequest
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import LatencyProfile, LogNormalLatency
from tickdeck.portfolio import ClosedLot, Portfolio
from tickdeck.results.run import RoundTrip, RunResult
from tickdeck.results.serialize import fills_table, orders_table, result_tables, trades_table
from tickdeck.results.store import RunStore
from tickdeck.strategy.base import Strategy

ACME = Instrument("ACME", "XNAS", "0.01")
T0 = 1_704_186_000_000_000_000
MS = 1_000_000


def quotes(n: int, seed: int = 5) -> pa.Table:
    """A random walk with sizes of 50-500 at the top: big orders walk, limits fill in parts."""
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 20, n)) * MS
    bid = ACME.ticks_to_prices(1000 + np.cumsum(rng.integers(-2, 3, n)))
    return pa.table(
        {
            "ts_event": pa.array(ts),
            "ts_recv": pa.array(ts),
            "bid_price": pa.array(bid),
            "ask_price": pa.array(ACME.snap_prices(bid + 0.02)),
            "bid_size": pa.array(rng.integers(1, 11, n) * 50.0),
            "ask_size": pa.array(rng.integers(1, 11, n) * 50.0),
        }
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    made = Catalog(tmp_path / "catalog")
    made.add_instrument(ACME)
    made.write("quotes", ACME.id, quotes(3_000))
    return made


class RandomTrader(Strategy):
    """Market and limit orders of random sides and sizes, cancels and modifies, seeded.

    Records what it sends and everything it is told. `stop_after` fills, it
    interrupts the run as Ctrl-C would.
    """

    stop_after: int | None = None

    def on_start(self) -> None:
        self.rng = np.random.default_rng(11)
        self.sent: dict[int, Order] = {}  # the order as it was sent, by id
        self.seen: dict[int, Order] = {}  # the order as last reported
        self.fills: list[Fill] = []

    def on_quote(self, quote: Quote) -> None:
        draw = self.rng.random()
        if draw < 0.06:
            quantity = float(self.rng.integers(1, 30) * 50)  # up to 3x the top: walks the book
            self._send(OrderRequest(ACME.id, self._side(), quantity))
        elif draw < 0.12:
            side = self._side()
            price = quote.bid_price if side == Side.BUY else quote.ask_price
            offset = float(self.rng.integers(-1, 3)) * 0.01
            price = ACME.snap_price(price - offset if side == Side.BUY else price + offset)
            quantity = float(self.rng.integers(1, 12) * 50)
            self._send(OrderRequest(ACME.id, side, quantity, OrderType.LIMIT, limit_price=price))
        elif draw < 0.14 and self.sent:
            self.cancel(int(self.rng.choice(list(self.sent))))  # open or not: both happen
        elif draw < 0.15 and self.sent:
            self.modify(int(self.rng.choice(list(self.sent))), quantity=1_000.0)

    def _side(self) -> Side:
        return Side.BUY if self.rng.random() < 0.5 else Side.SELL

    def _send(self, request: OrderRequest) -> None:
        order_id = self.submit(request)
        self.sent[order_id] = Order(order_id, request, OrderStatus.SUBMITTED, self.now, self.now)

    def on_order(self, update: OrderUpdate) -> None:
        self.seen[update.order.order_id] = update.order

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        if self.stop_after is not None and len(self.fills) == self.stop_after:
            raise KeyboardInterrupt


def run(catalog: Catalog, strategy: type[RandomTrader]) -> tuple[RunResult, RandomTrader]:
    made: list[RandomTrader] = []

    class Kept(strategy):  # type: ignore[valid-type, misc]
        def on_start(self) -> None:
            made.append(self)
            super().on_start()

    latency = LatencyProfile(
        order_entry=LogNormalLatency(2 * MS, 0.8), report=LogNormalLatency(20 * MS, 1.0)
    )
    config = BacktestConfig(instruments=(ACME.id,), latency=latency, seed=3)
    return run_backtest(catalog, Kept, config), made[0]


def last_seen(strategy: RandomTrader) -> tuple[Order, ...]:
    """Each order sent, as its last report showed it (as sent, if none came back yet)."""
    return tuple(strategy.seen.get(i, sent) for i, sent in sorted(strategy.sent.items()))


def round_trips_of(fills: tuple[Fill, ...]) -> tuple[RoundTrip, ...]:
    """The FIFO lots of the fills, grouped by (instrument, entry order, exit order)."""
    portfolio = Portfolio({ACME.id: ACME}, initial_cash=1e9)
    for fill in fills:
        portfolio.apply(fill)
    groups: dict[tuple[str, int, int], list[ClosedLot]] = {}
    for lot in portfolio.closed_lots:
        groups.setdefault((lot.instrument, lot.entry_order_id, lot.exit_order_id), []).append(lot)
    assert max(map(len, groups.values())) > 1, "no order pair closed in pieces: a weak test"
    trips = []
    for (instrument, _, _), lots in groups.items():
        quantity = sum(lot.quantity for lot in lots)
        trips.append(
            RoundTrip(
                instrument,
                int(lots[0].side),
                quantity,
                min(lot.entry_ts for lot in lots),
                sum(lot.entry_price * lot.quantity for lot in lots) / quantity,
                max(lot.exit_ts for lot in lots),
                sum(lot.exit_price * lot.quantity for lot in lots) / quantity,
                math.fsum(lot.gross_pnl for lot in lots),
                math.fsum(lot.fees for lot in lots),
            )
        )
    return tuple(trips)


def test_the_run_keeps_every_fill_the_strategy_was_given(catalog: Catalog) -> None:
    result, strategy = run(catalog, RandomTrader)
    assert len(result.fills) > 100
    assert result.fills == tuple(strategy.fills)
    assert_same(tuple(strategy.fills), tuple(result.fills))


def test_the_run_keeps_each_order_as_the_strategy_last_saw_it(catalog: Catalog) -> None:
    result, strategy = run(catalog, RandomTrader)
    statuses = {o.status for o in result.orders}
    assert {OrderStatus.FILLED, OrderStatus.CANCELED} <= statuses
    assert [o.order_id for o in result.orders] == list(range(1, len(strategy.sent) + 1))
    assert result.orders == last_seen(strategy)


def test_an_interrupted_run_keeps_the_orders_whose_reports_were_on_their_way(
    catalog: Catalog,
) -> None:
    class Interrupted(RandomTrader):
        stop_after = 60

    result, strategy = run(catalog, Interrupted)
    assert not result.complete
    assert result.orders == last_seen(strategy)
    # Sent, or accepted, and no more as far as the strategy knows: the exchange may have
    # finished them, but their reports were still on their way.
    assert any(not o.status.is_final for o in result.orders)
    assert result.fills == tuple(strategy.fills)


def test_round_trips_group_the_fifo_lots_by_entry_and_exit_order(catalog: Catalog) -> None:
    result, _ = run(catalog, RandomTrader)
    expected = round_trips_of(tuple(result.fills))
    assert len(expected) > 50
    assert_same(expected, tuple(result.trades))


def test_the_tables_of_a_run_are_those_of_its_records(catalog: Catalog) -> None:
    result, _ = run(catalog, RandomTrader)
    tables = result_tables(result)
    for name, table in (
        ("orders", orders_table(tuple(result.orders))),
        ("fills", fills_table(tuple(result.fills))),
        ("trades", trades_table(tuple(result.trades))),
    ):
        assert tables[name].schema.equals(table.schema, check_metadata=True), name
        # Row by row, floats bit for bit (Arrow's own equality says NaN != NaN).
        assert_same(table.to_pylist(), tables[name].to_pylist(), name)


def test_a_run_comes_back_from_the_store_unchanged(catalog: Catalog, tmp_path: Path) -> None:
    result, _ = run(catalog, RandomTrader)
    with RunStore(root=tmp_path / "runs") as store:
        loaded = store.load(store.save(result))
    for name in ("orders", "fills", "trades"):
        assert_same(tuple(getattr(result, name)), getattr(loaded, name), name)
    assert loaded.fills == result.fills
    assert loaded.trades == result.trades
    assert_same(result.equity, loaded.equity)
    assert_same(result.marks, loaded.marks)
    assert loaded.fidelity == result.fidelity
