"""TimeSeriesMomentum on ACME's daily bars (250 days) and on ten-minute EURUSD bars.

On daily bars a decision at a close fills at the next bar's open; the
positions held must be the sign of the past return, recomputed with pandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.strategy.templates.templates_catalog import (
    ACME,
    EURUSD,
    fills_of,
    orders_by_id,
    positions,
    quotes,
    sample_catalog,
)

from tickdeck.core import DataKind, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.templates import TimeSeriesMomentum

LOOKBACK, QUANTITY = 10, 100
DAILY = {"lookback": LOOKBACK, "quantity": QUANTITY}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = Path(tmp_path_factory.mktemp("momentum"))
    return sample_catalog(root, eurusd=True, acme_bars=True)


@pytest.fixture(scope="module")
def bars(catalog: Catalog) -> pd.DataFrame:
    return catalog.read(DataKind.BAR, ACME).to_pandas()


def targets(closes: pd.Series, lookback: int, *, allow_short: bool) -> np.ndarray:
    """The position wanted after each close: the sign of the return over `lookback` bars."""
    change = (closes / closes.shift(lookback) - 1.0).to_numpy()
    short = -QUANTITY if allow_short else 0.0
    wanted = np.where(change > 0, QUANTITY, np.where(change < 0, short, 0.0))
    wanted[np.isnan(change)] = 0.0
    return wanted


@pytest.mark.parametrize("allow_short", [True, False])
def test_daily_positions_follow_the_sign_of_the_return(
    catalog: Catalog, bars: pd.DataFrame, allow_short: bool
) -> None:
    wanted = targets(bars["close"], LOOKBACK, allow_short=allow_short)
    changes = np.flatnonzero(np.diff(np.concatenate([[0.0], wanted])))
    config = BacktestConfig(instruments=(ACME,), kinds=(DataKind.BAR,))
    params = {**DAILY, "allow_short": allow_short}
    result = run_backtest(catalog, TimeSeriesMomentum, config, params)

    orders = orders_by_id(result)
    assert len(changes) >= 5
    assert orders["created_ns"].tolist() == bars["ts_event"].iloc[changes.tolist()].tolist()
    # Decided at a close, filled at the next bar's open (the last order may have no next bar).
    fills = fills_of(result)
    filled = [int(i) + 1 for i in changes if i + 1 < len(bars)]
    assert fills["ts"].tolist() == bars["ts_event"].iloc[filled].tolist()
    assert fills["price"].tolist() == bars["open"].iloc[filled].tolist()
    held = positions(result, ACME)
    np.testing.assert_allclose(held, wanted[[i - 1 for i in filled]])
    assert result.final_equity != result.initial_cash


def test_ten_minute_bars_from_quotes(catalog: Catalog) -> None:
    ticks = quotes(catalog)
    interval = 600_000_000_000
    bucket_end = ticks["ts_recv"].to_numpy() // interval * interval + interval
    closes = ticks.groupby(bucket_end)["mid"].last().iloc[:-1]
    wanted = targets(closes, 6, allow_short=True) * 10  # quantity 1000
    changes = np.flatnonzero(np.diff(np.concatenate([[0.0], wanted])))
    params = {"lookback": 6, "bar_seconds": 600, "quantity": 1000}
    result = run_backtest(
        catalog, TimeSeriesMomentum, BacktestConfig(instruments=(EURUSD,)), params
    )
    orders = orders_by_id(result)
    first_quotes = ticks["ts_recv"].searchsorted(closes.index.to_numpy()[changes], side="left")
    assert len(changes) >= 5
    assert orders["created_ns"].tolist() == ticks["ts_recv"].iloc[first_quotes].tolist()
    np.testing.assert_allclose(positions(result, EURUSD)[-1], wanted[changes[-1]])


def test_parameters_are_validated(catalog: Catalog) -> None:
    config = BacktestConfig(instruments=(ACME,), kinds=(DataKind.BAR,))
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, TimeSeriesMomentum, config, {"lookback": 0})
    assert caught.value.field == "param lookback"
    with pytest.raises(InputError, match="lookback"):
        run_backtest(catalog, TimeSeriesMomentum, config, {"look_back": 5})
