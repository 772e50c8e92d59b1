"""VWAP: cumulative, rolling and per session; pandas' formulas, identical faces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategy.indicators.indicator_series import (
    F64,
    assert_bitwise_equal,
    assert_close,
    positive_series,
    run_incremental,
    scale,
)

from tickdeck.core import InputError
from tickdeck.strategy import VWAP, vwap

window_or_cumulative = st.one_of(st.none(), st.integers(1, 20))


@st.composite
def trades(draw: st.DrawFn) -> tuple[F64, F64, np.ndarray]:
    """Prices, whole-number volumes (zeros included) and a few session labels."""
    prices = draw(positive_series(max_size=100))
    size = prices.shape[0]
    volumes = draw(st.lists(st.integers(0, 500), min_size=size, max_size=size))
    cuts = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    sessions = np.cumsum(np.array(cuts, dtype=np.int64)) * 7  # labels need not be 0, 1, 2
    return prices, np.array(volumes, dtype=np.float64), sessions


def pandas_vwap(prices: F64, volumes: F64, sessions: np.ndarray, window: int | None) -> F64:
    frame = pd.DataFrame({"pv": prices * volumes, "v": volumes, "session": sessions})
    by_session = frame.groupby("session", sort=False)[["pv", "v"]]
    if window is None:
        sums = by_session.cumsum()
    else:
        sums = by_session.rolling(window).sum().reset_index(level=0, drop=True).sort_index()
    return (sums["pv"] / sums["v"].where(sums["v"] > 0)).to_numpy()


def run_with_resets(indicator: VWAP, prices: F64, volumes: F64, sessions: np.ndarray) -> F64:
    out = []
    for i, (price, volume) in enumerate(zip(prices.tolist(), volumes.tolist(), strict=True)):
        if i > 0 and sessions[i] != sessions[i - 1]:
            indicator.reset()
        out.append(indicator.update(price, volume))
    return np.array(out, dtype=np.float64)


@given(trades(), window_or_cumulative)
def test_vwap_is_the_sum_of_price_times_volume_over_the_sum_of_volume(
    trade: tuple[F64, F64, np.ndarray], window: int | None
) -> None:
    prices, volumes, _ = trade
    one_session = np.zeros(prices.shape[0], np.int64)
    expected = pandas_vwap(prices, volumes, one_session, window)
    assert_close(vwap(prices, volumes, window=window), expected, atol=1e-9 * scale(prices))


@given(trades(), window_or_cumulative)
def test_a_new_session_label_starts_the_vwap_over(
    trade: tuple[F64, F64, np.ndarray], window: int | None
) -> None:
    prices, volumes, sessions = trade
    expected = pandas_vwap(prices, volumes, sessions, window)
    actual = vwap(prices, volumes, window=window, sessions=sessions)
    assert_close(actual, expected, atol=1e-9 * scale(prices))


@given(trades(), window_or_cumulative)
def test_vwap_updates_with_reset_at_each_session_give_the_array_bit_for_bit(
    trade: tuple[F64, F64, np.ndarray], window: int | None
) -> None:
    prices, volumes, sessions = trade
    incremental = run_with_resets(VWAP(window), prices, volumes, sessions)
    assert_bitwise_equal(incremental, vwap(prices, volumes, window=window, sessions=sessions))
    assert_bitwise_equal(
        run_incremental(VWAP(window), prices, volumes), vwap(prices, volumes, window=window)
    )


def test_no_volume_yet_means_no_vwap() -> None:
    out = vwap([10.0, 11.0, 12.0, 13.0], [0.0, 0.0, 2.0, 2.0])
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == [12.0, 12.5]


def test_a_rolling_window_of_zero_volumes_is_nan_even_after_rounding() -> None:
    # 0.1 + 0.2 - 0.1 - 0.2 is 2.8e-17, not 0: the window counts its non-zero
    # volumes instead of trusting the sum.
    prices = [1.0, 2.0, 3.0, 3.0, 3.0]
    volumes = [0.1, 0.2, 0.0, 0.0, 0.0]
    out = vwap(prices, volumes, window=2)
    assert np.isnan(out[-2:]).all()
    indicator = VWAP(window=2)
    assert np.isnan(run_incremental(indicator, np.array(prices), np.array(volumes))[-1])


def test_rolling_vwap_warms_up_like_an_sma() -> None:
    out = vwap(np.arange(1.0, 7.0), np.ones(6), window=3)
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == [2.0, 3.0, 4.0, 5.0]
    assert VWAP(window=3).ready is False
    assert VWAP().ready is True


def test_vwap_refuses_negative_or_missing_volumes() -> None:
    with pytest.raises(InputError) as caught:
        vwap([1.0, 2.0], [1.0, -1.0])
    assert caught.value.field == "volumes[1]"
    indicator = VWAP()
    with pytest.raises(InputError) as caught:
        indicator.update(1.0, -1.0)
    assert caught.value.field == "volume"
    with pytest.raises(InputError) as caught:
        indicator.update(1.0, float("nan"))
    assert caught.value.field == "volume"


def test_session_labels_must_be_integers_one_per_trade() -> None:
    with pytest.raises(InputError, match="sessions"):
        vwap([1.0, 2.0], [1.0, 1.0], sessions=[0])
    with pytest.raises(InputError, match="integer labels"):
        vwap([1.0, 2.0], [1.0, 1.0], sessions=[0.0, 1.0])
    assert vwap([], [], sessions=[]).shape == (0,)
