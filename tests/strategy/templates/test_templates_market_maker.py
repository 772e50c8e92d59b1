"""MarketMaker on ACME's trades (trade prices stand in for the mid) and on EURUSD quotes.

On trades a resting order fills when the market trades through it, in full,
so the inventory moves in whole quotes and reaches its limit: the place to
check that it never goes beyond. Every price the template quotes is recorded
by a subclass and checked against the pricing rule and the skew's direction.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from tests.strategy.templates.templates_catalog import (
    ACME,
    EURUSD,
    fills_of,
    orders_by_id,
    positions,
    sample_catalog,
)

from tickdeck.core import DataKind, InputError, OrderUpdate, RejectReason, Side, Trade
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import ConstantLatency, LatencyProfile, LogNormalLatency
from tickdeck.strategy.templates import MarketMaker
from tickdeck.strategy.templates.market_maker import quote_ticks

MAX_INVENTORY, SIZE = 300, 100
ON_TRADES = {
    "tick_size": 0.01,
    "size": SIZE,
    "max_inventory": MAX_INVENTORY,
    "half_spread_ticks": 1,
    "requote_ticks": 2,
    "skew_ticks": 2.0,
}
TRADES = BacktestConfig(instruments=(ACME,), kinds=(DataKind.TRADE,))
HOUR_NS = 3_600_000_000_000


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = Path(tmp_path_factory.mktemp("market_maker"))
    return sample_catalog(root, eurusd=True, acme_trades=True)


class RecordingMarketMaker(MarketMaker):
    """Writes down every price it quotes with the market and inventory it was priced on."""

    quoted: ClassVar[list[tuple[int, int, int, float]]] = []  # side, ticks, reference, position

    def on_start(self) -> None:
        super().on_start()
        self.reference = 0
        self.sides: dict[int, int] = {}
        type(self).quoted = []

    def on_trade(self, trade: Trade) -> None:
        self.reference = round(trade.price * 100)
        super().on_trade(trade)

    def order(
        self, side: Side, quantity: float, instrument: str | None = None, **options: object
    ) -> int:
        self._record(int(side), options["limit"])
        order_id = super().order(side, quantity, instrument, **options)  # type: ignore[arg-type]
        self.sides[order_id] = int(side)
        return order_id

    def modify(self, order_id: int, **changes: object) -> None:
        self._record(self.sides[order_id], changes["limit"])
        super().modify(order_id, **changes)  # type: ignore[arg-type]

    def _record(self, side: int, limit: object) -> None:
        assert isinstance(limit, float)
        self.quoted.append((side, round(limit * 100), self.reference, self.position()))


def test_quote_ticks_centres_on_the_mid_without_inventory() -> None:
    assert quote_ticks(100, 104, 0.0, half_spread_ticks=1, skew_ticks=2.0, max_inventory=10) == (
        101,
        103,
    )
    assert quote_ticks(100, 103, 0.0, half_spread_ticks=1, skew_ticks=2.0, max_inventory=10) == (
        100,
        103,
    )


@pytest.mark.parametrize("inventory", [1.0, 5.0, 10.0])
def test_quote_ticks_leans_against_the_inventory(inventory: float) -> None:
    flat = quote_ticks(100, 110, 0.0, half_spread_ticks=2, skew_ticks=4.0, max_inventory=10)
    long = quote_ticks(100, 110, inventory, half_spread_ticks=2, skew_ticks=4.0, max_inventory=10)
    short = quote_ticks(100, 110, -inventory, half_spread_ticks=2, skew_ticks=4.0, max_inventory=10)
    assert long[0] < flat[0]  # long: buy lower...
    assert long[1] <= flat[1]  # ...and sell sooner
    assert short[0] >= flat[0]
    assert short[1] > flat[1]
    assert long[1] - long[0] >= 2 * 2  # the skew moves both quotes, not the spread


def test_quote_ticks_never_crosses_the_market() -> None:
    bid, ask = quote_ticks(100, 101, 10.0, half_spread_ticks=0, skew_ticks=20.0, max_inventory=10)
    assert bid < 101
    assert ask > 100
    bid, ask = quote_ticks(100, 101, -10.0, half_spread_ticks=0, skew_ticks=20.0, max_inventory=10)
    assert bid < 101
    assert ask > 100


def test_inventory_stays_within_its_limit_and_reaches_it(catalog: Catalog) -> None:
    result = run_backtest(catalog, MarketMaker, TRADES, ON_TRADES)
    held = positions(result, ACME)
    assert len(held) > 100
    assert np.abs(held).max() <= MAX_INVENTORY + 1e-9
    assert np.abs(held).max() == MAX_INVENTORY  # the limit is what held it back
    orders = orders_by_id(result)
    assert set(orders["type"]) == {"limit"}
    assert all(order.request.post_only for order in result.orders)
    # A side is quoted only when one full fill keeps the inventory within the limit. Fills
    # at the order's own time were delivered before it (reports come before their event).
    fills = fills_of(result).sort_values("ts", kind="stable")
    held_until = np.concatenate([[0.0], fills["signed"].cumsum().to_numpy()])
    before = held_until[fills["ts"].searchsorted(orders["created_ns"], side="right")]
    wanted = before + orders["side"] * orders["quantity"]
    assert (wanted.abs() <= MAX_INVENTORY + 1e-9).all()


def test_fills_come_from_trades_at_or_through_our_quotes(catalog: Catalog) -> None:
    result = run_backtest(catalog, MarketMaker, TRADES, ON_TRADES)
    fills = fills_of(result)
    assert set(fills["liquidity"]) == {"maker"}
    trades = catalog.read(DataKind.TRADE, ACME).to_pandas().groupby("ts_event")
    low = trades["price"].min().reindex(fills["ts"]).to_numpy()
    high = trades["price"].max().reindex(fills["ts"]).to_numpy()
    size = trades["size"].sum().reindex(fills["ts"]).to_numpy()
    price, quantity = fills["price"].to_numpy(), fills["quantity"].to_numpy()
    buys = fills["side"].to_numpy() > 0
    assert (low[buys] <= price[buys]).all()  # a print at or below our bid
    assert (high[~buys] >= price[~buys]).all()  # at or above our ask
    # At our price (not through it) a fill is at most what traded there.
    at = np.where(buys, low == price, high == price)
    assert (quantity[at] <= size[at]).all()
    assert (~at).any()


def test_every_quote_follows_the_rule_and_leans_against_inventory(catalog: Catalog) -> None:
    run_backtest(catalog, RecordingMarketMaker, TRADES, ON_TRADES)
    quoted = pd.DataFrame(
        RecordingMarketMaker.quoted, columns=["side", "ticks", "reference", "inventory"]
    )
    assert len(quoted) > 100
    for side, ticks, reference, inventory in quoted.itertuples(index=False):
        bid, ask = quote_ticks(
            reference, reference, inventory, half_spread_ticks=1, skew_ticks=2.0, max_inventory=300
        )
        assert ticks == (bid if side > 0 else ask)
    offset = (quoted["ticks"] - quoted["reference"]).where(quoted["side"] > 0, np.nan)
    long, flat = quoted["inventory"] > 0, quoted["inventory"] == 0
    assert (offset[long & (quoted["side"] > 0)] < -1).all()  # below the unskewed bid
    assert (offset[flat & (quoted["side"] > 0)] == -1).all()
    assert long.any()
    assert (quoted["inventory"] < 0).any()


def test_on_quotes_post_only_orders_rest_and_fill_as_maker(catalog: Catalog) -> None:
    start = int(pd.Timestamp("2024-01-02", tz="UTC").value)
    config = BacktestConfig(instruments=(EURUSD,), start=start, end=start + 6 * HOUR_NS)
    result = run_backtest(catalog, MarketMaker, config, {"requote_ticks": 3})
    assert len(result.fills) > 0
    assert {fill.liquidity.label for fill in result.fills} == {"maker"}
    assert not any(order.reject_reason for order in result.orders)  # priced on the live quote
    assert np.abs(positions(result, EURUSD)).max() <= 3000


class ReasonsMarketMaker(MarketMaker):
    """Keeps the reason of every order update it is told about."""

    reasons: ClassVar[list[RejectReason]] = []

    def on_start(self) -> None:
        super().on_start()
        type(self).reasons = []

    def on_order(self, update: OrderUpdate) -> None:
        self.reasons.append(update.order.reject_reason)
        super().on_order(update)


def test_with_latency_post_only_rejections_are_survived(catalog: Catalog) -> None:
    start = int(pd.Timestamp("2024-01-02", tz="UTC").value)
    slow = LatencyProfile(order_entry=ConstantLatency(2_000_000_000))
    config = BacktestConfig(
        instruments=(EURUSD,), start=start, end=start + 6 * HOUR_NS, latency=slow
    )
    params = {"half_spread_ticks": 0, "requote_ticks": 1}
    result = run_backtest(catalog, ReasonsMarketMaker, config, params)
    # Two seconds late, a quote at the mid often crosses the market it meets: rejected.
    assert ReasonsMarketMaker.reasons.count(RejectReason.POST_ONLY_WOULD_TAKE) > 10
    assert len(result.orders) > 10  # and each time the side was quoted anew
    assert np.abs(positions(result, EURUSD)).max() <= 3000


def test_the_same_seed_gives_the_same_fills(catalog: Catalog) -> None:
    jitter = LogNormalLatency(median_ns=5_000_000, sigma=1.0)
    latency = LatencyProfile(market_data=jitter, order_entry=jitter, report=jitter)

    opening = int(pd.Timestamp("2024-01-02 14:30", tz="UTC").value)  # the first two hours

    def run(seed: int) -> list[object]:
        config = BacktestConfig(
            instruments=(ACME,),
            kinds=(DataKind.TRADE,),
            latency=latency,
            seed=seed,
            start=opening,
            end=opening + 2 * HOUR_NS,
        )
        return list(run_backtest(catalog, MarketMaker, config, ON_TRADES).fills)

    first = run(3)
    assert first
    assert run(3) == first
    assert run(4) != first


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": 400, "max_inventory": 300}, "param size"),
        ({"tick_size": 0.0}, "param tick_size"),
        ({"half_spread_ticks": -1}, "param half_spread_ticks"),
        ({"requote_ticks": 0}, "param requote_ticks"),
    ],
)
def test_parameters_are_validated(catalog: Catalog, params: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, MarketMaker, TRADES, params)
    assert caught.value.field == field
