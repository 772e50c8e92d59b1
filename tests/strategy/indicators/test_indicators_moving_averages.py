"""SMA, EMA and WMA: pandas' formulas, identical faces, warm-up, flat windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from tests.strategy.indicators.indicator_series import (
    F64,
    assert_bitwise_equal,
    assert_close,
    run_incremental,
    scale,
    seeded_ewm,
    series,
    windows,
)

from tickdeck.strategy import EMA, SMA, WMA, ema, sma, wma


def pandas_wma(values: F64, n: int) -> F64:
    weights = np.arange(1, n + 1, dtype=np.float64)
    rolling = pd.Series(values).rolling(n)
    return rolling.apply(lambda w: (w * weights).sum() / weights.sum(), raw=True).to_numpy()


# --- against pandas -------------------------------------------------------------


@given(series(), windows)
def test_sma_is_pandas_rolling_mean(values: F64, n: int) -> None:
    expected = pd.Series(values).rolling(n).mean().to_numpy()
    assert_close(sma(values, n), expected, atol=1e-12 * scale(values))


@given(series(), windows)
def test_ema_is_pandas_ewm_seeded_with_the_first_sma(values: F64, n: int) -> None:
    expected = seeded_ewm(pd.Series(values), n, 2 / (n + 1)).to_numpy()
    assert_close(ema(values, n), expected, atol=1e-12 * scale(values))


@given(series(), windows)
def test_wma_is_a_rolling_dot_product_with_weights_one_to_n(values: F64, n: int) -> None:
    assert_close(wma(values, n), pandas_wma(values, n), atol=1e-11 * scale(values))


# --- the two faces --------------------------------------------------------------


@given(series(), windows)
def test_sma_updates_give_the_array_bit_for_bit(values: F64, n: int) -> None:
    assert_bitwise_equal(run_incremental(SMA(n), values), sma(values, n))


@given(series(), windows)
def test_ema_updates_give_the_array_bit_for_bit(values: F64, n: int) -> None:
    assert_bitwise_equal(run_incremental(EMA(n), values), ema(values, n))


@given(series(), windows)
def test_wma_updates_give_the_array_bit_for_bit(values: F64, n: int) -> None:
    assert_bitwise_equal(run_incremental(WMA(n), values), wma(values, n))


# --- warm-up and special values ---------------------------------------------------


def test_each_average_is_undefined_for_the_first_window_minus_one_values() -> None:
    values = np.arange(1.0, 11.0)
    for function in (sma, ema, wma):
        out = function(values, 4)
        assert np.isnan(out[:3]).all()
        assert not np.isnan(out[3:]).any()


def test_ready_turns_true_with_the_first_value() -> None:
    for indicator in (SMA(3), EMA(3), WMA(3)):
        seen = []
        for value in (1.0, 2.0, 3.0, 4.0):
            indicator.update(value)
            seen.append(indicator.ready)
        assert seen == [False, False, True, True]


def test_small_worked_examples() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert sma(values, 2).tolist()[1:] == [1.5, 2.5, 3.5]
    assert wma(values, 2).tolist()[1:] == [5 / 3, 8 / 3, 11 / 3]
    # alpha = 2/3: seed (1+2)/2 = 1.5, then 1.5 + 2/3 * 1.5 = 2.5, then 3.5.
    assert ema(values, 2).tolist()[1:] == pytest.approx([1.5, 2.5, 3.5], rel=1e-15)


def test_a_window_of_equal_values_averages_to_exactly_that_value() -> None:
    # sum([0.1] * 3) / 3 is not 0.1: without the rule a flat SMA(3) and a flat
    # SMA(5) would differ by a rounding error and fake a crossover.
    values = np.array([5.0, 7.0, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert sma(values, 3)[-1] == 0.1
    assert sma(values, 5)[-1] == 0.1
    assert wma(values, 3)[-1] == 0.1
    flat = SMA(3)
    for value in values:
        flat.update(float(value))
    assert flat.value == 0.1


def test_an_ema_of_a_constant_stays_that_constant() -> None:
    assert (ema(np.full(50, 2.0), 7)[6:] == 2.0).all()


def test_window_one_is_the_input_itself() -> None:
    values = np.array([3.0, -1.5, 2.25])
    for function in (sma, ema, wma):
        assert_bitwise_equal(function(values, 1), values)


def test_reset_starts_over() -> None:
    values = np.linspace(1.0, 2.0, 9)
    for indicator in (SMA(4), EMA(4), WMA(4)):
        first = run_incremental(indicator, values)
        indicator.reset()
        assert not indicator.ready
        assert np.isnan(indicator.value)
        assert_bitwise_equal(run_incremental(indicator, values), first)
