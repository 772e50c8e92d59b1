"""SMACrossover on the sample EURUSD quotes: it trades exactly where the averages cross.

The crossovers are recomputed here with pandas rolling means of the same mids,
so the template's incremental averages, its crossover rule and the engine's
fills are all checked against an independent reading of the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.strategy.templates.templates_catalog import (
    EURUSD,
    fills_of,
    orders_by_id,
    positions,
    positions_after_orders,
    quotes,
    sample_catalog,
)

from tickdeck.core import InputError, OrderStatus
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import ConstantLatency, LatencyProfile, LogNormalLatency
from tickdeck.strategy.templates import SMACrossover

FAST, SLOW, QUANTITY = 20, 100, 1000
PARAMS = {"fast": FAST, "slow": SLOW, "quantity": QUANTITY}
# Averages closer than this fraction of the mid are tied (the template's rule): rounding
# noise is about 1e-16, a real difference of SMA(20) and SMA(100) at least 5e-8.
TIE = 1e-12
DAY = int(pd.Timestamp("2024-01-02", tz="UTC").value)
FIRST_HOURS = {"start": DAY, "end": DAY + 4 * 3_600_000_000_000}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return sample_catalog(Path(tmp_path_factory.mktemp("sma")), eurusd=True)


@pytest.fixture(scope="module")
def ticks(catalog: Catalog) -> pd.DataFrame:
    return quotes(catalog)


def reference_crossings(mids: pd.Series, fast: int, slow: int) -> list[tuple[int, int]]:
    """(quote index, +1 up / -1 down) where pandas' fast mean crosses its slow mean.

    The rule of `Cross`: a crossing is a move strictly onto the other side, ties
    keep the side, and the first defined reading is no crossing.
    """
    difference = (mids.rolling(fast).mean() - mids.rolling(slow).mean()).to_numpy()
    tie = TIE * np.abs(mids.to_numpy())
    found: list[tuple[int, int]] = []
    side: int | None = None
    for index, value in enumerate(difference):
        if np.isnan(value):
            continue
        now = 1 if value > tie[index] else -1 if value < -tie[index] else 0
        if side is None:
            side = now
        elif now != 0 and now != side:
            found.append((index, now))
            side = now
    return found


def test_every_order_is_sent_on_the_quote_of_a_crossover(
    catalog: Catalog, ticks: pd.DataFrame
) -> None:
    result = run_backtest(catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), PARAMS)
    expected = reference_crossings(ticks["mid"], FAST, SLOW)
    orders = orders_by_id(result)
    assert len(expected) > 50  # the sample day has plenty of crossings
    assert len(orders) == len(expected)
    assert orders["created_ns"].tolist() == [int(ticks["ts_recv"][i]) for i, _ in expected]
    assert orders["side"].tolist() == [direction for _, direction in expected]
    # From flat to the first position, then reversals: twice the quantity.
    assert orders["quantity"].tolist() == [QUANTITY] + [2 * QUANTITY] * (len(expected) - 1)
    assert set(orders["status"]) == {OrderStatus.FILLED.label}


def test_fills_take_the_book_of_the_crossover_quote(catalog: Catalog, ticks: pd.DataFrame) -> None:
    result = run_backtest(catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), PARAMS)
    fills = fills_of(result)
    orders = orders_by_id(result).set_index("order_id")
    assert len(fills) > 0
    # Without latency an order fills at the time it was decided, against the book as of then.
    assert (fills["ts"].to_numpy() == orders.loc[fills["order_id"], "created_ns"].to_numpy()).all()
    first = fills.groupby("order_id").first()
    book = ticks.iloc[ticks["ts_event"].searchsorted(first["ts"], side="right") - 1]
    touch = np.where(first["side"] > 0, book["ask_price"], book["bid_price"])
    np.testing.assert_array_equal(first["price"].to_numpy(), touch)
    np.testing.assert_allclose(np.abs(positions_after_orders(result, EURUSD)), QUANTITY)
    assert result.final_equity != result.initial_cash


def test_long_flat_mode_never_goes_short(catalog: Catalog, ticks: pd.DataFrame) -> None:
    params = {**PARAMS, "allow_short": False}
    result = run_backtest(catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), params)
    expected = reference_crossings(ticks["mid"], FAST, SLOW)
    orders = orders_by_id(result)
    assert orders["side"].iloc[0] == 1  # flat until the first up cross
    assert orders["quantity"].eq(QUANTITY).all()
    assert len(orders) == len(expected) - (expected[0][1] == -1)  # a first down cross is no trade
    held = positions(result, EURUSD)
    assert held.min() > -1e-6
    assert held.max() < QUANTITY + 1e-6


def test_orders_in_flight_are_not_sent_twice(catalog: Catalog) -> None:
    """With 300 ms to reach the exchange, crossings come faster than fills: never overtrade."""
    slow_entry = LatencyProfile(order_entry=ConstantLatency(300_000_000))
    config = BacktestConfig(instruments=(EURUSD,), latency=slow_entry, **FIRST_HOURS)
    result = run_backtest(catalog, SMACrossover, config, {"fast": 3, "slow": 6})
    orders = orders_by_id(result)
    assert (orders["created_ns"].diff().dropna() < 300_000_000).any()  # overlaps happened
    assert np.abs(positions(result, EURUSD)).max() <= QUANTITY + 1e-6


def test_the_same_seed_gives_the_same_fills(catalog: Catalog) -> None:
    jitter = LogNormalLatency(median_ns=20_000_000, sigma=1.0)
    latency = LatencyProfile(market_data=jitter, order_entry=jitter, report=jitter)

    def run(seed: int) -> list[object]:
        config = BacktestConfig(instruments=(EURUSD,), latency=latency, seed=seed, **FIRST_HOURS)
        return list(run_backtest(catalog, SMACrossover, config, PARAMS).fills)

    first = run(5)
    assert first
    assert run(5) == first
    assert run(6) != first  # the seed does drive the latency draws


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fast": 100, "slow": 100}, "param fast"),
        ({"fast": 0}, "param fast"),
        ({"quantity": 0}, "param quantity"),
        ({"allow_short": "maybe"}, "param allow_short"),
        ({"instrument": "GBPUSD.DUKA"}, "param instrument"),
    ],
)
def test_parameters_are_validated(catalog: Catalog, params: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), params)
    assert caught.value.field == field


def test_an_unknown_parameter_gets_a_suggestion(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="slow"):
        run_backtest(catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), {"slwo": 50})
