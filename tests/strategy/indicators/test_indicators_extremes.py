"""Rolling max and min: pandas' rolling max/min exactly, identical faces, bounded memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from tests.strategy.indicators.indicator_series import (
    F64,
    assert_bitwise_equal,
    run_incremental,
    series,
    windows,
)

from tickdeck.strategy import RollingMax, RollingMin, rolling_max, rolling_min


@given(series(), windows)
def test_rolling_max_is_pandas_rolling_max_exactly(values: F64, n: int) -> None:
    # An extreme is one of the inputs: no rounding, so no tolerance.
    assert_bitwise_equal(rolling_max(values, n), pd.Series(values).rolling(n).max())


@given(series(), windows)
def test_rolling_min_is_pandas_rolling_min_exactly(values: F64, n: int) -> None:
    assert_bitwise_equal(rolling_min(values, n), pd.Series(values).rolling(n).min())


@given(series(), windows)
def test_rolling_extreme_updates_give_the_arrays_bit_for_bit(values: F64, n: int) -> None:
    assert_bitwise_equal(run_incremental(RollingMax(n), values), rolling_max(values, n))
    assert_bitwise_equal(run_incremental(RollingMin(n), values), rolling_min(values, n))


def test_the_deque_never_holds_more_than_the_window() -> None:
    # A falling series is the worst case for a max deque: nothing is evicted
    # by newer values, only by age.
    indicator = RollingMax(5)
    for value in np.linspace(100.0, 0.0, 50):
        indicator.update(float(value))
        assert len(indicator._values) <= 5
    assert indicator.value == np.linspace(100.0, 0.0, 50)[-5]


def test_extremes_warm_up_for_window_minus_one_values() -> None:
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    assert rolling_max(values, 3).tolist()[2:] == [4.0, 4.0, 5.0]
    assert rolling_min(values, 3).tolist()[2:] == [1.0, 1.0, 1.0]
    assert np.isnan(rolling_max(values, 3)[:2]).all()
    indicator = RollingMin(3)
    assert [(indicator.update(float(v)), indicator.ready)[1] for v in values] == [
        False,
        False,
        True,
        True,
        True,
    ]
