"""PairsTrading on the sample EURUSD quotes and a second leg made to co-move with them.

The sample has one USD-quoted quote stream (USDJPY is quoted in JPY, and a
backtest's portfolio gets no fx conversion), so leg B is built here from
EURUSD's own quotes: half its mid plus a constant plus a mean-reverting
noise, on the same timestamps. The spread ``A - beta * B`` then really mean
reverts, with beta near 2. The hedge ratio, z-score and entries are
recomputed with pandas rolling statistics and must match the orders on both legs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.strategy.templates.templates_catalog import (
    EURUSD,
    fills_of,
    minute_closes,
    orders_by_id,
    positions_after_orders,
    quotes,
    sample_catalog,
)

from tickdeck.core import DataKind, InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.templates import PairsTrading
from tickdeck.strategy.templates.pairs import ols_slope

HEDGE = Instrument("EURHALF", "SYNTH", "0.00001", "1000", currency="USD", asset_class="fx")
PAIR = (EURUSD, HEDGE.id)
QUANTITY, LOT = 10_000, 1000
PARAMS = {
    "hedge_window": 120,
    "z_window": 60,
    "entry_z": 2.0,
    "exit_z": 0.5,
    "quantity": QUANTITY,
    "hedge_lot": LOT,
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog = sample_catalog(Path(tmp_path_factory.mktemp("pairs")), eurusd=True)
    leg_a = quotes(catalog)
    rng = np.random.default_rng(1)
    # An AR(1) noise in ticks: half-life about 600 quotes (15 minutes), deviation about 4 ticks.
    phi = 0.5 ** (1 / 600)
    shocks = rng.normal(0.0, 4.0 * np.sqrt(1 - phi * phi), len(leg_a))
    noise = np.zeros(len(leg_a))
    for index in range(1, len(leg_a)):
        noise[index] = phi * noise[index - 1] + shocks[index]
    mid_ticks = np.rint(leg_a["mid"].to_numpy() * 50_000 + 55_000 + noise).astype(np.int64)
    ts = leg_a["ts_recv"].to_numpy()
    catalog.add_instrument(HEDGE)
    catalog.write(
        DataKind.QUOTE,
        HEDGE.id,
        pa.table(
            {
                "ts_event": ts,
                "ts_recv": ts,
                "bid_price": HEDGE.ticks_to_prices(mid_ticks - 1),
                "ask_price": HEDGE.ticks_to_prices(mid_ticks + 1),
                "bid_size": np.full(len(ts), 5.0),
                "ask_size": np.full(len(ts), 5.0),
            }
        ),
    )
    return catalog


def reference(catalog: Catalog, hedge_window: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bars of both legs with beta and z by pandas, and the quotes of leg A."""
    ticks = quotes(catalog, EURUSD)
    frame = pd.DataFrame({"a": minute_closes(ticks), "b": minute_closes(quotes(catalog, HEDGE.id))})
    if hedge_window:
        rolling = frame["a"].rolling(hedge_window)
        frame["beta"] = rolling.cov(frame["b"]) / frame["b"].rolling(hedge_window).var()
    else:
        frame["beta"] = PARAMS.get("hedge_ratio", 2.0)
    spread = frame["a"] - frame["beta"] * frame["b"]
    window = spread.rolling(int(PARAMS["z_window"]))
    frame["z"] = (spread - window.mean()) / window.std(ddof=0)
    return frame, ticks


def expected_orders(frame: pd.DataFrame) -> list[tuple[int, float, float]]:
    """(bar index, signed quantity of A, signed quantity of B) at each change of state."""
    orders: list[tuple[int, float, float]] = []
    state, held_b = 0, 0.0
    for index, (z, beta) in enumerate(zip(frame["z"], frame["beta"], strict=True)):
        wanted = state
        if z > PARAMS["entry_z"]:
            wanted = -1
        elif z < -PARAMS["entry_z"]:
            wanted = 1
        elif abs(z) < PARAMS["exit_z"]:
            wanted = 0
        if wanted != state:
            target_b = -wanted * round(beta * QUANTITY / LOT) * LOT
            orders.append((index, (wanted - state) * QUANTITY, target_b - held_b))
            state, held_b = wanted, target_b
    return orders


@pytest.mark.parametrize("hedge_window", [120, 0])
def test_both_legs_trade_where_the_z_score_says(catalog: Catalog, hedge_window: int) -> None:
    params = {**PARAMS, "hedge_window": hedge_window, "hedge_ratio": 2.0}
    frame, ticks = reference(catalog, hedge_window)
    expected = expected_orders(frame)
    assert len(expected) >= 6
    result = run_backtest(catalog, PairsTrading, BacktestConfig(instruments=PAIR), params)

    orders = orders_by_id(result)
    legs = {leg: orders[orders["instrument"] == leg] for leg in PAIR}
    sent_at = ticks["ts_recv"].iloc[
        ticks["ts_recv"].searchsorted(frame.index.to_numpy()[[i for i, _, _ in expected]])
    ]
    assert legs[EURUSD]["created_ns"].tolist() == sent_at.tolist()
    signed = legs[EURUSD]["side"] * legs[EURUSD]["quantity"]
    assert signed.tolist() == [a for _, a, _ in expected]
    hedges = [(i, b) for i, _, b in expected if b != 0]
    signed_b = legs[HEDGE.id]["side"] * legs[HEDGE.id]["quantity"]
    np.testing.assert_allclose(signed_b, [b for _, b in hedges])
    if hedge_window == 0:
        assert set(legs[HEDGE.id]["quantity"]) <= {2 * QUANTITY, 4 * QUANTITY}

    fills = fills_of(result)
    assert set(fills["instrument"]) == set(PAIR)
    held = positions_after_orders(result, EURUSD)
    assert set(np.round(held, 6)) <= {-QUANTITY, 0, QUANTITY}


def test_the_rolling_hedge_ratio_finds_the_co_movement(catalog: Catalog) -> None:
    frame, _ = reference(catalog, 120)
    betas = frame["beta"].dropna()
    assert 1.0 < betas.median() < 2.5  # B is half of A plus noise: beta at most 2, pulled down
    sample = frame.iloc[300:420]
    assert ols_slope(sample["a"].tolist(), sample["b"].tolist()) == pytest.approx(
        frame["beta"].iloc[419], rel=1e-9
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"entry_z": 1.0, "exit_z": 1.5}, "param exit_z"),
        ({"hedge_window": 1}, "param hedge_window"),
        ({"leg_b": EURUSD}, "param leg_b"),
        ({"leg_a": "GBPUSD.DUKA"}, "param leg_a"),
        ({"z_window": 1}, "param z_window"),
    ],
)
def test_parameters_are_validated(catalog: Catalog, params: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        run_backtest(catalog, PairsTrading, BacktestConfig(instruments=PAIR), params)
    assert caught.value.field == field
