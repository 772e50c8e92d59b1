"""Rolling std, z-score, Bollinger bands and ATR: pandas' formulas, identical faces."""

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
    seeded_ewm,
    series,
    stacked,
    windows,
)

from tickdeck.core import InputError
from tickdeck.strategy import (
    ATR,
    BandsValue,
    BollingerBands,
    RollingStd,
    ZScore,
    atr,
    bollinger_bands,
    rolling_std,
    zscore,
)

ddofs = st.sampled_from([0, 1])
ks = st.sampled_from([0.5, 1.0, 2.0, 2.5])


def assert_same_deviation(actual: F64, expected: F64, values: F64) -> None:
    # Compared as variances: near a flat window the deviation is the square
    # root of a rounding error, and only the variance's error is small.
    assert_close(actual**2, expected**2, atol=1e-10 * scale(values) ** 2)


# --- rolling standard deviation and z-score ------------------------------------


@given(series(), windows, ddofs)
def test_rolling_std_is_pandas_rolling_std(values: F64, n: int, ddof: int) -> None:
    n = max(n, ddof + 1)
    expected = pd.Series(values).rolling(n).std(ddof=ddof).to_numpy()
    assert_same_deviation(rolling_std(values, n, ddof=ddof), expected, values)


@given(series(), windows, ddofs)
def test_zscore_is_distance_from_the_rolling_mean_in_rolling_deviations(
    values: F64, n: int, ddof: int
) -> None:
    n = max(n, ddof + 1)
    rolling = pd.Series(values).rolling(n)
    deviation = rolling.std(ddof=ddof).to_numpy()
    expected = (values - rolling.mean().to_numpy()) / np.where(deviation > 0, deviation, np.nan)
    actual = zscore(values, n, ddof=ddof)
    flat = (rolling.max() == rolling.min()).to_numpy()
    assert np.isnan(actual[flat]).all(), "a flat window has no z-score"
    # Where the deviation is itself a rounding error, so is any z-score.
    sound = deviation > 1e-4 * scale(values)
    assert_close(actual[sound], expected[sound], atol=1e-6)


@given(series(), windows, ddofs)
def test_rolling_std_updates_give_the_array_bit_for_bit(values: F64, n: int, ddof: int) -> None:
    n = max(n, ddof + 1)
    indicator = RollingStd(n, ddof=ddof)
    assert_bitwise_equal(run_incremental(indicator, values), rolling_std(values, n, ddof=ddof))


@given(series(), windows, ddofs)
def test_zscore_updates_give_the_array_bit_for_bit(values: F64, n: int, ddof: int) -> None:
    n = max(n, ddof + 1)
    indicator = ZScore(n, ddof=ddof)
    assert_bitwise_equal(run_incremental(indicator, values), zscore(values, n, ddof=ddof))


def test_the_default_is_the_population_deviation() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert rolling_std(values, 4)[-1] == pytest.approx(np.std(values, ddof=0))
    assert rolling_std(values, 4, ddof=1)[-1] == pytest.approx(np.std(values, ddof=1))


def test_a_flat_window_has_exactly_zero_deviation_and_no_zscore() -> None:
    values = np.array([9.0, 3.0, 0.1, 0.1, 0.1, 0.1])
    assert rolling_std(values, 3)[-1] == 0.0
    assert np.isnan(zscore(values, 3)[-1])
    indicator = ZScore(3)
    for value in values:
        indicator.update(float(value))
    assert np.isnan(indicator.value)
    assert indicator.ready


def test_zscore_of_a_worked_example() -> None:
    # mean 2, population std sqrt(2/3): the newest value 3 is sqrt(1.5) above.
    assert zscore([1.0, 2.0, 3.0], 3)[-1] == pytest.approx(np.sqrt(1.5))


def test_ddof_one_needs_a_window_of_two() -> None:
    with pytest.raises(InputError) as caught:
        RollingStd(1, ddof=1)
    assert caught.value.field == "window"
    assert rolling_std([1.0, 3.0], 2, ddof=1)[-1] == pytest.approx(np.sqrt(2.0))


# --- Bollinger bands -------------------------------------------------------------


@given(series(), windows, ks)
def test_bollinger_bands_are_the_sma_plus_minus_k_population_deviations(
    values: F64, n: int, k: float
) -> None:
    rolling = pd.Series(values).rolling(n)
    middle = rolling.mean().to_numpy()
    out = bollinger_bands(values, n, k=k)
    assert_close(out.middle, middle, atol=1e-12 * scale(values))
    deviation = rolling.std(ddof=0).to_numpy()
    assert_same_deviation((out.upper - out.middle) / k, deviation, values)
    assert_same_deviation((out.middle - out.lower) / k, deviation, values)


@given(series(), windows, ks)
def test_bollinger_updates_give_the_arrays_bit_for_bit(values: F64, n: int, k: float) -> None:
    indicator = BollingerBands(n, k=k)
    expected = stacked(bollinger_bands(values, n, k=k))
    assert_bitwise_equal(run_incremental(indicator, values, fields=3), expected)


def test_bollinger_defaults_and_named_fields() -> None:
    indicator = BollingerBands()
    assert repr(indicator) == "BollingerBands(window=20, k=2.0)"
    for value in range(20):
        reading = indicator.update(float(value))
    assert isinstance(reading, BandsValue)
    assert reading.middle == 9.5
    assert reading.upper - reading.middle == pytest.approx(2 * np.std(np.arange(20.0)))


# --- ATR -------------------------------------------------------------------------


@st.composite
def bars(draw: st.DrawFn) -> tuple[F64, F64, F64]:
    """Bars with high >= low and a close anywhere around them (gaps included)."""
    closes = draw(positive_series(max_size=80))
    size = closes.shape[0]
    above = draw(st.lists(st.sampled_from([0.0, 0.01, 0.5, 3.0]), min_size=size, max_size=size))
    below = draw(st.lists(st.sampled_from([0.0, 0.02, 0.7, 2.0]), min_size=size, max_size=size))
    shift = draw(st.lists(st.sampled_from([0.0, 1.5, -2.5]), min_size=size, max_size=size))
    middle = closes + np.array(shift)
    return middle + np.array(above), middle - np.array(below), closes


def pandas_atr(high: F64, low: F64, close: F64, n: int) -> F64:
    h, lo, c = pd.Series(high), pd.Series(low), pd.Series(close)
    previous = c.shift()
    ranges = pd.concat([h - lo, (h - previous).abs(), (lo - previous).abs()], axis=1)
    true_range = ranges.max(axis=1)  # skips the NaN of the first bar: high - low
    return seeded_ewm(true_range, n, 1 / n).to_numpy()


@given(bars(), windows)
def test_atr_is_wilders_average_of_the_true_range(bar: tuple[F64, F64, F64], n: int) -> None:
    high, low, close = bar
    expected = pandas_atr(high, low, close, n)
    assert_close(atr(high, low, close, n), expected, atol=1e-11 * scale(high, low))


@given(bars(), windows)
def test_atr_updates_give_the_array_bit_for_bit(bar: tuple[F64, F64, F64], n: int) -> None:
    assert_bitwise_equal(run_incremental(ATR(n), *bar), atr(*bar, n))


def test_the_true_range_includes_the_gap_from_the_previous_close() -> None:
    # Bar 2 trades 12..13 after a close at 10: its true range is 13 - 10.
    out = atr([11.0, 13.0], [9.0, 12.0], [10.0, 12.5], window=1)
    assert out.tolist() == [2.0, 3.0]


def test_atr_is_undefined_for_the_first_window_minus_one_bars() -> None:
    high = np.arange(2.0, 12.0)
    out = atr(high, high - 1.0, high - 0.5, 4)
    assert np.isnan(out[:3]).all()
    assert not np.isnan(out[3:]).any()


def test_atr_refuses_a_low_above_the_high() -> None:
    with pytest.raises(InputError) as caught:
        atr([2.0, 2.0], [1.0, 3.0], [1.5, 2.0], 1)
    assert caught.value.field == "lows[1]"
    indicator = ATR(2)
    with pytest.raises(InputError) as caught:
        indicator.update(1.0, 2.0, 1.5)
    assert caught.value.field == "low"
    assert np.isnan(indicator.update(2.0, 1.0, 1.5))  # the refused bar was not counted
    assert indicator.update(2.0, 1.0, 1.5) == 1.0
