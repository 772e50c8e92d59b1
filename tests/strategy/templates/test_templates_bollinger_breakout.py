"""BollingerBreakout on one-minute bars of the EURUSD mids.

The reference is exact: mids are whole numbers of half ticks, so the bands
can be compared with a close in integers (no float rounding), and every order
the template sends must be one the exact rule sends, on the same bar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.strategy.templates.templates_catalog import (
    EURUSD,
    fills_of,
    minute_closes,
    orders_by_id,
    positions,
    quotes,
    sample_catalog,
)

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.templates import BollingerBreakout

WINDOW, K_SQUARED, QUANTITY = 20, 4, 1000
PARAMS = {"window": WINDOW, "k": 2.0, "bar_seconds": 60, "quantity": QUANTITY}
HALF_TICKS_PER_UNIT = 200_000  # EURUSD's tick is 0.00001; a mid can be half a tick


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return sample_catalog(Path(tmp_path_factory.mktemp("bollinger")), eurusd=True)


@pytest.fixture(scope="module")
def ticks(catalog: Catalog) -> pd.DataFrame:
    return quotes(catalog)


def expected_orders(closes: pd.Series, *, allow_short: bool) -> list[tuple[int, float]]:
    """(bar index, signed quantity) of the orders of the rule, in exact integer arithmetic.

    With S and Q the sum and the sum of squares of the window's closes, n c - S
    compares a close c with the middle, and ``(n c - S)**2 > k**2 (n Q - S**2)``
    says it lies beyond a band (both sides multiplied by n**2).
    """
    units = np.rint(closes.to_numpy() * HALF_TICKS_PER_UNIT).astype(np.int64).tolist()
    orders: list[tuple[int, float]] = []
    target = 0.0
    for index in range(WINDOW - 1, len(units)):
        window = units[index - WINDOW + 1 : index + 1]
        total, squares, close = sum(window), sum(x * x for x in window), units[index]
        away = WINDOW * close - total
        outside = away * away > K_SQUARED * (WINDOW * squares - total * total)
        wanted = target
        if outside and away > 0:
            wanted = QUANTITY
        elif outside and away < 0 and allow_short:
            wanted = -QUANTITY
        elif (target > 0 and away <= 0) or (target < 0 and away >= 0):
            wanted = 0.0
        if wanted != target:
            orders.append((index, wanted - target))
            target = wanted
    return orders


@pytest.mark.parametrize("allow_short", [True, False])
def test_orders_are_sent_on_the_bars_the_exact_rule_names(
    catalog: Catalog, ticks: pd.DataFrame, allow_short: bool
) -> None:
    closes = minute_closes(ticks)
    expected = expected_orders(closes, allow_short=allow_short)
    assert len(expected) >= 10
    params = {**PARAMS, "allow_short": allow_short}
    result = run_backtest(catalog, BollingerBreakout, BacktestConfig(instruments=(EURUSD,)), params)
    orders = orders_by_id(result)
    bucket_ends = closes.index.to_numpy()[[index for index, _ in expected]]
    first_quotes = ticks["ts_recv"].searchsorted(bucket_ends, side="left")
    assert orders["created_ns"].tolist() == ticks["ts_recv"].iloc[first_quotes].tolist()
    signed = (orders["side"] * orders["quantity"]).tolist()
    np.testing.assert_allclose(signed, [quantity for _, quantity in expected])

    held = positions(result, EURUSD)
    assert np.abs(held).max() < QUANTITY + 1e-6
    if not allow_short:
        assert held.min() > -1e-6
    fills = fills_of(result)
    assert (
        fills.groupby("order_id")["ts"].first() == orders.set_index("order_id")["created_ns"]
    ).all()


def test_parameters_are_validated(catalog: Catalog) -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, BollingerBreakout, BacktestConfig(instruments=(EURUSD,)), {"k": 0.0})
    assert caught.value.field == "param k"
    with pytest.raises(InputError) as caught:
        run_backtest(
            catalog, BollingerBreakout, BacktestConfig(instruments=(EURUSD,)), {"window": 1}
        )
    assert caught.value.field == "param window"
