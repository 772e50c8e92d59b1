"""RSI and MACD: pandas' formulas, identical faces, warm-up, edge cases."""

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
    pandas_rsi,
    run_incremental,
    scale,
    seeded_ewm,
    series,
    stacked,
    windows,
)

from tickdeck.core import InputError
from tickdeck.strategy import MACD, RSI, MACDValue, macd, rsi

macd_windows = st.tuples(st.integers(1, 12), st.integers(1, 15), st.integers(1, 9)).map(
    lambda t: (t[0], t[0] + t[1], t[2])  # fast < slow
)


def pandas_macd(values: F64, fast: int, slow: int, signal: int) -> F64:
    prices = pd.Series(values)
    line = seeded_ewm(prices, fast, 2 / (fast + 1)) - seeded_ewm(prices, slow, 2 / (slow + 1))
    signal_line = pd.Series(np.nan, index=prices.index)
    tail = line.iloc[slow - 1 :]
    signal_line.iloc[slow - 1 :] = seeded_ewm(tail, signal, 2 / (signal + 1)).to_numpy()
    return np.column_stack([line, signal_line, line - signal_line])


# --- RSI --------------------------------------------------------------------------


@given(series(), windows)
def test_rsi_is_100_times_gains_over_gains_plus_losses_of_wilder_averages(
    values: F64, n: int
) -> None:
    # RSI is in [0, 100] whatever the prices' scale; only rounding separates us.
    assert_close(rsi(values, n), pandas_rsi(values, n), atol=1e-9)


@given(series(), windows)
def test_rsi_updates_give_the_array_bit_for_bit(values: F64, n: int) -> None:
    assert_bitwise_equal(run_incremental(RSI(n), values), rsi(values, n))


def test_rsi_needs_window_plus_one_prices() -> None:
    out = rsi(np.arange(10.0), 4)
    assert np.isnan(out[:4]).all()
    assert not np.isnan(out[4:]).any()
    indicator = RSI(4)
    readiness = [(indicator.update(p), indicator.ready)[1] for p in range(6)]
    assert readiness == [False, False, False, False, True, True]


def test_rsi_is_100_when_prices_only_rise_0_when_they_only_fall_50_when_flat() -> None:
    assert (rsi(np.arange(20.0), 5)[5:] == 100.0).all()
    assert (rsi(-np.arange(20.0), 5)[5:] == 0.0).all()
    assert (rsi(np.full(20, 3.0), 5)[5:] == 50.0).all()


def test_rsi_stays_within_0_and_100() -> None:
    walk = np.cumsum(np.random.default_rng(7).normal(size=2_000))
    values = rsi(walk, 14)[14:]
    assert ((values >= 0.0) & (values <= 100.0)).all()


# --- MACD -------------------------------------------------------------------------


@given(series(), macd_windows)
def test_macd_is_ema_difference_its_signal_ema_and_their_difference(
    values: F64, windows_: tuple[int, int, int]
) -> None:
    fast, slow, signal = windows_
    out = macd(values, fast_window=fast, slow_window=slow, signal_window=signal)
    assert_close(stacked(out), pandas_macd(values, *windows_), atol=1e-11 * scale(values))


@given(series(), macd_windows)
def test_macd_updates_give_the_arrays_bit_for_bit(
    values: F64, windows_: tuple[int, int, int]
) -> None:
    fast, slow, signal = windows_
    indicator = MACD(fast_window=fast, slow_window=slow, signal_window=signal)
    out = macd(values, fast_window=fast, slow_window=slow, signal_window=signal)
    assert_bitwise_equal(run_incremental(indicator, values, fields=3), stacked(out))


def test_macd_line_and_signal_warm_up_separately() -> None:
    out = macd(np.linspace(1.0, 3.0, 40), fast_window=3, slow_window=6, signal_window=4)
    assert np.isnan(out.line[:5]).all()
    assert not np.isnan(out.line[5:]).any()
    first_signal = 6 + 4 - 2
    for field in (out.signal, out.histogram):
        assert np.isnan(field[:first_signal]).all()
        assert not np.isnan(field[first_signal:]).any()


def test_macd_returns_named_fields_and_is_ready_with_its_signal() -> None:
    indicator = MACD(fast_window=2, slow_window=3, signal_window=2)
    readings = [indicator.update(p) for p in (1.0, 2.0, 3.0, 5.0)]
    assert isinstance(readings[-1], MACDValue)
    assert np.isnan(readings[1].line)
    assert not np.isnan(readings[2].line)
    assert np.isnan(readings[2].signal)
    assert indicator.ready
    last = readings[-1]
    assert last.histogram == last.line - last.signal
    assert indicator.value is last


def test_macd_has_the_usual_defaults() -> None:
    assert repr(MACD()) == "MACD(fast_window=12, slow_window=26, signal_window=9)"


def test_macd_refuses_a_fast_window_not_shorter_than_the_slow_one() -> None:
    with pytest.raises(InputError, match="fast_window") as caught:
        MACD(fast_window=26, slow_window=12)
    assert caught.value.field == "fast_window"
    with pytest.raises(InputError, match="fast_window"):
        macd([1.0, 2.0], fast_window=5, slow_window=5)
