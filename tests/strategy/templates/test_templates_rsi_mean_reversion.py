"""RSIMeanReversion: one-minute bars of the EURUSD mids, and ACME's daily bars.

The bars and Wilder's RSI are recomputed here (pandas and a plain loop), the
entries and exits replayed by hand, and every order must be where the rule
puts it: sent on the first quote after the bar that crossed a threshold, and
filled against that quote (or, on daily bars, at the next bar's open).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.strategy.templates.templates_catalog import (
    ACME,
    EURUSD,
    fills_of,
    minute_closes,
    orders_by_id,
    positions,
    quotes,
    sample_catalog,
)

from tickdeck.core import DataKind, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.templates import RSIMeanReversion

MINUTE = {"window": 14, "lower": 35.0, "upper": 65.0, "bar_seconds": 60, "quantity": 1000}
DAILY = {"window": 5, "lower": 35.0, "upper": 65.0, "bar_seconds": 86_400, "quantity": 100}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = Path(tmp_path_factory.mktemp("rsi"))
    return sample_catalog(root, eurusd=True, acme_bars=True)


def wilder_rsi(closes: np.ndarray, window: int) -> np.ndarray:
    """Wilder's RSI, the textbook way: seeded with plain means, then ``avg += (x - avg) / n``."""
    out = np.full(closes.size, np.nan)
    change = np.diff(closes)
    gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    if change.size < window:
        return out
    average_gain, average_loss = gain[:window].mean(), loss[:window].mean()
    for index in range(window, change.size + 1):
        if index > window:
            average_gain += (gain[index - 1] - average_gain) / window
            average_loss += (loss[index - 1] - average_loss) / window
        total = average_gain + average_loss
        out[index] = 50.0 if total == 0 else 100.0 * average_gain / total
    return out


def expected_orders(rsi: np.ndarray, lower: float, upper: float) -> list[tuple[int, int]]:
    """(bar index, +1 buy / -1 sell) of the orders the rule sends, long only."""
    orders, long = [], False
    for index, value in enumerate(rsi):
        if value < lower and not long:
            orders.append((index, 1))
            long = True
        elif value > upper and long:
            orders.append((index, -1))
            long = False
    return orders


def test_minute_bars_orders_follow_the_rsi_thresholds(catalog: Catalog) -> None:
    ticks = quotes(catalog)
    closes = minute_closes(ticks)
    rsi = wilder_rsi(closes.to_numpy(), int(MINUTE["window"]))
    expected = expected_orders(rsi, MINUTE["lower"], MINUTE["upper"])
    assert len(expected) >= 4

    result = run_backtest(catalog, RSIMeanReversion, BacktestConfig(instruments=(EURUSD,)), MINUTE)
    orders = orders_by_id(result)
    # A bar is delivered just before the first quote of the next bucket: the order goes then.
    bucket_ends = closes.index.to_numpy()[[index for index, _ in expected]]
    first_quotes = ticks["ts_recv"].searchsorted(bucket_ends, side="left")
    assert orders["created_ns"].tolist() == ticks["ts_recv"].iloc[first_quotes].tolist()
    assert orders["side"].tolist() == [side for _, side in expected]

    fills = fills_of(result)
    first = fills.groupby("order_id").first()
    book = ticks.iloc[ticks["ts_event"].searchsorted(first["ts"], side="right") - 1]
    np.testing.assert_array_equal(
        first["price"], np.where(first["side"] > 0, book["ask_price"], book["bid_price"])
    )
    held = positions(result, EURUSD)
    assert held.min() > -1e-6  # long only
    assert held.max() < MINUTE["quantity"] + 1e-6


def test_daily_bars_fill_at_the_next_open(catalog: Catalog) -> None:
    bars = catalog.read(DataKind.BAR, ACME).to_pandas()
    rsi = wilder_rsi(bars["close"].to_numpy(), int(DAILY["window"]))
    expected = expected_orders(rsi, DAILY["lower"], DAILY["upper"])
    config = BacktestConfig(instruments=(ACME,), kinds=(DataKind.BAR,))
    result = run_backtest(catalog, RSIMeanReversion, config, DAILY)
    orders = orders_by_id(result)
    assert len(expected) >= 4
    assert orders["created_ns"].tolist() == bars["ts_event"].iloc[[i for i, _ in expected]].tolist()
    assert orders["side"].tolist() == [side for _, side in expected]
    fills = fills_of(result)
    filled_bars = [i + 1 for i, _ in expected if i + 1 < len(bars)]  # the last may never fill
    assert fills["ts"].tolist() == bars["ts_event"].iloc[filled_bars].tolist()
    assert fills["price"].tolist() == bars["open"].iloc[filled_bars].tolist()
    assert result.final_equity != result.initial_cash


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lower": 70.0, "upper": 30.0}, "param lower"),
        ({"upper": 101.0}, "param upper"),
        ({"bar_seconds": 0}, "param bar_seconds"),
        ({"window": "fourteen"}, "param window"),
    ],
)
def test_parameters_are_validated(catalog: Catalog, params: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, RSIMeanReversion, BacktestConfig(instruments=(EURUSD,)), params)
    assert caught.value.field == field
